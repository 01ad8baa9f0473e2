import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { abloConfig, createStack, loginRole, pulumiWorkspace, REPO_ROOT, secret, startAbloLocal, startPostgres } from "@ablo/harness";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/**
 * How long the user waits: wall-clock medians of real engine runs of the end-to-end fixture
 * against ablo-local and PostgreSQL on loopback (create with verification, no-op up, no-op
 * preview, refresh, destroy), plus the provider's own share of one create.
 */
export async function benchPulumi(runs = 3): Promise<string> {
  const pg = await startPostgres();
  const api = await startAbloLocal({ allowPrivateHosts: true, verification: true });
  const ws = await pulumiWorkspace();
  try {
    const pw = randomBytes(9).toString("base64url");
    await pg.sql(loginRole("bench", pw));
    await pg.sql("CREATE DATABASE bench OWNER bench");
    const key = await api.createKey("bench", "test");
    const stack = await createStack({
      workspace: ws,
      program: join(REPO_ROOT, "test", "fixtures", "datasource-program"),
      config: { ...abloConfig(api, key), databaseUrl: secret(pg.url("bench", pw, "bench")) },
    });

    const timed = async (args: string[]) => {
      const t = Date.now();
      await stack.ok(args);
      return Date.now() - t;
    };
    const t: Record<string, number[]> = { create: [], noopUp: [], noopPreview: [], refresh: [], destroy: [] };
    for (let i = 0; i < runs; i++) {
      t.create!.push(await timed(["up", "--yes", "--skip-preview"]));
      t.noopUp!.push(await timed(["up", "--yes", "--skip-preview"]));
      t.noopPreview!.push(await timed(["preview"]));
      t.refresh!.push(await timed(["refresh", "--yes", "--skip-preview"]));
      t.destroy!.push(await timed(["destroy", "--yes", "--skip-preview"]));
    }
    const version = await timed(["version"]);
    return [
      `pulumi engine, medians of ${runs} runs (1 Datasource, verification on, loopback):`,
      `  up (create + verify)   ${fmt(median(t.create!))}`,
      `  up (no changes)        ${fmt(median(t.noopUp!))}`,
      `  preview (no changes)   ${fmt(median(t.noopPreview!))}`,
      `  refresh                ${fmt(median(t.refresh!))}`,
      `  destroy                ${fmt(median(t.destroy!))}`,
      `  (engine start-up alone, \`pulumi version\`: ${fmt(version)})`,
    ].join("\n");
  } finally {
    await ws.dispose();
    await api.stop();
    await pg.stop();
  }
}
