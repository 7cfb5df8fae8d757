/** Which namespace is an audit module's (AUD1): a query of the state, read by audit.ts and exit.ts. */
import { entriesOf, type LoaderState } from '../model/state.ts';

/**
 * AUD1: a secondary namespace with entries before the first call is an audit
 * module's (glibc loads each LD_AUDIT module into a namespace of its own
 * before main, `rtld.c` `load_audit_module`; nothing else makes one then).
 * Its head is a start-up entry; nothing the program does changes it.
 */
export function auditorNamespace(state: LoaderState, ns: number): boolean {
  const head = entriesOf(state, ns)[0];
  return ns > 0 && head !== undefined && head.startup;
}

/** Whether the run is audited: some namespace is an auditor's (AUD1). */
export function underAudit(state: LoaderState): boolean {
  return state.namespaces.some((_, ns) => auditorNamespace(state, ns));
}

