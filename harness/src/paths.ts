import { join } from "node:path";

/** The repository root: this file lives in harness/src (sources, under jest) or harness/dist. */
export const REPO_ROOT = join(__dirname, "..", "..");
export const PULUMI_SCRIPT = join(REPO_ROOT, "scripts", "pulumi");
