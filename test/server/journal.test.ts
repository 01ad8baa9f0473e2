import { randomBytes } from "node:crypto";
import { appendFileSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatasourceSchema } from "@ablo/api";
import type { AbloLocal } from "@ablo/harness";
import { DB_FILE, JOURNAL_FILE, journalLine, Sealer, Store } from "ablo-local";
import { abloLocalForSuite, CANARY, filesContaining } from "./helpers";

// The create journal: an answered create is durable once appended, before it is in SQLite.
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "ablo-journal-"));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const sealer = new Sealer(randomBytes(32));
let n = 0;
function row(orgId = "org_j") {
  const id = `dir_test_journal${String(++n).padStart(8, "0")}`;
  return {
    id,
    orgId,
    mode: "test" as const,
    host: "db.example.com",
    targets: "db.example.com:5432",
    database: "shop",
    schema: "public",
    displayName: "app@db.example.com/shop",
    sealed: sealer.seal(`postgres://app:${CANARY}@db.example.com:5432/shop`, id),
    metadata: { n: String(n) },
    status: "unverified" as const,
    lastError: null,
    version: 1,
    created: 1_700_000_000 + n,
  };
}

function storeWithOrg(dir: string): Store {
  const store = new Store(dir, { journal: true });
  store.tx(() => store.insertOrg({ id: "org_j", name: "journal", created: 1 }));
  return store;
}

/** Opens the data directory as the next start would (replaying its journal), runs `check`, closes it. */
function reopen(dir: string, check: (store: Store) => void): void {
  const store = new Store(dir, { journal: true });
  try {
    check(store);
  } finally {
    store.close();
  }
}

/** What a kill -9 leaves on disk right now: a copy of the files, taken synchronously. */
function crashCopy(dir: string): string {
  const to = tmp();
  for (const f of [DB_FILE, `${DB_FILE}-wal`, JOURNAL_FILE]) if (existsSync(join(dir, f))) copyFileSync(join(dir, f), join(to, f));
  return to;
}

describe("Store journal", () => {
  test("journaled creates are replayed at the next start, once; a torn last line is ignored", async () => {
    const dir = tmp();
    const store = storeWithOrg(dir);
    try {
      const rows = [row(), row(), row()];
      rows.forEach((r) => store.appendCreate(r));
      const copy = crashCopy(dir); // before the rows were drained into SQLite
      expect(statSync(join(copy, JOURNAL_FILE)).size).toBeGreaterThan(0);
      const journal = readFileSync(join(copy, JOURNAL_FILE), "utf8");
      expect(journal.split("\n").length).toBe(4);
      expect(journal).not.toContain(CANARY);
      appendFileSync(join(copy, JOURNAL_FILE), '{"id":"dir_test_torn","orgId":"org_j"'); // a write cut short
      reopen(copy, (reopened) => {
        for (const r of rows) expect(reopened.getDatasource("org_j", "test", r.id)).toMatchObject({ ...r, sealed: expect.anything() });
        expect(sealer.open(reopened.getDatasourceById(rows[0]!.id)!.sealed, rows[0]!.id)).toContain(CANARY);
        expect(reopened.getDatasourceById("dir_test_torn")).toBeUndefined();
        expect(reopened.listDatasources("org_j", "test", 10).rows.map((r) => r.id)).toEqual(rows.map((r) => r.id).reverse());
        expect(statSync(join(copy, JOURNAL_FILE)).size).toBe(0);
      });
      // Replaying a journal whose rows are already in SQLite (a crash between commit and truncation) changes nothing.
      const again = crashCopy(dir);
      writeFileSync(join(again, JOURNAL_FILE), journal);
      reopen(again, (twice) => expect(twice.listDatasources("org_j", "test", 10).rows.length).toBe(3));
      writeFileSync(join(again, JOURNAL_FILE), journal);
      reopen(again, (third) => expect(third.listDatasources("org_j", "test", 10).rows.map((r) => r.id)).toEqual(rows.map((r) => r.id).reverse()));
    } finally {
      store.close();
    }
  });

  test("reads, updates and deletes see journaled creates; a deleted one is not resurrected", async () => {
    const dir = tmp();
    const store = storeWithOrg(dir);
    try {
      const [a, b] = [row(), row()];
      store.appendCreate(a);
      store.appendCreate(b);
      expect(store.getDatasource("org_j", "test", a.id)?.id).toBe(a.id);
      await store.write(() => store.deleteDatasource("org_j", "test", b.id));
      const copy = crashCopy(dir);
      reopen(copy, (reopened) => {
        expect(reopened.getDatasourceById(a.id)?.id).toBe(a.id);
        expect(reopened.getDatasourceById(b.id)).toBeUndefined();
      });
    } finally {
      store.close();
    }
  });

  test("a create's idempotency record is journaled in its line: replayed with it after a crash, never without it", () => {
    const dir = tmp();
    const store = storeWithOrg(dir);
    try {
      const [a, b] = [row(), row()];
      const entry = { key: "k-1", fingerprint: sealer.mac("POST /v1/datasources\n{}"), status: 200, body: `{"id":"${a.id}"}`, created: 1_700_000_000 };
      store.appendCreate(a, entry);
      store.appendCreate(b);
      const copy = crashCopy(dir);
      expect(readFileSync(join(copy, JOURNAL_FILE), "utf8").split("\n").length).toBe(3);
      reopen(copy, (reopened) => {
        expect(reopened.getDatasourceById(a.id)?.id).toBe(a.id);
        expect(reopened.getDatasourceById(b.id)?.id).toBe(b.id);
        const back = reopened.getIdempotency("org_j", "test", "k-1", 0)!;
        expect({ ...back, fingerprint: Buffer.from(back.fingerprint) }).toEqual({
          fingerprint: entry.fingerprint,
          status: 200,
          body: entry.body,
          created: entry.created,
        });
        expect(reopened.getIdempotency("org_j", "test", "k-2", 0)).toBeUndefined();
      });
    } finally {
      store.close();
    }
  });

  test("a complete line that is not a create in this format is skipped like a torn one; the lines around it replay", () => {
    const dir = tmp();
    storeWithOrg(dir).close();
    const [a, b] = [row(), row()];
    const stray = JSON.stringify({ ...row(), sealed: "x" }); // an object line: never written by this version
    writeFileSync(join(dir, JOURNAL_FILE), `${journalLine(a)}\n${stray}\n${journalLine(b)}\n`);
    reopen(dir, (reopened) => {
      expect(reopened.listDatasources("org_j", "test", 10).rows.map((r) => r.id)).toEqual([b.id, a.id]);
      const { seq, ...back } = reopened.getDatasourceById(a.id)!;
      expect(seq).toBeGreaterThan(0);
      expect({ ...back, sealed: Buffer.from(back.sealed) }).toEqual(a);
    });
  });

  test("without the journal option (keys create) or with synchronous=FULL, nothing is journaled", () => {
    const dir = tmp();
    const plain = new Store(dir);
    expect(plain.journaled).toBe(false);
    plain.close();
    const full = new Store(dir, { journal: true, synchronous: "FULL" });
    expect(full.journaled).toBe(false);
    full.close();
    expect(existsSync(join(dir, JOURNAL_FILE))).toBe(false);
  });
});

describe("server", () => {
  const DNS = { "db.example.com": ["93.184.216.34"], "db2.example.com": ["2606:2800:220:1:248:1893:25c8:1946"] };
  let api: AbloLocal;
  let key: string;
  const { call } = abloLocalForSuite({ verification: false, dnsMap: DNS, rateLimit: 0 }, async (started) => {
    api = started;
    key = await api.createKey("journal", "test");
  });

  test("creates answered just before kill -9 (nothing else touched the store) survive, byte for byte, with their idempotency keys", async () => {
    const body = (i: number) => ({ connectionString: `postgres://app${i}:${CANARY}@db.example.com:5432/shop`, metadata: { i: String(i) } });
    // Half of them keyed, as @ablo/client sends every POST: the key's record is in the same journal line.
    const keyed = (i: number) => (i % 2 === 0 ? { headers: { "idempotency-key": `journal-kill-${i}` } } : {});
    const created = await Promise.all(Array.from({ length: 30 }, (_, i) => call("POST", "/v1/datasources", { token: key, body: body(i), ...keyed(i) })));
    expect(created.every((r) => r.status === 200)).toBe(true);
    await api.kill9();
    expect(await filesContaining(api.dataDir, CANARY)).toEqual([]);
    await api.restart();
    for (const r of created) expect((await call("GET", `/v1/datasources/${r.json.id}`, { token: key })).text).toBe(r.text);
    expect((await call("GET", "/v1/datasources?limit=100", { token: key })).json.data.length).toBe(30);
    for (let i = 0; i < 30; i += 2) {
      const again = await call("POST", "/v1/datasources", { token: key, body: body(i), ...keyed(i) });
      expect(again.headers.get("idempotent-replayed")).toBe("true");
      expect(again.text).toBe(created[i]!.text);
      const conflict = await call("POST", "/v1/datasources", { token: key, body: body(i + 100), ...keyed(i) });
      expect(conflict.status).toBe(409);
    }
    expect((await call("GET", "/v1/datasources?limit=100", { token: key })).json.data.length).toBe(30);
  });

  test("create answers (built without a second schema pass) satisfy DatasourceSchema and equal what retrieve answers", async () => {
    const bodies = [
      { connectionString: `postgres://app:${CANARY}@db.example.com:5432/shop` },
      {
        connectionString: `postgresql://app:${CANARY}@db.example.com/shop?sslmode=require`,
        schema: "analytics",
        metadata: { a: "1", "b-key": "x".repeat(200) },
      },
      {
        connectionString: `postgres://app:${CANARY}@db.example.com:5432,db2.example.com:6543/shop`,
        metadata: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, `v${i}`])),
      },
      { connectionString: `postgres://app:${CANARY}@93.184.216.34:5432/shop`, connection: "direct" },
      { connectionString: `postgres://app:${CANARY}@[2606:2800:220:1:248:1893:25c8:1946]:5432` },
      { connectionString: `postgres://%C3%BCser:${CANARY}@db.example.com/d%C3%BCb`, metadata: { ünï: 'cödé " \\ \n' } },
    ];
    for (const body of bodies) {
      const r = await call("POST", "/v1/datasources", { token: key, body });
      expect(r.status).toBe(200);
      expect(() => DatasourceSchema.parse(r.json)).not.toThrow();
      expect((await call("GET", `/v1/datasources/${r.json.id}`, { token: key })).text).toBe(r.text);
    }
  });
});
