import { readFileSync } from "node:fs";
import { z } from "zod";
import { ConfigError } from "./errors";

/**
 * Fault injection for client tests. A rule matches a method (or any) and a path pattern (`*`
 * within a segment, `**` across segments) and fires `count` times and/or with `probability`:
 * - latency: delay the request by latencyMs, then handle it normally (rules add up);
 * - error: answer status (5xx) with an api_error body, nothing else happens;
 * - rate_limit: answer 429 with Retry-After: retryAfter;
 * - reset: destroy the connection with a TCP RST before anything happens;
 * - drop_after_commit: handle the request (the side effect is committed), then destroy the
 *   socket without answering: what a client sees when a response is lost on the way back;
 * - abandon (POSTs with an Idempotency-Key): the connection is lost once the key is taken, while
 *   the server goes on processing for latencyMs and then commits: a retry under the same key
 *   meanwhile answers 409 idempotency_key_in_use (a slow commit behind a proxy that gave up);
 * - corrupt_after_commit: handle the request (committed, and stored for replay as it should be),
 *   then answer it with a body that breaks the contract (`corruption`: `truncated` JSON, an `html`
 *   page, the datasource without its `id`, or an `error_body` under a 200): an API, or a proxy in
 *   front of it, that garbles an answer.
 */
const CORRUPTIONS = ["truncated", "html", "missing_id", "error_body"] as const;
export type Corruption = (typeof CORRUPTIONS)[number];

export const FaultRuleSchema = z.strictObject({
  method: z
    .string()
    .regex(/^[A-Za-z]+$/)
    .transform((m) => m.toUpperCase())
    .optional(),
  path: z.string().startsWith("/").default("/v1/**"),
  action: z.enum(["latency", "error", "rate_limit", "reset", "drop_after_commit", "abandon", "corrupt_after_commit"]),
  corruption: z.enum(CORRUPTIONS).default("truncated"),
  latencyMs: z.number().int().min(0).max(120_000).default(0),
  status: z.number().int().min(500).max(599).default(500),
  retryAfter: z.number().int().min(0).max(3600).default(1),
  count: z.number().int().min(1).optional(),
  probability: z.number().min(0).max(1).optional(),
});
export type FaultRuleInput = z.input<typeof FaultRuleSchema>;
type FaultRuleConfig = z.output<typeof FaultRuleSchema>;

/** A file or admin body: `{"rules": [...]}` or a bare array of rules. */
export const FaultsConfigSchema = z.union([z.strictObject({ rules: z.array(FaultRuleSchema) }), z.array(FaultRuleSchema).transform((rules) => ({ rules }))]);

interface FaultRule extends FaultRuleConfig {
  pattern: RegExp;
  /** Times it may still fire; undefined = unlimited. */
  remaining: number | undefined;
  fired: number;
}

type Terminal = { action: "error"; status: number } | { action: "rate_limit"; retryAfter: number } | { action: "reset" };

export interface FaultPlan {
  latencyMs: number;
  terminal?: Terminal;
  dropAfterCommit: boolean;
  /** abandon: how long the server goes on after dropping the connection (0: no such fault). */
  abandonMs: number;
  /** corrupt_after_commit: how the committed answer is garbled. */
  corruption?: Corruption;
}

const NONE: FaultPlan = Object.freeze({ latencyMs: 0, dropAfterCommit: false, abandonMs: 0 });

function compile(glob: string): RegExp {
  const re = glob
    .split(/(\*\*|\*)/)
    .map((part) => (part === "**" ? ".*" : part === "*" ? "[^/]*" : part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${re}$`);
}

export class Faults {
  private rules: FaultRule[] = [];

  constructor(
    config?: unknown,
    private readonly random: () => number = Math.random,
  ) {
    if (config !== undefined) this.replace(config);
  }

  /** Replaces every rule; throws a ZodError on invalid input. */
  replace(config: unknown): void {
    const { rules } = FaultsConfigSchema.parse(config);
    this.rules = rules.map((r) => ({ ...r, pattern: compile(r.path), remaining: r.count, fired: 0 }));
  }

  clear(): void {
    this.rules = [];
  }

  get active(): boolean {
    return this.rules.length > 0;
  }

  list(): Array<FaultRuleConfig & { fired: number; remaining: number | null }> {
    return this.rules.map(({ pattern: _p, remaining, ...r }) => ({ ...r, remaining: remaining ?? null }));
  }

  /** Decides, once per request, which faults fire (consuming their counts). */
  plan(method: string, path: string): FaultPlan {
    if (this.rules.length === 0) return NONE;
    const plan: FaultPlan = { latencyMs: 0, dropAfterCommit: false, abandonMs: 0 };
    for (const r of this.rules) {
      if (r.remaining === 0) continue;
      if (r.method !== undefined && r.method !== method) continue;
      if (!r.pattern.test(path)) continue;
      if (r.action !== "latency" && (plan.terminal !== undefined || plan.dropAfterCommit || plan.abandonMs > 0 || plan.corruption !== undefined)) continue;
      if (r.probability !== undefined && this.random() >= r.probability) continue;
      if (r.remaining !== undefined) r.remaining--;
      r.fired++;
      switch (r.action) {
        case "latency":
          plan.latencyMs += r.latencyMs;
          break;
        case "error":
          plan.terminal = { action: "error", status: r.status };
          break;
        case "rate_limit":
          plan.terminal = { action: "rate_limit", retryAfter: r.retryAfter };
          break;
        case "reset":
          plan.terminal = { action: "reset" };
          break;
        case "drop_after_commit":
          plan.dropAfterCommit = true;
          break;
        case "abandon":
          plan.abandonMs = Math.max(1, r.latencyMs);
          break;
        case "corrupt_after_commit":
          plan.corruption = r.corruption;
          break;
      }
    }
    return plan;
  }
}

/** A committed answer garbled the way `corruption` says (see corrupt_after_commit). */
export function corruptBody(body: string, corruption: Corruption): string {
  switch (corruption) {
    case "truncated":
      return body.slice(0, Math.max(1, Math.floor(body.length / 2)));
    case "html":
      return "<html><body><h1>200 OK</h1></body></html>";
    case "missing_id": {
      const { id: _id, ...rest } = JSON.parse(body) as Record<string, unknown>;
      return JSON.stringify(rest);
    }
    case "error_body":
      return JSON.stringify({ error: { type: "api_error", message: "An error body under a 200." } });
  }
}

export function loadFaultsFile(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new ConfigError(`--faults ${path}: cannot read JSON from it (${(e as Error).name})`);
  }
}
