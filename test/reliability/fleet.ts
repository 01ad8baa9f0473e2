import { join } from "node:path";
import { pulumiWorkspace, REPO_ROOT, startAbloLocal, startPostgres, type AbloLocal, type Postgres, type PulumiResult, type PulumiWorkspace, type StartAbloLocalOptions } from "@ablo/harness";

// A fleet of N Datasources (test/fixtures/fleet-program) on a real PostgreSQL, a real ablo-local
// and the real engine, with what the reliability suites count: what state holds, what the server
// holds, and what differs between the two.
export const FLEET_PROGRAM = join(REPO_ROOT, "test", "fixtures", "fleet-program");
/** The password of the fleet's role: grepped for in everything a suite produced. */
export const CANARY = "FleetCanary5d8ePw";

/** ~30 % of API requests fail: 503, 429 with Retry-After, TCP reset, commit-then-drop, ~7.5 % each. */
export const FAULT_MIX = [
  { action: "error", status: 503, probability: 0.075 },
  { action: "rate_limit", retryAfter: 1, probability: 0.075 },
  { action: "reset", probability: 0.075 },
  { action: "drop_after_commit", probability: 0.075 },
];

export interface Fleet {
  pg: Postgres;
  api: AbloLocal;
  key: string;
  ws: PulumiWorkspace;
  /** Every byte the engine printed, for the canary sweep. */
  transcript: string[];
  pulumi(args: string[], env?: Record<string, string>): Promise<PulumiResult>;
  /** Replaces the server's fault rules (none: `[]`). */
  setFaults(rules: unknown[]): Promise<void>;
  /** Faults fired since the rules were last set. */
  faultsFired(): Promise<number>;
  /** Ids of every datasource on the server (faults must be off). */
  serverIds(): Promise<Array<{ id: string; mark: string | undefined }>>;
  /** Ids of the Datasources in state. */
  stateIds(): Promise<string[]>;
  /** Requests the server logged for /v1/datasources so far. */
  requestsLogged(): number;
  dispose(): Promise<void>;
}

export async function startFleet(count: number, apiOptions: StartAbloLocalOptions = {}): Promise<Fleet> {
  const pg = await startPostgres();
  await pg.sql(`CREATE ROLE app LOGIN PASSWORD '${CANARY}' NOSUPERUSER NOBYPASSRLS`);
  await pg.sql("CREATE DATABASE shop OWNER app");
  const api = await startAbloLocal({ allowPrivateHosts: true, verification: true, admin: true, rateLimit: 0, ...apiOptions });
  const key = await api.createKey("fleet-org", "test");
  const ws = await pulumiWorkspace();
  const transcript: string[] = [];
  const pulumi = async (args: string[], env: Record<string, string> = {}) => {
    const r = await ws.run(args, { cwd: FLEET_PROGRAM, env });
    transcript.push(r.stdout, r.stderr);
    return r;
  };
  const must = async (args: string[], stdin?: string) => {
    const r = await ws.ok(args, { cwd: FLEET_PROGRAM, ...(stdin === undefined ? {} : { stdin }) });
    transcript.push(r.stdout, r.stderr);
  };
  await must(["stack", "init", ws.stack]);
  await must(["config", "set", "--secret", "ablo:apiKey"], key);
  await must(["config", "set", "ablo:baseUrl", api.baseUrl]);
  await must(["config", "set", "--secret", "databaseUrl"], pg.url("app", CANARY, "shop"));
  await must(["config", "set", "count", String(count)]);

  const admin = async (method: string, body?: unknown) => {
    const res = await fetch(`${api.baseUrl}/_admin/faults`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
    });
    if (res.status !== 200) throw new Error(`/_admin/faults ${method}: ${res.status}`);
    return (await res.json()) as { rules: Array<{ fired: number }> };
  };
  return {
    pg,
    api,
    key,
    ws,
    transcript,
    pulumi,
    setFaults: async (rules) => void (rules.length === 0 ? await admin("DELETE") : await admin("POST", { rules })),
    faultsFired: async () => (await admin("GET")).rules.reduce((n, r) => n + r.fired, 0),
    async serverIds() {
      const all: Array<{ id: string; mark: string | undefined }> = [];
      let after: string | undefined;
      for (;;) {
        const res = await fetch(`${api.baseUrl}/v1/datasources?limit=100${after ? `&starting_after=${after}` : ""}`, { headers: { authorization: `Bearer ${key}` } });
        const page = (await res.json()) as { data: Array<{ id: string; metadata: Record<string, string> }>; has_more: boolean };
        all.push(...page.data.map((d) => ({ id: d.id, mark: d.metadata.pulumi_owner })));
        if (!page.has_more || page.data.length === 0) return all;
        after = page.data.at(-1)!.id;
      }
    },
    async stateIds() {
      const r = await ws.ok(["stack", "export"], { cwd: FLEET_PROGRAM });
      const resources = JSON.parse(r.stdout).deployment.resources as Array<{ type: string; id?: string }>;
      return resources.filter((x) => x.type.endsWith("ablo:Datasource")).map((x) => x.id!);
    },
    requestsLogged: () => api.logs().split("\n").filter((l) => l.includes("/v1/datasources")).length,
    async dispose() {
      await ws.dispose();
      await api.stop();
      await pg.stop();
    },
  };
}

/** Datasources the server holds beyond one per resource in state, and ones state does not know. */
export function compare(server: Array<{ id: string; mark: string | undefined }>, state: string[]): { duplicates: number; orphans: number } {
  const inState = new Set(state);
  const orphans = server.filter((d) => !inState.has(d.id));
  // An orphan carrying the mark of a resource in state is a second datasource for that resource.
  const marksInState = new Set(server.filter((d) => inState.has(d.id)).map((d) => d.mark?.replace(/^creating:/, "")));
  const duplicates = orphans.filter((d) => d.mark !== undefined && marksInState.has(d.mark.replace(/^creating:/, ""))).length;
  return { duplicates, orphans: orphans.length - duplicates };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
