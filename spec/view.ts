import type { NamespaceView } from '../model/observation.ts';
import { entriesOf, type LoaderState } from '../model/state.ts';

/** A state and its namespace views. */
export interface Viewed {
  readonly state: LoaderState;
  readonly views: readonly NamespaceView[];
}

/**
 * Every non-empty namespace, as an implementation reports it. Given an
 * earlier state of the same run and its views (`previous`), the same state
 * keeps its views, and a namespace whose list is the very same array keeps
 * its view: the spec never changes an entry's object or kind once it is
 * made, so the same list shows the same.
 */
export function namespaceViews(state: LoaderState, previous?: Viewed): readonly NamespaceView[] {
  if (previous?.state === state) return previous.views;
  const views: NamespaceView[] = [];
  let k = 0; // the next view of `previous` (ascending by ns, like ours)
  for (let ns = 0; ns < state.namespaces.length; ns++) {
    // Stryker disable next-line ArrayDeclaration: equivalent mutants, see CONFORMANCE.md
    const list = state.namespaces[ns] ?? [];
    if (list.length === 0) continue;
    // Stryker disable next-line BlockStatement: equivalent mutants, see CONFORMANCE.md
    if (previous !== undefined && previous.state.namespaces[ns] === list) {
      // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent mutants, see CONFORMANCE.md
      while (k < previous.views.length && (previous.views[k] as NamespaceView).ns < ns) k++;
      const kept = previous.views[k];
      // Stryker disable next-line BlockStatement,ConditionalExpression,EqualityOperator,LogicalOperator: equivalent mutants, see CONFORMANCE.md
      if (kept !== undefined && kept.ns === ns) {
        views.push(kept);
        continue;
      }
    }
    views.push({ ns, entries: entriesOf(state, ns).map((e) => ({ object: e.object, proxy: e.kind === 'proxy' })) });
  }
  return views;
}
