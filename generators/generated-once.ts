/**
 * Values generated once for two readers. The validation loop samples the
 * sequences fast-check is about to run (`fc.sample` with the check's seed and
 * a path) so that its servers run them ahead, and fast-check's runner then
 * asks for the same runs. Run i starts from the same random state in both
 * (that is what makes a `path` replay work), so `sampler` keeps each value it
 * generates, keyed by that state and the bias, and `runner` hands the kept
 * value back instead of generating it again: the same fast-check Value,
 * shrink context included, so shrinking is as if the runner had made it. A
 * kept value is taken once; at most `limit` wait, the oldest dropped first.
 * Where the random generator does not tell its state, both just generate.
 */
import fc from 'fast-check';

/** The random state a value is generated from, with the bias, or null. */
function stateOf(mrng: fc.Random, bias: number | undefined): string | null {
  const state = (mrng as { getState?: () => readonly number[] | undefined }).getState?.();
  return state === undefined ? null : `${bias ?? '-'}:${state.join(',')}`;
}

class Kept<T> extends fc.Arbitrary<T> {
  constructor(
    private readonly inner: fc.Arbitrary<T>,
    private readonly kept: Map<string, fc.Value<T>>,
    private readonly role: 'sampler' | 'runner',
    private readonly limit: number,
  ) {
    super();
  }

  generate(mrng: fc.Random, bias: number | undefined): fc.Value<T> {
    const key = stateOf(mrng, bias);
    if (key !== null && this.role === 'runner') {
      const value = this.kept.get(key);
      if (value !== undefined) {
        this.kept.delete(key);
        return value;
      }
    }
    const value = this.inner.generate(mrng, bias);
    if (key !== null && this.role === 'sampler') {
      this.kept.set(key, value);
      if (this.kept.size > this.limit) this.kept.delete(this.kept.keys().next().value as string);
    }
    return value;
  }

  canShrinkWithoutContext(value: unknown): value is T {
    return this.inner.canShrinkWithoutContext(value);
  }

  shrink(value: T, context: unknown): fc.Stream<fc.Value<T>> {
    return this.inner.shrink(value, context);
  }
}

export interface GeneratedOnce<T> {
  /** What `fc.sample` reads ahead: generates, and keeps what it generated. */
  readonly sampler: fc.Arbitrary<T>;
  /** What the property reads: a kept value where there is one. */
  readonly runner: fc.Arbitrary<T>;
}

export function generatedOnce<T>(arb: fc.Arbitrary<T>, limit = 10_000): GeneratedOnce<T> {
  const kept = new Map<string, fc.Value<T>>();
  return { sampler: new Kept(arb, kept, 'sampler', limit), runner: new Kept(arb, kept, 'runner', limit) };
}
