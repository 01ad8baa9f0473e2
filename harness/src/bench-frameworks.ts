/**
 * Framework shoot-out behind the choice of HTTP framework (fastify vs hono on @hono/node-server).
 * Each framework runs in its own child process (one core) and serves an empty route and a JSON
 * POST validated by zod; the parent drives keep-alive requests on loopback (the other core).
 * Run: scripts/node harness/dist/bench-frameworks.js (a benchmark of the local server's framework choice, kept out of its runtime)
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { z } from "zod";

const Body = z.strictObject({ connectionString: z.string().min(1), metadata: z.record(z.string(), z.string()).default({}) });

async function serveFastify(port: number): Promise<number> {
  const { default: Fastify } = await import("fastify");
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (_req, body, done) => done(null, body));
  app.get("/empty", async (_req, reply) => reply.header("content-type", "application/json").send("{}"));
  app.post("/json", async (req, reply) => {
    const parsed = Body.parse(JSON.parse(req.body as string));
    reply.header("content-type", "application/json").send(JSON.stringify({ object: "x", ...parsed }));
  });
  await app.listen({ port, host: "127.0.0.1" });
  return (app.server.address() as { port: number }).port;
}

async function serveHono(port: number): Promise<number> {
  const { Hono } = await import("hono");
  const { serve } = await import("@hono/node-server");
  const app = new Hono();
  app.get("/empty", (c) => c.body("{}", 200, { "content-type": "application/json" }));
  app.post("/json", async (c) => {
    const parsed = Body.parse(JSON.parse(await c.req.text()));
    return c.body(JSON.stringify({ object: "x", ...parsed }), 200, { "content-type": "application/json" });
  });
  return new Promise<number>((resolve) => serve({ fetch: app.fetch, port, hostname: "127.0.0.1" }, (info) => resolve(info.port)));
}

function once(agent: Agent, port: number, method: string, path: string, body?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      { agent, port, host: "127.0.0.1", method, path, headers: body ? { "content-type": "application/json", "content-length": Buffer.byteLength(body) } : {} },
      (res) => {
        res.resume();
        res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** Requests per second for `total` requests over `conns` keep-alive connections. */
export async function measure(port: number, method: string, path: string, body: string | undefined, total: number, conns = 8): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: conns });
  let left = total;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: conns }, async () => {
      while (left-- > 0) await once(agent, port, method, path, body);
    }),
  );
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  agent.destroy();
  return total / secs;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** User+system CPU seconds a process has used so far (Linux /proc, 100 Hz ticks). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function main(): Promise<void> {
  const [, , role, fw, portArg] = process.argv;
  if (role === "serve") {
    const port = await (fw === "fastify" ? serveFastify(Number(portArg ?? 0)) : serveHono(Number(portArg ?? 0)));
    process.stdout.write(`${port}\n`);
    return;
  }
  const body = JSON.stringify({ connectionString: "postgres://app:pw@db.example.com:5432/shop", metadata: { team: "data" } });
  const fws = ["fastify", "hono"];
  const servers = await Promise.all(
    fws.map(async (fw) => {
      const child = spawn(process.execPath, [__filename, "serve", fw, "0"], { stdio: ["ignore", "pipe", "inherit"] });
      const port = await new Promise<number>((resolve) => child.stdout.once("data", (b: Buffer) => resolve(Number(b.toString().trim()))));
      return { fw, port, child, rps: { empty: [] as number[], json: [] as number[] }, cpu: { empty: [] as number[], json: [] as number[] } };
    }),
  );
  const N = 10000;
  const rounds = Number(process.env.ROUNDS ?? 7);
  for (let r = -1; r < rounds; r++) {
    // Interleaved rounds: a noisy neighbour hurts both frameworks alike. Round -1 is warm-up.
    for (const s of servers) {
      for (const [kind, method, path, b] of [
        ["empty", "GET", "/empty", undefined],
        ["json", "POST", "/json", body],
      ] as const) {
        const c0 = cpuSeconds(s.child.pid!);
        const rps = await measure(s.port, method, path, b, r < 0 ? 3000 : N);
        const cpu = cpuSeconds(s.child.pid!) - c0;
        if (r >= 0) {
          s.rps[kind].push(rps);
          s.cpu[kind].push((cpu / N) * 1e6);
        }
      }
    }
  }
  for (const s of servers) {
    console.log(
      `${s.fw.padEnd(8)} empty GET ${median(s.rps.empty).toFixed(0)} req/s, ${median(s.cpu.empty).toFixed(0)} µs CPU/req | ` +
        `JSON POST+zod ${median(s.rps.json).toFixed(0)} req/s, ${median(s.cpu.json).toFixed(0)} µs CPU/req (median of ${rounds} x ${N}, 8 keep-alive conns)`,
    );
    s.child.kill();
  }
}

if (require.main === module) void main();
