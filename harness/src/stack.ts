import { DATASOURCE_TYPE } from "@ablo/provider/type-tokens";
import { z } from "zod";
import { exitedZero, runPulumi, type PulumiResult, type PulumiWorkspace, type RunOptions } from "./pulumi";

/**
 * One stack of one Pulumi program (a folder with a Pulumi.yaml, in any language): created with
 * its config, run by the engine, its outputs and state read back. The end-to-end tests, the main
 * job and the benchmarks set their stacks up here rather than each with its own copy.
 */

/** Plain, or `{ value, secret: true }` (encrypted in Pulumi.<stack>.yaml); `path` makes the key a path (`a.b`, `list[0]`). */
export type ConfigValue = string | { value: string; secret?: boolean; path?: boolean };
/** Set in this order. */
export type StackConfig = Record<string, ConfigValue>;

export const secret = (value: string): ConfigValue => ({ value, secret: true });
/** Each of `values` as a secret. */
export const secrets = (values: Record<string, string>): StackConfig => Object.fromEntries(Object.entries(values).map(([k, v]) => [k, secret(v)]));

/** The SDK's provider settings for a server and key, the key as a secret. */
export const abloConfig = (api: { baseUrl: string }, apiKey: string): StackConfig => ({
  "ablo:apiKey": secret(apiKey),
  "ablo:baseUrl": api.baseUrl,
});

export interface StackRunOptions {
  stdin?: string;
  /** Over the stack's own env; `undefined` unsets a variable for this run. */
  env?: Record<string, string | undefined>;
  /** false: not handed to onResult (output that holds a secret on purpose, kept out of the transcripts swept for canaries). */
  record?: boolean;
}

interface StackCommon {
  /** The program's folder. */
  program: string;
  /** For every run (e.g. NODE_EXTRA_CA_CERTS), over the workspace's or the process's. */
  env?: Record<string, string | undefined>;
  /** Sees each run's result (transcripts, per-run assertions), but for runs with `record: false`. */
  onResult?: (result: PulumiResult) => void;
  /** Streams each run's output as it comes. */
  onOutput?: (chunk: string) => void;
}

/**
 * In a workspace (its own backend and home; the stack defaults to the workspace's), or with the
 * process's environment and `scripts/pulumi`'s defaults (the project's `.pulumi-state`).
 */
export type StackOptions = StackCommon & ({ workspace: PulumiWorkspace; stack?: string } | { workspace?: undefined; stack: string });

const StateResourceSchema = z.looseObject({
  urn: z.string(),
  type: z.string(),
  id: z.string().optional(),
  provider: z.string().optional(),
  inputs: z.record(z.string(), z.unknown()).optional(),
  outputs: z.record(z.string(), z.unknown()).optional(),
});
const ExportSchema = z.object({ deployment: z.object({ resources: z.array(StateResourceSchema).nullish() }) });
export type StateResource = z.infer<typeof StateResourceSchema>;

export interface StackState {
  /** `pulumi stack export` as printed. */
  text: string;
  /** Its resources (none: `[]`). */
  resources: StateResource[];
}

/** A Datasource of either host: the SDK's dynamic provider or the plugin. */
export const isAbloDatasource = (r: StateResource): boolean => (Object.values(DATASOURCE_TYPE) as string[]).includes(r.type);

export interface ProgramStack {
  readonly program: string;
  readonly name: string;
  /** Runs the engine in the program's folder on this stack (selected by create). */
  run(args: string[], opts?: StackRunOptions): Promise<PulumiResult>;
  /** Like run, but throws a PulumiExitError when the exit code is not 0. */
  ok(args: string[], opts?: StackRunOptions): Promise<PulumiResult>;
  /** `stack select --create`, then the config. */
  create(config?: StackConfig): Promise<void>;
  /** Every value through stdin, never the command line (where `ps` shows it). */
  setConfig(config: StackConfig): Promise<void>;
  /** `stack output --json`. */
  outputs<T = Record<string, unknown>>(opts?: { showSecrets?: boolean }): Promise<T>;
  /** `stack export`. */
  exportState(opts?: { showSecrets?: boolean; record?: boolean }): Promise<StackState>;
  /** `stack rm --force`: the stack and its state, whatever it holds; the exit code says whether there was one. */
  remove(): Promise<PulumiResult>;
}

export function programStack(options: StackOptions): ProgramStack {
  const { program, workspace } = options;
  const name = options.stack ?? workspace!.stack;
  const engine = (args: string[], opts: RunOptions) => (workspace ? workspace.run(args, opts) : runPulumi(args, opts));
  const run = async (args: string[], opts: StackRunOptions = {}) => {
    const r = await engine(args, {
      cwd: program,
      env: { ...options.env, ...opts.env },
      ...(opts.stdin === undefined ? {} : { stdin: opts.stdin }),
      ...(options.onOutput ? { onOutput: options.onOutput } : {}),
    });
    if (opts.record !== false) options.onResult?.(r);
    return r;
  };
  const ok = async (args: string[], opts: StackRunOptions = {}) => exitedZero(args, program, await run(args, opts));
  const setConfig = async (config: StackConfig) => {
    for (const [key, v] of Object.entries(config)) {
      const { value, secret = false, path = false } = typeof v === "string" ? { value: v } : v;
      await ok(["config", "set", ...(secret ? ["--secret"] : []), ...(path ? ["--path"] : []), key], { stdin: value });
    }
  };
  return {
    program,
    name,
    run,
    ok,
    setConfig,
    async create(config = {}) {
      await ok(["stack", "select", "--create", name]);
      await setConfig(config);
    },
    async outputs<T>(opts: { showSecrets?: boolean } = {}) {
      return JSON.parse((await ok(["stack", "output", "--json", ...(opts.showSecrets ? ["--show-secrets"] : [])])).stdout) as T;
    },
    async exportState(opts = {}) {
      const text = (await ok(["stack", "export", ...(opts.showSecrets ? ["--show-secrets"] : [])], { record: opts.record ?? true })).stdout;
      return { text, resources: ExportSchema.parse(JSON.parse(text)).deployment.resources ?? [] };
    },
    remove: () => run(["stack", "rm", name, "--yes", "--force"]),
  };
}

/** programStack, then create: a stack of `program` with `config`, selected for every run after. */
export async function createStack(options: StackOptions & { config?: StackConfig }): Promise<ProgramStack> {
  const stack = programStack(options);
  await stack.create(options.config);
  return stack;
}
