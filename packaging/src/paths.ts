import { join } from "node:path";

/** The repository root: this file lives in packaging/src (sources, under jest) or packaging/dist. */
export const REPO_ROOT = join(__dirname, "..", "..");
