/**
 * What the published reference page leaves implicit, in one place (api/README.md marks these
 * "(inferred)"): change them here when the real service documents them.
 */
export const API_BASE_URL = "https://api.abloatai.com";
export const API_VERSION_PREFIX = "/v1";

/** Token shapes the server tells apart; anything else is a scoped capability token. */
export const TOKEN_PREFIX = {
  liveSecret: "sk_live_",
  testSecret: "sk_test_",
  liveCapability: "cap_live_",
  testCapability: "cap_test_",
} as const;

export const SCOPES = ["datasources:read", "datasources:write"] as const;
export type Scope = (typeof SCOPES)[number];

/** Id prefixes: direct live, direct sandbox, endpoint. Sandbox ids are checked first. */
export const ID_PREFIX = { directTest: "ds_test_", directLive: "ds_", endpoint: "dse_" } as const;

export const METADATA_LIMITS = { maxKeys: 50, maxKeyLength: 40, maxValueLength: 500 } as const;
export const LIST_LIMITS = { min: 1, max: 100, default: 10 } as const;
export const IDEMPOTENCY = { maxKeyLength: 255, windowSeconds: 24 * 60 * 60 } as const;
export const DEFAULT_SCHEMA = "public";

export type Mode = "live" | "test";

/** The kind a token claims by its shape; `other` covers capability tokens and garbage alike. */
export function tokenMode(token: string): Mode | undefined {
  if (token.startsWith(TOKEN_PREFIX.liveSecret) || token.startsWith(TOKEN_PREFIX.liveCapability)) return "live";
  if (token.startsWith(TOKEN_PREFIX.testSecret) || token.startsWith(TOKEN_PREFIX.testCapability)) return "test";
  return undefined;
}

/** The mode an id belongs to, from its prefix; `undefined` for endpoint ids and unknown shapes. */
export function idMode(id: string): Mode | undefined {
  if (id.startsWith(ID_PREFIX.directTest)) return "test";
  if (id.startsWith(ID_PREFIX.directLive)) return "live";
  return undefined;
}
