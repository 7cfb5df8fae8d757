import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { DsoGraph } from '../model/graph.ts';
import { arbGraph, SHADOWED } from './graph.ts';

/** The graph's DSOs reachable from DSO 0, breadth-first or depth-first in link order. */
function searchOrder(graph: DsoGraph, depthFirst: boolean): string[] {
  const needed = new Map(graph.dsos.map((d) => [d.name, d.needed]));
  const order: string[] = [];
  const visit = (name: string) => {
    if (order.includes(name) || !needed.has(name)) return;
    order.push(name);
    if (depthFirst) needed.get(name)!.forEach(visit);
  };
  visit(graph.dsos[0]!.name);
  for (let i = 0; !depthFirst && i < order.length; i++) needed.get(order[i]!)!.forEach((n) => !order.includes(n) && needed.has(n) && order.push(n));
  return order;
}

const definer = (graph: DsoGraph, order: readonly string[]) => order.find((n) => graph.dsos.find((d) => d.name === n)!.symbols.includes(SHADOWED));

describe('arbGraph', () => {
  const graphs = fc.sample(arbGraph(), { numRuns: 3000, seed: 7 });
  const branching = graphs.filter((g) => searchOrder(g, false).join() !== searchOrder(g, true).join());

  test('about one graph in eight branches below DSO 0, so that breadth-first and depth-first search differ', () => {
    // Trees and diamonds of 4 or 5 DSOs, and some random graphs.
    expect(branching.length / graphs.length).toBeGreaterThan(0.08);
  });

  test('shadowed symbol: in most branching graphs, the two searches from DSO 0 find different definitions (SYM1)', () => {
    const split = branching.filter((g) => definer(g, searchOrder(g, false)) !== definer(g, searchOrder(g, true)));
    // Four graphs in five are shadowed; a few more split by chance.
    expect(split.length / branching.length).toBeGreaterThan(0.7);
    for (const g of split) expect(g.dsos[0]!.symbols).not.toContain(SHADOWED);
  });
});
