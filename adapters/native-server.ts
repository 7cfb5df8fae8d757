/**
 * The native implementation as a standalone PROTOCOL.md program:
 *
 *   node --import tsx adapters/native-server.ts [--rtld LDSO] [--library-path DIRS]
 *        [--timeout MS] [--env NAME=VALUE]...
 *
 * so that `--impl "cmd:node --import tsx adapters/native-server.ts"` reaches
 * the same loader as `--impl native`, through the published protocol only.
 */
import { parseArgs } from 'node:util';
import { NativeImplementation, type NativeOptions } from './native.ts';
import { serve } from './serve.ts';

const { values } = parseArgs({
  options: {
    rtld: { type: 'string' },
    'library-path': { type: 'string' },
    timeout: { type: 'string' },
    env: { type: 'string', multiple: true },
  },
});

const env: Record<string, string> = {};
for (const kv of values.env ?? []) {
  const eq = kv.indexOf('=');
  if (eq <= 0) throw new Error(`--env ${kv}: expected NAME=VALUE`);
  env[kv.slice(0, eq)] = kv.slice(eq + 1);
}
const timeoutMs = values.timeout === undefined ? undefined : Number(values.timeout);
if (timeoutMs !== undefined && !(Number.isSafeInteger(timeoutMs) && timeoutMs > 0)) throw new Error(`--timeout ${values.timeout}: expected milliseconds`);
const options: NativeOptions = { rtld: values.rtld, libraryPath: values['library-path'], timeoutMs, env };

await serve(new NativeImplementation(options), process.stdin, process.stdout);
