export { startPostgres, type Postgres, type StartPostgresOptions } from "./postgres";
export { freeLoopbackPort } from "./ports";
export { runPulumi, pulumiWorkspace, type PulumiResult, type PulumiWorkspace, type RunOptions } from "./pulumi";
export { REPO_ROOT, PULUMI_SCRIPT } from "./paths";
export { startAbloLocal, ABLO_LOCAL_CLI, type AbloLocal, type StartAbloLocalOptions } from "./ablo-local";
export { benchServer } from "./bench-server";
export { filesUnder, filesContaining } from "./canary";
export { recordFigures, readFigures, figuresMarkdown, fullReliabilityRun, FIGURES_DIR, type FigureRow, type FigureSection } from "./figures";
export { packAll, PackError, PACK_TARGETS, type PackOptions, type Tarball } from "./pack";
