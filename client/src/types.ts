import type { z } from "zod";
import type { DatasourceResponse, ListParamsSchema } from "@ablo/api";

// Every type comes from the shared zod schemas (z.infer / z.input): no hand-written twins.
export type {
  CreateDatasourceParams,
  UpdateDatasourceParams,
  DatasourceResponse,
  DatasourceListResponse,
  DeletedDatasource,
  DatasourceStatus,
  Metadata,
  Mode,
} from "@ablo/api";

/** The `direct` and `endpoint` members of the parsed union. */
export type DirectDatasourceResponse = Extract<DatasourceResponse, { connection: "direct" }>;
export type EndpointDatasourceResponse = Extract<DatasourceResponse, { connection: "endpoint" }>;

/** List parameters as callers write them (the schema's input coerces strings; callers pass numbers). */
export type ListDatasourcesParams = Partial<z.output<typeof ListParamsSchema>>;

export interface RequestOptions {
  /** Reuse a key to make a POST safe to repeat across processes; one is generated otherwise. */
  idempotencyKey?: string;
}
