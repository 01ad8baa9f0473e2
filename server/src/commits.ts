import type { DatabaseSync, StatementSync } from "node:sqlite";

interface QueuedWrite {
  fn: () => unknown;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/**
 * Write transactions on one SQLite connection: tx() runs one now, write() queues one for the
 * group commit at the end of the turn. `beforeTx` runs before each BEGIN (the store moves
 * journaled creates in first).
 */
export class Commits {
  // Prepared once: exec() would parse the SQL again on every write.
  private readonly begin: StatementSync;
  private readonly commit: StatementSync;
  private readonly savepoint: StatementSync;
  private readonly release: StatementSync;
  private readonly rollbackTo: StatementSync;
  private readonly pending: QueuedWrite[] = [];

  constructor(
    private readonly db: DatabaseSync,
    private readonly beforeTx: () => void = () => undefined,
  ) {
    this.begin = db.prepare("BEGIN IMMEDIATE");
    this.commit = db.prepare("COMMIT");
    this.savepoint = db.prepare("SAVEPOINT w");
    this.release = db.prepare("RELEASE w");
    this.rollbackTo = db.prepare("ROLLBACK TO w");
  }

  /** Runs `fn` in one write transaction (taken up front: no lock upgrade that could fail midway). */
  tx<T>(fn: () => T): T {
    this.beforeTx();
    return this.transaction(fn);
  }

  /** tx() without beforeTx: for what beforeTx itself writes. */
  transaction<T>(fn: () => T): T {
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

  /** Commits the queued writes now (at the end of the turn, or before closing). */
  flush(): void {
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
}
