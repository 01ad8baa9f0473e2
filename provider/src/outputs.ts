import type { DatasourceResponse } from "@ablo/client";
import { withoutOwnerMark } from "./owner";

/**
 * State of a Datasource: every field the API returns, camelCased, plus what diff needs and the API
 * cannot give back (`port`, and `fingerprint`, a slow salted hash kept secret). Never the
 * connection string.
 */
export interface DatasourceOutputs {
  object: "datasource";
  connection: "direct" | "endpoint";
  status?: "unverified" | "active" | "rejected";
  livemode: boolean;
  metadata: Record<string, string>;
  created: number;
  provider?: string;
  host?: string;
  database?: string;
  schema?: string;
  displayName?: string;
  lastError?: string | null;
  environment?: string;
  endpoint?: string;
  keyLast4?: string | null;
  cursor?: string | null;
  eventLag?: number;
  retryCount?: number;
  lastRequestAt?: number | null;
  lastSuccessAt?: number | null;
  port?: number;
  fingerprint?: string;
}

const camel = (k: string) => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

export function toOutputs(ds: DatasourceResponse, kept: { port?: number | undefined; fingerprint?: string | undefined }): DatasourceOutputs {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ds)) {
    if (k === "id" || v === undefined) continue; // the id is the resource's own id
    out[camel(k)] = v;
  }
  out.metadata = withoutOwnerMark(ds.metadata);
  if (kept.port !== undefined) out.port = kept.port;
  if (kept.fingerprint !== undefined) out.fingerprint = kept.fingerprint;
  return out as unknown as DatasourceOutputs;
}
