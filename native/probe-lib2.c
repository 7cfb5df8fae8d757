/*
 * libdlmspec_probe2.so (linked with -z unique, libdlmspec_probeu.so; with -z
 * nodelete, libdlmspec_probek.so): what `dlmspec probe` opens from code in a
 * namespace, shares with RTLD_SHARED / DF_GNU_1_UNIQUE, or keeps in a
 * namespace. Linked -nostdlib: it needs nothing.
 */
int probe2_value(void) { return 42; }
