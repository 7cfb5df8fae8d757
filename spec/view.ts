import type { NamespaceView } from '../model/observation.ts';
import { entriesOf, type LoaderState } from '../model/state.ts';

/** Every non-empty namespace, as an implementation reports it. */
export function namespaceViews(state: LoaderState): NamespaceView[] {
  const views: NamespaceView[] = [];
  state.namespaces.forEach((_, ns) => {
    const entries = entriesOf(state, ns).map((e) => ({ object: e.object, proxy: e.kind === 'proxy' }));
    if (entries.length > 0) views.push({ ns, entries });
  });
  return views;
}
