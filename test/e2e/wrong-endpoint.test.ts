import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { freeLoopbackPort, REPO_ROOT, secret, type ProgramStack } from "@ablo/harness";
import { startSuite, type Suite } from "./helpers";

// A wrong `ablo:baseUrl` fails `pulumi preview` in seconds, through the real engine, naming the URL
// and what is wrong, and changes nothing. Host names reach the provider only through the tests'
// resolver, preloaded into the engine's processes: no real DNS is ever asked.
const program = join(REPO_ROOT, "test", "fixtures", "datasource-program");
const NO_DNS = join(REPO_ROOT, "test", "setup", "loopback-only.cjs");
const CANARY = "WrongEndpointCanary7c1";
/** Resolves, through the tests' resolver, to the TLS server on 127.0.0.1, whose certificate does not name it. */
const MISNAMED = "api.misnamed.test";

let suite: Suite;
let tlsSuite: Suite;
let stack: ProgramStack;
const others: Server[] = [];
const figures: Array<{ case: string; seconds: number }> = [];

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
  console.log(`time to fail the preview per wrong endpoint:\n${figures.map((f) => `  ${f.case}: ${f.seconds} s`).join("\n")}`);
  for (const s of others) s.close();
  await tlsSuite?.dispose();
  await suite?.dispose();
});

async function previewAgainst(what: string, baseUrl: string): Promise<string> {
  await stack.setConfig({ "ablo:baseUrl": baseUrl });
  const started = Date.now();
  const r = await stack.run(["preview"]);
  const seconds = Math.round((Date.now() - started) / 100) / 10;
  figures.push({ case: what, seconds });
  expect(r.code).not.toBe(0);
  // A bound that tells seconds from the 2-minute retry budget; the figures are printed above.
  expect(seconds).toBeLessThan(30);
  return r.stdout + r.stderr;
}

test("a port that refuses", async () => {
  const url = `http://127.0.0.1:${await freeLoopbackPort()}`;
  const out = await previewAgainst("port that refuses", url);
  expect(out).toContain(`ablo:baseUrl: ${url} cannot be reached`);
  expect(out).toContain("ECONNREFUSED");
});

test("a name that does not resolve", async () => {
  const out = await previewAgainst("name that does not resolve", "https://api.ablo.invalid");
  expect(out).toContain("ablo:baseUrl: https://api.ablo.invalid cannot be reached");
  expect(out).toContain("ENOTFOUND");
});

test("a TLS certificate for another name", async () => {
  const url = `https://${MISNAMED}:${tlsSuite.api.port}`;
  const out = await previewAgainst("TLS name mismatch", url);
  expect(out).toContain(`ablo:baseUrl: ${url} cannot be reached`);
  expect(out).toContain(`does not name ${MISNAMED}`);
});

test.each([
  ["an HTTP server answering HTML 404 for everything", 404, "text/html", "<html><h1>Not Found</h1></html>"],
  ["an HTTP server answering an HTML page for everything", 200, "text/html", "<html>Welcome</html>"],
  ["another API answering JSON 404s", 404, "application/json", '{"message":"Not Found"}'],
])("%s", async (what, status, type, body) => {
  const url = await foreignServer(status, type, body);
  const out = await previewAgainst(what, url);
  expect(out).toContain(`ablo:baseUrl: ${url} does not answer like the Ablo API`);
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

test("a refused API key fails the preview by name", async () => {
  await stack.setConfig({ "ablo:apiKey": secret("sk_test_notakey0000000000") });
  const out = await previewAgainst("refused API key", suite.api.baseUrl);
  expect(out).toMatch(/ablo:apiKey was refused by the Ablo API/);
});

test("nothing was created, and the canary is in no output", async () => {
  expect(await suite.server.ids()).toEqual([]);
  expect(suite.transcript.join("\n")).not.toContain(CANARY);
  expect(suite.transcript.join("\n")).not.toContain("sk_test_notakey");
});
