import { closeSync, constants, fstatSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { DatabaseSync as DatabaseSyncType, StatementSync } from "node:sqlite";
import type { DatasourceStatus, Metadata, Mode, Scope } from "@ablo/api";

export const DB_FILE = "ablo-local.sqlite";
/** Creates answered but not yet inserted into SQLite: one JSON line each (sealed, never plaintext). */
export const JOURNAL_FILE = "ablo-local.journal";
/** Journaled creates are moved into SQLite at the latest after this long, or this many. */
const JOURNAL_FLUSH_MS = 20;
const JOURNAL_FLUSH_ROWS = 512;

export interface Organization {
  id: string;
  name: string;
  created: number;
}

export interface KeyRecord {
  id: string;
  orgId: string;
  mode: Mode;
  kind: "secret" | "capability";
  scopes: Scope[];
}

export interface DatasourceRow {
  seq: number;
  id: string;
  orgId: string;
  mode: Mode;
  /** Hosts as the response shows them ("a.example.com", or "a,b" for multi-host strings). */
  host: string;
  /** Normalized "host:port" list: what a rotation must keep. */
  targets: string;
  database: string;
  schema: string;
  displayName: string;
  sealed: Uint8Array;
  metadata: Metadata;
  status: DatasourceStatus;
  lastError: string | null;
  /** Bumped on every rotation: a verification result for an older version is dropped. */
  version: number;
  created: number;
}

export type NewDatasource = Omit<DatasourceRow, "seq">;

export interface IdempotencyRecord {
  fingerprint: Uint8Array;
  status: number;
  body: string;
  created: number;
}

/** An idempotency record with its key (organization and mode are the datasource's). */
export interface IdempotencyEntry extends IdempotencyRecord {
  key: string;
}

/**
 * A journal line: the row as a JSON array in a fixed order (cheaper to write than an object, and
 * each create pays it before its response), the sealed bytes in base64.
 */
function journalLine(r: NewDatasource, idem?: IdempotencyEntry): unknown[] {
  const line = rowFields(r);
  if (idem) line.push([idem.key, b64(idem.fingerprint), idem.status, idem.body, idem.created]);
  return line;
}

const rowFields = (r: NewDatasource): unknown[] => [
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

const b64 = (u: Uint8Array): string => Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString("base64");

interface JournaledCreate {
  row: NewDatasource;
  idem: IdempotencyEntry | undefined;
}

function fromJournalLine(v: unknown): JournaledCreate {
  if (!Array.isArray(v)) {
    // Written by an earlier version (one object a line), left by a crash before an upgrade.
    const o = v as Omit<NewDatasource, "sealed"> & { sealed: string };
    return { row: { ...o, sealed: Buffer.from(o.sealed, "base64") }, idem: undefined };
  }
  const [id, orgId, mode, host, targets, database, schema, displayName, sealed, metadata, status, lastError, version, created, idem] = v as [
    string,
    string,
    Mode,
    string,
    string,
    string,
    string,
    string,
    string,
    Metadata,
    DatasourceStatus,
    string | null,
    number,
    number,
    [string, string, number, string, number] | undefined,
  ];
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

const idemSlot = (orgId: string, mode: Mode, key: string): string => `${orgId}\u0000${mode}\u0000${key}`;

/** Schema migrations by PRAGMA user_version; each step runs once, in a transaction. */
const MIGRATIONS = [
  `CREATE TABLE organizations (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, created INTEGER NOT NULL);
   CREATE TABLE api_keys (
     id TEXT PRIMARY KEY,
     token_hash BLOB NOT NULL UNIQUE,
     org_id TEXT NOT NULL REFERENCES organizations(id),
     mode TEXT NOT NULL CHECK (mode IN ('live', 'test')),
     kind TEXT NOT NULL CHECK (kind IN ('secret', 'capability')),
     scopes TEXT NOT NULL,
     created INTEGER NOT NULL);
   CREATE TABLE datasources (
     seq INTEGER PRIMARY KEY,
     id TEXT NOT NULL UNIQUE,
     org_id TEXT NOT NULL REFERENCES organizations(id),
     mode TEXT NOT NULL CHECK (mode IN ('live', 'test')),
     host TEXT NOT NULL,
     targets TEXT NOT NULL,
     database TEXT NOT NULL,
     schema TEXT NOT NULL,
     display_name TEXT NOT NULL,
     sealed BLOB NOT NULL,
     metadata TEXT NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('unverified', 'active', 'rejected')),
     last_error TEXT,
     version INTEGER NOT NULL,
     created INTEGER NOT NULL);
   CREATE INDEX datasources_owner ON datasources (org_id, mode, seq);
   CREATE TABLE idempotency (
     org_id TEXT NOT NULL,
     mode TEXT NOT NULL,
     key TEXT NOT NULL,
     fingerprint BLOB NOT NULL,
     status INTEGER NOT NULL,
     body TEXT NOT NULL,
     created INTEGER NOT NULL,
     PRIMARY KEY (org_id, mode, key));
   CREATE INDEX idempotency_created ON idempotency (created);
   CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);`,
];

/** node:sqlite is loaded lazily: the CLI silences its ExperimentalWarning before the first use. */
function openDatabase(path: string): DatabaseSyncType {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily on purpose (above)
  const { DatabaseSync } = require("node:sqlite") as typeof import("node:sqlite");
  return new DatabaseSync(path);
}

type Row = Record<string, unknown>;

/**
 * The durable store: one SQLite file in the data directory, WAL journal. Every write is one
 * transaction; a commit is in the WAL before the response is sent, so `kill -9` loses nothing
 * (synchronous=FULL also survives power loss at the price of an fsync per commit).
 */
export class Store {
  readonly db: DatabaseSyncType;
  private readonly stmts = new Map<string, StatementSync>();
  // Transaction control, prepared once: exec() would parse the SQL again on every write.
  private readonly begin: StatementSync;
  private readonly commit: StatementSync;
  private readonly savepoint: StatementSync;
  private readonly release: StatementSync;
  private readonly rollbackTo: StatementSync;
  private readonly pending: Array<{ fn: () => unknown; resolve: (v: unknown) => void; reject: (e: unknown) => void }> = [];
  /** The create journal's fd (O_APPEND), when this store has one (the server's, synchronous=NORMAL). */
  private journalFd: number | undefined;
  /** Creates in the journal and not yet in SQLite: moved in (drained) before any other use of the data. */
  private unflushed: JournaledCreate[] = [];
  /** The idempotency records among them, by org, mode and key: a keyed request need not drain. */
  private unflushedKeys = new Map<string, IdempotencyEntry>();
  private drainTimer: NodeJS.Timeout | undefined;

  /**
   * `journal`: creates may be made durable by one append to the create journal (see appendCreate);
   * only the server's store, and only with synchronous=NORMAL (the journal is not fsynced).
   */
  constructor(dataDir: string, opts: { synchronous?: "NORMAL" | "FULL"; journal?: boolean } = {}) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    this.db = openDatabase(join(dataDir, DB_FILE));
    // Another process (`ablo-local keys create`) may write at the same time: wait, don't fail.
    this.db.exec("PRAGMA busy_timeout = 5000");
    this.db.exec("PRAGMA journal_mode = WAL");
    this.db.exec(`PRAGMA synchronous = ${opts.synchronous ?? "NORMAL"}`);
    this.db.exec("PRAGMA foreign_keys = ON");
    // A page cache that holds the working set (the default 2 MB makes inserts into the random-id
    // index read pages back through the WAL), and fewer, larger checkpoints: a checkpoint costs
    // two fsyncs plus one write per distinct page, so checkpointing less often writes less.
    this.db.exec("PRAGMA cache_size = -65536");
    this.db.exec("PRAGMA wal_autocheckpoint = 8000");
    this.begin = this.db.prepare("BEGIN IMMEDIATE");
    this.commit = this.db.prepare("COMMIT");
    this.savepoint = this.db.prepare("SAVEPOINT w");
    this.release = this.db.prepare("RELEASE w");
    this.rollbackTo = this.db.prepare("ROLLBACK TO w");
    this.migrate();
    if (opts.journal === true && (opts.synchronous ?? "NORMAL") === "NORMAL") {
      const path = join(dataDir, JOURNAL_FILE);
      this.journalFd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_APPEND, 0o600);
      this.replayJournal();
    }
  }

  /** Whether creates can take the journal path (appendCreate). */
  get journaled(): boolean {
    return this.journalFd !== undefined;
  }

  /**
   * Makes a create durable against `kill -9` without a SQLite commit: one append of one line to
   * the journal (in the OS page cache once write(2) returns, as a WAL commit with
   * synchronous=NORMAL is). Synchronous on purpose: the write costs ~1.5 µs here, so batching
   * creates across a turn of the event loop saved nothing measurable, and a write on libuv's
   * thread pool costs ~65 µs of CPU (the hand-off between threads), measured. Throws if the line
   * could not be written: the create must then fail. The rows move
   * into SQLite in batches (drain), always before anything else reads or writes the data, and at
   * the next start if the process died.
   */
  appendCreate(row: NewDatasource, idem?: IdempotencyEntry): void {
    const bytes = Buffer.from(`${JSON.stringify(journalLine(row, idem))}\n`, "utf8");
    // A failure may leave a partial line at the end: replay skips it, and that create failed.
    let off = 0;
    while (off < bytes.length) off += writeSync(this.journalFd!, bytes, off, bytes.length - off);
    this.unflushed.push({ row, idem });
    if (idem) this.unflushedKeys.set(idemSlot(row.orgId, row.mode, idem.key), idem);
    if (this.unflushed.length >= JOURNAL_FLUSH_ROWS) this.drainQuietly();
    else this.drainTimer ??= setTimeout(() => this.drainQuietly(), JOURNAL_FLUSH_MS).unref();
  }

  private drainQuietly(): void {
    try {
      this.drain();
    } catch {
      // Still in the journal: the next use of the data retries, and so does the next start.
    }
  }

  /** Moves journaled creates into SQLite (one transaction), then empties the journal. */
  private drain(): void {
    if (this.drainTimer !== undefined) {
      clearTimeout(this.drainTimer);
      this.drainTimer = undefined;
    }
    if (this.unflushed.length === 0) return;
    const rows = this.unflushed;
    this.begin.run();
    try {
      for (const c of rows) this.insertJournaled(c, false);
      this.commit.run();
    } catch (e) {
      if (this.db.isTransaction) this.db.exec("ROLLBACK");
      throw e;
    }
    this.unflushed = [];
    this.unflushedKeys = new Map();
    // After the commit: a crash in between replays rows that are already there (ignored by id).
    ftruncateSync(this.journalFd!, 0);
  }

  /** Before any read or write of datasources or idempotency records: journaled creates first. */
  private sync(): void {
    if (this.unflushed.length > 0 && !this.db.isTransaction) this.drain();
  }

  /** At start: complete lines of the journal go into SQLite (by id, so twice is harmless). */
  private replayJournal(): void {
    const fd = this.journalFd!;
    if (fstatSync(fd).size === 0) return;
    const text = readFileSync(fd, "utf8");
    const lines = text.split("\n");
    lines.pop(); // after the last newline: empty, or a torn line that was never answered
    const rows: JournaledCreate[] = [];
    for (const line of lines) {
      try {
        rows.push(fromJournalLine(JSON.parse(line)));
      } catch {
        // unreadable: never completely written, so never answered
      }
    }
    this.tx(() => {
      for (const c of rows) this.insertJournaled(c, true);
    });
    ftruncateSync(fd, 0);
  }

  private migrate(): void {
    this.tx(() => {
      const current = Number((this.db.prepare("PRAGMA user_version").get() as Row).user_version);
      for (let v = current; v < MIGRATIONS.length; v++) this.db.exec(MIGRATIONS[v]!);
      if (current < MIGRATIONS.length) this.db.exec(`PRAGMA user_version = ${MIGRATIONS.length}`);
    });
  }

  private stmt(sql: string): StatementSync {
    let s = this.stmts.get(sql);
    if (!s) this.stmts.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  /** Runs `fn` in one write transaction (taken up front: no lock upgrade that could fail midway). */
  tx<T>(fn: () => T): T {
    this.sync();
    this.begin.run();
    try {
      const result = fn();
      this.commit.run();
      return result;
    } catch (e) {
      if (this.db.isTransaction) this.db.exec("ROLLBACK");
      throw e;
    }
  }

  /**
   * Group commit: writes queued during one turn of the event loop share one transaction (each in
   * its own savepoint, so one failure does not undo the others). Each promise settles after the
   * COMMIT: a response is never sent for a write that is not durable.
   */
  write<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.pending.splice(0);
    if (batch.length === 0) return;
    if (batch.length === 1) {
      // Alone in its transaction: no savepoint needed, a failure rolls back only this write.
      const w = batch[0]!;
      let value: unknown;
      try {
        value = this.tx(w.fn);
      } catch (error) {
        w.reject(error);
        return;
      }
      w.resolve(value);
      return;
    }
    const results: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      this.tx(() => {
        for (const w of batch) {
          this.savepoint.run();
          try {
            results.push({ ok: true, value: w.fn() });
            this.release.run();
          } catch (error) {
            this.rollbackTo.run();
            this.release.run();
            results.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      batch.forEach((w) => w.reject(error));
      return;
    }
    batch.forEach((w, i) => {
      const r = results[i]!;
      if (r.ok) w.resolve(r.value);
      else w.reject(r.error);
    });
  }

  close(): void {
    if (this.pending.length > 0) this.flush();
    if (this.journalFd !== undefined) {
      if (this.db.isOpen) this.drainQuietly();
      closeSync(this.journalFd);
      this.journalFd = undefined;
    }
    if (this.db.isOpen) this.db.close();
  }

  // ---- meta ---------------------------------------------------------------------------------

  getMeta(key: string): Uint8Array | undefined {
    const row = this.stmt("SELECT value FROM meta WHERE key = ?").get(key) as Row | undefined;
    return row ? (row.value as Uint8Array) : undefined;
  }

  setMeta(key: string, value: Uint8Array): void {
    this.stmt("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(key, value);
  }

  // ---- organizations and keys ---------------------------------------------------------------

  orgByName(name: string): Organization | undefined {
    const row = this.stmt("SELECT id, name, created FROM organizations WHERE name = ?").get(name) as Row | undefined;
    return row ? { id: String(row.id), name: String(row.name), created: Number(row.created) } : undefined;
  }

  insertOrg(org: Organization): void {
    this.stmt("INSERT INTO organizations (id, name, created) VALUES (?, ?, ?)").run(org.id, org.name, org.created);
  }

  insertKey(key: KeyRecord, tokenHash: Uint8Array, created: number): void {
    this.stmt("INSERT INTO api_keys (id, token_hash, org_id, mode, kind, scopes, created) VALUES (?, ?, ?, ?, ?, ?, ?)").run(
      key.id,
      tokenHash,
      key.orgId,
      key.mode,
      key.kind,
      JSON.stringify(key.scopes),
      created,
    );
  }

  keyByHash(tokenHash: Uint8Array): KeyRecord | undefined {
    const row = this.stmt("SELECT id, org_id, mode, kind, scopes FROM api_keys WHERE token_hash = ?").get(tokenHash) as Row | undefined;
    if (!row) return undefined;
    return {
      id: String(row.id),
      orgId: String(row.org_id),
      mode: row.mode as Mode,
      kind: row.kind as KeyRecord["kind"],
      scopes: JSON.parse(String(row.scopes)) as Scope[],
    };
  }

  // ---- datasources --------------------------------------------------------------------------

  private static toRow(r: Row): DatasourceRow {
    return {
      seq: Number(r.seq),
      id: String(r.id),
      orgId: String(r.org_id),
      mode: r.mode as Mode,
      host: String(r.host),
      targets: String(r.targets),
      database: String(r.database),
      schema: String(r.schema),
      displayName: String(r.display_name),
      sealed: r.sealed as Uint8Array,
      metadata: JSON.parse(String(r.metadata)) as Metadata,
      status: r.status as DatasourceStatus,
      lastError: r.last_error === null ? null : (r.last_error as string),
      version: Number(r.version),
      created: Number(r.created),
    };
  }

  insertDatasource(d: NewDatasource): DatasourceRow {
    this.sync();
    return { ...d, seq: this.insertRow(d, false) };
  }

  /** A journaled create and its idempotency record: one line, so both or neither. */
  private insertJournaled(c: JournaledCreate, replay: boolean): void {
    this.insertRow(c.row, replay);
    if (c.idem) this.putIdempotencyRow(c.row.orgId, c.row.mode, c.idem.key, c.idem);
  }

  private insertRow(d: NewDatasource, ifAbsent: boolean): number {
    const res = this.stmt(
      `INSERT${ifAbsent ? " OR IGNORE" : ""} INTO datasources (id, org_id, mode, host, targets, database, schema, display_name, sealed, metadata, status, last_error, version, created)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      d.id,
      d.orgId,
      d.mode,
      d.host,
      d.targets,
      d.database,
      d.schema,
      d.displayName,
      d.sealed,
      JSON.stringify(d.metadata),
      d.status,
      d.lastError,
      d.version,
      d.created,
    );
    return Number(res.lastInsertRowid);
  }

  /** Only the owner's record, in the owner's mode: anything else is "not found". */
  getDatasource(orgId: string, mode: Mode, id: string): DatasourceRow | undefined {
    this.sync();
    const r = this.stmt("SELECT * FROM datasources WHERE id = ? AND org_id = ? AND mode = ?").get(id, orgId, mode) as Row | undefined;
    return r ? Store.toRow(r) : undefined;
  }

  getDatasourceById(id: string): DatasourceRow | undefined {
    this.sync();
    const r = this.stmt("SELECT * FROM datasources WHERE id = ?").get(id) as Row | undefined;
    return r ? Store.toRow(r) : undefined;
  }

  /** Newest first; `beforeSeq` continues after a cursor. Fetches one extra row to tell has_more. */
  listDatasources(orgId: string, mode: Mode, limit: number, beforeSeq?: number): { rows: DatasourceRow[]; hasMore: boolean } {
    this.sync();
    const rows = (
      beforeSeq === undefined
        ? this.stmt("SELECT * FROM datasources WHERE org_id = ? AND mode = ? ORDER BY seq DESC LIMIT ?").all(orgId, mode, limit + 1)
        : this.stmt("SELECT * FROM datasources WHERE org_id = ? AND mode = ? AND seq < ? ORDER BY seq DESC LIMIT ?").all(orgId, mode, beforeSeq, limit + 1)
    ).map((r) => Store.toRow(r as Row));
    return { rows: rows.slice(0, limit), hasMore: rows.length > limit };
  }

  updateDatasource(row: DatasourceRow): void {
    this.sync();
    this.stmt(
      `UPDATE datasources SET host = ?, targets = ?, database = ?, display_name = ?, sealed = ?, metadata = ?, status = ?, last_error = ?, version = ?
       WHERE id = ?`,
    ).run(row.host, row.targets, row.database, row.displayName, row.sealed, JSON.stringify(row.metadata), row.status, row.lastError, row.version, row.id);
  }

  deleteDatasource(orgId: string, mode: Mode, id: string): boolean {
    this.sync();
    return Number(this.stmt("DELETE FROM datasources WHERE id = ? AND org_id = ? AND mode = ?").run(id, orgId, mode).changes) > 0;
  }

  /** Records a verification result unless the record was rotated or deleted meanwhile. */
  setVerification(id: string, version: number, status: DatasourceStatus, lastError: string | null): boolean {
    this.sync();
    const res = this.stmt("UPDATE datasources SET status = ?, last_error = ? WHERE id = ? AND version = ? AND status = 'unverified'").run(
      status,
      lastError,
      id,
      version,
    );
    return Number(res.changes) > 0;
  }

  unverified(): Array<{ id: string; version: number }> {
    this.sync();
    return (this.stmt("SELECT id, version FROM datasources WHERE status = 'unverified' ORDER BY seq").all() as Row[]).map((r) => ({
      id: String(r.id),
      version: Number(r.version),
    }));
  }

  // ---- idempotency --------------------------------------------------------------------------

  getIdempotency(orgId: string, mode: Mode, key: string, notBefore: number): IdempotencyRecord | undefined {
    // Journaled records are newer than any in SQLite: look there first, without draining.
    const journaled = this.unflushedKeys.get(idemSlot(orgId, mode, key));
    if (journaled) return journaled.created >= notBefore ? journaled : undefined;
    const r = this.stmt("SELECT fingerprint, status, body, created FROM idempotency WHERE org_id = ? AND mode = ? AND key = ? AND created >= ?").get(
      orgId,
      mode,
      key,
      notBefore,
    ) as Row | undefined;
    return r ? { fingerprint: r.fingerprint as Uint8Array, status: Number(r.status), body: String(r.body), created: Number(r.created) } : undefined;
  }

  putIdempotency(orgId: string, mode: Mode, key: string, rec: IdempotencyRecord): void {
    this.sync();
    this.putIdempotencyRow(orgId, mode, key, rec);
  }

  private putIdempotencyRow(orgId: string, mode: Mode, key: string, rec: IdempotencyRecord): void {
    // REPLACE: an expired record under the same key gives way to the new one.
    this.stmt("INSERT OR REPLACE INTO idempotency (org_id, mode, key, fingerprint, status, body, created) VALUES (?, ?, ?, ?, ?, ?, ?)").run(
      orgId,
      mode,
      key,
      rec.fingerprint,
      rec.status,
      rec.body,
      rec.created,
    );
  }

  purgeIdempotency(before: number): void {
    this.sync();
    this.stmt("DELETE FROM idempotency WHERE created < ?").run(before);
  }
}
