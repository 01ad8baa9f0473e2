/**
 * @ablo/client — the Ablo datasource REST API, without Pulumi: axios transport with retries and
 * idempotency keys, zod-checked params and responses, typed errors that never carry a secret.
 */
export { AbloClient, type AbloClientOptions } from "./client";
export { Datasources, leftUnverified, type WaitForStatusOptions } from "./datasources";
export type { AbloLogger } from "./http";
export { isLoopbackHost, parseBaseUrl } from "./base-url";
export * from "./errors";
export * from "./types";
