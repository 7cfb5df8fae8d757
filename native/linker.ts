/**
 * Linking a test DSO with the linker itself, not the compiler driver: the
 * driver's own link line (`cc -###`, with placeholders for what differs from
 * one DSO to the next) is read once per kind (libc or -nostdlib), and each
 * DSO's link is that line with its name, flags and inputs put in. The
 * compiler driver's start-up and collect2 cost more than most links of an
 * object this small. Where the line cannot be read (another compiler prints
 * it otherwise), `linkTemplate` says null and the builder links with `cc`.
 */
import { execFile } from 'node:child_process';
import type { Dso } from '../model/dso.ts';
import { BuildError, compilerCommand } from './toolchain.ts';

/** Placeholders in the template's line: words no flag contains (a DSO's own values are put in, never matched). */
const OUT = 'dlmspec-placeholder-out.so';
const IN = 'dlmspec-placeholder-in.o';
const SONAME = 'dlmspec-placeholder-soname.so';

export interface LinkTemplate {
  readonly linker: string;
  readonly args: readonly string[];
  /** The linker's `--version`: part of every link's cache key. */
  readonly identity: string;
}

function capture(cmd: string, args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 4 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new BuildError(`${cmd} ${args.join(' ')}\n${stderr || error.message}`));
      else resolve({ stdout, stderr });
    });
  });
}

/** The words of one `-###` line: bare, or double-quoted with backslash escapes (gcc and clang alike). */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  for (const m of line.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)) words.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!);
  return words;
}

const isLinker = (cmd: string) => /(^|\/)(collect2|ld|ld\.bfd|ld\.gold|ld\.lld|ld\.mold)$/.test(cmd);

/**
 * The linker's command line for `flags` (the compiler driver's link flags of
 * a DSO named SONAME), or null if the compiler does not print one we can
 * use: no single link line, or a placeholder missing or repeated.
 */
async function derive(flags: readonly string[]): Promise<LinkTemplate | null> {
  const cc = compilerCommand();
  let printed: string;
  try {
    printed = (await capture(cc, ['-###', ...flags, '-o', OUT, IN])).stderr;
  } catch {
    return null;
  }
  const lines = printed.split('\n').filter((l) => l.startsWith(' ')).map(splitCommandLine);
  const links = lines.filter((w) => w.length > 0 && isLinker(w[0]!));
  if (links.length !== 1) return null;
  let [linker, ...args] = links[0]!;
  // The LTO plugin: nothing here is compiled for LTO, and its options name
  // temporary files of the `-###` run that never existed.
  args = args.filter((a, i) => a !== '-plugin' && args[i - 1] !== '-plugin' && !a.startsWith('-plugin-opt='));
  if (linker!.endsWith('collect2')) {
    // collect2 runs the linker the compiler driver names (on GNU/Linux it adds nothing).
    linker = (await capture(cc, ['-print-prog-name=ld'])).stdout.trim();
  }
  const once = (w: string) => args.filter((a) => a === w).length === 1;
  if (!once(OUT) || !once(IN) || !once(SONAME)) return null;
  let identity: string;
  try {
    identity = (await capture(linker!, ['--version'])).stdout;
  } catch {
    return null;
  }
  return { linker: linker!, args, identity: `${linker}\n${identity}` };
}

const templates = new Map<string, Promise<LinkTemplate | null>>();

/**
 * The template for DSOs linked with `flagsOf(dso)`, derived from the flags
 * of a placeholder DSO that is UNIQUE and nodelete (a DSO that is not drops
 * those options). One per kind of DSO (libc-linked or not) and process.
 */
export function linkTemplate(libc: boolean, flagsOf: (dso: Dso) => string[]): Promise<LinkTemplate | null> {
  const key = `${compilerCommand()}\0${libc}`;
  let t = templates.get(key);
  if (!t) {
    const placeholder: Dso = { name: SONAME, needed: [], unique: true, nodelete: true, libc, symbols: [] };
    t = derive(flagsOf(placeholder));
    templates.set(key, t);
  }
  return t;
}

/** Drops the pair `-z OPTION`. */
function withoutZ(args: readonly string[], option: string): string[] {
  const i = args.findIndex((a, k) => a === '-z' && args[k + 1] === option);
  return i < 0 ? [...args] : [...args.slice(0, i), ...args.slice(i + 2)];
}

/** The linker arguments that build `dso` as `out` from `objects`, linked against `needed` (paths, in DT_NEEDED order). */
export function linkArgs(t: LinkTemplate, dso: Dso, out: string, objects: readonly string[], needed: readonly string[]): string[] {
  let args = [...t.args];
  if (!dso.unique) args = withoutZ(args, 'unique');
  if (!dso.nodelete) args = withoutZ(args, 'nodelete');
  return args.flatMap((a) => (a === OUT ? [out] : a === IN ? [...objects, ...needed] : a === SONAME ? [dso.name] : [a]));
}
