import { createCipheriv, createDecipheriv, createHmac, createSecretKey, hkdfSync, randomBytes, type KeyObject } from "node:crypto";
import { closeSync, constants, existsSync, fstatSync, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "./errors";
import { randomPooledBytes } from "./random";

export const MASTER_KEY_FILE = "master.key";
export const MASTER_KEY_ENV = "ABLO_LOCAL_MASTER_KEY";
const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;

/** The sealed form could not be opened: wrong master key, or the bytes were changed. */
export class SealError extends Error {
  override readonly name = "SealError";
}

/**
 * AES-256-GCM sealing of connection strings. The record id is the associated data, so a sealed
 * value copied onto another record does not open. Layout: version(1) | iv(12) | tag(16) | ct.
 */
export class Sealer {
  // KeyObjects, not Buffers: node would otherwise rebuild one on every cipher and MAC.
  readonly #encKey: KeyObject;
  readonly #macKey: KeyObject;

  constructor(masterKey: Buffer) {
    if (masterKey.length !== 32) throw new ConfigError("the master key must be 32 bytes");
    // Separate subkeys: the fingerprint MAC never shares a key with the cipher.
    this.#encKey = createSecretKey(Buffer.from(hkdfSync("sha256", masterKey, Buffer.alloc(0), "ablo-local seal v1", 32)));
    this.#macKey = createSecretKey(Buffer.from(hkdfSync("sha256", masterKey, Buffer.alloc(0), "ablo-local fingerprint v1", 32)));
  }

  seal(plaintext: string, aad: string): Buffer {
    // One output buffer: version | iv | tag | ct, filled in place (GCM adds no padding).
    const ptLen = Buffer.byteLength(plaintext, "utf8");
    const out = Buffer.allocUnsafe(HEADER_BYTES + ptLen);
    out[0] = VERSION;
    const iv = out.subarray(1, 1 + IV_BYTES);
    randomPooledBytes(IV_BYTES).copy(iv);
    const cipher = createCipheriv("aes-256-gcm", this.#encKey, iv);
    cipher.setAAD(Buffer.from(aad, "utf8"));
    const ct = cipher.update(plaintext, "utf8");
    const rest = cipher.final();
    if (ct.length + rest.length !== ptLen) throw new Error("AES-GCM output length mismatch");
    ct.copy(out, HEADER_BYTES);
    rest.copy(out, HEADER_BYTES + ct.length);
    cipher.getAuthTag().copy(out, 1 + IV_BYTES);
    return out;
  }

  open(sealed: Uint8Array, aad: string): string {
    const buf = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
    if (buf.length < 1 + IV_BYTES + TAG_BYTES || buf[0] !== VERSION) throw new SealError("sealed value has an unknown layout");
    const iv = buf.subarray(1, 1 + IV_BYTES);
    const tag = buf.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv("aes-256-gcm", this.#encKey, iv);
    decipher.setAAD(Buffer.from(aad, "utf8"));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(buf.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
    } catch {
      throw new SealError("sealed value does not open with this master key");
    }
  }

  /** Keyed hash, so that stored fingerprints of request bodies cannot be guessed offline. */
  mac(data: string): Buffer {
    return createHmac("sha256", this.#macKey).update(data, "utf8").digest();
  }
}

function decodeKey(text: string, where: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, "hex") : Buffer.from(t, "base64");
  if (key.length !== 32) throw new ConfigError(`${where} must hold 32 bytes, base64 or hex encoded`);
  return key;
}

/**
 * The master key: from ABLO_LOCAL_MASTER_KEY if set, else `master.key` in the data directory,
 * created on first start with mode 0600 (O_EXCL: two processes starting at once agree on one key).
 */
export function loadMasterKey(dataDir: string, env: NodeJS.ProcessEnv = process.env, opts: { create?: boolean } = {}): Buffer {
  const fromEnv = env[MASTER_KEY_ENV];
  if (fromEnv !== undefined && fromEnv !== "") return decodeKey(fromEnv, MASTER_KEY_ENV);
  const path = join(dataDir, MASTER_KEY_FILE);
  if (opts.create === false && !existsSync(path)) {
    // Data sealed under ABLO_LOCAL_MASTER_KEY: a fresh key file would never open it.
    throw new ConfigError(`${path} is missing and this data directory already holds sealed data: set ${MASTER_KEY_ENV}`);
  }
  try {
    const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      const key = randomBytes(32);
      writeSync(fd, `${key.toString("base64")}\n`);
      return key;
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw new ConfigError(`cannot create ${path}: ${(e as NodeJS.ErrnoException).code}`);
  }
  const fd = openSync(path, "r");
  try {
    // Like ssh with private keys: refuse a master key that others may read.
    if ((fstatSync(fd).mode & 0o077) !== 0) throw new ConfigError(`${path} is readable by group or others: chmod 600 it`);
    return decodeKey(readFileSync(fd, "utf8"), path);
  } finally {
    closeSync(fd);
  }
}
