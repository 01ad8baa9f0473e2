import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { REPO_ROOT, secret, type ProgramStack } from "@ablo/harness";
import { startSuite, type Suite } from "../e2e/helpers";

// A wrong `ablo:baseUrl` or a refused key, through the real engine: `pulumi preview` goes on (exit
// 0: policies judge the program alone) with a warning naming the URL (or `ablo:apiKey`) and what is
// wrong; `pulumi up` then fails at the first create naming it, before anything is sent, and
// nothing is created. Host names reach the provider only through the tests' resolver, preloaded
// into the engine's processes: no real DNS is ever asked.
const program = join(REPO_ROOT, "test", "fixtures", "datasource-program");
const NO_DNS = join(REPO_ROOT, "test", "setup", "loopback-only.cjs");
const CANARY = "WrongEndpointCanary7c1";
/** Resolves, through the tests' resolver, to the TLS server on 127.0.0.1, whose certificate does not name it. */
const MISNAMED = "api.misnamed.test";
/** The rest of the provider's warning after the problem (provider/src/datasource-core.ts, check). */
const GOES_ON = "The preview goes on without the Ablo API (policies judge the program alone)";

let suite: Suite;
let tlsSuite: Suite;
let stack: ProgramStack;
const others: Server[] = [];
/**
 * Seconds per wrong endpoint: the preview (to its end, where the warning has been shown), the
 * `up --yes` that fails (its own preview, then the update), and the update's part as the engine
 * reports it ("Duration").
 */
const figures: Array<{ case: string; preview: number; up: number; update: string }> = [];

/** An HTTP server on loopback that is not Ablo: `answer` for every request. */
async function foreignServer(status: number, contentType: string, body: string): Promise<string> {
  const server = createServer((_req, res) => {
    res.writeHead(status, { "Content-Type": contentType });
    res.end(body);
  });
  return listening(server);
}

/** Starts `server` on a free loopback port (closed after the suite); its base URL. */
async function listening(server: Server): Promise<string> {
  others.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
}

beforeAll(async () => {
  suite = await startSuite({ org: "wrong-endpoint", api: { verification: false, dnsMap: { "db.example.com": ["93.184.216.34"] } } });
  tlsSuite = await startSuite({ org: "wrong-endpoint-tls", api: { tls: true, verification: false } });
  stack = await suite.stack(
    program,
    { databaseUrl: secret(`postgres://app:${CANARY}@db.example.com:5432/shop?sslmode=require`) },
    {
      env: {
        NODE_OPTIONS: `--require ${NO_DNS}`,
        ABLO_TEST_DNS: JSON.stringify({ [MISNAMED]: "127.0.0.1" }),
        NODE_EXTRA_CA_CERTS: tlsSuite.api.caPath!,
      },
    },
  );
}, 180_000);

afterAll(async () => {
  console.log(
    "seconds per wrong endpoint (target < 10 s each): preview to its end, showing the warning / up --yes to its failure (the update's part, by the engine)\n" +
      figures.map((f) => `  ${f.case}: preview ${f.preview} s, up ${f.up} s (update ${f.update})`).join("\n"),
  );
  for (const s of others) s.close();
  await tlsSuite?.dispose();
  await suite?.dispose();
});

const secondsSince = (started: number) => Math.round((Date.now() - started) / 100) / 10;

/**
 * Against `baseUrl`: the preview exits 0 with the warning, `up --yes` fails, nothing is created.
 * Both outputs must name `problem` (the URL or `ablo:apiKey`, and what is wrong); they are returned
 * for the case's own assertions.
 */
async function againstEndpoint(what: string, baseUrl: string, problem: string): Promise<{ preview: string; up: string }> {
  await stack.setConfig({ "ablo:baseUrl": baseUrl });
  let started = Date.now();
  const pre = await stack.run(["preview"]);
  const previewSeconds = secondsSince(started);
  const preview = pre.stdout + pre.stderr;
  expect({ what, code: pre.code }).toEqual({ what, code: 0 });
  expect(preview).toContain(`warning: ${problem}`);
  expect(preview).toContain(GOES_ON);
  expect(preview).toMatch(/\+\s+pulumi-nodejs:dynamic\/ablo:Datasource main create/);

  started = Date.now();
  const upRun = await stack.run(["up", "--yes"]);
  const upSeconds = secondsSince(started);
  const up = upRun.stdout + upRun.stderr;
  expect({ what, code: upRun.code }).not.toEqual({ what, code: 0 });
  expect(up).toMatch(new RegExp(`error: .*${escape(problem)}`));
  expect(await suite.server.ids()).toEqual([]);

  figures.push({ case: what, preview: previewSeconds, up: upSeconds, update: /Duration: (\S+)/.exec(up)?.[1] ?? "?" });
  // Loose bounds that tell seconds from the 2-minute retry budget; the target (< 10 s) is judged
  // on the figures printed after the suite, not by a timed test on a shared machine.
  expect(previewSeconds).toBeLessThan(30);
  expect(upSeconds).toBeLessThan(30);
  return { preview, up };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Both the preview's warning and up's error hold each of `details` (the cause, e.g. the system error). */
async function expectNamed(what: string, baseUrl: string, problem: string, ...details: string[]): Promise<void> {
  const { preview, up } = await againstEndpoint(what, baseUrl, problem);
  for (const d of details) {
    expect(preview).toMatch(new RegExp(`warning: ${escape(problem)}.*${escape(d)}`));
    expect(up).toMatch(new RegExp(`error: .*${escape(problem)}.*${escape(d)}`));
  }
}

test("a port that refuses", async () => {
  // Port 1: nothing listens there. A port freed for the test could be taken by a parallel suite
  // before the preview dials it (seen: ECONNRESET from whatever listened).
  const url = "http://127.0.0.1:1";
  await expectNamed("port that refuses", url, `ablo:baseUrl: ${url} cannot be reached`, "ECONNREFUSED");
});

test("a name that does not resolve", async () => {
  await expectNamed("name that does not resolve", "https://api.ablo.invalid", "ablo:baseUrl: https://api.ablo.invalid cannot be reached", "ENOTFOUND");
});

test("a TLS certificate for another name", async () => {
  const url = `https://${MISNAMED}:${tlsSuite.api.port}`;
  await expectNamed("TLS name mismatch", url, `ablo:baseUrl: ${url} cannot be reached`, `does not name ${MISNAMED}`);
});

test.each([
  ["HTML 404", "an HTTP server answering HTML 404 for everything", 404, "text/html", "<html><h1>Not Found</h1></html>"],
  ["HTML 200", "an HTTP server answering an HTML page for everything", 200, "text/html", "<html>Welcome</html>"],
  ["JSON 404 of another API", "another API answering JSON 404s", 404, "application/json", '{"message":"Not Found"}'],
])("%s: %s", async (what, _title, status, type, body) => {
  const url = await foreignServer(status, type, body);
  await expectNamed(what, url, `ablo:baseUrl: ${url} does not answer like the Ablo API`);
});

/**
 * A server we did not write the way ablo-local is: it serves the documented create and, as any
 * REST API would, delete by id; everything else (retrieve, list, update) is an HTML 404 page.
 * Forwards to ablo-local.
 */
async function documentedOnly(target: string): Promise<{ url: string; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = req.url ?? "";
      seen.push(`${req.method} ${path.replace(/ds_test_[A-Za-z0-9]+/, "{id}")}`);
      const served = (req.method === "POST" && path === "/v1/datasources") || (req.method === "DELETE" && /^\/v1\/datasources\/[A-Za-z0-9_]+$/.test(path));
      if (!served) {
        res.writeHead(404, { "Content-Type": "text/html" });
        res.end("<html><h1>Not Found</h1></html>");
        return;
      }
      const pass = ["authorization", "content-type", "idempotency-key", "user-agent"];
      const headers = Object.fromEntries(pass.filter((h) => req.headers[h] !== undefined).map((h) => [h, String(req.headers[h])]));
      fetch(`${target}${path}`, { method: req.method, headers, ...(chunks.length ? { body: Buffer.concat(chunks) } : {}) })
        .then(async (r) => {
          const back = ["content-type", "request-id", "idempotent-replayed"].filter((h) => r.headers.has(h));
          res.writeHead(r.status, Object.fromEntries(back.map((h) => [h, r.headers.get(h)!])));
          res.end(Buffer.from(await r.arrayBuffer()));
        })
        .catch(() => res.destroy());
    });
  });
  return { url: await listening(server), seen };
}

test("an API serving only create and delete (an HTML 404 page for the rest) is not taken for a wrong endpoint: up, no-change preview, destroy", async () => {
  const api = await documentedOnly(suite.api.baseUrl);
  await stack.setConfig({ "ablo:baseUrl": api.url, "ablo:apiKey": secret(suite.key) });
  const up = await stack.ok(["up", "--yes"]);
  expect(up.stdout).toContain("this Ablo API does not serve GET /v1/datasources/{id}");
  // The probe found the retrieve route missing and asked the documented route, once per process.
  expect(api.seen).toContain("POST /v1/datasources");
  expect(await suite.server.ids()).toHaveLength(1);
  await stack.ok(["preview", "--expect-no-changes"]);
  await stack.ok(["destroy", "--yes"]);
  expect(await suite.server.ids()).toEqual([]);
  expect(api.seen.filter((r) => r.startsWith("DELETE"))).toHaveLength(1);
});

test("a refused API key", async () => {
  await stack.setConfig({ "ablo:apiKey": secret("sk_test_notakey0000000000") });
  await expectNamed("refused API key", suite.api.baseUrl, "ablo:apiKey was refused by the Ablo API");
});

test("nothing was created, and the canary is in no output", async () => {
  expect(await suite.server.ids()).toEqual([]);
  expect(suite.transcript.join("\n")).not.toContain(CANARY);
  expect(suite.transcript.join("\n")).not.toContain("sk_test_notakey");
});
