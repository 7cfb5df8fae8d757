#!/usr/bin/env node
// The dlmspec command. The sources are TypeScript, loaded through tsx.
import { register } from 'tsx/esm/api';

register();
// A reader that stops early (`dlmspec ... | head`) is no error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}
const { main } = await import(new URL('../cli/main.ts', import.meta.url).href);
const code = await main(process.argv.slice(2), { out: process.stdout, err: process.stderr });
// Implementations are closed by then; a stray handle must not keep us alive.
process.exitCode = code;
setImmediate(() => process.exit(code));
