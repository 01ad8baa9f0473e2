export { startPostgres, type Postgres, type StartPostgresOptions } from "./postgres";
export { freeLoopbackPort } from "./ports";
