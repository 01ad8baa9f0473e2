import { readFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { join } from "node:path";
import { startAbloLocal } from "@ablo/harness";

/** What one bounded run saw: requests per second and server CPU per request. */
interface Sample {
  rps: number;
  cpuUs: number | undefined;
}

/** ablo-local with the floor routes GET /_bench/empty and POST /_bench/post (compiled, as the server runs). */
const BENCH_SERVE = join(__dirname, "serve.js");
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);

function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, 100 Hz ticks
  } catch {
    return undefined;
  }
}

function once(agent: Agent, port: number, method: string, path: string, headers: Record<string, string>, body?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const h: Record<string, string | number> = { ...headers };
    if (body !== undefined) {
      h["content-type"] = "application/json";
      h["content-length"] = Buffer.byteLength(body);
    }
    const req = request({ agent, host: "127.0.0.1", port, method, path, headers: h }, (res) => {
      res.resume();
      res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`${method} ${path} answered ${res.statusCode}`))));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** `total` requests over CONNECTIONS keep-alive connections, stopping early at `deadline`. */
type Req = [method: string, path: string, body?: string, extraHeaders?: Record<string, string>];

async function run(port: number, pid: number | undefined, total: number, deadline: number, next: () => Req, headers: Record<string, string>): Promise<Sample> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  let left = total;
  let done = 0;
  const c0 = cpuSeconds(pid);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (left-- > 0 && performance.now() < deadline) {
        const [method, path, body, extra] = next();
        await once(agent, port, method, path, extra ? { ...headers, ...extra } : headers, body);
        done++;
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  const c1 = cpuSeconds(pid);
  agent.destroy();
  return { rps: done / secs, cpuUs: c0 !== undefined && c1 !== undefined && done > 0 ? ((c1 - c0) / done) * 1e6 : undefined };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/**
 * Throughput of ablo-local on loopback: create and retrieve against the framework's empty route
 * in the same server and run (verification off, static DNS for a public name, no rate limit).
 * Bounded: RUNS interleaved rounds of at most PER_RUN requests each, and a wall-clock cap.
 */
export async function benchServer(opts: { runs?: number; perRun?: number; maxSeconds?: number } = {}): Promise<string> {
  const runs = opts.runs ?? 5;
  const perRun = opts.perRun ?? 3000;
  const deadline = performance.now() + (opts.maxSeconds ?? 120) * 1000;
  const api = await startAbloLocal({ verification: false, rateLimit: 0, serveScript: BENCH_SERVE, dnsMap: { "db.bench.example.com": ["93.184.216.34"] } });
  try {
    const key = await api.createKey("bench", "test");
    const headers = { authorization: `Bearer ${key}` };
    const body = JSON.stringify({ connectionString: "postgres://bench:bench-password@db.bench.example.com:5432/shop", metadata: { team: "bench" } });
    const createRes = await fetch(`${api.baseUrl}/v1/datasources`, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body });
    const id = ((await createRes.json()) as { id: string }).id;

    // `create` is a plain POST (curl); `keyed` carries a fresh Idempotency-Key as @ablo/client
    // sends on every POST, which takes the server's idempotency bookkeeping path.
    let n = 0;
    const kinds = {
      empty: (): Req => ["GET", "/_bench/empty"],
      post: (): Req => ["POST", "/_bench/post", body],
      create: (): Req => ["POST", "/v1/datasources", body],
      keyed: (): Req => ["POST", "/v1/datasources", body, { "idempotency-key": `bench-${process.pid}-${n++}` }],
      retrieve: (): Req => ["GET", `/v1/datasources/${id}`],
    };
    const samples: Record<keyof typeof kinds, Sample[]> = { empty: [], post: [], create: [], keyed: [], retrieve: [] };
    // Warm-up (JIT, SQLite page cache), not counted.
    for (const k of Object.keys(kinds) as Array<keyof typeof kinds>) await run(api.port, api.pid, 500, deadline, kinds[k], headers);
    // Interleaved rounds: a noisy neighbour on the machine hurts every kind alike.
    for (let r = 0; r < runs && performance.now() < deadline; r++) {
      for (const k of Object.keys(kinds) as Array<keyof typeof kinds>) samples[k].push(await run(api.port, api.pid, perRun, deadline, kinds[k], headers));
    }
    const rps = (k: keyof typeof kinds) => median(samples[k].map((s) => s.rps));
    const cpu = (k: keyof typeof kinds) => {
      const xs = samples[k].map((s) => s.cpuUs).filter((x): x is number => x !== undefined);
      return xs.length ? `${median(xs).toFixed(0)} µs server CPU/req` : "server CPU n/a";
    };
    const ratio = (rps("create") / rps("empty")) * 100;
    // Each round's own ratio too: rounds are interleaved, so the spread shows how noisy the machine was.
    const spread = (k: keyof typeof kinds): string => {
      const rs = samples[k].map((s, i) => (s.rps / samples.empty[i]!.rps) * 100).sort((a, b) => a - b);
      return rs.length > 1 ? `${rs[0]!.toFixed(0)}–${rs[rs.length - 1]!.toFixed(0)} % by round` : "";
    };
    const lines = [
      `ablo-local (fastify, node:sqlite, verification off, rate limit off): medians of ${samples.empty.length} runs x ${perRun} requests, ${CONNECTIONS} keep-alive connections on loopback`,
      `  empty route     GET  /_bench/empty          ${rps("empty").toFixed(0).padStart(6)} req/s  (${cpu("empty")})`,
      `  POST floor      POST /_bench/post           ${rps("post").toFixed(0).padStart(6)} req/s  (${cpu("post")})  the same body, parsed, nothing else`,
      `  create          POST /v1/datasources        ${rps("create").toFixed(0).padStart(6)} req/s  (${cpu("create")})`,
      `  create, keyed   POST /v1/datasources        ${rps("keyed").toFixed(0).padStart(6)} req/s  (${cpu("keyed")})  with Idempotency-Key`,
      `  retrieve        GET  /v1/datasources/{id}   ${rps("retrieve").toFixed(0).padStart(6)} req/s  (${cpu("retrieve")})`,
      `  create / empty  ${ratio.toFixed(0)} %  (${spread("create")}; target >= 70 %: ${ratio >= 70 ? "met" : "NOT met"})`,
      `  keyed create / empty ${((rps("keyed") / rps("empty")) * 100).toFixed(0)} %;  retrieve / empty ${((rps("retrieve") / rps("empty")) * 100).toFixed(0)} %;  POST floor / empty ${((rps("post") / rps("empty")) * 100).toFixed(0)} %`,
    ];
    return lines.join("\n");
  } finally {
    await api.stop();
  }
}
