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
