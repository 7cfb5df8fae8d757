/**
 * The two loaders the spec describes.
 * - `glibc`: stock glibc 2.34+ (observed on glibc 2.36, Debian 12): RTLD_SHARED and
 *   RTLD_ISOLATE bits and the UNIQUE flag are ignored; only ld.so is proxied.
 * - `rtld-shared`: glibc with the RTLD_SHARED series (rules S1..S13).
 */
export type Profile = 'glibc' | 'rtld-shared';
export const PROFILES: readonly Profile[] = ['glibc', 'rtld-shared'];

export function parseProfile(text: string): Profile {
  if (text === 'glibc' || text === 'rtld-shared') return text;
  throw new Error(`unknown profile "${text}" (expected glibc or rtld-shared)`);
}

/** The profile a loader's own objects call for: rtld-shared when its libc is UNIQUE (built with the series), else glibc. */
export function profileFor(system: readonly { name: string; unique: boolean }[]): Profile {
  return system.some((s) => /^libc\.so/.test(s.name) && s.unique) ? 'rtld-shared' : 'glibc';
}
