/* stray_export: a library with one export outside the naming scheme, so
 * that the test exports_check_catches_a_stray sees check_exports.sh fail. */
int costsim_stray_helper(int x);
int costsim_stray_helper(int x) { return x + 1; }
