import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  abloConfig,
  apiReader,
  createStack,
  pulumiWorkspace,
  REPO_ROOT,
  secret,
  startAbloLocal,
  type AbloLocal,
  type ProgramStack,
  type PulumiWorkspace,
  type Surface,
} from "@ablo/harness";

/**
 * The request budget of issue "Spend the API's request budget on work": what each operation costs
 * in requests, and an `up` under a per-key rate limit against the time the limit allows.
 * - **requests per operation**: the fleet program (`test/fixtures/fleet-program`, verification
 *   off) through up (create), no-change preview, no-change up, update (metadata of all), refresh
 *   and destroy, counting the server's access-log lines per operation, on both surfaces.
 * - **rate limit**: ablo-local with `--rate-limit R` and 50 ms of latency on every request; an
 *   `up --skip-preview` of N Datasources, timed; its requests and 429s counted; against
 *   max(engine floor, minimal requests ÷ R), the floor being `bench/floor-program` (N empty
 *   dynamic resources) measured in the same run, and the minimal requests one create each plus one.
 * - **8 stacks**: 8 stacks of the fleet program `up` at once with one key: all converge, none
 *   leaves a duplicate or an orphan, total time against all minimal requests ÷ R.
 */
const FLEET = join(REPO_ROOT, "test", "fixtures", "fleet-program");
const FLOOR = join(REPO_ROOT, "bench", "floor-program");
const LATENCY = { rules: [{ action: "latency", latencyMs: 50 }] };
const ORG = "bench-org";

interface Counted {
  requests: number;
  throttled: number;
}

/** The access lines a server wrote after `offset`, for /v1/datasources and below: all, and the 429s. */
function counted(logs: string, offset: number): Counted {
  let requests = 0;
  let throttled = 0;
  for (const line of logs.slice(offset).split("\n")) {
    if (!line.includes('"msg":"request"') || !/"url":"\/v1\/datasources/.test(line)) continue;
    requests++;
    if (/"status":429/.test(line)) throttled++;
  }
  return { requests, throttled };
}

/** Access lines reach us through a pipe: wait until they stop coming. */
async function settledLogs(api: AbloLocal): Promise<string> {
  let before = api.logs();
  for (;;) {
    await sleep(200);
    const now = api.logs();
    if (now.length === before.length) return now;
    before = now;
  }
}

async function measured(api: AbloLocal, fn: () => Promise<unknown>): Promise<Counted & { seconds: number }> {
  const offset = api.logs().length;
  const t = performance.now();
  await fn();
  const seconds = (performance.now() - t) / 1000;
  return { seconds, ...counted(await settledLogs(api), offset) };
}

async function fleetStack(ws: PulumiWorkspace, api: AbloLocal, key: string, n: number, stack?: string): Promise<ProgramStack> {
  return createStack({
    workspace: ws,
    program: FLEET,
    ...(stack ? { stack } : {}),
    config: {
      count: String(n),
      // Never dialed (verification off): any well-formed string the server admits.
      databaseUrl: secret("postgres://app:bench-pw@127.0.0.1:5432/shop"),
      wait: "false",
      ...abloConfig(api, key),
    },
  });
}

export interface OperationRow {
  surface: Surface;
  n: number;
  op: string;
  requests: number;
  perDatasource: number;
  throttled: number;
  seconds: number;
}

/** Requests per operation, N Datasources, no rate limit (the server's default of 100/s is off). */
export async function benchOperations(n: number, surfaces: Surface[], log: (l: string) => void): Promise<OperationRow[]> {
  const rows: OperationRow[] = [];
  for (const surface of surfaces) {
    const api = await startAbloLocal({ surface, verification: false, allowPrivateHosts: true, rateLimit: 0 });
    const ws = await pulumiWorkspace();
    try {
      const key = await api.createKey(ORG, "test");
      const stack = await fleetStack(ws, api, key, n);
      const ops: Array<[string, () => Promise<unknown>]> = [
        ["up (creates)", () => stack.ok(["up", "--yes"])],
        ["preview (no change)", () => stack.ok(["preview", "--expect-no-changes"])],
        ["up (no change)", () => stack.ok(["up", "--yes", "--expect-no-changes"])],
        ["update (metadata of all)", async () => (await stack.setConfig({ tag: "t1" }), stack.ok(["up", "--yes"]))],
        // --skip-preview: a refresh with its preview reads every datasource twice (the engine runs both).
        ["refresh", () => stack.ok(["refresh", "--yes", "--skip-preview"])],
        ["destroy", () => stack.ok(["destroy", "--yes"])],
      ];
      for (const [op, fn] of ops) {
        if (surface === "minimal" && op.startsWith("update")) continue; // no update route
        const m = await measured(api, fn);
        log(`${surface} N=${n} ${op}: ${m.requests} requests, ${m.seconds.toFixed(1)} s`);
        rows.push({ surface, n, op, requests: m.requests, perDatasource: m.requests / n, throttled: m.throttled, seconds: m.seconds });
      }
    } finally {
      await ws.dispose();
      await api.stop();
    }
  }
  return rows;
}

export interface RateRow {
  n: number;
  rate: number;
  seconds: number;
  requests: number;
  throttled: number;
  floorSeconds: number;
  /** max(floor, minimal requests ÷ rate). */
  allowedSeconds: number;
  ratio: number;
  /** The same up against a server without a limit (same latency): what the provider itself costs beside the engine. */
  unlimitedSeconds: number;
  /** seconds ÷ max(unlimited, minimal requests ÷ rate): what the limit costs beyond what it must. */
  limitRatio: number;
}

/** An `up --skip-preview` of N on a server and stack of their own under `rate` (0: none), 50 ms from it; no destroy. */
async function upUnder(rate: number, n: number): Promise<Counted & { seconds: number }> {
  const api = await startAbloLocal({ verification: false, allowPrivateHosts: true, rateLimit: rate, faults: LATENCY });
  const ws = await pulumiWorkspace();
  try {
    const stack = await fleetStack(ws, api, await api.createKey(ORG, "test"), n);
    return await measured(api, () => stack.ok(["up", "--yes", "--skip-preview"]));
  } finally {
    await ws.dispose();
    await api.stop();
  }
}

/** An `up` of N under each rate, and in the same run the floor of N and our `up` of N without a limit. */
export async function benchRateLimit(sizes: number[], rates: number[], log: (l: string) => void): Promise<RateRow[]> {
  const rows: RateRow[] = [];
  for (const n of sizes) {
    const floorWs = await pulumiWorkspace();
    let floorSeconds: number;
    try {
      const floor = await createStack({ workspace: floorWs, program: FLOOR, config: { count: String(n) } });
      const t = performance.now();
      await floor.ok(["up", "--yes", "--skip-preview"]);
      floorSeconds = (performance.now() - t) / 1000;
    } finally {
      await floorWs.dispose();
    }
    const unlimitedSeconds = (await upUnder(0, n)).seconds;
    for (const rate of rates) {
      const m = await upUnder(rate, n);
      const allowedSeconds = Math.max(floorSeconds, (n + 1) / rate);
      const row = {
        n,
        rate,
        seconds: m.seconds,
        requests: m.requests,
        throttled: m.throttled,
        floorSeconds,
        allowedSeconds,
        ratio: m.seconds / allowedSeconds,
        unlimitedSeconds,
        limitRatio: m.seconds / Math.max(unlimitedSeconds, (n + 1) / rate),
      };
      log(
        `N=${n} at ${rate}/s: ${row.seconds.toFixed(1)} s, ${row.requests} requests, ${row.throttled} 429s, ratio ${row.ratio.toFixed(2)}, limit ratio ${row.limitRatio.toFixed(2)}`,
      );
      rows.push(row);
    }
  }
  return rows;
}

export interface StacksRow {
  stacks: number;
  perStack: number;
  rate: number;
  seconds: number;
  requests: number;
  throttled: number;
  converged: number;
  duplicates: number;
  orphans: number;
  allowedSeconds: number;
  ratio: number;
  /** The same stacks of the floor program `up` at once: what the engine costs on this machine. */
  floorSeconds: number;
}

/** `stacks` stacks of the floor program, `perStack` empty resources each, `up` at once. */
async function floorAtOnce(stacks: number, perStack: number): Promise<number> {
  const ws = await pulumiWorkspace();
  try {
    const all: ProgramStack[] = [];
    for (let i = 0; i < stacks; i++)
      all.push(await createStack({ workspace: ws, program: FLOOR, stack: `${ws.stack}-f${i}`, config: { count: String(perStack) } }));
    const t = performance.now();
    await Promise.all(all.map((s) => s.ok(["up", "--yes", "--skip-preview", "--stack", s.name])));
    return (performance.now() - t) / 1000;
  } finally {
    await ws.dispose();
  }
}

/** `stacks` stacks of `perStack` Datasources `up` at once with one key under `rate`. */
export async function benchStacksAtOnce(stacks: number, perStack: number, rate: number, log: (l: string) => void): Promise<StacksRow> {
  const floorSeconds = await floorAtOnce(stacks, perStack);
  const api = await startAbloLocal({ verification: false, allowPrivateHosts: true, rateLimit: rate, faults: LATENCY, admin: true });
  const ws = await pulumiWorkspace();
  try {
    const key = await api.createKey(ORG, "test");
    // One after another: each is selected while its config is set.
    const all: ProgramStack[] = [];
    for (let i = 0; i < stacks; i++) all.push(await fleetStack(ws, api, key, perStack, `${ws.stack}-s${i}`));
    const offset = api.logs().length;
    const t = performance.now();
    // --stack: the stacks share the program's folder, whose selected stack is the last one made.
    const results = await Promise.all(all.map((s) => s.run(["up", "--yes", "--skip-preview", "--stack", s.name])));
    const seconds = (performance.now() - t) / 1000;
    const c = counted(await settledLogs(api), offset);
    const inState = new Set<string>();
    for (const s of all) {
      const state = JSON.parse((await s.ok(["stack", "export", "--stack", s.name])).stdout) as { deployment: { resources?: Array<{ id?: string }> } };
      for (const r of state.deployment.resources ?? []) if (r.id) inState.add(r.id);
    }
    await sleep(2_000); // the budget back before the listing, itself one request under the key
    const onServer = await apiReader(api, key).ids();
    const orphans = onServer.filter((id) => !inState.has(id)).length;
    const duplicates = Math.max(0, onServer.length - orphans - stacks * perStack);
    const allowedSeconds = (stacks * (perStack + 1)) / rate;
    const row = {
      stacks,
      perStack,
      rate,
      seconds,
      ...c,
      converged: results.filter((r) => r.code === 0).length,
      duplicates,
      orphans,
      allowedSeconds,
      ratio: seconds / allowedSeconds,
      floorSeconds,
    };
    log(`${stacks} stacks x ${perStack} at ${rate}/s: ${seconds.toFixed(1)} s, ${c.requests} requests, ${c.throttled} 429s, ${row.converged} converged`);
    for (const r of results.filter((x) => x.code !== 0)) log(`  failed: ${firstError(`${r.stdout}\n${r.stderr}`)}`);
    return row;
  } finally {
    await ws.dispose();
    await api.stop();
  }
}

/** The engine's first `error:` line that says more than that the update failed. */
function firstError(text: string): string {
  const errors = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /^error:/i.test(l));
  return (errors.find((l) => !/^error: (update|preview|destroy) failed$/i.test(l)) ?? errors[0] ?? "exit code not 0").slice(0, 300);
}

const f2 = (x: number) => x.toFixed(2);
const pct = (a: number, b: number) => `${b === 0 ? 0 : ((100 * a) / b).toFixed(1)} %`;

export function operationsTable(rows: OperationRow[]): string {
  return [
    "| surface | N | operation | requests | per Datasource | 429s | s |",
    "|---|---|---|---|---|---|---|",
    ...rows.map((r) => `| ${r.surface} | ${r.n} | ${r.op} | ${r.requests} | ${f2(r.perDatasource)} | ${r.throttled} | ${r.seconds.toFixed(1)} |`),
  ].join("\n");
}

export function rateTable(rows: RateRow[], stacks: StacksRow | undefined): string {
  const lines = [
    "| N | limit /s | up s | requests | 429s | floor s | (N+1) ÷ limit s | ratio to max(floor, (N+1) ÷ limit) | ours without a limit s | ratio to max(ours without a limit, (N+1) ÷ limit) |",
    "|---|---|---|---|---|---|---|---|---|---|",
    ...rows.map(
      (r) =>
        `| ${r.n} | ${r.rate} | ${f2(r.seconds)} | ${r.requests} | ${r.throttled} (${pct(r.throttled, r.requests)}) | ${f2(r.floorSeconds)} | ${f2((r.n + 1) / r.rate)} | ${f2(r.ratio)} | ${f2(r.unlimitedSeconds)} | ${f2(r.limitRatio)} |`,
    ),
  ];
  if (stacks) {
    lines.push(
      "",
      "| stacks x N | limit /s | converged | duplicates | orphans | total s | requests | 429s | all minimal requests ÷ limit s | ratio | floor: the same stacks of empty resources at once, s | ratio to max(floor, minimal ÷ limit) |",
      "|---|---|---|---|---|---|---|---|---|---|---|---|",
      `| ${stacks.stacks} x ${stacks.perStack} | ${stacks.rate} | ${stacks.converged}/${stacks.stacks} | ${stacks.duplicates} | ${stacks.orphans} | ${f2(stacks.seconds)} | ${stacks.requests} | ${stacks.throttled} (${pct(stacks.throttled, stacks.requests)}) | ${f2(stacks.allowedSeconds)} | ${f2(stacks.ratio)} | ${f2(stacks.floorSeconds)} | ${f2(stacks.seconds / Math.max(stacks.floorSeconds, stacks.allowedSeconds))} |`,
    );
  }
  return lines.join("\n");
}
