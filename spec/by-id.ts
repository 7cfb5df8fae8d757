/**
 * Numbers by entry id, 0 unless set: dense below a size (the ids a state or
 * a trace numbers; a plain array, as allocating a typed array per check or
 * trace cost more than the check), a map for any other key (-1, or an id a
 * corrupt list names).
 */
export class ById {
  private readonly dense: number[];
  private other: Map<number, number> | undefined;
  constructor(size: number) {
    // Stryker disable next-line ArrayDeclaration,MethodExpression: equivalent mutants, see CONFORMANCE.md
    this.dense = new Array<number>(Math.max(0, size | 0)).fill(0);
  }
  get(id: number): number {
    return this.isDense(id) ? (this.dense[id] as number) : (this.other?.get(id) ?? 0);
  }
  set(id: number, n: number): void {
    if (this.isDense(id)) this.dense[id] = n;
    else (this.other ??= new Map()).set(id, n);
  }
  add(id: number, n: number): void {
    this.set(id, this.get(id) + n);
  }
  // Stryker disable next-line BlockStatement: equivalent mutants, see CONFORMANCE.md
  private isDense(id: number): boolean {
    return id >= 0 && id < this.dense.length && Number.isInteger(id);
  }
}
