import { randomFillSync } from "node:crypto";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
// One CSPRNG call per 4 KiB instead of one per id: ids and request ids are on every hot path.
const pool = Buffer.alloc(4096);
let offset = pool.length;

function nextByte(): number {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  return pool[offset++]!;
}

/** `n` bytes from the CSPRNG pool (IVs). */
export function randomPooledBytes(n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = nextByte();
  return out;
}

/** `n` base62 characters from the CSPRNG (rejection sampling: no modulo bias). */
export function randomBase62(n: number): string {
  let out = "";
  while (out.length < n) {
    const b = nextByte();
    if (b < 248) out += ALPHABET[b % 62];
  }
  return out;
}
