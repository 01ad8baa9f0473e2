import { createHash, hash } from "node:crypto";
import { SCOPES, TOKEN_PREFIX, type Mode, type Scope } from "@ablo/api";
import { AuthenticationError, ConfigError, PermissionError } from "./errors";
import { randomBase62 } from "./random";
import type { Store } from "./store";
import type { KeyRecord, Organization } from "./store-rows";

/** Who is calling: every query is scoped by organization and mode. */
export interface Principal {
  keyId: string;
  orgId: string;
  mode: Mode;
  scopes: ReadonlySet<Scope>;
}

/** Tokens carry ~256 bits of randomness: a plain SHA-256 is a sound way to store them. */
export function hashToken(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
}

/** hashToken as base64, in one call (crypto.hash: no Hash object per request). */
const hashTokenBase64 = (token: string): string => hash("sha256", token, "base64");

const BEARER = /^Bearer +([\x21-\x7e]{1,512})\s*$/i;

const CACHE_MAX = 10_000;

export class Authenticator {
  /** Keys are never revoked or changed once issued: a found key may be cached (by hash). */
  private readonly cache = new Map<string, Principal>();

  constructor(private readonly store: Store) {}

  /** 401 for a missing, malformed or unknown token. */
  authenticate(header: string | undefined): Principal {
    if (header === undefined || header === "") {
      throw new AuthenticationError("api_key_missing", "No API key provided: send `Authorization: Bearer <key>`.");
    }
    const m = BEARER.exec(header);
    if (!m) throw new AuthenticationError("api_key_invalid", "The Authorization header must be `Bearer <key>`.");
    const cacheKey = hashTokenBase64(m[1]!);
    const cached = this.cache.get(cacheKey);
    if (cached) return cached;
    const key = this.store.keyByHash(Buffer.from(cacheKey, "base64"));
    // One message for every unknown token: no hint whether the shape or the value was wrong.
    if (!key) throw new AuthenticationError("api_key_invalid", "Invalid API key provided.");
    const p: Principal = { keyId: key.id, orgId: key.orgId, mode: key.mode, scopes: new Set(key.scopes) };
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(cacheKey, p);
    return p;
  }
}

/** 403 when the token lacks the scope. Secret keys hold every scope. */
export function requireScope(p: Principal, scope: Scope): void {
  if (!p.scopes.has(scope)) throw new PermissionError("scope_missing", `This key lacks the ${scope} scope required by this request.`);
}

export interface CreatedKey {
  token: string;
  record: KeyRecord;
}

/**
 * Issues a key for an organization (created by name on first use). Without scopes: a secret key
 * (`sk_live_`/`sk_test_`) with every scope; with scopes: a capability token (`cap_live_`/`cap_test_`).
 * Only the hash is stored: the token is shown once.
 */
export function createKey(store: Store, orgName: string, mode: Mode, scopes?: readonly string[]): CreatedKey {
  checkOrgAndMode(orgName, mode);
  let granted: Scope[] = [...SCOPES];
  let kind: KeyRecord["kind"] = "secret";
  if (scopes !== undefined) {
    const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
    if (unknown.length > 0 || scopes.length === 0) throw new ConfigError(`--scopes takes a comma-separated subset of ${SCOPES.join(",")}`);
    granted = [...new Set(scopes as Scope[])];
    kind = "capability";
  }
  const prefix =
    kind === "secret"
      ? mode === "live"
        ? TOKEN_PREFIX.liveSecret
        : TOKEN_PREFIX.testSecret
      : mode === "live"
        ? TOKEN_PREFIX.liveCapability
        : TOKEN_PREFIX.testCapability;
  const token = `${prefix}${randomBase62(40)}`;
  const now = Math.floor(Date.now() / 1000);
  const record = store.tx(() => {
    const org = orgNamed(store, orgName, now);
    const rec: KeyRecord = { id: `key_${randomBase62(16)}`, orgId: org.id, mode, kind, scopes: granted };
    store.insertKey(rec, hashToken(token), now);
    return rec;
  });
  return { token, record };
}

/** The CLI's --org and --mode, checked before anything is written. */
export function checkOrgAndMode(orgName: string, mode: string): void {
  if (orgName.trim() === "" || orgName.length > 200) throw new ConfigError("--org must be 1 to 200 characters");
  if (mode !== "live" && mode !== "test") throw new ConfigError("--mode must be live or test");
}

/** The organization called `name`, created on first use (call inside a transaction). */
export function orgNamed(store: Store, name: string, now: number): Organization {
  let org = store.orgByName(name);
  if (!org) {
    org = { id: `org_${randomBase62(16)}`, name, created: now };
    store.insertOrg(org);
  }
  return org;
}
