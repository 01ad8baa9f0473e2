import type { DatasourceStatus, Metadata, Mode, Scope } from "@ablo/api";

/** The records the store keeps, as the rest of the server sees them. */

export interface Organization {
  id: string;
  name: string;
  created: number;
}

export interface KeyRecord {
  id: string;
  orgId: string;
  mode: Mode;
  kind: "secret" | "capability";
  scopes: Scope[];
}

export interface DatasourceRow {
  seq: number;
  id: string;
  orgId: string;
  mode: Mode;
  /** Hosts as the response shows them ("a.example.com", or "a,b" for multi-host strings). */
  host: string;
  /** Normalized "host:port" list: what a rotation must keep. */
  targets: string;
  database: string;
  schema: string;
  displayName: string;
  sealed: Uint8Array;
  metadata: Metadata;
  status: DatasourceStatus;
  lastError: string | null;
  /** Bumped on every rotation: a verification result for an older version is dropped. */
  version: number;
  created: number;
}

export type NewDatasource = Omit<DatasourceRow, "seq">;

export interface IdempotencyRecord {
  fingerprint: Uint8Array;
  status: number;
  body: string;
  created: number;
}

/** An idempotency record with its key (organization and mode are the datasource's). */
export interface IdempotencyEntry extends IdempotencyRecord {
  key: string;
}
