import { readFileSync, readdirSync } from "node:fs";
import { createServer, connect, type Server } from "node:net";
import { join } from "node:path";
import { AbloClient } from "@ablo/client";
import { startAbloLocal, type AbloLocal } from "./ablo-local";
import { REPO_ROOT } from "./paths";
import { startPostgres } from "./postgres";
import { pulumiWorkspace, type PulumiWorkspace } from "./pulumi";
import { abloConfig, createStack, secret, type ProgramStack, type StackConfig } from "./stack";

/**
 * The scale table of issue "preview as fast as an empty provider": for N Datasources, engine
 * runs of our provider against the floor (an empty dynamic resource loaded through a module
 * reference like ours, whose create returns at once: the engine's own cost per resource), same
 * engine, same run, and the same N API calls made directly with @ablo/client for scale.
 * Verification is off on the server, so no database is dialed and what remains is ours.
 */
type Op = "up" | "preview" | "update" | "refresh" | "destroy";
const OPS: Op[] = ["up", "preview", "update", "refresh", "destroy"];

export interface ScaleRow {
  n: number;
  runs: number;
  /** Median seconds per operation. */
  ours: Record<Op, number>;
  floor: Record<Op, number>;
  direct: { create: number; retrieve: number; update: number; delete: number };
  /** Peak resident memory of the provider process, MiB (max over the runs of `up`). */
  providerPeakMiB: number;
  floorProviderPeakMiB: number;
  /** TCP connections the provider opened to the API during one `up` and one `preview`. */
  connectionsUp: number;
  connectionsPreview: number;
  /** `pulumi stack export` bytes per resource, ours and floor. */
  stateBytesPerResource: number;
  floorStateBytesPerResource: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** A loopback TCP proxy in front of ablo-local that counts the connections clients open. */
async function countingProxy(target: number): Promise<{ port: number; count(): number; reset(): void; close(): Promise<void> }> {
  let opened = 0;
  const server: Server = createServer((client) => {
    opened++;
    const upstream = connect(target, "127.0.0.1");
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end);
    upstream.on("error", end);
    client.on("close", end);
    upstream.on("close", end);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const addr = server.address();
  if (!addr || typeof addr === "string") throw new Error("proxy has no port");
  return {
    port: addr.port,
    count: () => opened,
    reset: () => void (opened = 0),
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** Samples the peak RSS of the workspace's dynamic-provider processes (VmHWM from /proc) until stopped. */
function providerMemory(ws: PulumiWorkspace): { stop(): number } {
  const home = `PULUMI_HOME=${ws.env.PULUMI_HOME}\0`;
  let peak = 0;
  const sample = () => {
    for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
        if (!cmd.includes("dynamic-provider") || !readFileSync(`/proc/${pid}/environ`, "utf8").includes(home)) continue;
        const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
        if (hwm) peak = Math.max(peak, Number(hwm[1]) / 1024);
      } catch {
        // the process ended between the listing and the read
      }
    }
  };
  const timer = setInterval(sample, 100);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return Math.round(peak);
    },
  };
}

interface Program {
  ws: PulumiWorkspace;
  stack: ProgramStack;
  /** Config change that makes `up` touch every resource in place. */
  touch(i: number): Promise<void>;
}

async function timed(p: Program, args: string[]): Promise<number> {
  const t = performance.now();
  await p.stack.ok(args);
  return (performance.now() - t) / 1000;
}

async function stateBytes(p: Program, n: number): Promise<number> {
  const r = await p.stack.ok(["stack", "export"]);
  return Math.round(Buffer.byteLength(r.stdout) / n);
}

interface Cycle {
  times: Record<Op, number>;
  peakMiB: number;
  bytes: number;
}

/** One program through up, preview, update, refresh, destroy. */
async function cycle(p: Program, n: number, run: number, beforeUp?: () => void): Promise<Cycle> {
  const mem = providerMemory(p.ws);
  beforeUp?.();
  const up = await timed(p, ["up", "--yes", "--skip-preview"]);
  const bytes = await stateBytes(p, n);
  const preview = await timed(p, ["preview", "--expect-no-changes"]);
  await p.touch(run);
  const update = await timed(p, ["up", "--yes", "--skip-preview"]);
  const refresh = await timed(p, ["refresh", "--yes", "--skip-preview"]);
  const destroy = await timed(p, ["destroy", "--yes", "--skip-preview"]);
  return { times: { up, preview, update, refresh, destroy }, peakMiB: mem.stop(), bytes };
}

function summarize(cycles: Cycle[]): Cycle {
  const times = Object.fromEntries(OPS.map((op) => [op, Math.round(median(cycles.map((c) => c.times[op])) * 100) / 100])) as Record<Op, number>;
  return { times, peakMiB: Math.max(...cycles.map((c) => c.peakMiB)), bytes: cycles.at(-1)!.bytes };
}

async function directCalls(api: AbloLocal, key: string, n: number): Promise<ScaleRow["direct"]> {
  const client = new AbloClient({ apiKey: key, baseUrl: api.baseUrl });
  const cs = "postgres://app:bench-pw@127.0.0.1:5432/shop";
  // The engine's default parallelism would send them concurrently too; 16 is our agent's socket cap.
  const pool = async <T>(items: T[], f: (x: T) => Promise<unknown>) => {
    const queue = [...items];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let x = queue.shift(); x !== undefined; x = queue.shift()) await f(x);
      }),
    );
  };
  const time = async (f: () => Promise<unknown>) => {
    const t = performance.now();
    await f();
    return Math.round((performance.now() - t) / 10) / 100;
  };
  const ids: string[] = [];
  const idx = Array.from({ length: n }, (_, i) => i);
  const create = await time(() =>
    pool(idx, async (i) => ids.push((await client.datasources.create({ connectionString: cs, metadata: { index: String(i) } })).id)),
  );
  const retrieve = await time(() => pool(ids, (id) => client.datasources.retrieve(id)));
  const update = await time(() => pool(ids, (id) => client.datasources.update(id, { metadata: { tag: "b" } })));
  const del = await time(() => pool(ids, (id) => client.datasources.del(id)));
  client.close();
  return { create, retrieve, update, delete: del };
}

export async function benchScale(sizes: number[], runsFor: (n: number) => number, log: (line: string) => void = () => undefined): Promise<ScaleRow[]> {
  const pg = await startPostgres();
  const api = await startAbloLocal({ allowPrivateHosts: true, verification: false, rateLimit: 0 });
  const proxy = await countingProxy(api.port);
  const rows: ScaleRow[] = [];
  try {
    await pg.sql("CREATE ROLE app LOGIN PASSWORD 'bench-pw' NOSUPERUSER NOBYPASSRLS");
    const key = await api.createKey("bench-org", "test");
    for (const n of sizes) {
      const runs = runsFor(n);
      const ours = await setUp(join(REPO_ROOT, "test", "fixtures", "fleet-program"), n, {
        ...abloConfig({ baseUrl: `http://127.0.0.1:${proxy.port}` }, key),
        databaseUrl: secret(pg.url("app", "bench-pw", "postgres")),
        wait: "false",
      });
      const floor = await setUp(join(REPO_ROOT, "bench", "floor-program"), n);
      try {
        // Interleaved, floor then ours in each run, so that the machine's drift hits both alike.
        const fc: Cycle[] = [];
        const oc: Cycle[] = [];
        for (let run = 0; run < runs; run++) {
          log(`N=${n}: run ${run + 1}/${runs}`);
          fc.push(await cycle(floor, n, run));
          oc.push(await cycle(ours, n, run));
        }
        const f = summarize(fc);
        const o = summarize(oc);
        // TCP connections the provider opens to the API, counted by the proxy in front of it.
        proxy.reset();
        await ours.stack.ok(["up", "--yes", "--skip-preview"]);
        const connectionsUp = proxy.count();
        proxy.reset();
        await ours.stack.ok(["preview", "--expect-no-changes"]);
        const connectionsPreview = proxy.count();
        await ours.stack.ok(["destroy", "--yes", "--skip-preview"]);
        log(`N=${n}: direct client calls`);
        const direct = await directCalls(api, key, n);
        rows.push({
          n,
          runs,
          ours: o.times,
          floor: f.times,
          direct,
          providerPeakMiB: o.peakMiB,
          floorProviderPeakMiB: f.peakMiB,
          connectionsUp,
          connectionsPreview,
          stateBytesPerResource: o.bytes,
          floorStateBytesPerResource: f.bytes,
        });
      } finally {
        await ours.ws.dispose();
        await floor.ws.dispose();
      }
    }
  } finally {
    await proxy.close();
    await api.stop();
    await pg.stop();
  }
  return rows;
}

async function setUp(program: string, n: number, config: StackConfig = {}): Promise<Program> {
  const ws = await pulumiWorkspace();
  const stack = await createStack({ workspace: ws, program, config: { count: String(n), ...config } });
  return { ws, stack, touch: (i) => stack.setConfig({ tag: `t${i}` }) };
}

export function scaleTable(rows: ScaleRow[]): string {
  const lines = ["| N | op | ours s | floor s | ours/floor | direct client s |", "|---|---|---|---|---|---|"];
  const directFor: Record<Op, keyof ScaleRow["direct"] | undefined> = {
    up: "create",
    preview: undefined,
    update: "update",
    refresh: "retrieve",
    destroy: "delete",
  };
  for (const r of rows) {
    for (const op of OPS) {
      const d = directFor[op];
      lines.push(
        `| ${r.n} | ${op} | ${r.ours[op].toFixed(2)} | ${r.floor[op].toFixed(2)} | ${(r.ours[op] / r.floor[op]).toFixed(2)} | ${d ? r.direct[d].toFixed(2) : "—"} |`,
      );
    }
  }
  lines.push(
    "",
    "| N | runs | provider peak MiB (ours / floor) | TCP connections opened (up / preview) | state bytes per resource (ours / floor) |",
    "|---|---|---|---|---|",
  );
  for (const r of rows) {
    lines.push(
      `| ${r.n} | ${r.runs} | ${r.providerPeakMiB} / ${r.floorProviderPeakMiB} | ${r.connectionsUp} / ${r.connectionsPreview} | ${r.stateBytesPerResource} / ${r.floorStateBytesPerResource} |`,
    );
  }
  return lines.join("\n");
}
