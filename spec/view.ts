import type { NamespaceView } from '../model/observation.ts';
import { entriesOf, type LoaderState } from '../model/state.ts';

/** Every non-empty namespace, ascending by id, as an implementation reports it. */
export function namespaceViews(state: LoaderState): NamespaceView[] {
  return state.namespaces.flatMap((list, ns) =>
    list.length === 0 ? [] : [{ ns, entries: entriesOf(state, ns).map((e) => ({ object: e.object, proxy: e.kind === 'proxy' })) }],
  );
}
