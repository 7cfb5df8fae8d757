/**
 * A DSO from a linked template. What the linker makes of a DSO depends on its
 * shape (the object file it links) and otherwise only on the names and flags
 * it is given, and those it records in the dynamic section and its string
 * table only. So each shape is linked once, as a template: UNIQUE and
 * NODELETE, with `slotsFor(n)` DT_NEEDED entries, every name a placeholder as
 * long as the longest name a graph allows (model/graph.ts). A DSO of that
 * shape is the template with
 * - its soname and DT_NEEDED names written into the placeholders' slots, each
 *   at its slot's end, the entry's offset moved to its first byte (a string
 *   the linker merged into a slot's tail, such as a symbol named `so`, still
 *   reads the same: every name ends in `.so`);
 * - the DT_NEEDED entries of the slots it does not use, and the flags it does
 *   not have, taken out of the dynamic section: the entries after them move
 *   up, and DT_NULL entries fill its end (as the linker's own spare entries
 *   do: ld leaves 5);
 * - its GNU build ID made again from the result (the loader never reads it).
 *
 * Against the linker's output for the real names, what differs is where
 * things are: a string table with slots is longer, a dynamic section with
 * entries taken out has more spare entries, so later sections sit at other
 * addresses. Tags, their order and values, symbols, relocations, sections
 * and segments are the same: native/build-equivalence.test.ts compares them.
 * An object this file cannot read (not 64-bit little-endian ELF, or a
 * dynamic section not as expected) gives null, and the DSO is linked under
 * its own names.
 */
import { createHash } from 'node:crypto';
import type { Dso } from '../model/dso.ts';

/** The longest name a graph allows (model/graph.ts: lib, 40 characters, .so): the size of a slot. */
const SLOT = 46;

/** The placeholder of name slot `i` (0 the soname, then the DT_NEEDED): upper case, so no DSO or symbol has it. */
export function placeholder(i: number): string {
  return `libSLOT${i}`.padEnd(SLOT - 3, 'X') + '.so';
}

/** How many DT_NEEDED slots the template of a DSO with `n` of them has: 4, 8, 16, ... */
export function slotsFor(n: number): number {
  let slots = 4;
  while (slots < n) slots *= 2;
  return slots;
}

/** The template's stand-in for `dso`: the same shape, both flags, placeholder names. */
export function templateDso(dso: Dso): Dso {
  const needed = Array.from({ length: slotsFor(dso.needed.length) }, (_, i) => placeholder(i + 1));
  return { ...dso, name: placeholder(0), needed, unique: true, nodelete: true };
}

const DT_NULL = 0n;
const DT_NEEDED = 1n;
const DT_STRTAB = 5n;
const DT_STRSZ = 10n;
const DT_SONAME = 14n;
const DT_FLAGS_1 = 0x6ffffffbn;
const DF_1_NODELETE = 0x8n;
const DT_GNU_FLAGS_1 = 0x6ffffdf4n;
const DF_GNU_1_UNIQUE = 0x1n;
const PT_LOAD = 1;
const PT_DYNAMIC = 2;

interface Segment {
  readonly type: number;
  readonly offset: number;
  readonly vaddr: number;
  readonly filesz: number;
}

/** The program headers of a 64-bit little-endian ELF file, or null. */
function segments(elf: Buffer): Segment[] | null {
  if (elf.length < 64 || elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2 || elf[5] !== 1) return null;
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const phentsize = elf.readUInt16LE(0x36);
  const phnum = elf.readUInt16LE(0x38);
  if (phentsize < 56 || phoff + phnum * phentsize > elf.length) return null;
  return Array.from({ length: phnum }, (_, i) => {
    const at = phoff + i * phentsize;
    return { type: elf.readUInt32LE(at), offset: Number(elf.readBigUInt64LE(at + 8)), vaddr: Number(elf.readBigUInt64LE(at + 16)), filesz: Number(elf.readBigUInt64LE(at + 32)) };
  });
}

/** The file offset of address `addr`, or -1 if no loaded segment holds it. */
function fileOffset(segs: readonly Segment[], addr: number): number {
  const s = segs.find((p) => p.type === PT_LOAD && p.vaddr <= addr && addr < p.vaddr + p.filesz);
  return s ? addr - s.vaddr + s.offset : -1;
}

/** Where `\0name\0` starts in `bytes[from, to)` (the name's first byte), if it is there exactly once; else -1. */
function uniqueString(bytes: Buffer, name: string, from: number, to: number): number {
  const needle = Buffer.from(`\0${name}\0`, 'latin1');
  const at = bytes.indexOf(needle, from - 1);
  if (at < 0 || at + needle.length > to + 1 || bytes.indexOf(needle, at + 1) >= 0) return -1;
  return at + 1;
}

/** The GNU build ID note's header (namesz 4, descsz 20, NT_GNU_BUILD_ID, "GNU"): its 20-byte descriptor follows. */
const BUILD_ID_NOTE = Buffer.from([4, 0, 0, 0, 20, 0, 0, 0, 3, 0, 0, 0, 0x47, 0x4e, 0x55, 0]);

/**
 * `dso` made from the bytes of the template linked from `templateDso(dso)`,
 * or null when the template is not as expected (then it cannot stand for
 * the DSO).
 */
export function patchTemplate(template: Buffer, dso: Dso): Buffer | null {
  const segs = segments(template);
  const dynamic = segs?.find((p) => p.type === PT_DYNAMIC);
  if (!segs || !dynamic || dynamic.offset + dynamic.filesz > template.length) return null;
  const entries: Array<[bigint, bigint]> = [];
  for (let at = dynamic.offset; at + 16 <= dynamic.offset + dynamic.filesz; at += 16) {
    const tag = template.readBigInt64LE(at);
    if (tag === DT_NULL) break;
    entries.push([tag, template.readBigUInt64LE(at + 8)]);
  }
  const value = (tag: bigint) => entries.find(([t]) => t === tag)?.[1];
  const strtab = fileOffset(segs, Number(value(DT_STRTAB) ?? -1));
  const strsz = Number(value(DT_STRSZ) ?? 0);
  if (strtab < 0 || strtab + strsz > template.length) return null;

  const out = Buffer.from(template);
  const names = [dso.name, ...dso.needed];
  const slots = templateDso(dso).needed.length + 1;
  // The string table offset of each slot; its entry, SONAME or NEEDED, must name it.
  const slotAt = Array.from({ length: slots }, (_, i) => uniqueString(template, placeholder(i), strtab, strtab + strsz) - strtab);
  if (slotAt.some((o) => o < 0)) return null;
  const kept: Array<[bigint, bigint]> = [];
  const seen = new Set<number>();
  let flags = 0;
  for (const [tag, val] of entries) {
    if (tag === DT_SONAME || tag === DT_NEEDED) {
      const slot = slotAt.indexOf(Number(val));
      if (slot < 0 ? tag === DT_SONAME : (slot === 0) !== (tag === DT_SONAME)) return null;
      if (slot < 0) {
        kept.push([tag, val]); // libc.so.6: not a slot
        continue;
      }
      seen.add(slot);
      const name = names[slot];
      if (name === undefined) continue; // a slot this DSO does not use
      const start = strtab + Number(val) + SLOT - name.length;
      out.fill(0, strtab + Number(val), start).write(name, start, 'latin1');
      kept.push([tag, val + BigInt(SLOT - name.length)]);
    } else if (tag === DT_FLAGS_1 || tag === DT_GNU_FLAGS_1) {
      const [bit, has] = tag === DT_FLAGS_1 ? [DF_1_NODELETE, dso.nodelete] : [DF_GNU_1_UNIQUE, dso.unique];
      if ((val & bit) === 0n) return null;
      flags++;
      const v = has ? val : val & ~bit;
      if (v !== 0n) kept.push([tag, v]);
    } else kept.push([tag, val]);
  }
  if (seen.size !== slots || flags !== 2) return null;
  out.fill(0, dynamic.offset, dynamic.offset + dynamic.filesz);
  for (const [i, [tag, val]] of kept.entries()) {
    out.writeBigInt64LE(tag, dynamic.offset + 16 * i);
    out.writeBigUInt64LE(val, dynamic.offset + 16 * i + 8);
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
