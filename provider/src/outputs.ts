import { camel, type CamelKeys, type DirectDatasource } from "@ablo/api";
import type { DatasourceResponse } from "@ablo/client";
import { withoutOwnerMark } from "./owner-key";

/** Fields of every direct datasource alike: not kept in state (it is written again whole at each step). */
export const CONSTANT_FIELDS = ["object", "connection", "provider"] as const;
type Stored = Omit<DirectDatasource, "id" | (typeof CONSTANT_FIELDS)[number]>;

/**
 * State of a Datasource: the fields of a direct datasource, camelCased, less its id and constants,
 * plus what diff needs and the API cannot give back (`port`, and `fingerprint`, a salted hash kept
 * secret). Never the connection string.
 */
export type DatasourceOutputs = Partial<CamelKeys<Stored>> & { port?: number; fingerprint?: string };

export function toOutputs(ds: DatasourceResponse, kept: { port?: number | undefined; fingerprint?: string | undefined }): DatasourceOutputs {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ds)) {
    // The id is the resource's own id; `object`, `connection` and `provider` are the same for every
    // direct datasource, and state is written again whole at every step of an update.
    if (k === "id" || v === undefined || (CONSTANT_FIELDS as readonly string[]).includes(k)) continue;
    out[camel(k)] = v;
  }
  out.metadata = withoutOwnerMark(ds.metadata);
  if (kept.port !== undefined) out.port = kept.port;
  if (kept.fingerprint !== undefined) out.fingerprint = kept.fingerprint;
  return out;
}
