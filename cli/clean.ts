/**
 * `dlmspec clean`: removes the build cache (built DSOs, graph directories,
 * object files, stubs, the driver), which the next native run rebuilds.
 */
import { removeBuildCache } from '../native/cache.ts';
import { EXIT, println, type Command } from './command.ts';
import { flag, parse } from './options.ts';
import { JSON_HELP, JSON_OPTION, textStream, writeSummary } from './summary.ts';

const help = `Usage: dlmspec clean [--json]

Remove the native build cache (.cache/dlmspec/ or $DLMSPEC_CACHE_DIR): built
test DSOs, graph directories, object files and the driver. Only what the
builders write there is removed. A native run in progress may then fail to
load a DSO: clean between runs. The cache also bounds itself: past
$DLMSPEC_CACHE_MAX_ENTRIES (default 20000) DSOs and graphs, the least recently
used go when a run starts.

Options:
${JSON_HELP}
  -h, --help             this help

Exit status: 0 done.
`;

export const cleanCommand: Command = {
  name: 'clean',
  summary: 'remove the native build cache (built DSOs, graphs, the driver)',
  help,
  async run(args, io) {
    const p = parse('clean', args, JSON_OPTION, { min: 0, max: 0, what: '' });
    if (flag(p, 'help')) {
      io.out.write(help);
      return EXIT.ok;
    }
    const json = flag(p, 'json');
    const cache = await removeBuildCache();
    println(textStream(io, json), `removed the build cache in ${cache}`);
    if (json) writeSummary(io, { command: 'clean', verdict: 'done', counts: {}, findings: [], data: { cache } });
    return EXIT.ok;
  },
};
