import { createHash, randomBytes, scrypt, timingSafeEqual } from "node:crypto";

/**
 * The API never returns the stored connection string, so diff compares the new one against a
 * fingerprint kept in state (as a secret output). Format: `sha256:<salt>:<hash>`, a salted SHA-256
 * (12 bytes of salt, the first 16 bytes of the hash, base64url: plenty to tell strings apart, and
 * short, as state is written again whole at every step of an update). A slow hash would buy nothing here: state also holds the connection string itself, as
 * a secret input under the same secrets provider, so whoever can read the fingerprint can read the
 * string; while scrypt cost ~100 ms of CPU on every diff of every Datasource (profiled: most of a
 * no-change preview of 100). Fingerprints written before (`scrypt:<N>:<r>:<p>:<salt>:<hash>`) are
 * still checked, so existing stacks show no change; each is replaced by the fast kind at its next
 * create or rotation.
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
  if (parts[0] === "scrypt" && parts.length === 6) return matchesScrypt(secret, parts);
  return false;
}

function sha256(salt: Buffer, secret: string): Buffer {
  return createHash("sha256").update(salt).update(secret, "utf8").digest().subarray(0, HASH_BYTES);
}

function same(expected: Buffer, actual: Buffer): boolean {
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** The earlier format: `scrypt:<N>:<r>:<p>:<salt b64>:<hash b64>`. */
async function matchesScrypt(secret: string, [, n, r, p, salt, hash]: string[]): Promise<boolean> {
  const [N, R, P] = [Number(n), Number(r), Number(p)];
  // Bounded, so a corrupted or hand-edited state cannot make diff allocate gigabytes.
  if (!salt || !hash || ![N, R, P].every((x) => Number.isInteger(x) && x > 0) || N > 1 << 20 || R > 32 || P > 16) return false;
  const actual = await new Promise<Buffer>((resolve, reject) =>
    scrypt(secret, Buffer.from(salt, "base64"), 32, { N, r: R, p: P, maxmem: 256 * N * R }, (err, key) => (err ? reject(err) : resolve(key))),
  );
  return same(Buffer.from(hash, "base64"), actual);
}
