export { loginRole, startPostgres, type Postgres, type StartPostgresOptions } from "./postgres";
export { freeLoopbackPort } from "./ports";
export { runPulumi, pulumiWorkspace, PulumiExitError, type PulumiResult, type PulumiWorkspace, type RunOptions } from "./pulumi";
export {
  abloConfig,
  createStack,
  isAbloDatasource,
  programStack,
  secret,
  secrets,
  type ConfigValue,
  type ProgramStack,
  type StackConfig,
  type StackOptions,
  type StackRunOptions,
  type StackState,
  type StateResource,
} from "./stack";
export {
  apiReader,
  ApiReadError,
  type ApiAnswer,
  type ApiReader,
  type ApiReaderOptions,
  type ApiServer,
  type ListedDatasource,
  type Listing,
} from "./api-reader";
export { REPO_ROOT, PULUMI_SCRIPT } from "./paths";
export { startAbloLocal, ABLO_LOCAL_CLI, type AbloLocal, type SeedSpec, type StartAbloLocalOptions, type Surface } from "./ablo-local";
export { benchServer } from "./bench-server";
export { filesUnder, filesContaining } from "./canary";
export { recordFigures, readFigures, figuresMarkdown, fullReliabilityRun, FIGURES_DIR, type FigureRow, type FigureSection } from "./figures";
export { packAll, PackError, PACK_TARGETS, writePluginArchives, type Packed, type PackOptions, type PluginArchive, type Tarball } from "./pack";
