import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { DatasourceSchema, ErrorBodySchema, type Mode } from "@ablo/api";
import { AbloClient, AbloError, AbloModeMismatchError, AbloNotFoundError, AbloPermissionError, type DatasourceResponse } from "@ablo/client";
import { fullReliabilityRun, recordFigures, startAbloLocal, type AbloLocal, type FigureRow } from "@ablo/harness";

// Tenant and mode isolation through real HTTP: the real @ablo/client and raw fetch against the
// compiled ablo-local. Organizations A and B each hold sandbox (ds_test_…) and live (ds_…)
// datasources. Every key that is not the owner's (the other organization's, the other mode's,
// read-only capability tokens) tries to read, list, page from, update, delete and replay the
// creates of every record. What must hold: a foreign record is a 404, never a 403 (no hint that it
// exists), the client may refuse a mode-mismatched id before sending (and then the raw request
// proves the server refuses too), a read-only capability token gets 403 on every write, and every
// record is untouched afterwards, as its owner reads it.

const FULL = fullReliabilityRun();
/** Datasources per organization and mode. */
const PER_GROUP = FULL ? 15 : 3;
const CANARY = `IsoCnry${randomBytes(8).toString("hex")}Pw`;
const url = (i: number, user = "app") => `postgres://${user}:${CANARY}@db.example.com:5432/shop${i}?sslmode=require`;

type Org = "A" | "B";
interface Principal {
  label: string;
  org: Org;
  mode: Mode;
  token: string;
  /** A capability token holding datasources:read only. */
  readOnly: boolean;
  client: AbloClient;
}
interface Victim {
  owner: Principal;
  ds: DatasourceResponse;
  idempotencyKey: string;
  body: { connectionString: string; metadata: Record<string, string> };
}

/** "absent": not in a list; "own record": a reused Idempotency-Key made the caller's own datasource, no replay. */
type Outcome = "client refused" | "404" | "403" | "absent" | "own record" | "allowed" | "other";
type Via = "client" | "raw HTTP";
interface Count {
  client: number;
  raw: number;
  outcomes: Record<Outcome, number>;
}
const counts = new Map<string, Count>();
/** Who tries: the figures keep read-only tokens (403 is right for them) apart from secret keys (404 only). */
type Attacker =
  "other organization, secret key" | "same organization, other mode, secret key" | "read-only token, foreign record" | "read-only token, own records";
const attackerOf = (p: Principal, v: { org: Org; mode: Mode }): Attacker =>
  p.readOnly
    ? p.org === v.org && p.mode === v.mode
      ? "read-only token, own records"
      : "read-only token, foreign record"
    : p.org !== v.org
      ? "other organization, secret key"
      : "same organization, other mode, secret key";
function count(kind: string, attacker: Attacker, via: Via, outcome: Outcome): void {
  const key = `${kind}\u0000${attacker}`;
  let c = counts.get(key);
  if (!c) counts.set(key, (c = { client: 0, raw: 0, outcomes: { "client refused": 0, "404": 0, "403": 0, absent: 0, "own record": 0, allowed: 0, other: 0 } }));
  if (via === "client") c.client++;
  else c.raw++;
  c.outcomes[outcome]++;
}

const KIND_ORDER = [
  "list (foreign record absent)",
  "retrieve",
  "retrieve/delete, id respelled (raw HTTP only)",
  "list cursor (starting_after)",
  "update metadata",
  "update connectionString (rotation)",
  "update schema",
  "delete",
  "idempotency-key reuse (replay of the owner's create)",
  "create",
];
const ATTACKER_ORDER: Attacker[] = [
  "other organization, secret key",
  "same organization, other mode, secret key",
  "read-only token, foreign record",
  "read-only token, own records",
];
const order = (key: string): number => {
  const [kind, attacker] = key.split("\u0000") as [string, Attacker];
  return KIND_ORDER.indexOf(kind) * 10 + ATTACKER_ORDER.indexOf(attacker);
};

afterAll(() => {
  const rows: FigureRow[] = [...counts]
    .sort(([a], [b]) => order(a) - order(b))
    .map(([key, c]) => {
      const [kind, attacker] = key.split("\u0000") as [string, string];
      return {
        kind,
        attacker,
        "attempts (client + raw HTTP)": c.client ? `${c.client} + ${c.raw}` : `${c.raw} raw`,
        "refused by client": c.outcomes["client refused"],
        "404": c.outcomes["404"],
        "403": c.outcomes["403"],
        "absent from list": c.outcomes.absent,
        "own new record, no replay": c.outcomes["own record"],
        allowed: c.outcomes.allowed + c.outcomes.other,
      };
    });
  recordFigures({
    section: "4. Isolation",
    what:
      `Organizations A and B, ${PER_GROUP} datasources per organization and mode (sandbox and live); every other key (other organization, other mode, read-only capability tokens) ` +
      'tries every operation on every record, through @ablo/client and as raw HTTP; "refused by client" = mode mismatch caught before sending; allowed (any other outcome) must be 0.',
    rows,
  });
});

const thrown: unknown[] = [];
/** What a client call came to: refused before sending, or the server's status. */
async function viaClient(call: () => Promise<unknown>): Promise<{ outcome: Outcome; error?: AbloError; value?: unknown }> {
  try {
    return { outcome: "allowed", value: await call() };
  } catch (e) {
    thrown.push(e);
    if (e instanceof AbloModeMismatchError) {
      expect(e.requestId).toBeUndefined();
      expect(e.statusCode).toBeUndefined();
      return { outcome: "client refused", error: e };
    }
    if (e instanceof AbloNotFoundError) {
      expect(e).toMatchObject({ statusCode: 404, type: "invalid_request_error", code: "resource_missing" });
      return { outcome: "404", error: e };
    }
    if (e instanceof AbloPermissionError) {
      expect(e).toMatchObject({ statusCode: 403, type: "permission_error", code: "scope_missing" });
      return { outcome: "403", error: e };
    }
    return { outcome: "other", error: e as AbloError };
  }
}

interface RawAnswer {
  status: number;
  text: string;
  json: unknown;
}
const rawTexts: string[] = [];

describe("isolation between organizations, modes and scopes (real HTTP, real client)", () => {
  let api: AbloLocal;
  const principals: Principal[] = [];
  const victims: Victim[] = [];
  /** What each record looked like to its owner before any attack. */
  const before = new Map<string, DatasourceResponse>();

  async function raw(method: string, path: string, token: string, body?: unknown, headers: Record<string, string> = {}): Promise<RawAnswer> {
    const res = await fetch(`${api.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    rawTexts.push(text);
    const json: unknown = JSON.parse(text);
    if (res.status >= 400) {
      const parsed = ErrorBodySchema.safeParse(json);
      expect(parsed.success).toBe(true);
      expect(parsed.data?.error.request_id).toBe(res.headers.get("request-id"));
    }
    return { status: res.status, text, json };
  }
  const rawOutcome = (a: RawAnswer): Outcome => (a.status >= 200 && a.status < 300 ? "allowed" : a.status === 404 ? "404" : a.status === 403 ? "403" : "other");

  function principal(label: string, org: Org, mode: Mode, token: string, readOnly: boolean): Principal {
    const p: Principal = {
      label,
      org,
      mode,
      token,
      readOnly,
      client: new AbloClient({ apiKey: token, baseUrl: api.baseUrl, maxRetries: 0, timeoutMs: 15_000 }),
    };
    principals.push(p);
    return p;
  }

  beforeAll(async () => {
    api = await startAbloLocal({ verification: false, rateLimit: 0, dnsMap: { "db.example.com": ["8.8.8.8"] } });
    const orgName = { A: `iso-a-${randomBytes(3).toString("hex")}`, B: `iso-b-${randomBytes(3).toString("hex")}` };
    for (const org of ["A", "B"] as const) {
      for (const mode of ["test", "live"] as const) {
        principal(`${org} ${mode} secret`, org, mode, await api.createKey(orgName[org], mode), false);
        principal(`${org} ${mode} read-only token`, org, mode, await api.createKey(orgName[org], mode, ["datasources:read"]), true);
      }
    }
    for (const owner of principals.filter((p) => !p.readOnly)) {
      for (let i = 0; i < PER_GROUP; i++) {
        const idempotencyKey = `iso-${owner.org}-${owner.mode}-${i}-${randomBytes(4).toString("hex")}`;
        const body = { connectionString: url(i), metadata: { owner: owner.label, n: String(i) } };
        const ds = await owner.client.datasources.create(body, { idempotencyKey });
        expect(ds.id).toMatch(owner.mode === "test" ? /^ds_test_[A-Za-z0-9]+$/ : /^ds_(?!test_)[A-Za-z0-9]+$/);
        expect(ds.livemode).toBe(owner.mode === "live");
        victims.push({ owner, ds, idempotencyKey, body });
        before.set(ds.id, await owner.client.datasources.retrieve(ds.id));
      }
    }
  }, 60_000);

  afterAll(async () => {
    for (const p of principals) p.client.close();
    await api?.stop();
  });

  /** Every key that is not the record's owner and crosses an organization or mode boundary. */
  const foreignTo = (v: Victim) => principals.filter((p) => p.org !== v.owner.org || p.mode !== v.owner.mode);

  test("setup: each key sees exactly its own organization's records of its own mode", async () => {
    expect(victims).toHaveLength(4 * PER_GROUP);
    for (const p of principals) {
      const seen: string[] = [];
      for await (const d of p.client.datasources.listAutoPaging({ limit: 2 })) seen.push(d.id);
      const own = victims.filter((v) => v.owner.org === p.org && v.owner.mode === p.mode).map((v) => v.ds.id);
      expect(seen.sort()).toEqual([...own].sort());
      // Counted as the list attempt of every foreign record: none is in this key's list.
      for (const v of victims)
        if (v.owner.org !== p.org || v.owner.mode !== p.mode)
          count("list (foreign record absent)", attackerOf(p, v.owner), "client", seen.includes(v.ds.id) ? "allowed" : "absent");
      const page = await raw("GET", "/v1/datasources?limit=100", p.token);
      expect(page.status).toBe(200);
      const ids = (page.json as { data: Array<{ id: string }> }).data.map((d) => d.id);
      expect(ids.sort()).toEqual([...own].sort());
      for (const v of victims)
        if (v.owner.org !== p.org || v.owner.mode !== p.mode)
          count("list (foreign record absent)", attackerOf(p, v.owner), "raw HTTP", ids.includes(v.ds.id) ? "allowed" : "absent");
    }
  });

  test("retrieve and list cursors: a foreign record is a 404 (never 403) that says no more than an unknown id", async () => {
    for (const v of victims) {
      const id = v.ds.id;
      // An id of the same shape that never existed: the foreign record's answer must look the same.
      const ghost = `${v.owner.mode === "test" ? "ds_test_" : "ds_"}${"0".repeat(id.length - (v.owner.mode === "test" ? 8 : 3))}`;
      for (const p of foreignTo(v)) {
        const modeMismatch = p.mode !== v.owner.mode;
        const r = await viaClient(() => p.client.datasources.retrieve(id));
        count("retrieve", attackerOf(p, v.owner), "client", r.outcome);
        expect(r.outcome).toBe(modeMismatch ? "client refused" : "404");

        const a = await raw("GET", `/v1/datasources/${id}`, p.token);
        count("retrieve", attackerOf(p, v.owner), "raw HTTP", rawOutcome(a));
        expect(a.status).toBe(404);
        const g = await raw("GET", `/v1/datasources/${ghost}`, p.token);
        expect(g.status).toBe(404);
        const shape = (x: RawAnswer) => {
          const e = (x.json as { error: Record<string, unknown> }).error;
          return { ...e, message: String(e.message).replace(id, "ID").replace(ghost, "ID"), request_id: "REQ" };
        };
        expect(shape(a)).toEqual(shape(g));
        expect(a.text).not.toContain("db.example.com");
        expect(a.text).not.toContain(v.owner.label);

        // The same id spelled otherwise (percent-encoded, upper case, a trailing slash or NUL), raw only: the client refuses such ids.
        if (!p.readOnly) {
          const encoded = [...id].map((ch) => `%${ch.charCodeAt(0).toString(16).padStart(2, "0")}`).join("");
          // Control: the percent-encoded spelling really names the record (its owner reads it so).
          const own = await raw("GET", `/v1/datasources/${encoded}`, v.owner.token);
          expect([own.status, (own.json as { id?: string }).id]).toEqual([200, id]);
          for (const spelling of [encoded, id.toUpperCase(), `${id}/`, `${id}%00`, `${id}%20`, `./${id}`]) {
            for (const method of ["GET", "DELETE"]) {
              const s = await raw(method, `/v1/datasources/${spelling}`, p.token);
              count("retrieve/delete, id respelled (raw HTTP only)", attackerOf(p, v.owner), "raw HTTP", rawOutcome(s));
              expect(`${method} ${spelling}: ${s.status}`).toBe(`${method} ${spelling}: 404`);
            }
          }
        }

        const c = await viaClient(() => p.client.datasources.list({ starting_after: id, limit: 1 }));
        count("list cursor (starting_after)", attackerOf(p, v.owner), "client", c.outcome);
        expect(c.outcome).toBe(modeMismatch ? "client refused" : "404");
        const rc = await raw("GET", `/v1/datasources?starting_after=${id}&limit=1`, p.token);
        count("list cursor (starting_after)", attackerOf(p, v.owner), "raw HTTP", rawOutcome(rc));
        expect(rc.status).toBe(404);
        expect((rc.json as { error: { param?: string } }).error.param).toBe("starting_after");
      }
    }
  });

  test("update and delete: a foreign secret key gets 404 (never 403); a read-only token gets 403 whatever the id", async () => {
    for (const v of victims) {
      const id = v.ds.id;
      for (const p of foreignTo(v)) {
        const modeMismatch = p.mode !== v.owner.mode;
        // A read-only token is refused on scope before any lookup: 403 for every id (so no existence leak either).
        const serverRefusal = p.readOnly ? "403" : "404";
        const clientExpect = modeMismatch ? "client refused" : serverRefusal;
        const attempts: Array<[string, () => Promise<unknown>, string, unknown]> = [
          [
            "update metadata",
            () => p.client.datasources.update(id, { metadata: { owner: "thief", added: "x" } }),
            "POST",
            { metadata: { owner: "thief", added: "x" } },
          ],
          [
            "update connectionString (rotation)",
            () => p.client.datasources.update(id, { connectionString: url(Number(v.body.metadata.n), "thief") }),
            "POST",
            { connectionString: url(Number(v.body.metadata.n), "thief") },
          ],
          ["update schema", () => p.client.datasources.update(id, { schema: "stolen" }), "POST", { schema: "stolen" }],
          ["delete", () => p.client.datasources.del(id), "DELETE", undefined],
        ];
        for (const [kind, call, method, body] of attempts) {
          const r = await viaClient(call);
          count(kind, attackerOf(p, v.owner), "client", r.outcome);
          expect(`${kind} by ${p.label}: ${r.outcome}`).toBe(`${kind} by ${p.label}: ${clientExpect}`);
          const a = await raw(
            method,
            `/v1/datasources/${id}`,
            p.token,
            body,
            method === "POST" ? { "idempotency-key": `iso-attack-${randomBytes(6).toString("hex")}` } : {},
          );
          count(kind, attackerOf(p, v.owner), "raw HTTP", rawOutcome(a));
          expect(`${kind} by ${p.label}: ${a.status}`).toBe(`${kind} by ${p.label}: ${serverRefusal}`);
        }
      }
    }
    // Untouched: every record reads back exactly as before, to its owner.
    for (const v of victims) expect(await v.owner.client.datasources.retrieve(v.ds.id)).toEqual(before.get(v.ds.id));
  });

  test("an Idempotency-Key reused by another organization or mode never replays the owner's record", async () => {
    for (const v of victims) {
      for (const p of foreignTo(v)) {
        const r = await viaClient(() => p.client.datasources.create(v.body, { idempotencyKey: v.idempotencyKey }));
        const replayed = r.outcome === "allowed" && (r.value as DatasourceResponse).id === v.ds.id;
        count(
          "idempotency-key reuse (replay of the owner's create)",
          attackerOf(p, v.owner),
          "client",
          replayed ? "allowed" : r.outcome === "allowed" ? "own record" : r.outcome,
        );
        if (p.readOnly) {
          expect(r.outcome).toBe("403");
        } else {
          // A create of its own: another id, in the caller's own mode.
          expect(r.outcome).toBe("allowed");
          const mine = r.value as DatasourceResponse;
          expect(mine.id).not.toBe(v.ds.id);
          expect(mine.livemode).toBe(p.mode === "live");
          expect(mine.metadata).toEqual(v.body.metadata);
          await p.client.datasources.del(mine.id);
        }
        // The body exactly as the client sent it (defaults filled in), so the key's parameters match.
        const a = await raw("POST", "/v1/datasources", p.token, { connection: "direct", schema: "public", ...v.body }, { "idempotency-key": v.idempotencyKey });
        const rawReplayed = a.status === 200 && (a.json as { id: string }).id === v.ds.id;
        count(
          "idempotency-key reuse (replay of the owner's create)",
          attackerOf(p, v.owner),
          "raw HTTP",
          rawReplayed ? "allowed" : a.status === 200 ? "own record" : rawOutcome(a),
        );
        expect(rawReplayed).toBe(false);
        expect(a.status).toBe(p.readOnly ? 403 : 200);
        if (a.status === 200) {
          const mine = a.json as DatasourceResponse;
          // The replay, if any, is of this caller's own create just above (deleted since).
          expect(mine.id).not.toBe(v.ds.id);
          expect(DatasourceSchema.safeParse(mine).success).toBe(true);
          const d = await raw("DELETE", `/v1/datasources/${mine.id}`, p.token);
          expect([200, 404]).toContain(d.status);
        }
      }
    }
    // The owner's own key still replays its own record.
    for (const v of victims.slice(0, 4)) {
      expect((await v.owner.client.datasources.create(v.body, { idempotencyKey: v.idempotencyKey })).id).toBe(v.ds.id);
    }
  });

  test("read-only capability tokens of the owner's own organization and mode can read, and never write", async () => {
    for (const v of victims) {
      const token = principals.find((p) => p.readOnly && p.org === v.owner.org && p.mode === v.owner.mode)!;
      // Positive control: the token is valid and reads the record.
      expect(await token.client.datasources.retrieve(v.ds.id)).toEqual(before.get(v.ds.id));
      const writes: Array<[string, () => Promise<unknown>, string, string, unknown]> = [
        ["create", () => token.client.datasources.create({ connectionString: url(99) }), "POST", "/v1/datasources", { connectionString: url(99) }],
        [
          "update metadata",
          () => token.client.datasources.update(v.ds.id, { metadata: { owner: "token" } }),
          "POST",
          `/v1/datasources/${v.ds.id}`,
          { metadata: { owner: "token" } },
        ],
        [
          "update connectionString (rotation)",
          () => token.client.datasources.update(v.ds.id, { connectionString: url(Number(v.body.metadata.n), "token") }),
          "POST",
          `/v1/datasources/${v.ds.id}`,
          { connectionString: url(Number(v.body.metadata.n), "token") },
        ],
        ["delete", () => token.client.datasources.del(v.ds.id), "DELETE", `/v1/datasources/${v.ds.id}`, undefined],
      ];
      for (const [kind, call, method, path, body] of writes) {
        const r = await viaClient(call);
        count(kind, attackerOf(token, v.owner), "client", r.outcome);
        expect(r.outcome).toBe("403");
        const a = await raw(method, path, token.token, body);
        count(kind, attackerOf(token, v.owner), "raw HTTP", rawOutcome(a));
        expect(a.status).toBe(403);
        expect((a.json as { error: { type: string; code: string } }).error).toMatchObject({ type: "permission_error", code: "scope_missing" });
      }
    }
  });

  test("afterwards: every record is exactly as its owner left it, every list is exactly its owner's records", async () => {
    for (const v of victims) {
      expect(await v.owner.client.datasources.retrieve(v.ds.id)).toEqual(before.get(v.ds.id));
      const a = await raw("GET", `/v1/datasources/${v.ds.id}`, v.owner.token);
      expect(a.status).toBe(200);
      expect(a.json).toEqual(before.get(v.ds.id));
    }
    for (const p of principals) {
      const seen: string[] = [];
      for await (const d of p.client.datasources.listAutoPaging({ limit: 100 })) seen.push(d.id);
      expect(seen.sort()).toEqual(
        victims
          .filter((v) => v.owner.org === p.org && v.owner.mode === p.mode)
          .map((v) => v.ds.id)
          .sort(),
      );
    }
  });

  test("nothing allowed, nothing answered 403 to a foreign secret key, the canary never came back", async () => {
    expect(counts.size).toBeGreaterThan(0);
    for (const [key, c] of counts) {
      const what = key.replace("\u0000", " by ");
      expect(`${what}: allowed ${c.outcomes.allowed}, other ${c.outcomes.other}`).toBe(`${what}: allowed 0, other 0`);
      // Both ways, every time: through the client and as raw HTTP.
      if (key.startsWith("retrieve/delete, id respelled")) expect(c.raw).toBeGreaterThan(0);
      else {
        expect(c.client).toBeGreaterThan(0);
        expect(c.raw).toBe(c.client);
      }
      // A secret key of another organization or mode never learns that a record exists: no 403.
      if (key.endsWith("secret key")) expect(`${what}: 403 ×${c.outcomes["403"]}`).toBe(`${what}: 403 ×0`);
    }
    expect(new Set([...counts.keys()].map((k) => k.split("\u0000")[1]))).toEqual(
      new Set([
        "other organization, secret key",
        "same organization, other mode, secret key",
        "read-only token, foreign record",
        "read-only token, own records",
      ]),
    );
    expect(thrown.length).toBeGreaterThan(0);
    for (const e of thrown) {
      expect(inspect(e, { depth: 5 })).not.toContain(CANARY);
      expect(JSON.stringify(e)).not.toContain(CANARY);
    }
    expect(rawTexts.filter((t) => t.includes(CANARY))).toEqual([]);
    await new Promise((r) => setTimeout(r, 200));
    expect(api.logs()).toContain('"msg":"request"');
    expect(api.logs()).not.toContain(CANARY);
    expect(api.logs()).not.toContain("unhandled error");
  });
});
