/** ablo-local: a faithful local Ablo datasource API server (`npx ablo-local serve|keys`). */
export { startServer, openStore, DEFAULT_RATE_LIMIT, type ServerOptions, type RunningServer } from "./server";
export { main as runCli, type ServeExtras } from "./cli";
export { buildApp, DEFAULT_BODY_LIMIT, type AppDeps } from "./app";
export { createKey, hashToken, Authenticator, requireScope, type Principal } from "./auth";
export { Datasources, toResource, mergeMetadata, type Reply } from "./datasources";
export { systemResolver, staticResolver, loadDnsMap, resolverFor, HostNotFoundError, type Resolve } from "./dns";
export * from "./errors";
export { Faults, FaultRuleSchema, FaultsConfigSchema, type FaultPlan, type FaultRuleInput } from "./faults";
export { HostPolicy, type CheckedConnection } from "./hosts";
export { Idempotency, canonicalJson } from "./idempotency";
export { createLogger, type Logger } from "./logger";
export { openApiDocument } from "./openapi";
export { parseJsonBody, parseParams, paramName, unknownParameter, MAX_JSON_DEPTH } from "./params";
export { loggedUrl, shownPath } from "./edge";
export { RateLimiter } from "./rate-limit";
export { Sealer, SealError, loadMasterKey, MASTER_KEY_ENV, MASTER_KEY_FILE } from "./seal";
export { Store, DB_FILE, JOURNAL_FILE } from "./store";
export { Verifier, VerificationFailure } from "./verification";
