import { describe, expect, test } from 'vitest';
import { helloReply, observation, parseMessage } from './wire.ts';

/** The audit extension (PROTOCOL.md section 9): declared in the hello, then required on every observation. */
const hello = (extra: string) =>
  parseMessage(`{"type":"hello","protocol":1,"implementation":"x","system":[],"initial":[{"ns":0,"entries":[]}]${extra}}`);
const obs = (extra: string) =>
  parseMessage(`{"type":"observation","id":"r","index":0,"result":{"kind":"ok"},"events":[],"namespaces":[{"ns":0,"entries":[]}]${extra}}`);
const audit = ',"audit":[{"event":"objopen","object":"liba.so","ns":2}]';

describe('the audit extension of protocol 1', () => {
  test('a hello declares it with its version; without the field, none is declared', () => {
    expect(helloReply(hello(',"extensions":{"audit":1}')).extensions).toEqual({ audit: 1 });
    expect(helloReply(hello('')).extensions).toBeUndefined();
  });

  test('an unknown extension or version is refused by name', () => {
    expect(() => helloReply(hello(',"extensions":{"audit":2}'))).toThrow('hello.extensions.audit: expected version 1, got 2');
    expect(() => helloReply(hello(',"extensions":{"symbind":1}'))).toThrow('hello.extensions.symbind: unknown extension');
  });

  test('declared: every observation carries audit events; not declared: none may', () => {
    expect(observation(obs(audit), 'observation 0', true).audit).toEqual([{ event: 'objopen', object: 'liba.so', ns: 2 }]);
    expect(() => observation(obs(''), 'observation 0', true)).toThrow('observation 0.audit: missing, though the hello declared extensions.audit');
    expect(() => observation(obs(audit), 'observation 0', false)).toThrow('observation 0.audit: sent without extensions.audit in the hello');
    expect(observation(obs(''), 'observation 0', false).audit).toBeUndefined();
  });
});
