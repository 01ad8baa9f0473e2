import { timingSafeEqual } from "node:crypto";
import { IDEMPOTENCY, IdempotencyKeySchema } from "@ablo/api";
import type { Principal } from "./auth";
import type { Clock } from "./clock";
import { IdempotencyError, InvalidRequestError } from "./errors";
import { MAX_JSON_DEPTH, tooDeep } from "./params";
import type { Sealer } from "./seal";
import type { Store } from "./store";
import type { IdempotencyEntry } from "./store-rows";

/** A first request under a key: record its response in the side effect's transaction. */
export interface IdempotencyTicket {
  readonly kind: "new";
  /** Call inside the write transaction: the response is durable exactly when the effect is. */
  record(status: number, body: string): void;
  /** The record to store with the effect in one step (a journaled create); none for a non-2xx. */
  entry(status: number, body: string): IdempotencyEntry | undefined;
  /** Call when the request ends, however it ends. */
  release(): void;
}

export interface IdempotentReplay {
  readonly kind: "replay";
  status: number;
  body: string;
}

/**
 * Sorted keys: the same parameters in another order are the same request. Recursive, but bounded:
 * request bodies are refused beyond MAX_JSON_DEPTH (parseJsonBody), and so is anything deeper here.
 */
export function canonicalJson(v: unknown, depth = 0): string {
  if (depth > MAX_JSON_DEPTH) throw tooDeep();
  if (Array.isArray(v)) return `[${v.map((x) => canonicalJson(x, depth + 1)).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k], depth + 1)}`)
      .join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

/**
 * Stripe semantics: per organization and mode, a key seen in the last 24 h with the same method,
 * path and parameters replays the stored response byte for byte; other parameters answer 409; a
 * request still running under the key answers 409 too. Only successful (2xx) results are stored:
 * a rejected request did nothing, so retrying it under the same key runs it again.
 * Bodies are stored as a keyed MAC (they hold connection strings), never as text.
 */
export class Idempotency {
  private readonly inFlight = new Set<string>();
  private lastPurge = 0;

  constructor(
    private readonly store: Store,
    private readonly sealer: Sealer,
    /** The server's clock: the 24 h window is on the same time as the `created` it shows. */
    private readonly clock: Clock,
  ) {}

  begin(p: Principal, header: string | string[] | undefined, method: string, path: string, body: unknown): IdempotencyTicket | IdempotentReplay | undefined {
    if (header === undefined) return undefined;
    const parsed = IdempotencyKeySchema.safeParse(header);
    if (!parsed.success) {
      throw new InvalidRequestError("idempotency_key_invalid", `Idempotency-Key must be one header of 1 to ${IDEMPOTENCY.maxKeyLength} characters.`);
    }
    const key = parsed.data;
    const fingerprint = this.sealer.mac(`${method} ${path}\n${canonicalJson(body)}`);
    const now = this.clock.now();
    const existing = this.store.getIdempotency(p.orgId, p.mode, key, now - IDEMPOTENCY.windowSeconds);
    if (existing) {
      const same = existing.fingerprint.length === fingerprint.length && timingSafeEqual(existing.fingerprint, fingerprint);
      if (!same) {
        throw new IdempotencyError(
          "idempotency_key_reused",
          "This Idempotency-Key was already used with different parameters (or another endpoint): use a new key for a new request.",
        );
      }
      return { kind: "replay", status: existing.status, body: existing.body };
    }
    const slot = `${p.orgId}\u0000${p.mode}\u0000${key}`;
    if (this.inFlight.has(slot)) {
      throw new IdempotencyError("idempotency_key_in_use", "A request with this Idempotency-Key is still being processed: retry later.", 1);
    }
    this.inFlight.add(slot);
    if (now - this.lastPurge > 60) {
      // Expired records go at most once a minute, in a write of their own.
      this.lastPurge = now;
      void this.store.write(() => this.store.purgeIdempotency(now - IDEMPOTENCY.windowSeconds)).catch(() => undefined);
    }
    const entry = (status: number, responseBody: string): IdempotencyEntry | undefined =>
      status >= 200 && status < 300 ? { key, fingerprint, status, body: responseBody, created: now } : undefined;
    return {
      kind: "new",
      entry,
      record: (status, responseBody) => {
        const e = entry(status, responseBody);
        if (e) this.store.putIdempotency(p.orgId, p.mode, key, e);
      },
      release: () => void this.inFlight.delete(slot),
    };
  }
}
