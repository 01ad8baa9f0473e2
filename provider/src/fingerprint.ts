import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * The API never returns the stored connection string, so diff compares the new one against a
 * fingerprint kept in state (as a secret output). Format: `sha256:<salt>:<hash>`, a salted SHA-256
 * (12 bytes of salt, the first 16 bytes of the hash, base64url: plenty to tell strings apart, and
 * short, as state is written again whole at every step of an update). A slow hash would buy
 * nothing here: state also holds the connection string itself, as a secret input under the same
 * secrets provider, so whoever can read the fingerprint can read the string; while scrypt cost
 * ~100 ms of CPU on every diff of every Datasource (profiled: most of a no-change preview of 100).
 * Fingerprints of the earlier format (`scrypt:<N>:<r>:<p>:<salt>:<hash>`) are no longer read: one
 * never matches, so the next `up` of a stack that still holds one rotates that Datasource's
 * credentials in place once (the same connection string, verified again), and writes a
 * `sha256:` fingerprint. Against an API without the update route, that `up` fails as any rotation
 * there does, asking for `pulumi up --replace <urn>`.
 */
const SALT_BYTES = 12;
const HASH_BYTES = 16;

export async function fingerprint(secret: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  return ["sha256", salt.toString("base64url"), sha256(salt, secret).toString("base64url")].join(":");
}

/** True when `secret` is the string the fingerprint was made from; false for malformed input. */
export async function matchesFingerprint(secret: string, fp: unknown): Promise<boolean> {
  if (typeof fp !== "string") return false;
  const parts = fp.split(":");
  if (parts[0] === "sha256" && parts.length === 3) {
    return same(Buffer.from(parts[2]!, "base64url"), sha256(Buffer.from(parts[1]!, "base64url"), secret));
  }
  return false;
}

function sha256(salt: Buffer, secret: string): Buffer {
  return createHash("sha256").update(salt).update(secret, "utf8").digest().subarray(0, HASH_BYTES);
}

function same(expected: Buffer, actual: Buffer): boolean {
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
