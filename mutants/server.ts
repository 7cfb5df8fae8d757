/**
 * A mutant as a standalone PROTOCOL.md program:
 *
 *   node --import tsx mutants/server.ts --mutant NAME
 *   node --import tsx mutants/server.ts --mutant none --profile glibc|rtld-shared   (the unmutated spec: a control)
 *   node --import tsx mutants/server.ts --list
 *
 * so that `--impl "cmd:node --import tsx mutants/server.ts --mutant NAME"`
 * validates a mutant exactly as any other implementation is validated.
 * A shim mutant is served as the native driver with the shim preloaded.
 */
import { parseArgs } from 'node:util';
import { SpecImplementation } from '../adapters/spec.ts';
import { serve } from '../adapters/serve.ts';
import { parseProfile } from '../spec/profile.ts';
import { findMutant, MUTANTS } from './index.ts';
import { ModelMutantImplementation } from './mutant.ts';
import { shimImplementation } from './shims.ts';

const { values } = parseArgs({ options: { mutant: { type: 'string' }, profile: { type: 'string' }, list: { type: 'boolean' } } });

if (values.list) {
  for (const m of MUTANTS) process.stdout.write(`${m.name}\t${m.kind}\t${m.profile}\t${m.rule}\t${m.description}\n`);
} else {
  if (values.mutant === undefined) throw new Error('usage: mutants/server.ts --mutant NAME | --mutant none --profile PROFILE | --list');
  const impl =
    values.mutant === 'none'
      ? new SpecImplementation(parseProfile(values.profile ?? 'glibc'))
      : ((m) => (m.kind === 'model' ? new ModelMutantImplementation(m) : shimImplementation(m)))(findMutant(values.mutant));
  await serve(await impl, process.stdin, process.stdout);
}
