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

const TIME_CHARS = 8; // 62^8 ms: until the year 8900
let lastTime = "";

/**
 * A record id body: 8 base62 characters of the creation time (ms), then `n` random ones (~5.95
 * bits each). Ids made one after another sort together, so inserting one touches the last pages
 * of the id index instead of a random page each: half the cost of a fully random id (measured).
 */
export function timeOrderedBase62(n: number): string {
  let t = "";
  for (let i = 0, v = Date.now(); i < TIME_CHARS; i++, v = Math.floor(v / 62)) t = ALPHABET[v % 62] + t;
  // A clock that steps back must not break the order by much: never go below the last prefix.
  if (t < lastTime) t = lastTime;
  lastTime = t;
  return t + randomBase62(n);
}
