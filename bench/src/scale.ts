import { readFileSync, readdirSync } from "node:fs";
import { createServer, connect, type Server } from "node:net";
import { join } from "node:path";
import { AbloClient } from "@ablo/client";
import {
  abloConfig,
  createStack,
  loginRole,
  pulumiWorkspace,
  REPO_ROOT,
  secret,
  startAbloLocal,
  startPostgres,
  type AbloLocal,
  type ProgramStack,
  type PulumiWorkspace,
  type StackConfig,
} from "@ablo/harness";
import { pluginYamlProgram } from "./plugin-program";

/**
 * The scale table of issue "preview as fast as an empty provider": for N Datasources, engine
 * runs of our provider against the floor (an empty dynamic resource loaded through a module
 * reference like ours, whose create returns at once: the engine's own cost per resource), same
 * engine, same run, and the same N API calls made directly with @ablo/client for scale.
 * Verification is off on the server, so no database is dialed and what remains is ours. Beside
 * them, the same Datasources served by the provider plugin (pulumi-resource-ablo) from a Pulumi
 * YAML program, and optionally from the TypeScript program with the generated `ablo.Datasource` (`@ablo/pulumi/plugin`).
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
  /** The provider plugin from a Pulumi YAML program of N `ablo:Datasource`: median seconds per operation. */
  plugin: Record<Op, number>;
  /** Peak resident memory of the plugin's process (`pulumi-resource-ablo`), MiB. */
  pluginProviderPeakMiB: number;
  pluginStateBytesPerResource: number;
  /** The plugin from the TypeScript fleet program with `ablo.Datasource` of `@ablo/pulumi/plugin` (bench/plugin-program), when measured. */
  pluginTs?: { times: Record<Op, number>; providerPeakMiB: number; stateBytesPerResource: number };
}

/** Which plugin programs a run measures beside ours and the floor. */
export interface ScaleOptions {
  /** Also the TypeScript program of the plugin, `@ablo/pulumi/plugin` (the YAML program is always measured). */
  pluginTs?: boolean;
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

/** The process serving the resources: the Node SDK's dynamic provider, or the plugin (`node …/plugin/bin/../dist/main.js`). */
type ProviderProcess = "dynamic" | "plugin";
const PROVIDER_CMDLINE: Record<ProviderProcess, RegExp> = { dynamic: /dynamic-provider/, plugin: /\/plugin\/(bin\/\.\.\/)?dist\/main\.js\0/ };

/** Samples the peak RSS of the workspace's provider processes (VmHWM from /proc) until stopped. */
function providerMemory(ws: PulumiWorkspace, provider: ProviderProcess): { stop(): number } {
  const home = `PULUMI_HOME=${ws.env.PULUMI_HOME}\0`;
  let peak = 0;
  const sample = () => {
    for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
        if (!PROVIDER_CMDLINE[provider].test(cmd) || !readFileSync(`/proc/${pid}/environ`, "utf8").includes(home)) continue;
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
  provider: ProviderProcess;
  /** Config change that makes `up` touch every resource in place. */
  touch(i: number): Promise<void>;
  dispose(): Promise<void>;
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
  const mem = providerMemory(p.ws, p.provider);
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

export async function benchScale(
  sizes: number[],
  runsFor: (n: number) => number,
  log: (line: string) => void = () => undefined,
  options: ScaleOptions = {},
): Promise<ScaleRow[]> {
  const pg = await startPostgres();
  const api = await startAbloLocal({ allowPrivateHosts: true, verification: false, rateLimit: 0 });
  const proxy = await countingProxy(api.port);
  const rows: ScaleRow[] = [];
  try {
    await pg.sql(loginRole("app", "bench-pw"));
    const key = await api.createKey("bench-org", "test");
    for (const n of sizes) {
      const runs = runsFor(n);
      const settings = abloConfig({ baseUrl: `http://127.0.0.1:${proxy.port}` }, key);
      const databaseUrl = secret(pg.url("app", "bench-pw", "postgres"));
      const fleetConfig = { count: String(n), ...settings, databaseUrl, wait: "false" };
      const programs: Program[] = [];
      try {
        const ours = await setUp(join(REPO_ROOT, "test", "fixtures", "fleet-program"), "dynamic", fleetConfig);
        programs.push(ours);
        const floor = await setUp(join(REPO_ROOT, "bench", "floor-program"), "dynamic", { count: String(n) });
        programs.push(floor);
        const plugin = await setUpPluginYaml(n, { ...settings, databaseUrl });
        programs.push(plugin);
        const pluginTs = options.pluginTs ? await setUp(join(REPO_ROOT, "bench", "plugin-program"), "plugin", fleetConfig) : undefined;
        if (pluginTs) programs.push(pluginTs);
        // Interleaved, floor then ours then the plugin in each run, so that the machine's drift hits all alike.
        const fc: Cycle[] = [];
        const oc: Cycle[] = [];
        const pc: Cycle[] = [];
        const tc: Cycle[] = [];
        for (let run = 0; run < runs; run++) {
          log(`N=${n}: run ${run + 1}/${runs}`);
          fc.push(await cycle(floor, n, run));
          oc.push(await cycle(ours, n, run));
          pc.push(await cycle(plugin, n, run));
          if (pluginTs) tc.push(await cycle(pluginTs, n, run));
        }
        const f = summarize(fc);
        const o = summarize(oc);
        const p = summarize(pc);
        const t = pluginTs ? summarize(tc) : undefined;
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
          plugin: p.times,
          pluginProviderPeakMiB: p.peakMiB,
          pluginStateBytesPerResource: p.bytes,
          ...(t ? { pluginTs: { times: t.times, providerPeakMiB: t.peakMiB, stateBytesPerResource: t.bytes } } : {}),
        });
      } finally {
        for (const p of programs) await p.dispose();
      }
    }
  } finally {
    await proxy.close();
    await api.stop();
    await pg.stop();
  }
  return rows;
}

async function setUp(program: string, provider: ProviderProcess, config: StackConfig): Promise<Program> {
  const ws = await pulumiWorkspace();
  const stack = await createStack({ workspace: ws, program, config });
  return { ws, stack, provider, touch: (i) => stack.setConfig({ tag: `t${i}` }), dispose: () => ws.dispose() };
}

/** The YAML program written out for N; a touch rewrites it with the tag, as the fleet program's config does. */
async function setUpPluginYaml(n: number, config: StackConfig): Promise<Program> {
  const program = await pluginYamlProgram(n);
  const ws = await pulumiWorkspace();
  const stack = await createStack({ workspace: ws, program: program.dir, config });
  return {
    ws,
    stack,
    provider: "plugin",
    touch: (i) => program.tag(`t${i}`),
    dispose: async () => {
      await ws.dispose();
      await program.dispose();
    },
  };
}

const ratio = (a: number, b: number) => (a / b).toFixed(2);

/** The table as bench/README.md shows it: the columns of the first scale table, then the plugin's. */
export function scaleTable(rows: ScaleRow[]): string {
  const ts = rows.some((r) => r.pluginTs);
  const tsHead = ts ? " plugin (TS) s | plugin (TS)/ours |" : "";
  const lines = [
    `| N | op | ours s | floor s | ours/floor | direct client s | plugin s | plugin/ours | plugin/floor |${tsHead}`,
    `|---|---|---|---|---|---|---|---|---|${ts ? "---|---|" : ""}`,
  ];
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
      const p = r.plugin[op];
      const t = r.pluginTs ? ` ${r.pluginTs.times[op].toFixed(2)} | ${ratio(r.pluginTs.times[op], r.ours[op])} |` : ts ? " — | — |" : "";
      lines.push(
        `| ${r.n} | ${op} | ${r.ours[op].toFixed(2)} | ${r.floor[op].toFixed(2)} | ${ratio(r.ours[op], r.floor[op])} | ${d ? r.direct[d].toFixed(2) : "—"} | ${p.toFixed(2)} | ${ratio(p, r.ours[op])} | ${ratio(p, r.floor[op])} |${t}`,
      );
    }
  }
  lines.push(
    "",
    `| N | runs | provider peak MiB (ours / floor) | TCP connections opened (up / preview) | state bytes per resource (ours / floor) | plugin peak MiB | plugin state bytes per resource | plugin/ours state bytes |${ts ? " plugin (TS) peak MiB / state bytes |" : ""}`,
    `|---|---|---|---|---|---|---|---|${ts ? "---|" : ""}`,
  );
  for (const r of rows) {
    const t = r.pluginTs ? ` ${r.pluginTs.providerPeakMiB} / ${r.pluginTs.stateBytesPerResource} |` : ts ? " — |" : "";
    lines.push(
      `| ${r.n} | ${r.runs} | ${r.providerPeakMiB} / ${r.floorProviderPeakMiB} | ${r.connectionsUp} / ${r.connectionsPreview} | ${r.stateBytesPerResource} / ${r.floorStateBytesPerResource} | ${r.pluginProviderPeakMiB} | ${r.pluginStateBytesPerResource} | ${ratio(r.pluginStateBytesPerResource, r.stateBytesPerResource)} |${t}`,
    );
  }
  return lines.join("\n");
}
