export { startPostgres, type Postgres, type StartPostgresOptions } from "./postgres";
export { freeLoopbackPort } from "./ports";
export { runPulumi, pulumiWorkspace, type PulumiResult, type PulumiWorkspace, type RunOptions } from "./pulumi";
export { REPO_ROOT, PULUMI_SCRIPT } from "./paths";
