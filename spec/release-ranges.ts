/**
 * Every behaviour of the spec that differs between glibc releases
 * (spec/releases.ts), each stated at its rule's site: the list the catalogue
 * test (CONFORMANCE.md) and the compatibility matrix read.
 */
import { DELETE_ORDER, STANDIN_OBJOPEN } from './audit.ts';
import { CLOSE_FORCE_FIRST } from './close.ts';
import { EXIT_ACTIVITY, EXIT_STANDIN_OBJCLOSE } from './exit.ts';
import type { Ranged } from './releases.ts';
import { DEFAULT_SORTER, DFS_FORCE_FIRST } from './sorter.ts';

export const RELEASE_RANGES: readonly Ranged<unknown>[] = [DEFAULT_SORTER, DFS_FORCE_FIRST, CLOSE_FORCE_FIRST, STANDIN_OBJOPEN, DELETE_ORDER, EXIT_ACTIVITY, EXIT_STANDIN_OBJCLOSE];
