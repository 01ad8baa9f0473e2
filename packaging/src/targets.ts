/**
 * The packages a user installs, by workspace folder: `npm run pack` writes one tarball for each,
 * carrying every workspace package it depends on (bundled), so a user never installs those by hand.
 * A new user-facing workspace is one more entry here.
 */
export const PACK_TARGETS: readonly string[] = ["sdk", "policy-pack", "plugin"];
