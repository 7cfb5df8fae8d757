/**
 * PROTOCOL.md messages: checking what an implementation sent (anything may
 * arrive from an external program) and what a harness sent (for servers).
 * Each check returns the typed value or throws a WireError naming the first
 * problem.
 */
import type { Call } from '../model/call.ts';
import type { ProgramStart, SystemObject } from '../model/dso.ts';
import type { AuditEvent, CallResult, EntryView, LifecycleEvent, NamespaceView, Observation } from '../model/observation.ts';
import type { SystemInfo } from './implementation.ts';
import { isReleaseText } from '../model/release.ts';

export const PROTOCOL_VERSION = 1;

export class WireError extends Error {
  override readonly name = 'WireError';
}

type Json = Record<string, unknown>;

function fail(where: string, what: string): never {
  throw new WireError(`${where}: ${what}`);
}

function object(v: unknown, where: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(where, 'expected an object');
  return v as Json;
}

function array(v: unknown, where: string): unknown[] {
  if (!Array.isArray(v)) fail(where, 'expected an array');
  return v;
}

function str(v: unknown, where: string): string {
  if (typeof v !== 'string') fail(where, 'expected a string');
  return v;
}

function int(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) fail(where, 'expected an integer');
  return v;
}

function bool(v: unknown, where: string): boolean {
  if (typeof v !== 'boolean') fail(where, 'expected a boolean');
  return v;
}

function strOrNull(v: unknown, where: string): string | null {
  return v === null ? null : str(v, where);
}

/** Parses one line as a JSON object with a string `type`. */
export function parseMessage(line: string, where = 'line'): Json & { type: string } {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    fail(where, `not JSON: ${line.slice(0, 200)}`);
  }
  const o = object(v, where);
  str(o.type, `${where}.type`);
  return o as Json & { type: string };
}

function entryView(v: unknown, where: string): EntryView {
  const o = object(v, where);
  return { object: str(o.object, `${where}.object`), proxy: bool(o.proxy, `${where}.proxy`) };
}

export function namespaces(v: unknown, where: string): NamespaceView[] {
  return array(v, where).map((n, i) => {
    const o = object(n, `${where}[${i}]`);
    return {
      ns: int(o.ns, `${where}[${i}].ns`),
      entries: array(o.entries, `${where}[${i}].entries`).map((e, j) => entryView(e, `${where}[${i}].entries[${j}]`)),
    };
  });
}

function systemObject(v: unknown, where: string): SystemObject {
  const o = object(v, where);
  return {
    name: str(o.name, `${where}.name`),
    needed: array(o.needed, `${where}.needed`).map((n, i) => str(n, `${where}.needed[${i}]`)),
    unique: bool(o.unique, `${where}.unique`),
    rtld: bool(o.rtld, `${where}.rtld`),
  };
}

/** The implementation's `hello` reply. */
export function helloReply(msg: Json): SystemInfo {
  if (msg.type !== 'hello') fail('hello', `expected a hello reply, got type ${JSON.stringify(msg.type)}`);
  if (msg.protocol !== PROTOCOL_VERSION) fail('hello.protocol', `expected ${PROTOCOL_VERSION}, got ${JSON.stringify(msg.protocol)}`);
  const info = {
    implementation: str(msg.implementation, 'hello.implementation'),
    system: array(msg.system, 'hello.system').map((s, i) => systemObject(s, `hello.system[${i}]`)),
    initial: namespaces(msg.initial, 'hello.initial'),
    ...(msg.release === undefined ? {} : { release: release(msg.release) }),
    ...(msg.tunables === undefined ? {} : { tunables: str(msg.tunables, 'hello.tunables') }),
    ...(msg.programStart === undefined ? {} : { programStart: programStart(msg.programStart) }),
  };
  return msg.extensions === undefined ? info : { ...info, extensions: extensions(msg.extensions) };
}

/** `hello.programStart`: `exec` or `ld.so`. */
function programStart(v: unknown): ProgramStart {
  if (v !== 'exec' && v !== 'ld.so') fail('hello.programStart', `expected "exec" or "ld.so", got ${JSON.stringify(v)}`);
  return v;
}

/** `hello.release`: the glibc version the loader is, as gnu_get_libc_version() says it (model/release.ts). */
function release(v: unknown): string {
  const text = str(v, 'hello.release');
  if (!isReleaseText(text)) fail('hello.release', `${JSON.stringify(text)} is not a glibc version like 2.36 or 2.42.9000`);
  return text;
}

/** `hello.extensions`: each additive extension of protocol 1 with the version spoken; unknown ones are refused, not guessed at. */
function extensions(v: unknown): NonNullable<SystemInfo['extensions']> {
  const o = object(v, 'hello.extensions');
  for (const [name, version] of Object.entries(o)) {
    if (name !== 'audit' && name !== 'process') fail(`hello.extensions.${name}`, 'unknown extension (this harness knows "audit" and "process")');
    if (version !== 1) fail(`hello.extensions.${name}`, `expected version 1, got ${JSON.stringify(version)}`);
  }
  return { ...(o.audit === undefined ? {} : { audit: 1 as const }), ...(o.process === undefined ? {} : { process: 1 as const }) };
}

function callResult(v: unknown, where: string): CallResult {
  const o = object(v, where);
  switch (o.kind) {
    case 'handle':
      return {
        kind: 'handle',
        handle: int(o.handle, `${where}.handle`),
        ns: int(o.ns, `${where}.ns`),
        object: str(o.object, `${where}.object`),
        proxy: bool(o.proxy, `${where}.proxy`),
      };
    case 'null':
      return { kind: 'null', error: strOrNull(o.error, `${where}.error`) };
    case 'ok':
      return { kind: 'ok' };
    case 'fail':
      return { kind: 'fail', error: strOrNull(o.error, `${where}.error`) };
    case 'symbol':
      return { kind: 'symbol', ns: int(o.ns, `${where}.ns`), object: str(o.object, `${where}.object`) };
    case 'lmid':
      return { kind: 'lmid', lmid: int(o.lmid, `${where}.lmid`) };
    case 'started':
    case 'called':
    case 'exited':
      return { kind: o.kind };
    default:
      fail(`${where}.kind`, `unknown result kind ${JSON.stringify(o.kind)}`);
  }
}

function lifecycleEvent(v: unknown, where: string): LifecycleEvent {
  const o = object(v, where);
  if (o.event !== 'ctor' && o.event !== 'dtor' && o.event !== 'enter' && o.event !== 'leave') fail(`${where}.event`, 'expected "ctor", "dtor", "enter" or "leave"');
  return { event: o.event, object: str(o.object, `${where}.object`), ns: int(o.ns, `${where}.ns`) };
}

function intOrNull(v: unknown, where: string): number | null {
  return v === null ? null : int(v, where);
}

/** An element of `audit` (PROTOCOL.md "Audit events"). */
function auditEvent(v: unknown, where: string): AuditEvent {
  const o = object(v, where);
  switch (o.event) {
    case 'objopen':
      return { event: 'objopen', object: str(o.object, `${where}.object`), ns: int(o.ns, `${where}.ns`) };
    case 'objclose':
      return { event: 'objclose', object: strOrNull(o.object, `${where}.object`), ns: intOrNull(o.ns, `${where}.ns`) };
    case 'activity':
      if (o.activity !== 'add' && o.activity !== 'delete' && o.activity !== 'consistent' && o.activity !== 'unknown')
        fail(`${where}.activity`, 'expected "add", "delete", "consistent" or "unknown"');
      return { event: 'activity', activity: o.activity, ns: intOrNull(o.ns, `${where}.ns`) };
    default:
      fail(`${where}.event`, 'expected "objopen", "objclose" or "activity"');
  }
}

/**
 * An `observation` message's payload (its type, id and index are the caller's
 * to check). `audit`: the hello declared `extensions.audit`, so the field is
 * required; without it the field is refused.
 */
export function observation(msg: Json, where: string, audit = false): Observation {
  const base = {
    result: callResult(msg.result, `${where}.result`),
    events: array(msg.events, `${where}.events`).map((e, i) => lifecycleEvent(e, `${where}.events[${i}]`)),
    namespaces: namespaces(msg.namespaces, `${where}.namespaces`),
  };
  if (msg.audit === undefined) {
    if (audit) fail(`${where}.audit`, 'missing, though the hello declared extensions.audit');
    return base;
  }
  if (!audit) fail(`${where}.audit`, 'sent without extensions.audit in the hello');
  return { ...base, audit: array(msg.audit, `${where}.audit`).map((e, i) => auditEvent(e, `${where}.audit[${i}]`)) };
}

/** A call of a `run` request (for servers: the harness may be wrong too). */
export function call(v: unknown, where: string): Call {
  const o = object(v, where);
  const caller = o.caller === undefined ? {} : { caller: int(o.caller, `${where}.caller`) };
  switch (o.op) {
    case 'dlopen':
      return { op: 'dlopen', file: str(o.file, `${where}.file`), mode: int(o.mode, `${where}.mode`), ...caller };
    case 'dlmopen':
      return { op: 'dlmopen', lmid: int(o.lmid, `${where}.lmid`), file: str(o.file, `${where}.file`), mode: int(o.mode, `${where}.mode`) };
    case 'dlclose':
      return { op: 'dlclose', handle: int(o.handle, `${where}.handle`), ...caller };
    case 'dlsym':
      return { op: 'dlsym', handle: int(o.handle, `${where}.handle`), symbol: str(o.symbol, `${where}.symbol`) };
    case 'dlinfo':
      return { op: 'dlinfo', handle: int(o.handle, `${where}.handle`) };
    case 'start':
    case 'exit':
      return { op: o.op };
    case 'call':
      return { op: 'call', handle: int(o.handle, `${where}.handle`), symbol: str(o.symbol, `${where}.symbol`) };
    default:
      fail(`${where}.op`, `unknown op ${JSON.stringify(o.op)}`);
  }
}
