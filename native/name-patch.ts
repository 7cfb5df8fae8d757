/**
 * A DSO from a linked template: the linker's output does not depend on the
 * names it is given (soname, DT_NEEDED sonames) beyond their lengths, so a
 * DSO is linked once per shape, flags and name lengths with placeholder
 * names, and each DSO of that kind is the template with its own names put
 * in the dynamic string table. Only the build ID is then not the linker's:
 * it is made again from the patched bytes (the loader never reads it).
 * native/build-equivalence.test.ts shows a patched DSO is byte for byte the
 * DSO the linker makes from the real names, the build ID aside.
 *
 * Where the linker would lay the names out otherwise (two names equal, or
 * one the tail of another: the string table merges those), `patchable`
 * says no and the DSO is linked with its own names.
 */
import { createHash } from 'node:crypto';
import type { Dso } from '../model/dso.ts';

/** Characters no DSO name has (names are lib[a-z0-9_]+.so): one per name slot. */
const FILL = '!#%&+-=@^~';

/** The name slots of a DSO: its soname, then its DT_NEEDED in order. */
const slots = (dso: Dso): string[] => [dso.name, ...dso.needed];

/** Whether the template can stand for `dso`: distinct names, none the tail of another, each long enough to carry a placeholder. */
export function patchable(dso: Dso): boolean {
  const names = slots(dso);
  if (names.length > FILL.length) return false;
  if (names.some((n) => !/^lib.+\.so$/.test(n))) return false;
  return names.every((a, i) => names.every((b, j) => i === j || !b.endsWith(a)));
}

/** The placeholder of slot `i` for a name of `length` bytes: `lib`, the slot's character repeated, `.so`. */
export function placeholder(i: number, length: number): string {
  return `lib${FILL[i]!.repeat(length - 6)}.so`;
}

/** The template's stand-in for `dso`: the same shape and flags, placeholder names of the same lengths. */
export function templateDso(dso: Dso): Dso {
  const [soname, ...needed] = slots(dso).map((n, i) => placeholder(i, n.length));
  return { ...dso, name: soname!, needed };
}

/** `\0name\0` once and only once in `bytes`, or -1: where a string table entry starts. */
function uniqueString(bytes: Buffer, name: string): number {
  const needle = Buffer.from(`\0${name}\0`, 'latin1');
  const at = bytes.indexOf(needle);
  if (at < 0 || bytes.indexOf(needle, at + 1) >= 0) return -1;
  return at + 1;
}

/** The GNU build ID note's header (namesz 4, descsz 20, NT_GNU_BUILD_ID, "GNU"): its 20-byte descriptor follows. */
const BUILD_ID_NOTE = Buffer.from([4, 0, 0, 0, 20, 0, 0, 0, 3, 0, 0, 0, 0x47, 0x4e, 0x55, 0]);

/**
 * `dso` made from the template's bytes, or null when the template does not
 * hold each placeholder exactly once (then it cannot stand for the DSO).
 */
export function patchNames(template: Buffer, dso: Dso): Buffer | null {
  const out = Buffer.from(template);
  const names = slots(dso);
  for (const [i, name] of names.entries()) {
    const at = uniqueString(template, placeholder(i, name.length));
    if (at < 0) return null;
    out.write(name, at, 'latin1');
  }
  const note = out.indexOf(BUILD_ID_NOTE);
  if (note >= 0) {
    if (out.indexOf(BUILD_ID_NOTE, note + 1) >= 0) return null;
    const desc = note + BUILD_ID_NOTE.length;
    out.fill(0, desc, desc + 20);
    createHash('sha1').update(out).digest().copy(out, desc);
  }
  return out;
}
