import type { DatasourceOutputs } from "@ablo/provider";
import * as pulumi from "@pulumi/pulumi";

/**
 * The outputs the program sees: what the provider keeps in state (test/sdk checks the list against
 * the API schema). Each declared output costs the program a few promises per resource.
 */
export const OUTPUTS = [
  "status",
  "livemode",
  "metadata",
  "created",
  "host",
  "database",
  "schema",
  "displayName",
  "lastError",
  "port",
  "fingerprint",
] as const satisfies ReadonlyArray<keyof DatasourceOutputs>;

/**
 * What a Datasource registers: every output declared, and of `inputs` only what is set (each
 * property costs the program promises per resource, unset ones too).
 */
export function datasourceProps(inputs: Record<string, unknown> = {}): Record<string, unknown> {
  const props: Record<string, unknown> = Object.fromEntries(OUTPUTS.map((k) => [k, undefined]));
  for (const [k, v] of Object.entries(inputs)) if (v !== undefined) props[k] = v;
  return props;
}

/** The inputs of a Datasource; the connection string secret even when the program passes a plain string. */
export function sharedInputs(args: {
  connectionString: pulumi.Input<string>;
  schema?: pulumi.Input<string> | undefined;
  metadata?: pulumi.Input<Record<string, pulumi.Input<string>>> | undefined;
  waitForVerification?: pulumi.Input<boolean> | undefined;
}): Record<string, unknown> {
  return {
    connectionString: pulumi.secret(args.connectionString),
    schema: args.schema,
    metadata: args.metadata,
    waitForVerification: args.waitForVerification,
  };
}

type Out = Required<DatasourceOutputs>;

/** The outputs of a dynamic Datasource (the plugin's are declared by the generated SDK, src/plugin). */
export abstract class DatasourceResource extends pulumi.CustomResource {
  declare readonly status: pulumi.Output<Out["status"]>;
  declare readonly livemode: pulumi.Output<Out["livemode"]>;
  declare readonly metadata: pulumi.Output<Out["metadata"]>;
  /** Unix seconds. */
  declare readonly created: pulumi.Output<Out["created"]>;
  declare readonly host: pulumi.Output<Out["host"]>;
  declare readonly database: pulumi.Output<Out["database"]>;
  declare readonly schema: pulumi.Output<Out["schema"]>;
  /** Credential-free summary, e.g. `app@db.example.com:5432/shop`. */
  declare readonly displayName: pulumi.Output<Out["displayName"]>;
  /** Why verification failed, in words without credentials. */
  declare readonly lastError: pulumi.Output<Out["lastError"]>;
  /** The port of the connection string (the API does not return it). */
  declare readonly port: pulumi.Output<Out["port"]>;
  /** Salted SHA-256 of the connection string, for change detection only. Secret. */
  declare readonly fingerprint: pulumi.Output<Out["fingerprint"]>;
}
