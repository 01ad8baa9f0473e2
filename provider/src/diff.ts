import { isDeepStrictEqual } from "node:util";
import { DEFAULT_SCHEMA } from "@ablo/api";
import { matchesFingerprint } from "./fingerprint";
import { connectionTarget, isUnknown } from "./inputs";
import type { DatasourceOutputs } from "./outputs";

export interface DatasourceDiff {
  changes: boolean;
  /** Properties whose change needs a new datasource: host, port or database (connectionString), schema. */
  replaces: string[];
  /** Properties changed in place: metadata, or rotated credentials (connectionString). */
  updates: string[];
  /** Credentials differ for the same host, port and database. */
  rotation: boolean;
}

const sameHost = (a: string, b: string) => a === b.toLowerCase().replace(/\.$/, "");

/**
 * Compares new inputs with the last known state (outputs, refreshed or not). The stored string is
 * not readable, so rotation is detected through the fingerprint.
 */
export async function diffDatasource(olds: Partial<DatasourceOutputs>, news: Record<string, unknown>): Promise<DatasourceDiff> {
  const replaces: string[] = [];
  const updates: string[] = [];
  let rotation = false;

  const cs = news.connectionString;
  if (isUnknown(cs)) {
    updates.push("connectionString"); // known at apply, when the engine diffs again
  } else if (typeof cs === "string") {
    const t = connectionTarget(cs);
    const moved =
      (olds.host !== undefined && !sameHost(t.host, olds.host)) ||
      (olds.port !== undefined && t.port !== olds.port) ||
      (olds.database !== undefined && t.database !== olds.database);
    if (moved) replaces.push("connectionString");
    else if (!(await matchesFingerprint(cs, olds.fingerprint))) {
      updates.push("connectionString");
      rotation = true;
    }
  }

  const schema = news.schema ?? DEFAULT_SCHEMA;
  if (isUnknown(schema) || (olds.schema !== undefined && schema !== olds.schema)) replaces.push("schema");

  const metadata = news.metadata ?? {};
  if (isUnknown(metadata) || !isDeepStrictEqual(metadata, olds.metadata ?? {})) updates.push("metadata");

  return { changes: replaces.length + updates.length > 0, replaces, updates, rotation };
}

/**
 * Metadata to send so that the stored set becomes `want`: the API merges keys (Stripe semantics),
 * and an empty string removes one.
 */
export function metadataPatch(have: Record<string, string> | undefined, want: Record<string, string>): Record<string, string> {
  const patch: Record<string, string> = { ...want };
  for (const k of Object.keys(have ?? {})) if (!(k in want)) patch[k] = "";
  return patch;
}
