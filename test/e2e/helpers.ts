import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  abloConfig,
  apiReader,
  createStack,
  isAbloDatasource,
  pulumiWorkspace,
  REPO_ROOT,
  startAbloLocal,
  startPostgres,
  type AbloLocal,
  type ApiReader,
  type Postgres,
  type ProgramStack,
  type PulumiWorkspace,
  type StackConfig,
  type StackOptions,
  type StackState,
  type StartAbloLocalOptions,
} from "@ablo/harness";

/**
 * What an end-to-end suite stands on: a real ablo-local and a key of one organization, when asked
 * a real PostgreSQL with the suite's own roles and databases, a fresh Pulumi workspace (its own
 * backend and home), stacks of programs in it, a reader of what the server holds, and one
 * transcript of every byte the engine printed and the API answered, for the suite's canary sweep.
 */
export interface Suite {
  api: AbloLocal;
  key: string;
  ws: PulumiWorkspace;
  /** Reads the server with `key`; every answer goes to the transcript. */
  server: ApiReader;
  transcript: string[];
  /**
   * A stack of `program` (any language) in the workspace: the SDK's provider settings for this
   * server and key (the key a secret), then `config`, which may override them. Every run's output
   * goes to the transcript, but for runs with `record: false`.
   */
  stack(program: string, config?: StackConfig, options?: SuiteStackOptions): Promise<ProgramStack>;
  /** Removes the workspace (and the Pulumi.<stack>.yaml files it left beside programs), stops the server and PostgreSQL. */
  dispose(): Promise<void>;
}

export interface PostgresSuite extends Suite {
  pg: Postgres;
}

export interface SuiteOptions {
  /** The key's organization. */
  org: string;
  api?: StartAbloLocalOptions;
  /** Start PostgreSQL first and run these statements (roles, databases, grants), one by one. */
  postgres?: string[];
}

interface SuiteStackOptions {
  /** Default: the workspace's own. */
  stack?: string;
  /** For every run of this stack (e.g. NODE_EXTRA_CA_CERTS). */
  env?: StackOptions["env"];
  /** Also sees each recorded run (per-run assertions). */
  onResult?: StackOptions["onResult"];
}

export async function startSuite(options: SuiteOptions & { postgres: string[] }): Promise<PostgresSuite>;
export async function startSuite(options: SuiteOptions): Promise<Suite>;
export async function startSuite(options: SuiteOptions): Promise<Suite | PostgresSuite> {
  const started: Array<{ stop(): Promise<void> }> = [];
  let pg: Postgres | undefined;
  let api: AbloLocal;
  let key: string;
  let ws: PulumiWorkspace;
  try {
    if (options.postgres) {
      pg = await startPostgres();
      started.push(pg);
      for (const statement of options.postgres) await pg.sql(statement);
    }
    api = await startAbloLocal(options.api);
    started.push(api);
    key = await api.createKey(options.org, "test");
    ws = await pulumiWorkspace();
  } catch (err) {
    for (const s of started.reverse()) await s.stop();
    throw err;
  }
  const transcript: string[] = [];
  return {
    ...(pg ? { pg } : {}),
    api,
    key,
    ws,
    server: apiReader(api, key, { onAnswer: (text) => void transcript.push(text) }),
    transcript,
    stack: (program, config = {}, opts = {}) =>
      createStack({
        workspace: ws,
        program,
        ...(opts.stack === undefined ? {} : { stack: opts.stack }),
        ...(opts.env === undefined ? {} : { env: opts.env }),
        onResult: (r) => {
          transcript.push(r.stdout, r.stderr);
          opts.onResult?.(r);
        },
        config: { ...abloConfig(api, key), ...config },
      }),
    async dispose() {
      // Each part is stopped even when one before it fails.
      try {
        await ws.dispose();
      } finally {
        try {
          await api.stop();
        } finally {
          await pg?.stop();
        }
      }
    },
  };
}

/** The provider plugin's version: the one the generated SDKs name, so the one a program's state records. */
const PLUGIN_VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, "plugin", "package.json"), "utf8")) as { version: string }).version;

/**
 * A plugin program's state (`stack export`) keeps its secrets sealed: the Datasource's connection
 * string and fingerprint ciphertext, no connection string among its outputs, the provider's API key
 * ciphertext; and its provider is the plugin of the version the generated SDK names.
 */
export function expectPluginStateSealed(exported: StackState): void {
  const ds = exported.resources.find(isAbloDatasource);
  expect(ds?.type).toBe("ablo:index:Datasource");
  expect(ds?.inputs?.connectionString).toHaveProperty("ciphertext");
  expect(ds?.outputs?.fingerprint).toHaveProperty("ciphertext");
  expect(ds?.outputs).not.toHaveProperty("connectionString");
  const provider = exported.resources.find((r) => r.type === "pulumi:providers:ablo");
  expect(provider?.inputs?.apiKey).toHaveProperty("ciphertext");
  expect(provider?.inputs?.version).toBe(PLUGIN_VERSION);
}
