import { isAbsolute, relative, resolve } from 'node:path';

/** A path as the user would type it: relative below the working directory, else absolute. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? resolve(path) : rel;
}
