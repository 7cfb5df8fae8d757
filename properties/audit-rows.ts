/** Rows for the audit tests (spec/audit.test.ts, properties/audit.test.ts): one graph, calls and audit events written short. */
import type { Call } from '../model/call.ts';
import { LM_ID_NEWLM, RTLD_NOW } from '../model/mode.ts';
import type { AuditEvent } from '../model/observation.ts';
import { dso, graph } from './rows.ts';

/** liba needs libb; libu has an undefined symbol; all libc-linked, as the audit namespace's libc copy matters. */
export const AUDIT_GRAPH = graph(
  dso('liba.so', { needed: ['libb.so'], libc: true }),
  dso('libb.so', { libc: true }),
  dso('libu.so', { libc: true, undefinedSymbol: 'nowhere' }),
);
export const open = (file: string, mode = RTLD_NOW, lmid = LM_ID_NEWLM): Call => ({ op: 'dlmopen', lmid, file, mode });
export const act = (activity: 'add' | 'delete' | 'consistent', ns: number | null): AuditEvent => ({ event: 'activity', activity, ns });
export const opened = (object: string, ns: number): AuditEvent => ({ event: 'objopen', object, ns });
export const closed = (object: string | null, ns: number | null): AuditEvent => ({ event: 'objclose', object, ns });
