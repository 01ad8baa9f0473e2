import { createHash } from "node:crypto";

/**
 * A create whose outcome the provider never learned (the engine was killed, or the API stayed
 * unreachable past the retry budget) may still have registered a datasource that state does not
 * track. So every create marks its datasource, in metadata, with a hash of the resource's URN and
 * the word `creating`. Before creating, the provider looks (once per process) for datasources so
 * marked for this URN whose ids state does not hold: leftovers of an abandoned create of this very
 * resource, taken over instead of registering a duplicate (create-recovery.ts has every case).
 * The mark is not rewritten once the create succeeded (that cost a request per datasource): state
 * holds a finished create's id. Version 0.1.0's rewritten mark, the bare hash, still reads as finished.
 *
 * This module needs nothing but node:crypto: the SDK loads it in the program (see sdk/), where
 * loading the API client would slow every preview.
 */
export const OWNER_METADATA_KEY = "pulumi_owner";

/**
 * A resource's owner key: a hash of its URN, so metadata shows no project or stack names and state
 * keeps 32 characters instead of the URN. The SDK computes it (the dynamic provider is not told
 * the URN) with this function.
 */
export function ownerKey(urn: string): string {
  return createHash("sha256").update(urn).digest("base64url").slice(0, 32);
}

export const OWNER_KEY_PATTERN = /^[\w-]{32}$/;

/** The mark a create sends in metadata. */
export function ownerMark(owner: string): string {
  return `creating:${owner}`;
}

/** User metadata as state shows it: without the provider's own mark. */
export function withoutOwnerMark(metadata: Record<string, string>): Record<string, string> {
  if (!(OWNER_METADATA_KEY in metadata)) return metadata;
  const { [OWNER_METADATA_KEY]: _mark, ...rest } = metadata;
  return rest;
}
