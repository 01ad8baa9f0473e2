#!/usr/bin/env node
/**
 * `npm start`: the whole product, locally and for real. Starts PostgreSQL with a demo database
 * and a non-superuser role, starts ablo-local with a fresh organization and sandbox key, runs
 * `pulumi up` on the root project (examples/quickstart) to register the database, waits for
 * `active`, prints the outputs, then destroys everything. `--keep` leaves it all running.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { startAbloLocal, type AbloLocal } from "./ablo-local";
import { REPO_ROOT, PULUMI_SCRIPT } from "./paths";
import { loginRole, startPostgres, type Postgres } from "./postgres";
import { apiReader } from "./api-reader";
import { abloConfig, programStack, secret } from "./stack";
import { steps } from "./steps";

const STACK = "demo";

async function main(): Promise<void> {
  const opts = new Command("npm start")
    .description("Register a real local PostgreSQL with a local Ablo API server through `pulumi up`, then clean up")
    .option("--keep", "leave PostgreSQL, ablo-local and the stack running, and say how to reach them")
    .option("-v, --verbose", "show the engine's full output")
    .parse(process.argv)
    .opts<{ keep?: boolean; verbose?: boolean }>();

  const step = steps(5);
  const cleanups: Array<() => Promise<unknown>> = [];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  process.once("SIGINT", () => void cleanup().then(() => process.exit(130)));

  try {
    const pg: Postgres = await step("Starting PostgreSQL on 127.0.0.1", async () => {
      const pg = await startPostgres();
      cleanups.push(() => pg.stop());
      return pg;
    });
    // A fresh role for the demo: not a superuser, no BYPASSRLS, as Ablo's verification requires.
    const password = randomBytes(12).toString("base64url");
    await pg.sql(loginRole("ablo_app", password));
    await pg.sql("CREATE DATABASE shop OWNER ablo_app");
    const databaseUrl = pg.url("ablo_app", password, "shop");

    const dataDir = await mkdtemp(join(tmpdir(), "ablo-local-demo-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const { api, apiKey } = await step(
      "Starting the local Ablo API server (ablo-local)",
      async () => {
        // Loopback is private: admitted here for the local demo only, never by default.
        const api: AbloLocal = await startAbloLocal({ dataDir, allowPrivateHosts: true, verification: true });
        cleanups.push(() => api.stop());
        const apiKey = await api.createKey("demo-org", "test");
        return { api, apiKey };
      },
      (r) => r.api.baseUrl,
    );

    const stack = programStack({
      program: REPO_ROOT,
      stack: STACK,
      env: { ABLO_STACK: STACK, PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? "ablo-local-only" },
      ...(opts.verbose ? { onOutput: (c: string) => process.stdout.write(c) } : {}),
    });
    await step(`Preparing stack "${STACK}" (file backend in .pulumi-state)`, async () => {
      // A leftover stack from an interrupted run points at servers that are gone: start afresh.
      await stack.remove();
      await stack.create({ ...abloConfig(api, apiKey), databaseUrl: secret(databaseUrl) });
    });
    cleanups.push(() => stack.remove());

    const up = await step("pulumi up: registering the database as a Datasource and waiting for verification", () =>
      stack.ok(["up", "--yes", "--skip-preview", "--suppress-progress"]),
    );
    const outputs = await stack.outputs<Record<string, string>>();
    const summary = /Resources:\s*\n([\s\S]*?)\n\s*\n/.exec(up.stdout)?.[1]?.trim().replace(/\s+/g, " ") ?? "";
    console.log(`
  Datasource registered (${summary}):
    id           ${outputs.id}
    status       ${outputs.status}
    host         ${outputs.host}
    database     ${outputs.database}
    display name ${outputs.displayName}
`);
    if (outputs.status !== "active") throw new Error(`expected status active, got ${outputs.status}`);

    if (opts.keep) {
      console.log(`  Left running (Ctrl-C stops and removes everything):
    Ablo API     ${api.baseUrl}   (key: ./scripts/pulumi config get ablo:apiKey --stack ${STACK})
    PostgreSQL   127.0.0.1:${pg.port}, database shop, role ablo_app  (URL: ./scripts/pulumi config get databaseUrl --stack ${STACK})
    Pulumi       ./scripts/pulumi stack --stack ${STACK}    (state in .pulumi-state)
    Try          curl -s -H "Authorization: Bearer $(./scripts/pulumi config get ablo:apiKey --stack ${STACK})" ${api.baseUrl}/v1/datasources
`);
      cleanups.length = 0; // Ctrl-C: destroy and remove the stack first, then stop the servers
      cleanups.push(
        () => pg.stop(),
        () => api.stop(),
        () => stack.remove(),
        () => stack.ok(["destroy", "--yes", "--skip-preview"]),
      );
      await new Promise(() => undefined);
    }

    await step("pulumi destroy: removing the Datasource", () => stack.ok(["destroy", "--yes", "--skip-preview", "--suppress-progress"]));
    const left = await apiReader(api, apiKey).ids();
    console.log(`  Destroyed: the API now lists ${left.length} datasources. Stopping PostgreSQL and ablo-local.`);
  } finally {
    await cleanup();
  }
}

main().catch((err: Error) => {
  console.error(`\nnpm start failed: ${err.message}`);
  console.error(`(engine: ${PULUMI_SCRIPT}; run with -- --verbose for the engine's full output)`);
  process.exit(1);
});
