import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";

/**
 * The API never returns the stored connection string, so diff compares the new one against a
 * fingerprint kept in state: salted and deliberately slow (scrypt) so that a leaked state file
 * does not turn into an offline dictionary attack on the password, and marked secret on top.
 * Format: `scrypt:<N>:<r>:<p>:<salt b64>:<hash b64>`; the parameters travel with it so they can
 * be raised later without breaking existing stacks.
 */
const PARAMS = { N: 1 << 15, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

function derive(secret: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(secret, salt, KEY_LENGTH, { N, r, p, maxmem: 256 * N * r }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export async function fingerprint(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(secret, salt, PARAMS.N, PARAMS.r, PARAMS.p);
  return ["scrypt", PARAMS.N, PARAMS.r, PARAMS.p, salt.toString("base64"), hash.toString("base64")].join(":");
}

/** True when `secret` is the string the fingerprint was made from; false for malformed input. */
export async function matchesFingerprint(secret: string, fp: unknown): Promise<boolean> {
  if (typeof fp !== "string") return false;
  const [kind, n, r, p, salt, hash] = fp.split(":");
  if (kind !== "scrypt" || !salt || !hash) return false;
  const [N, R, P] = [Number(n), Number(r), Number(p)];
  // Bounded, so a corrupted or hand-edited state cannot make diff allocate gigabytes.
  if (![N, R, P].every((x) => Number.isInteger(x) && x > 0) || N > 1 << 20 || R > 32 || P > 16) return false;
  const expected = Buffer.from(hash, "base64");
  const actual = await derive(secret, Buffer.from(salt, "base64"), N, R, P);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
