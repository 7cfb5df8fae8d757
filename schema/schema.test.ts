import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, test } from 'vitest';
import { specCounterexample } from '../cli/fixtures.ts';
import { loadSchema, schemaError, type SchemaName } from './validate.ts';

describe.each<SchemaName>(['counterexample', 'results', 'scenario', 'summary'])('schema/%s.schema.json', (name) => {
  test('is a valid draft 2020-12 schema, strict', () => {
    const schema = loadSchema(name);
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    const ajv = new Ajv2020({ strict: true, validateFormats: false });
    expect(ajv.validateSchema(schema), JSON.stringify(ajv.errors)).toBe(true);
    // The scenario schema refers to the counterexample schema's definitions.
    if (name === 'scenario') ajv.addSchema(loadSchema('counterexample'));
    expect(() => ajv.compile(schema)).not.toThrow();
  });
});

describe('counterexample errors name the first problem', () => {
  test.each([
    ['op', (c: any) => (c.calls[0].op = 'dlfoo'), '/calls/0/op: must be one of "dlopen", "dlmopen", "dlclose", "dlsym", "dlinfo", "start", "exit", "call" (got "dlfoo")'],
    ['missing', (c: any) => delete c.calls[0].lmid, '/calls/0: missing property "lmid"'],
    ['extra', (c: any) => (c.calls[0].extra = 1), '/calls/0: unknown property "extra"'],
    ['type', (c: any) => (c.calls[0].mode = 'RTLD_NOW'), '/calls/0/mode: must be integer (got "RTLD_NOW")'],
    ['result kind', (c: any) => (c.finding.observed.result = { kind: 'maybe' }), '/finding/observed/result/kind: must be one of "handle", "null", "fail", "ok", "symbol", "lmid", "started", "called", "exited", "fatal" (got "maybe")'],
    ['dso name', (c: any) => (c.graph.dsos[0].name = 'a.so'), '/graph/dsos/0/name: must match pattern "^lib[a-z0-9_]{1,40}\\.so$" (got "a.so")'],
    ['format', (c: any) => (c.format = 'other'), '/format: must be "dlmspec-counterexample" (got "other")'],
  ])('%s', async (_name, mutate, message) => {
    const c = JSON.parse(JSON.stringify(await specCounterexample('glibc', 'rtld-shared')));
    expect(schemaError('counterexample', c)).toBeNull();
    mutate(c);
    expect(schemaError('counterexample', c)).toBe(message);
  });
});
