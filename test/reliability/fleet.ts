import { join } from "node:path";
import {
  abloConfig,
  apiReader,
  createStack,
  filesContaining,
  isAbloDatasource,
  loginRole,
  pulumiWorkspace,
  recordFigures,
  REPO_ROOT,
  secret,
  startAbloLocal,
  startPostgres,
  type AbloLocal,
  type Postgres,
  type PulumiResult,
  type PulumiWorkspace,
  type StartAbloLocalOptions,
} from "@ablo/harness";

// A fleet of N Datasources (test/fixtures/fleet-program) on a real PostgreSQL, a real ablo-local
// and the real engine, with what the reliability suites count: what state holds, what the server
// holds, and what differs between the two.
export const FLEET_PROGRAM = join(REPO_ROOT, "test", "fixtures", "fleet-program");
/** The password of the fleet's role: grepped for in everything a suite produced. */
const CANARY = "FleetCanary5d8ePw";

/**
 * ~35 % of API requests fail: 503, 429 with Retry-After, TCP reset, commit-then-drop, ~7.5 % each;
 * and ~5 % are answered with a garbled body after their effect (truncated JSON; for creates, a
 * datasource without its id), which the client must ask for again, never make twice.
 */
export const FAULT_MIX = [
  { action: "error", status: 503, probability: 0.075 },
  { action: "rate_limit", retryAfter: 1, probability: 0.075 },
  { action: "reset", probability: 0.075 },
  { action: "drop_after_commit", probability: 0.075 },
  { method: "POST", path: "/v1/datasources", action: "corrupt_after_commit", corruption: "missing_id", probability: 0.05 },
  { action: "corrupt_after_commit", corruption: "truncated", probability: 0.05 },
];

/** One stack of the fleet program, configured against the fleet's server and database. */
export interface FleetStack {
  ws: PulumiWorkspace;
  pulumi(args: string[], env?: Record<string, string>): Promise<PulumiResult>;
  /** Ids of the Datasources in this stack's state. */
  stateIds(): Promise<string[]>;
}

export interface Fleet extends FleetStack {
  pg: Postgres;
  api: AbloLocal;
  key: string;
  /** Every byte the engine printed, for the canary sweep. */
  transcript: string[];
  /** Another stack of N Datasources on the same backend, server and organization. */
  newStack(count: number): Promise<FleetStack>;
  /** Replaces the server's fault rules (none: `[]`). */
  setFaults(rules: unknown[]): Promise<void>;
  /** Faults fired since the rules were last set. */
  faultsFired(): Promise<number>;
  /** Ids of every datasource on the server (faults must be off). */
  serverIds(): Promise<Array<{ id: string; mark: string | undefined }>>;
  /** Requests the server logged for /v1/datasources so far. */
  requestsLogged(): number;
  dispose(): Promise<void>;
}

export interface FleetOptions {
  api?: StartAbloLocalOptions;
  /** Keep state in the fleet's PostgreSQL (the engine's postgres:// backend) instead of files. */
  postgresBackend?: boolean;
  /** Which host serves the Datasources: the SDK's dynamic provider (default) or the provider plugin. */
  host?: "dynamic" | "plugin";
}

export async function startFleet(count: number, options: FleetOptions = {}): Promise<Fleet> {
  const pg = await startPostgres();
  await pg.sql(loginRole("app", CANARY));
  await pg.sql("CREATE DATABASE shop OWNER app");
  const backendEnv: Record<string, string> = {};
  if (options.postgresBackend) {
    await pg.sql("CREATE ROLE pulumi LOGIN PASSWORD 'state-pw'");
    await pg.sql("CREATE DATABASE pulumi_state OWNER pulumi");
    backendEnv.PULUMI_BACKEND_URL = `${pg.url("pulumi", "state-pw", "pulumi_state")}?sslmode=disable`;
  }
  const api = await startAbloLocal({ allowPrivateHosts: true, verification: true, admin: true, rateLimit: 0, ...options.api });
  const key = await api.createKey("fleet-org", "test");
  const transcript: string[] = [];
  const workspaces: PulumiWorkspace[] = [];

  async function newStack(n: number): Promise<FleetStack> {
    const ws = await pulumiWorkspace(backendEnv);
    workspaces.push(ws);
    const stack = await createStack({
      workspace: ws,
      program: FLEET_PROGRAM,
      onResult: (r) => void transcript.push(r.stdout, r.stderr),
      config: {
        ...abloConfig(api, key),
        databaseUrl: secret(pg.url("app", CANARY, "shop")),
        count: String(n),
        ...(options.host === "plugin" ? { host: "plugin" } : {}),
      },
    });
    return {
      ws,
      pulumi: (args, env = {}) => stack.run(args, { env }),
      // State is not engine output: kept out of the transcript (and its size in the figures).
      stateIds: async () => (await stack.exportState({ record: false })).resources.filter(isAbloDatasource).map((x) => x.id!),
    };
  }
  const first = await newStack(count);

  const admin = async (method: string, body?: unknown) => {
    const res = await fetch(`${api.baseUrl}/_admin/faults`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
    });
    if (res.status !== 200) throw new Error(`/_admin/faults ${method}: ${res.status}`);
    return (await res.json()) as { rules: Array<{ fired: number }> };
  };
  return {
    ...first,
    pg,
    api,
    key,
    transcript,
    newStack,
    setFaults: async (rules) => void (rules.length === 0 ? await admin("DELETE") : await admin("POST", { rules })),
    faultsFired: async () => (await admin("GET")).rules.reduce((n, r) => n + r.fired, 0),
    serverIds: async () => (await apiReader(api, key).datasources()).map((d) => ({ id: d.id, mark: d.metadata?.pulumi_owner })),
    requestsLogged: () =>
      api
        .logs()
        .split("\n")
        .filter((l) => l.includes("/v1/datasources")).length,
    async dispose() {
      for (const ws of workspaces) await ws.dispose();
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

/**
 * The canary sweep over everything a fleet suite produced: the engine's output (including any
 * `-v=9` logs the suite asked for), the server's logs and data directory, and each workspace (file
 * state, exports written there, the Pulumi home). Records the hits and returns them.
 */
export async function sweepCanary(fleet: Fleet, suite: string): Promise<Record<string, number>> {
  const count = (text: string) => text.split(CANARY).length - 1;
  const hits = {
    "engine output": count(fleet.transcript.join("\n")),
    "server logs": count(fleet.api.logs()),
    "server data files": (await filesContaining(fleet.api.dataDir, CANARY)).length,
    "workspace files": (await filesContaining(fleet.ws.dir, CANARY)).length,
  };
  recordFigures({
    section: `6. Secrets — ${suite}`,
    what: `The canary password of the ${suite} suite's role, searched for in everything it produced (${Math.round(fleet.transcript.join("").length / 1024)} KiB of engine output).`,
    rows: [hits],
  });
  return hits;
}
