import { DEFAULT_SCHEMA, ID_PREFIX, MetadataSchema, SchemaNameSchema } from "@ablo/api";
import { classifyHost, ConnectionStringError, isConnectionStringError, parseConnectionString, type ParsedConnection } from "@ablo/connection";
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { z } from "zod";
import { OWNER_KEY_PATTERN, OWNER_METADATA_KEY } from "./owner-key";

/** The engine's placeholder for a value not known until apply (preview of a computed input). */
export const UNKNOWN: string = unknownValue;
export const isUnknown = (v: unknown): boolean => v === UNKNOWN;

/** Inputs of `pulumi-nodejs:dynamic/ablo:Datasource`, as the engine hands them to the provider. */
export const DatasourceInputsSchema = z.object({
  connectionString: z.string({ error: "connectionString is required (a postgres:// or postgresql:// URL)" }).min(1, "connectionString must not be empty"),
  schema: SchemaNameSchema.default(DEFAULT_SCHEMA),
  metadata: MetadataSchema.refine((m) => !(OWNER_METADATA_KEY in m), {
    message: `metadata key ${OWNER_METADATA_KEY} is reserved: the provider marks the datasources it creates with it`,
  }).default({}),
  waitForVerification: z.boolean({ error: "waitForVerification must be a boolean" }).default(true),
  /** How long create/update wait for verification (from customTimeouts, default 5 minutes). */
  verificationTimeoutSeconds: z
    .number()
    .int()
    .positive()
    .max(24 * 3600)
    .default(300),
  /** Brings an existing datasource under management instead of registering a new one. */
  adoptId: z
    .string()
    .regex(new RegExp(`^(${ID_PREFIX.directTest}|${ID_PREFIX.directLive})[A-Za-z0-9]+$`), "adoptId must be a datasource id (ds_… or ds_test_…)")
    .optional(),
  /** Set by the SDK: a hash of the resource's URN, which marks what this resource creates (owner-key.ts). */
  owner: z.string().regex(OWNER_KEY_PATTERN, "owner must be the 32-character key @ablo/pulumi computes").optional(),
});
export type DatasourceInputs = z.infer<typeof DatasourceInputsSchema>;

export interface ConnectionTarget {
  host: string;
  port: number;
  database: string;
  user: string;
}

export interface CheckFailure {
  property: string;
  reason: string;
}

/**
 * Where a connection string points, without its credentials. Throws ConnectionStringError, whose
 * message never holds the password or the string.
 */
export function connectionTarget(connectionString: string): ConnectionTarget {
  return targetOf(parseConnectionString(connectionString));
}

function targetOf(parsed: ParsedConnection): ConnectionTarget {
  const first = parsed.hosts[0];
  if (!first || !first.host) throw new ConnectionStringError("unparseable", "connectionString must name a host");
  return {
    // Normalized as the API normalizes the `host` it returns (lowercase, no trailing dot,
    // canonical IP): the same classifier, so diff and adopt compare like with like.
    host: parsed.hosts.map((h) => classifyHost(h.host).host ?? h.host.toLowerCase()).join(","),
    port: first.port ?? 5432,
    database: parsed.databaseOrDefault ?? "",
    user: parsed.user ?? "",
  };
}

/**
 * A host (or hostaddr) the classifier cannot read unambiguously (`invalid-host`: empty labels,
 * bad percent-encoding, lone surrogates, numeric names that are no address, …): the API refuses
 * it whatever its host policy, so check does too. Private hosts are not this: whether one is
 * acceptable is the policy pack's decision (allowedCidrs, allowedHosts, allowLoopback).
 * The reason never quotes the host.
 */
function unreadableHost(parsed: ParsedConnection): string | undefined {
  const n = parsed.hosts.length;
  for (const [i, spec] of parsed.hosts.entries()) {
    for (const [what, value] of [
      ["", spec.host],
      ["hostaddr of ", spec.hostaddr],
    ] as const) {
      if (value === undefined || value === "") continue;
      const c = classifyHost(value);
      if (c.kind === "private" && c.hostClass === "invalid-host") {
        return `connectionString: ${what}${n > 1 ? `host ${i + 1} of ${n}` : "the host"} cannot be read unambiguously (${c.reason})`;
      }
    }
  }
  return undefined;
}

/**
 * Validates inputs the way the API would, so that bad input fails at preview, naming the property.
 * Unknown (computed) values are left for apply.
 */
export function checkInputs(news: Record<string, unknown>): { inputs: Record<string, unknown>; failures: CheckFailure[] } {
  const failures: CheckFailure[] = [];
  const unknownKeys = Object.keys(news).filter((k) => isUnknown(news[k]) && k in DatasourceInputsSchema.shape);
  const schema = DatasourceInputsSchema.omit(Object.fromEntries(unknownKeys.map((k) => [k, true])) as never);
  const result = schema.safeParse(Object.fromEntries(Object.entries(news).filter(([k]) => !unknownKeys.includes(k))));
  if (!result.success) {
    for (const issue of result.error.issues) {
      const property = issue.path.length ? issue.path.map(String).join(".") : "inputs";
      failures.push({ property, reason: issue.message });
    }
  }
  const cs = news.connectionString;
  if (typeof cs === "string" && cs.length > 0 && !isUnknown(cs)) {
    try {
      const parsed = parseConnectionString(cs);
      const target = targetOf(parsed);
      if (!target.user) failures.push({ property: "connectionString", reason: "connectionString must name a user (postgres://user:password@host/db)" });
      const unreadable = unreadableHost(parsed);
      if (unreadable !== undefined) failures.push({ property: "connectionString", reason: unreadable });
    } catch (err) {
      failures.push({ property: "connectionString", reason: safeReason(err) });
    }
  }
  // The inputs as given: defaults are applied where they are used (create, update, diff), not
  // stored, because every byte of a resource's state is written again at each step of an update.
  return { inputs: { ...news }, failures };
}

/** A reason safe to show: our typed errors are credential-free by construction; anything else is not trusted. */
function safeReason(err: unknown): string {
  if (isConnectionStringError(err)) return err.message;
  return "connectionString could not be parsed as a libpq URI (postgres://user:password@host:port/database)";
}
