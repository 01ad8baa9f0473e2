import { join } from "node:path";
import type { DatasourceResponse } from "@ablo/client";
import { filesContaining, isAbloDatasource, REPO_ROOT, secret, type ProgramStack, loginRole } from "@ablo/harness";
import { startSuite, type PostgresSuite } from "./helpers";

// The product, end to end: the real engine runs a program using @ablo/pulumi, whose dynamic
// provider talks to a real ablo-local, which verifies against a real PostgreSQL on 127.0.0.1.
// Twice: against the whole contract, and against the minimal surface (create, retrieve, delete by
// id: what api/README.md calls essential), where what needs another route fails by name. The
// server's clock is an hour off this machine's in both.
const program = join(REPO_ROOT, "test", "fixtures", "datasource-program");
const CANARY = "Canary7f3a9cPw"; // the password of every role below: must never show up anywhere
const OTHER_PW = "Rotated51bdPw";

describe.each(["full", "minimal"] as const)("%s API surface", (surface) => {
  /** Its transcript (every byte the engine printed and the API answered) is grepped for the canary at the end. */
  let suite: PostgresSuite;
  let stack: ProgramStack;

  const setDatabaseUrl = (url: string) => stack.setConfig({ databaseUrl: secret(url) });
  const outputs = () => stack.outputs({ showSecrets: true });
  /** An up that needs the update route, on the minimal surface: fails naming it and what to do, changing nothing. */
  async function expectRouteMissing(what: string): Promise<void> {
    const before = await outputs();
    const r = await stack.run(["up", "--yes", "--skip-preview"]);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain(`this Ablo API does not serve POST /v1/datasources/{id}, so the provider cannot ${what}`);
    expect(r.stdout + r.stderr).toContain("pulumi up --replace");
    expect(await outputs()).toEqual(before);
  }

  /** Requests the server has logged so far, to prove a failed preview sent nothing. */
  const requestCount = () =>
    suite.api
      .logs()
      .split("\n")
      .filter((l) => l.includes("/v1/datasources")).length;

  beforeAll(async () => {
    suite = await startSuite({
      org: `e2e-org-${surface}`,
      // The server's clock an hour off this machine's, ahead on one surface and behind on the other:
      // no decision may compare the two (a fresh create must never look replayed, nor the reverse).
      api: { allowPrivateHosts: true, verification: true, surface, admin: surface === "minimal", clockOffsetSeconds: surface === "full" ? 3600 : -3600 },
      postgres: [
        loginRole("app", CANARY),
        loginRole("app2", OTHER_PW),
        `CREATE ROLE boss LOGIN PASSWORD '${CANARY}' SUPERUSER`,
        "CREATE DATABASE shop OWNER app",
        "CREATE DATABASE billing OWNER app",
        "GRANT CONNECT ON DATABASE shop TO app2",
      ],
    });
    stack = await suite.stack(program, { databaseUrl: secret(suite.pg.url("app", CANARY, "shop")) });
  }, 180_000);

  afterAll(() => suite?.dispose());

  let firstId: string;

  test("bad inputs fail at preview, name the field, and send nothing to the server", async () => {
    const before = requestCount();
    const cases: Array<[string, () => Promise<unknown>, RegExp]> = [
      ["wrong scheme", () => setDatabaseUrl(`mysql://app:${CANARY}@127.0.0.1/shop`), /property connectionString .*postgres:\/\//],
      // A failure on one metadata key is printed without the engine's `property metadata.<key> value {<nil>}`.
      [
        "bad metadata",
        () => stack.setConfig({ [`metadata.${"k".repeat(41)}`]: { value: "v", path: true } }),
        /has a problem: metadata key `k{40}…` is 41 characters; keys are at most 40/,
      ],
      [
        "a credential in metadata",
        () => stack.setConfig({ "metadata.replica": { value: "postgresql://ro:not-the-canary@replica.example.com/shop", path: true } }),
        /has a problem: metadata\.replica holds a connection string with a password/,
      ],
      ["sandbox key with a live id", () => stack.setConfig({ adoptId: "ds_1A2b3C" }), /property adoptId .*live datasource but ablo:apiKey is a test key/],
    ];
    for (const [name, breakIt, expected] of cases) {
      await stack.ok(["config", "rm", "--path", "metadata"]).catch(() => undefined);
      await breakIt();
      const r = await stack.run(["preview"], { env: { ABLO_API_KEY: "" } });
      expect({ name, failed: r.code !== 0 }).toEqual({ name, failed: true });
      expect(`${name}: ${r.stdout}${r.stderr}`).toMatch(expected);
      // put everything back
      await setDatabaseUrl(suite.pg.url("app", CANARY, "shop"));
      await stack.ok(["config", "rm", "adoptId"]);
      await stack.ok(["config", "rm", "--path", "metadata"]).catch(() => undefined);
      await stack.setConfig({ "ablo:apiKey": secret(suite.key) });
    }
    expect(requestCount()).toBe(before);
    expect(await suite.server.ids()).toEqual([]);
  });

  test("a missing key is a warning at preview and an error at up, both naming ablo:apiKey, and sends nothing to the server", async () => {
    const before = requestCount();
    await stack.ok(["config", "rm", "ablo:apiKey"]);
    try {
      const noKey = { env: { ABLO_API_KEY: undefined } };
      const preview = await stack.run(["preview"], noKey);
      expect(preview.code).toBe(0);
      expect(preview.stdout + preview.stderr).toMatch(
        /warning: No Ablo API key: run `pulumi config set --secret ablo:apiKey sk_test_…`.*The preview goes on without the Ablo API/,
      );
      const up = await stack.run(["up", "--yes"], noKey);
      expect(up.code).not.toBe(0);
      expect(up.stdout + up.stderr).toMatch(/error: .*No Ablo API key: run `pulumi config set --secret ablo:apiKey/);
    } finally {
      await stack.setConfig({ "ablo:apiKey": secret(suite.key) });
    }
    expect(requestCount()).toBe(before);
    expect(await suite.server.ids()).toEqual([]);
    // The failed up saved the stack and the provider instance: removed, so the next up starts afresh.
    await stack.ok(["destroy", "--yes", "--skip-preview"]);
  });

  test("up registers the database and waits until it is active", async () => {
    // Engine and provider logs at the highest verbosity, to grep for the canary afterwards.
    const r = await stack.ok(["up", "--yes", "--skip-preview", "--logtostderr", "-v=9"]);
    expect(r.stdout).toMatch(/\+ 3 created/); // the stack, the SDK's provider instance, the Datasource
    // Without the list route the look-up of a lost create is skipped, and the engine's output says so once.
    const diagnostics = r.stdout.split("Diagnostics:")[1] ?? "";
    const listWarnings = diagnostics.split("warning: this Ablo API does not serve GET /v1/datasources (HTTP 404)").length - 1;
    expect(listWarnings).toBe(surface === "minimal" ? 1 : 0);
    const out = await outputs();
    expect(out).toMatchObject({
      status: "active",
      host: "127.0.0.1",
      database: "shop",
      schema: "public",
      livemode: false,
      lastError: null,
      displayName: expect.stringContaining("app@127.0.0.1"),
    });
    firstId = out.id as string;
    expect(firstId).toMatch(/^ds_test_/);
    expect(await suite.server.ids()).toEqual([firstId]);
  });

  test("the connection string is a secret in state and never an output", async () => {
    const plain = (await stack.exportState()).text;
    expect(plain).not.toContain(CANARY);
    // --show-secrets decrypts the inputs too (where the secret connection string must live for
    // diffs): only its outputs are checked, so it stays out of the transcript.
    const shown = await stack.ok(["stack", "export", "--show-secrets"], { record: false });
    const full = JSON.parse(shown.stdout);
    const res = full.deployment.resources.find((r: { type: string }) => r.type === "pulumi-nodejs:dynamic/ablo:Datasource");
    expect(JSON.stringify(res.outputs)).not.toContain(CANARY);
    expect(res.outputs.connectionString).toBeUndefined();
    expect(res.outputs.fingerprint.plaintext).toMatch(/^"sha256:/);
    // The serialized provider is a module reference: small and free of any secret or key.
    const provider: string = res.outputs.__provider;
    expect(provider).toContain('require("@ablo/pulumi/dynamic-provider")');
    expect(provider).not.toContain(CANARY);
    expect(provider).not.toContain(suite.key);
    expect(provider.length).toBeLessThan(256);
    console.log(`__provider size per resource in state: ${provider.length} bytes`);
    // In the plain export the fingerprint and the input are ciphertext.
    const plainRes = JSON.parse(plain).deployment.resources.find((r: { type: string }) => r.type === "pulumi-nodejs:dynamic/ablo:Datasource");
    expect(plainRes.outputs.fingerprint).toHaveProperty("ciphertext");
    expect(plainRes.inputs.connectionString).toHaveProperty("ciphertext");
  });

  test("a second up and a refresh change nothing", async () => {
    await stack.ok(["preview", "--expect-no-changes"]);
    const up = await stack.ok(["up", "--yes", "--skip-preview"]);
    expect(up.stdout).toMatch(/3 unchanged/);
    await stack.ok(["refresh", "--yes", "--skip-preview"]);
    await stack.ok(["preview", "--expect-no-changes"]);
  });

  test("rotation is an in-place update: same id, verified again (without the update route: an error naming it)", async () => {
    await setDatabaseUrl(suite.pg.url("app2", OTHER_PW, "shop"));
    const pre = await stack.ok(["preview", "--diff"]);
    expect(pre.stdout).toMatch(/~ 1 to update/);
    if (surface === "minimal") {
      await expectRouteMissing("rotate its credentials in place");
      await setDatabaseUrl(suite.pg.url("app", CANARY, "shop"));
      await stack.ok(["preview", "--expect-no-changes"]);
      return;
    }
    const up = await stack.ok(["up", "--yes", "--skip-preview"]);
    expect(up.stdout).toMatch(/~ 1 updated/);
    const out = await outputs();
    expect(out).toMatchObject({ id: firstId, status: "active", displayName: expect.stringContaining("app2@") });
    await stack.ok(["preview", "--expect-no-changes"]);
  });

  test("metadata changes in place (without the update route: an error naming it)", async () => {
    await stack.setConfig({ "metadata.team": { value: "platform", path: true } });
    if (surface === "minimal") {
      await expectRouteMissing("change its metadata in place");
      await stack.ok(["config", "rm", "--path", "metadata"]);
      await stack.ok(["preview", "--expect-no-changes"]);
      return;
    }
    const up = await stack.ok(["up", "--yes", "--skip-preview"]);
    expect(up.stdout).toMatch(/~ 1 updated/);
    expect(await outputs()).toMatchObject({ id: firstId, metadata: { team: "platform" } });
    // Beside the user's keys, the provider's mark of the resource that made it (provider/src/owner-key.ts).
    expect((await suite.server.get<DatasourceResponse>(`/v1/datasources/${firstId}`)).body.metadata).toEqual({
      team: "platform",
      pulumi_owner: expect.stringMatching(/^creating:[\w-]{32}$/),
    });
  });

  test("another database replaces the datasource and deletes the old one on the server", async () => {
    await setDatabaseUrl(suite.pg.url("app", CANARY, "billing"));
    const up = await stack.ok(["up", "--yes", "--skip-preview"]);
    expect(up.stdout).toMatch(/\+-? ?1 replaced/);
    const out = await outputs();
    expect(out.id).not.toBe(firstId);
    expect(out).toMatchObject({ database: "billing", status: "active" });
    expect((await suite.server.get(`/v1/datasources/${firstId}`)).status).toBe(404);
    expect(await suite.server.ids()).toEqual([out.id]);
    firstId = out.id as string;
  });

  test("an out-of-band delete is dropped by refresh, and up creates it again", async () => {
    const del = await suite.server.del(`/v1/datasources/${firstId}`);
    expect(del.status).toBe(200);
    await stack.ok(["refresh", "--yes", "--skip-preview"]);
    expect((await stack.exportState()).resources.filter(isAbloDatasource)).toHaveLength(0);
    await stack.ok(["up", "--yes", "--skip-preview"]);
    const ids = await suite.server.ids();
    expect(ids).toHaveLength(1);
    expect(ids[0]).not.toBe(firstId);
  });

  test("a forced replacement with unchanged inputs keeps the one datasource: never a second one, never a loss", async () => {
    const res = (await stack.exportState()).resources.find(isAbloDatasource)!;
    await stack.ok(["up", "--yes", "--skip-preview", "--replace", res.urn]);
    const after = (await outputs()).id as string;
    // The engine does not tell a forced replacement's create what it replaces: the resource's earlier
    // create is found again (replayed, or by the list), taken for its own and kept when the old is
    // deleted (provider/src/create-recovery.ts, case 6).
    expect(after).toBe(res.id);
    expect(await suite.server.ids()).toEqual([after]);
    expect((await suite.server.get<DatasourceResponse>(`/v1/datasources/${after}`)).body.status).toBe("active");
  });

  test("a superuser role is rejected at verification with a clear error, and leaves no orphan", async () => {
    const before = await suite.server.ids();
    await setDatabaseUrl(suite.pg.url("boss", CANARY, "shop")); // shop ≠ billing: a replacement
    const r = await stack.run(["up", "--yes", "--skip-preview"]);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/rejected .*superuser/i);
    expect(r.stdout + r.stderr).toMatch(/has been deleted, so nothing is left behind/);
    expect(await suite.server.ids()).toEqual(before); // the old one kept, the rejected one removed
    await setDatabaseUrl(suite.pg.url("app", CANARY, "billing"));
    await stack.ok(["preview", "--expect-no-changes"]);
  });

  test("destroy leaves the server's list empty", async () => {
    const last = (await outputs()).id as string;
    await stack.ok(["destroy", "--yes", "--skip-preview"]);
    expect(await suite.server.ids()).toEqual([]);
    // Created again with the same inputs: the replayed create of the destroyed one is not taken back.
    await stack.ok(["up", "--yes", "--skip-preview"]);
    const again = (await outputs()).id as string;
    expect(again).not.toBe(last);
    expect(await suite.server.ids()).toEqual([again]);
    expect((await suite.server.get<DatasourceResponse>(`/v1/datasources/${again}`)).body.status).toBe("active");
  });

  test("another stack of the same program and inputs in the same organization gets its own datasource", async () => {
    const ours = (await outputs()).id as string;
    const other = await suite.stack(program, { databaseUrl: secret(suite.pg.url("app", CANARY, "billing")) }, { stack: `${suite.ws.stack}-other` });
    await other.ok(["up", "--yes", "--skip-preview"]);
    const theirs = (await other.outputs()).id as string;
    expect(theirs).not.toBe(ours);
    expect((await suite.server.ids()).sort()).toEqual([ours, theirs].sort());
    await other.ok(["destroy", "--yes", "--skip-preview"]);
    await other.remove(); // and its Pulumi.<stack>.yaml in the program's folder
    // Both stacks are of one program folder, which selects one at a time.
    await stack.ok(["stack", "select", suite.ws.stack]);
    expect(await suite.server.ids()).toEqual([ours]);
    await stack.ok(["destroy", "--yes", "--skip-preview"]);
    expect(await suite.server.ids()).toEqual([]);
  });

  test("the canary password appears nowhere: engine output, logs, server data", async () => {
    expect(suite.transcript.join("\n")).not.toContain(CANARY);
    expect(suite.api.logs()).not.toContain(CANARY);
    expect(await filesContaining(suite.api.dataDir, CANARY)).toEqual([]);
    expect(await filesContaining(suite.ws.dir, CANARY)).toEqual([]);
  });
});
