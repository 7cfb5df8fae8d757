/**
 * The published JSON Schemas of this directory, compiled with Ajv (draft
 * 2020-12). Reading a file checks it against its schema first, so what the
 * schema promises is exactly what the reader accepts.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';

export const SCHEMA_DIR = dirname(fileURLToPath(import.meta.url));

export type SchemaName = 'counterexample' | 'results' | 'scenario' | 'summary';
const SCHEMA_NAMES: readonly SchemaName[] = ['counterexample', 'results', 'scenario', 'summary'];

export function schemaPath(name: SchemaName): string {
  return join(SCHEMA_DIR, `${name}.schema.json`);
}

export function loadSchema(name: SchemaName): Record<string, unknown> {
  return JSON.parse(readFileSync(schemaPath(name), 'utf8')) as Record<string, unknown>;
}

const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, validateFormats: false });
const compiled = new Map<SchemaName, ValidateFunction>();

function validator(name: SchemaName): ValidateFunction {
  let v = compiled.get(name);
  if (v === undefined) {
    // All of them known to Ajv first: the scenario schema refers to the counterexample schema's definitions.
    const ids = SCHEMA_NAMES.map((n) => {
      const schema = loadSchema(n);
      const id = schema.$id as string;
      if (ajv.getSchema(id) === undefined) ajv.addSchema(schema);
      return [n, id] as const;
    });
    v = ajv.getSchema(ids.find(([n]) => n === name)![1])!;
    compiled.set(name, v);
  }
  return v;
}

/** null when `value` satisfies the schema, else the first problem as one line. */
export function schemaError(name: SchemaName, value: unknown): string | null {
  const v = validator(name);
  if (v(value)) return null;
  return describe(v.errors ?? [], value);
}

/**
 * One useful error out of Ajv's list. Every `oneOf` of the schemas is a union
 * told apart by a `const` property (`op`, `kind`): errors from branches whose
 * tag does not match are noise and dropped; when no branch matches, the tag
 * itself is the problem. Of the rest, the deepest is closest to the mistake.
 */
function describe(errors: readonly ErrorObject[], value: unknown): string {
  const rejected: { inst: string; branch: string; key: string; allowed: unknown }[] = [];
  for (const e of errors) {
    const m = e.keyword === 'const' ? /^(.*\/oneOf\/\d+)\/properties\/([^/]+)\/const$/.exec(e.schemaPath) : null;
    if (m) rejected.push({ inst: parent(e.instancePath), branch: m[1]!, key: m[2]!, allowed: (e.params as { allowedValue: unknown }).allowedValue });
  }
  const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);
  const kept = errors.filter((e) => !rejected.some((r) => under(e.instancePath, r.inst) && e.schemaPath.startsWith(`${r.branch}/`)));
  if (kept.length === 0) return 'does not match the schema';
  const deepest = [...kept].sort((a, b) => depth(b) - depth(a) || rank(a) - rank(b))[0]!;
  const tags = rejected.filter((r) => r.inst === deepest.instancePath);
  if (tags.length > 0) {
    const { key } = tags[0]!;
    const got = at(value, `${deepest.instancePath}/${key}`);
    // With `verbose`, a oneOf error carries its branches: every tag there is.
    const allowed = errors
      .filter((e) => e.keyword === 'oneOf' && e.instancePath === deepest.instancePath && Array.isArray(e.schema))
      .flatMap((e) => (e.schema as unknown[]).map((b) => at(b, `/properties/${key}/const`)))
      .filter((t) => t !== undefined)
      .map((t) => JSON.stringify(t));
    // Every branch rejected: the tag names no known variant.
    if (!allowed.includes(JSON.stringify(got))) return `${deepest.instancePath}/${key}: must be one of ${allowed.join(', ')} (got ${JSON.stringify(got) ?? 'nothing'})`;
  }
  const where = deepest.instancePath === '' ? '(top level)' : deepest.instancePath;
  let what = deepest.message ?? 'is invalid';
  const p = deepest.params as Record<string, unknown>;
  if (deepest.keyword === 'additionalProperties') what = `unknown property "${String(p.additionalProperty)}"`;
  else if (deepest.keyword === 'required') what = `missing property "${String(p.missingProperty)}"`;
  else if (deepest.keyword === 'enum') what = `must be one of ${(p.allowedValues as unknown[]).map((x) => JSON.stringify(x)).join(', ')}`;
  else if (deepest.keyword === 'const') what = `must be ${JSON.stringify(p.allowedValue)}`;
  const got = at(value, deepest.instancePath);
  const shown = got === undefined || typeof got === 'object' ? '' : ` (got ${JSON.stringify(got).slice(0, 60)})`;
  return `${where}: ${what}${shown}`;
}

const parent = (pointer: string) => pointer.slice(0, Math.max(0, pointer.lastIndexOf('/')));
const depth = (e: ErrorObject) =>
  (e.instancePath === '' ? 0 : e.instancePath.split('/').length) + (e.keyword === 'required' || e.keyword === 'additionalProperties' ? 0.5 : 0);
/** Among equally deep errors, prefer the specific ones to "must match a schema in oneOf". */
const rank = (e: ErrorObject) => (e.keyword === 'oneOf' ? 2 : e.keyword === 'type' ? 1 : 0);

function at(value: unknown, pointer: string): unknown {
  let v = value;
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}
