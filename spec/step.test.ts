/** Which rules a step records (CONFORMANCE.md, "Exercised rules"): a rolled-back open keeps the ones it ran. */
import { describe, expect, test } from 'vitest';
import { LM_ID_NEWLM, RTLD_LAZY, RTLD_NODELETE, RTLD_NOW, RTLD_SHARED } from '../model/mode.ts';
import { dso, graph } from '../properties/rows.ts';
import { runSpec } from './run.ts';

describe('rules a step records', () => {
  test('a failed open that is rolled back keeps the rules exercised before the failure', () => {
    const g = graph(dso('liba.so', { needed: ['libmissing.so'] }));
    const [s] = runSpec('glibc', g, [{ op: 'dlmopen', lmid: LM_ID_NEWLM, file: 'liba.so', mode: RTLD_NOW }]).steps;
    expect(s!.expected.result).toMatchObject({ kind: 'null', error: 'libmissing.so: cannot open shared object file: No such file or directory' });
    expect(s!.after).toBe(s!.before);
    expect(s!.rules).toEqual(['LOAD2', 'LOAD4', 'LOAD6', 'NS1']);
  });

  test('a successful open records what it ran and nothing of the failure path', () => {
    const g = graph(dso('liba.so', { needed: ['libb.so'] }), dso('libb.so'));
    const [s] = runSpec('glibc', g, [{ op: 'dlopen', file: 'liba.so', mode: RTLD_LAZY }]).steps;
    expect(s!.expected.result.kind).toBe('handle');
    expect(s!.rules).toEqual(['LOAD2', 'LOAD3']);
  });

  test('closing a nodelete entry records the master rule only for a master of a proxy', () => {
    const g = graph(dso('liba.so'), dso('libb.so'));
    const steps = runSpec('rtld-shared', g, [
      { op: 'dlopen', file: 'libb.so', mode: RTLD_NOW | RTLD_NODELETE },
      { op: 'dlclose', handle: 0 },
      { op: 'dlmopen', lmid: LM_ID_NEWLM, file: 'liba.so', mode: RTLD_NOW | RTLD_SHARED },
      { op: 'dlmopen', lmid: 0, file: 'liba.so', mode: RTLD_NOW },
      { op: 'dlclose', handle: 3 },
    ]).steps;
    expect(steps[1]!.rules).toEqual(['CLOSE2']);
    expect(steps[4]!.rules).toEqual(['CLOSE2', 'S5']);
  });
});
