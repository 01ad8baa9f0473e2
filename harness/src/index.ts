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
export { filesUnder, filesContaining } from "./canary";
export { recordFigures, readFigures, figuresMarkdown, fullReliabilityRun, FIGURES_DIR, type FigureRow, type FigureSection } from "./figures";
