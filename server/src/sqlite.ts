import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";

export const DB_FILE = "ablo-local.sqlite";

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

/**
 * The data directory's SQLite file, tuned and migrated. WAL journal: a commit is in the WAL
 * before the response is sent, so `kill -9` loses nothing (synchronous=FULL also survives power
 * loss at the price of an fsync per commit).
 */
export function openDatabase(dataDir: string, synchronous: "NORMAL" | "FULL"): DatabaseSync {
  // node:sqlite is loaded lazily: the CLI silences its ExperimentalWarning before the first use.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily on purpose (above)
  const { DatabaseSync } = require("node:sqlite") as typeof import("node:sqlite");
  const db = new DatabaseSync(join(dataDir, DB_FILE));
  try {
    // Another process (`ablo-local keys create`) may write at the same time: wait, don't fail.
    db.exec("PRAGMA busy_timeout = 5000");
    db.exec("PRAGMA journal_mode = WAL");
    db.exec(`PRAGMA synchronous = ${synchronous}`);
    db.exec("PRAGMA foreign_keys = ON");
    // A page cache that holds the working set (the default 2 MB makes inserts into the random-id
    // index read pages back through the WAL), and fewer, larger checkpoints: a checkpoint costs
    // two fsyncs plus one write per distinct page, so checkpointing less often writes less.
    db.exec("PRAGMA cache_size = -65536");
    db.exec("PRAGMA wal_autocheckpoint = 8000");
    migrate(db);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

function migrate(db: DatabaseSync): void {
  db.exec("BEGIN IMMEDIATE");
  try {
    const current = Number((db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version);
    for (let v = current; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v]!);
    if (current < MIGRATIONS.length) db.exec(`PRAGMA user_version = ${MIGRATIONS.length}`);
    db.exec("COMMIT");
  } catch (e) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw e;
  }
}
