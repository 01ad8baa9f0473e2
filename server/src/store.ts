import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { DatasourceStatus, Metadata, Mode, Scope } from "@ablo/api";
import { Commits } from "./commits";
import { CreateJournal, JOURNAL_FILE, type JournaledCreate } from "./create-journal";
import { openDatabase } from "./sqlite";
import type { DatasourceRow, IdempotencyEntry, IdempotencyRecord, KeyRecord, NewDatasource, Organization } from "./store-rows";

type Row = Record<string, unknown>;

/**
 * The durable store: the queries the server makes, over one SQLite file in the data directory
 * (sqlite.ts). Every write is one transaction, or one savepoint of a group commit (commits.ts);
 * the server's creates may instead be made durable by the create journal (create-journal.ts),
 * whose rows are moved in before anything else reads or writes the data.
 */
export class Store {
  private readonly db: DatabaseSync;
  private readonly stmts = new Map<string, StatementSync>();
  private readonly commits: Commits;
  /** The server's store, with synchronous=NORMAL (the journal is not fsynced). */
  private readonly journal: CreateJournal | undefined;

  /**
   * `journal`: creates may be made durable by one append to the create journal (see appendCreate);
   * only the server's store, and only with synchronous=NORMAL.
   */
  constructor(dataDir: string, opts: { synchronous?: "NORMAL" | "FULL"; journal?: boolean } = {}) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const synchronous = opts.synchronous ?? "NORMAL";
    this.db = openDatabase(dataDir, synchronous);
    this.commits = new Commits(this.db, () => this.sync());
    if (opts.journal === true && synchronous === "NORMAL") {
      try {
        this.journal = new CreateJournal(join(dataDir, JOURNAL_FILE), (creates, replay) =>
          this.commits.transaction(() => this.insertJournaled(creates, replay)),
        );
        this.journal.replay();
      } catch (e) {
        this.close();
        throw e;
      }
    }
  }

  /** Whether creates can take the journal path (appendCreate). */
  get journaled(): boolean {
    return this.journal !== undefined;
  }

  /**
   * Makes a create, and its idempotency record, durable by one append to the create journal
   * (throws if it could not be written: the create must then fail). The rows move into SQLite in
   * batches, always before anything else reads or writes the data, and at the next start if the
   * process died.
   */
  appendCreate(row: NewDatasource, idem?: IdempotencyEntry): void {
    this.journal!.append(row, idem);
  }

  /** Before any read or write of datasources or idempotency records: journaled creates first. */
  private sync(): void {
    if (this.journal?.pending && !this.db.isTransaction) this.journal.drain();
  }

  private stmt(sql: string): StatementSync {
    let s = this.stmts.get(sql);
    if (!s) this.stmts.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  /** Runs `fn` in one write transaction (taken up front: no lock upgrade that could fail midway). */
  tx<T>(fn: () => T): T {
    return this.commits.tx(fn);
  }

  /** Runs `fn` in the group commit at the end of this turn; settles after the COMMIT (see Commits). */
  write<T>(fn: () => T): Promise<T> {
    return this.commits.write(fn);
  }

  close(): void {
    if (this.db.isOpen) this.commits.flush();
    this.journal?.close(this.db.isOpen);
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

  /** Journaled creates with their idempotency records (one line each, so both or neither). */
  private insertJournaled(creates: readonly JournaledCreate[], replay: boolean): void {
    for (const c of creates) {
      this.insertRow(c.row, replay);
      if (c.idem) this.putIdempotencyRow(c.row.orgId, c.row.mode, c.idem.key, c.idem);
    }
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
    const journaled = this.journal?.idempotency(orgId, mode, key);
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
