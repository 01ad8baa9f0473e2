import { closeSync, constants, fstatSync, ftruncateSync, openSync, readFileSync, writeSync } from "node:fs";
import { z } from "zod";
import { StatusSchema } from "@ablo/api";
import type { IdempotencyEntry, NewDatasource } from "./store-rows";

/** Creates answered but not yet inserted into SQLite: one JSON line each (sealed, never plaintext). */
export const JOURNAL_FILE = "ablo-local.journal";
/** Journaled creates are moved into SQLite at the latest after this long, or this many. */
const FLUSH_MS = 20;
const FLUSH_ROWS = 512;

export interface JournaledCreate {
  row: NewDatasource;
  idem: IdempotencyEntry | undefined;
}

/**
 * A line: the row as a JSON array in a fixed order (cheaper to write than an object, and each
 * create pays it before its response), the sealed bytes in base64, then the create's
 * idempotency record if it had a key. Validated only when read back, at start.
 */
const LineSchema = z.tuple([
  z.string(), // id
  z.string(), // orgId
  z.enum(["live", "test"]),
  z.string(), // host
  z.string(), // targets
  z.string(), // database
  z.string(), // schema
  z.string(), // displayName
  z.base64(), // sealed
  z.record(z.string(), z.string()), // metadata
  StatusSchema,
  z.string().nullable(), // lastError
  z.number().int(), // version
  z.number(), // created
  z.tuple([z.string(), z.base64(), z.number().int(), z.string(), z.number()]).optional(), // key, fingerprint, status, body, created
]);
type Line = z.infer<typeof LineSchema>;

const b64 = (u: Uint8Array): string => Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString("base64");

function toLine(r: NewDatasource, idem: IdempotencyEntry | undefined): Line {
  const line: Line = [
    r.id,
    r.orgId,
    r.mode,
    r.host,
    r.targets,
    r.database,
    r.schema,
    r.displayName,
    b64(r.sealed),
    r.metadata,
    r.status,
    r.lastError,
    r.version,
    r.created,
  ];
  if (idem) line.push([idem.key, b64(idem.fingerprint), idem.status, idem.body, idem.created]);
  return line;
}

/** One create as the journal holds it: a line of JSON (without its newline). */
export function journalLine(row: NewDatasource, idem?: IdempotencyEntry): string {
  return JSON.stringify(toLine(row, idem));
}

function fromLine(line: Line): JournaledCreate {
  const [id, orgId, mode, host, targets, database, schema, displayName, sealed, metadata, status, lastError, version, created, idem] = line;
  return {
    row: {
      id,
      orgId,
      mode,
      host,
      targets,
      database,
      schema,
      displayName,
      sealed: Buffer.from(sealed, "base64"),
      metadata,
      status,
      lastError,
      version,
      created,
    },
    idem: idem && { key: idem[0], fingerprint: Buffer.from(idem[1], "base64"), status: idem[2], body: idem[3], created: idem[4] },
  };
}

const idemSlot = (orgId: string, mode: string, key: string): string => `${orgId}\u0000${mode}\u0000${key}`;

/**
 * The create journal: a create is made durable against `kill -9` by one append of one line (in
 * the OS page cache once write(2) returns, as a WAL commit with synchronous=NORMAL is), and its
 * row moves into SQLite later, in batches, by `commit`. Not fsynced: only for synchronous=NORMAL.
 */
export class CreateJournal {
  private fd: number | undefined;
  /** Creates in the journal and not yet in SQLite. */
  private unflushed: JournaledCreate[] = [];
  /** The idempotency records among them, by org, mode and key: a keyed request need not drain. */
  private keys = new Map<string, IdempotencyEntry>();
  private timer: NodeJS.Timeout | undefined;

  /**
   * `commit` inserts creates into SQLite in one transaction, or throws (they stay journaled);
   * `replay` is true at start, when some may already be there (a crash between commit and truncation).
   */
  constructor(
    path: string,
    private readonly commit: (creates: readonly JournaledCreate[], replay: boolean) => void,
  ) {
    this.fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_APPEND, 0o600);
  }

  /** At start: the complete lines left by a process that died go into SQLite, then the file is emptied. */
  replay(): void {
    const fd = this.fd!;
    if (fstatSync(fd).size === 0) return;
    const lines = readFileSync(fd, "utf8").split("\n");
    lines.pop(); // after the last newline: empty, or a torn line that was never answered
    const creates: JournaledCreate[] = [];
    for (const line of lines) {
      try {
        creates.push(fromLine(LineSchema.parse(JSON.parse(line))));
      } catch {
        // unreadable: never completely written, so never answered
      }
    }
    this.commit(creates, true);
    ftruncateSync(fd, 0);
  }

  /**
   * Synchronous on purpose: the write costs ~1.5 µs here, so batching creates across a turn of
   * the event loop saved nothing measurable, and a write on libuv's thread pool costs ~65 µs of
   * CPU (the hand-off between threads), measured. Throws if the line could not be written: the
   * create must then fail.
   */
  append(row: NewDatasource, idem?: IdempotencyEntry): void {
    const bytes = Buffer.from(`${journalLine(row, idem)}\n`, "utf8");
    // A failure may leave a partial line at the end: replay skips it, and that create failed.
    let off = 0;
    while (off < bytes.length) off += writeSync(this.fd!, bytes, off, bytes.length - off);
    this.unflushed.push({ row, idem });
    if (idem) this.keys.set(idemSlot(row.orgId, row.mode, idem.key), idem);
    if (this.unflushed.length >= FLUSH_ROWS) this.drainQuietly();
    else this.timer ??= setTimeout(() => this.drainQuietly(), FLUSH_MS).unref();
  }

  /** Whether creates wait to be moved into SQLite (drain them before any other use of the data). */
  get pending(): boolean {
    return this.unflushed.length > 0;
  }

  /** A journaled create's idempotency record: newer than any in SQLite. */
  idempotency(orgId: string, mode: string, key: string): IdempotencyEntry | undefined {
    return this.keys.get(idemSlot(orgId, mode, key));
  }

  /** Moves the journaled creates into SQLite (one transaction), then empties the journal. */
  drain(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.unflushed.length === 0) return;
    this.commit(this.unflushed, false);
    this.unflushed = [];
    this.keys = new Map();
    // After the commit: a crash in between replays rows that are already there (ignored by id).
    ftruncateSync(this.fd!, 0);
  }

  private drainQuietly(): void {
    try {
      this.drain();
    } catch {
      // Still in the journal: the next use of the data retries, and so does the next start.
    }
  }

  /** `drain`: move what is pending into SQLite first (false when the database is already closed). */
  close(drain: boolean): void {
    if (this.fd === undefined) return;
    if (drain) this.drainQuietly();
    clearTimeout(this.timer);
    closeSync(this.fd);
    this.fd = undefined;
  }
}
