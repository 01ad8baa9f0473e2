import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { abloConfig, createStack, pulumiWorkspace, REPO_ROOT, secret, startAbloLocal, type AbloLocal, type ProgramStack, type Surface } from "@ablo/harness";

/**
 * The "organization size" rows: an `up` of a program creating 10 Datasources (the fleet program,
 * `count: 10`), in an organization already holding 0, 1,000 or 10,000 datasources (seeded before
 * the server serves, `ablo-local seed`), on each API surface. The target: O(10) requests per `up`
 * whatever the organization holds, and no slower at 10,000 than at 0 (ratio ≤ 1.1). Verification
 * is off on the server, as in the scale table, so the connection string is never dialed and no
 * database runs; the server admits its loopback host (`allowPrivateHosts`), as there.
 */
const PROGRAM = join(REPO_ROOT, "test", "fixtures", "fleet-program");
const RESOURCES = 10;
const ORG = "bench-org";

export interface OrgSizeRow {
  surface: Surface;
  orgSize: number;
  /** Runs whose `up` succeeded, of those tried. */
  runs: number;
  tried: number;
  /** Median over the runs (failed ones included) of the API requests the server logged during one `up`. */
  requestsPerUp: number;
  /** Of which list pages (GET /v1/datasources). */
  listPagesPerUp: number;
  /** Median server time on those pages per `up`, ms (the access lines' `ms`: not the network or the client's parsing). */
  listServerMsPerUp: number;
  /** Median seconds per successful `up`; undefined when none succeeded. */
  upSeconds: number | undefined;
  /** Fastest successful `up`: on a shared machine, the least disturbed. */
  fastestSeconds: number | undefined;
  /** upSeconds over the same surface's at org size 0. */
  ratio: number | undefined;
  /** fastestSeconds over the same surface's at org size 0. */
  fastestRatio: number | undefined;
  /** The engine's first error line when an `up` failed. */
  failure?: string;
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

interface Server {
  surface: Surface;
  orgSize: number;
  api: AbloLocal;
  key: string;
}

interface Run {
  ok: boolean;
  seconds: number;
  requests: number;
  listPages: number;
  listMs: number;
  failure?: string;
}

/** The access lines a server wrote after `offset` of its logs, for /v1/datasources and below. */
function apiRequests(logs: string, offset: number): { requests: number; listPages: number; listMs: number } {
  let requests = 0;
  let listPages = 0;
  let listMs = 0;
  for (const line of logs.slice(offset).split("\n")) {
    if (!line.includes('"msg":"request"')) continue;
    const m = /"method":"([A-Z]+)","url":"(\/v1\/datasources[^"]*)"/.exec(line);
    if (!m) continue;
    requests++;
    if (m[1] === "GET" && /^\/v1\/datasources(\?|$)/.test(m[2]!)) {
      listPages++;
      listMs += Number(/"ms":([\d.]+)/.exec(line)?.[1] ?? 0);
    }
  }
  return { requests, listPages, listMs };
}

/** The access lines are written before each answer, but reach us through a pipe: wait until they stop coming. */
async function settledLogs(api: AbloLocal): Promise<string> {
  let before = api.logs();
  for (;;) {
    await sleep(150);
    const now = api.logs();
    if (now.length === before.length) return now;
    before = now;
  }
}

/** The engine's first `error:` line that says more than that the update failed, shortened. */
function firstError(text: string): string {
  const errors = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /^error:/i.test(l));
  return (errors.find((l) => !/^error: (update|preview|destroy) failed$/i.test(l)) ?? errors[0] ?? "exit code not 0").slice(0, 200);
}

/** One `up` of the 10 Datasources against `server` (timed, its requests counted), then `destroy`. */
async function run(stack: ProgramStack, server: Server): Promise<Run> {
  await stack.setConfig(abloConfig(server.api, server.key));
  const offset = server.api.logs().length;
  const t = performance.now();
  const up = await stack.run(["up", "--yes", "--skip-preview"]);
  const seconds = (performance.now() - t) / 1000;
  const counted = apiRequests(await settledLogs(server.api), offset);
  // Whatever the up left (all of it, or the part made before it failed) goes before the next run.
  await stack.ok(["destroy", "--yes", "--skip-preview"]);
  return up.code === 0 ? { ok: true, seconds, ...counted } : { ok: false, seconds, ...counted, failure: firstError(`${up.stdout}\n${up.stderr}`) };
}

export async function benchOrgSize(sizes: number[], surfaces: Surface[], runs: number, log: (line: string) => void = () => undefined): Promise<OrgSizeRow[]> {
  const servers: Server[] = [];
  const ws = await pulumiWorkspace();
  try {
    for (const surface of surfaces) {
      for (const orgSize of sizes) {
        log(`${surface}: seeding ${orgSize} and starting the server`);
        const api = await startAbloLocal({
          surface,
          verification: false,
          allowPrivateHosts: true,
          rateLimit: 0,
          ...(orgSize > 0 ? { seed: { org: ORG, mode: "test", count: orgSize } } : {}),
        });
        servers.push({ surface, orgSize, api, key: await api.createKey(ORG, "test") });
      }
    }
    // A stack of its own for every up: each is the first life of its resources. Created again with the
    // same inputs within the API's idempotency window, a resource's create first replays each
    // earlier life (one POST and one GET each, provider/src/create-keys.ts): a cost of that
    // stack's history, not of the organization, measured apart (bench/README.md).
    let stacks = 0;
    const freshStack = () =>
      createStack({
        workspace: ws,
        program: PROGRAM,
        stack: `orgsize-${++stacks}`,
        config: {
          count: String(RESOURCES),
          // Never dialed (verification off): any well-formed string the server admits.
          databaseUrl: secret("postgres://app:bench-pw@127.0.0.1:5432/shop"),
          wait: "false",
        },
      });
    // The first up in a fresh workspace also pays for starting the program's toolchain: not measured.
    log("warm-up run");
    const warmUp = await freshStack();
    await run(warmUp, servers[0]!);
    await warmUp.remove();
    const results = new Map<Server, Run[]>(servers.map((s) => [s, []]));
    // Interleaved, every server in each run, so that the machine's drift hits all alike.
    for (let r = 0; r < runs; r++) {
      for (const s of servers) {
        log(`run ${r + 1}/${runs}: ${s.surface}, org size ${s.orgSize}`);
        const stack = await freshStack();
        const one = await run(stack, s);
        await stack.remove(); // and its Pulumi.<stack>.yaml beside the program
        results.get(s)!.push(one);
        log(`  ${one.ok ? `${one.seconds.toFixed(2)} s` : `failed (${one.failure})`}, ${one.requests} requests (${one.listPages} list pages)`);
      }
    }
    const rows: OrgSizeRow[] = servers.map((s) => {
      const rs = results.get(s)!;
      const ok = rs.filter((x) => x.ok);
      const failed = rs.find((x) => !x.ok);
      return {
        surface: s.surface,
        orgSize: s.orgSize,
        runs: ok.length,
        tried: rs.length,
        requestsPerUp: median(rs.map((x) => x.requests)),
        listPagesPerUp: median(rs.map((x) => x.listPages)),
        listServerMsPerUp: Math.round(median(rs.map((x) => x.listMs))),
        upSeconds: ok.length > 0 ? round2(median(ok.map((x) => x.seconds))) : undefined,
        fastestSeconds: ok.length > 0 ? round2(Math.min(...ok.map((x) => x.seconds))) : undefined,
        ratio: undefined,
        fastestRatio: undefined,
        ...(failed?.failure !== undefined ? { failure: failed.failure } : {}),
      };
    });
    for (const row of rows) {
      const base = rows.find((x) => x.surface === row.surface && x.orgSize === 0);
      if (base?.upSeconds !== undefined && row.upSeconds !== undefined) row.ratio = round2(row.upSeconds / base.upSeconds);
      if (base?.fastestSeconds !== undefined && row.fastestSeconds !== undefined) row.fastestRatio = round2(row.fastestSeconds / base.fastestSeconds);
    }
    return rows;
  } finally {
    await ws.dispose();
    for (const s of servers) await s.api.stop();
  }
}

/** The table as bench/README.md shows it: one group of rows per surface. */
export function orgSizeTable(rows: OrgSizeRow[]): string {
  const lines = [
    `| surface | org size | runs ok / tried | requests per up | of which list pages | server ms on list pages | median s per up | ratio to org size 0 | fastest s (ratio) | failure |`,
    `|---|---|---|---|---|---|---|---|---|---|`,
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.surface} | ${r.orgSize.toLocaleString("en-US")} | ${r.runs} / ${r.tried} | ${r.requestsPerUp} | ${r.listPagesPerUp} | ${r.listServerMsPerUp} | ${r.upSeconds?.toFixed(2) ?? "—"} | ${r.ratio?.toFixed(2) ?? "—"} | ${r.fastestSeconds === undefined ? "—" : `${r.fastestSeconds.toFixed(2)} (${r.fastestRatio?.toFixed(2) ?? "—"})`} | ${r.failure?.replace(/\|/g, "\\|") ?? ""} |`,
    );
  }
  return lines.join("\n");
}
