import { createHash, createHmac } from "node:crypto";

/**
 * The Idempotency-Keys of one resource's creates, which a later run derives again. A create whose
 * outcome was never learned (the engine killed, the answer lost) leaves only a pending create in
 * state; the next run's create of that resource sends the same key, and the API replays the
 * datasource the lost create made instead of registering a second one. This needs no list route.
 *
 * A key is a function of the resource (its owner key, a hash of the URN), the exact request body,
 * and a position in a sequence. The same resource created again with the same inputs (after a
 * destroy, or a replacement with `up --replace`) would replay an earlier life of it, which the
 * provider recognizes (gone, or marked finished) and skips for the next key of the sequence:
 * deterministic, so a run that recovers a crash walks the same sequence to the same key. The price
 * is one replayed POST and one GET per earlier life within the API's 24-hour window; records
 * older than that expire, and their positions are free again.
 *
 * An HMAC under the API key: the key reveals nothing of the connection string in the body, even
 * to someone who reads the API's request logs, and another organization's keys never collide.
 */
export function createIdempotencyKey(apiKey: string, owner: string, body: CreateBody, position: number): string {
  const canonical = JSON.stringify([body.connectionString, body.schema, Object.entries(body.metadata).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
  const bodyHash = createHash("sha256").update(canonical).digest("base64url");
  return `pulumi-create-${createHmac("sha256", apiKey).update(`${owner}\n${bodyHash}\n${position}`).digest("base64url")}`;
}

export interface CreateBody {
  connectionString: string;
  schema: string;
  metadata: Record<string, string>;
}

/** Positions tried before giving up on recovery: each same-input destroy-and-create within the API's 24 h window uses one. */
export const MAX_CREATE_POSITIONS = 64;
