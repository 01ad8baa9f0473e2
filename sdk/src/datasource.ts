// Only this module of the provider, which needs node:crypto alone: the program never loads the API client.
import { ownerKey } from "@ablo/provider/owner-key";
import { DATASOURCE_TYPE } from "@ablo/provider/type-tokens";
import * as pulumi from "@pulumi/pulumi";
import { datasourceProps, DatasourceResource, sharedInputs } from "./outputs";
import { abloProvider } from "./provider";

/**
 * What the engine stores as `__provider` and the dynamic-provider host evaluates (it calls
 * `handler()` to get the provider). Pulumi's dynamic.Resource would serialize a closure here, which
 * captures whatever the closure sees and costs a second of TypeScript-based analysis on every run;
 * this is a fixed module reference instead: it holds nothing, and the provider process loads the
 * implementation (and reads the API key) itself, through this package (see dynamic-provider.ts).
 * The type token is the one dynamic.Resource uses.
 */
export const SERIALIZED_PROVIDER = 'exports.handler = function () { return require("@ablo/pulumi/dynamic-provider").datasourceProvider; };\n';
export const TYPE_TOKEN = DATASOURCE_TYPE.dynamic;

export interface DatasourceArgs {
  /**
   * `postgres://user:password@host:port/database?sslmode=require`. Always stored as a Pulumi
   * secret (even when given as a plain string) and never written to outputs.
   */
  connectionString: pulumi.Input<string>;
  /** PostgreSQL schema of the synced tables (default `public`). Changing it replaces the datasource. */
  schema?: pulumi.Input<string>;
  /** Up to 50 string pairs; keys ≤ 40 characters, values ≤ 500. Changed in place. */
  metadata?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * Wait for Ablo to verify the connection (default true), at creation and after a rotation,
   * bounded by `customTimeouts.create` (5 minutes by default). A datasource rejected at creation
   * is deleted again.
   */
  waitForVerification?: pulumi.Input<boolean>;
  /**
   * Brings an existing datasource (`ds_…` / `ds_test_…`) under management without replacing it:
   * its host and database must match `connectionString`, whose credentials are then sent as a
   * rotation. The `import` resource option does the same (the engine cannot import dynamic
   * resources itself).
   */
  adoptId?: pulumi.Input<string>;
}

const UNIT_SECONDS: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, µs: 1e-6, ns: 1e-9 };

/** A Go duration as customTimeouts takes it (`5m`, `1.5h`, `90m30s`) → whole seconds. */
function timeoutSeconds(s: string | undefined): number | undefined {
  if (s === undefined || s.trim() === "") return undefined;
  const text = s.trim();
  if (!/^(\d+(\.\d+)?(h|m|s|ms|us|µs|ns))+$/.test(text)) {
    throw new Error(`customTimeouts value ${JSON.stringify(s)} is not a duration like "5m", "90s" or "1.5h"`);
  }
  let total = 0;
  for (const [, n, , unit] of text.matchAll(/(\d+(\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) total += Number(n) * UNIT_SECONDS[unit!]!;
  return total >= 1 ? Math.ceil(total) : undefined;
}

/**
 * The owner key of the resource's URN: computed at once without a parent (no Output to resolve,
 * which costs promises per resource), through the parent's URN otherwise.
 */
function ownerOf(name: string, parent: pulumi.Resource | undefined): pulumi.Input<string> {
  if (parent) return pulumi.createUrn(name, TYPE_TOKEN, parent).apply(ownerKey);
  return ownerKey(`urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${TYPE_TOKEN}::${name}`);
}

/** A PostgreSQL database registered with Ablo (`pulumi-nodejs:dynamic/ablo:Datasource`). */
export class Datasource extends DatasourceResource {
  /** A read-only reference to an existing datasource. */
  static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): Datasource {
    return new Datasource(name, undefined as unknown as DatasourceArgs, { ...opts, id });
  }

  constructor(name: string, args: DatasourceArgs, opts: pulumi.CustomResourceOptions = {}) {
    // The engine's `import` cannot read a dynamic resource (it reads without the serialized
    // provider: "code must be a string, not undefined"), so `import: id` is turned into adoption.
    const { import: importId, ...rest } = opts;
    opts = rest;
    if (!opts.id && !args) throw new Error(`Datasource ${name}: args are required (connectionString at least)`);
    const props = datasourceProps(
      opts.id
        ? undefined
        : {
            ...sharedInputs(args),
            adoptId: args.adoptId ?? importId,
            verificationTimeoutSeconds: timeoutSeconds(opts.customTimeouts?.create),
            // Lets the provider find what an abandoned create of this resource left (provider/src/owner-key.ts).
            owner: ownerOf(name, opts.parent),
          },
    );
    props.__provider = SERIALIZED_PROVIDER;
    super(TYPE_TOKEN, name, props, {
      ...opts,
      // Our own provider instance unless the program names one (see provider.ts: the default one
      // would store the stack's whole configuration in state).
      provider: opts.provider ?? abloProvider(),
      additionalSecretOutputs: [...(opts.additionalSecretOutputs ?? []), "fingerprint"],
    });
  }
}
