/**
 * The policy logic as pure functions: no Pulumi, no engine. Each rule takes the resource name and
 * the connectionString input (known or not yet known) and returns an outcome whose message names
 * the resource, the rule and what is wrong, never the password or the connection string (policies
 * see secret inputs in plaintext, and violation messages end up in logs and the Pulumi Cloud).
 */
import { checkConnectionString, parseConnectionString, REACHABLE_FROM_ABLO, type CheckOptions, type ParsedConnection } from "@ablo/connection";
import { DATASOURCE_TYPE } from "@ablo/provider/type-tokens";

/** Both hosts' Datasource: the dynamic resource of `@ablo/pulumi` and the plugin's `ablo:index:Datasource`. */
export const DATASOURCE_TYPES: readonly string[] = Object.values(DATASOURCE_TYPE);
export const CONNECTION_STRING_PROPERTY = "connectionString";

export const POLICY = {
  publicHost: "ablo-datasource-public-host",
  sslMode: "ablo-datasource-sslmode",
  superuserRole: "ablo-datasource-superuser-role",
} as const;

/** An input as the policy sees it: a value, or "not known until apply" (preview of a new output). */
export type InputValue = { known: true; value: unknown } | { known: false };

export type Outcome =
  | { kind: "pass" }
  /** Report with the policy's enforcement level. */
  | { kind: "violation"; message: string }
  /** Not decidable now: the value is unknown at preview; the check runs again at apply. */
  | { kind: "pending"; message: string }
  /** Nothing for this rule to say (another rule reports the problem). */
  | { kind: "skip" };

/** Resource names are the user's, not secret; keep them printable and short. */
export function safeName(name: string): string {
  const s = String(name).replace(/[\u0000-\u001f\u007f"\\]/g, "?");
  return s.length > 100 ? `${s.slice(0, 100)}…` : s;
}

const subject = (name: string): string => `Datasource "${safeName(name)}"`;

// ---------------------------------------------------------------------------------------------
// ablo-datasource-public-host (mandatory)

export interface PublicHostConfig {
  /** CIDRs admitted even though not public, e.g. a peered VPC ("10.20.0.0/16"). */
  allowedCidrs?: string[];
  /** Host names (or "*.suffix") admitted even though their name looks private. */
  allowedHosts?: string[];
  /** Admits loopback hosts only: for local demos against a database on this machine. */
  allowLoopback?: boolean;
}

export function toCheckOptions(config: PublicHostConfig): CheckOptions {
  return {
    allow: { cidrs: config.allowedCidrs ?? [], hosts: config.allowedHosts ?? [] },
    allowPrivateHosts: config.allowLoopback === true,
  };
}

export function publicHostRule(resourceName: string, input: InputValue, config: PublicHostConfig = {}): Outcome {
  const who = subject(resourceName);
  if (!input.known) {
    return {
      kind: "pending",
      message:
        `${who}: connectionString is not known during preview (it comes from another resource's output), ` +
        `so ${POLICY.publicHost} cannot check its hosts yet; it checks them at apply (pulumi up), before the datasource is created.`,
    };
  }
  if (typeof input.value !== "string" || input.value === "") {
    return { kind: "violation", message: `${who} violates ${POLICY.publicHost}: connectionString is missing or not a string.` };
  }
  let options: CheckOptions;
  try {
    options = toCheckOptions(config);
    checkConnectionString("postgres://policy-config.example.com", options);
  } catch {
    return { kind: "violation", message: `${who}: ${POLICY.publicHost} is misconfigured: allowedCidrs or allowedHosts holds an invalid entry.` };
  }
  const r = checkConnectionString(input.value, options);
  if (r.ok) return { kind: "pass" };
  const cls = r.hostClass !== undefined ? `, host class ${r.hostClass}` : "";
  const hint = r.code === "host_not_public" ? ` ${REACHABLE_FROM_ABLO}; or admit its network with this policy's allowedCidrs / allowedHosts config.` : "";
  return { kind: "violation", message: `${who} violates ${POLICY.publicHost} (${r.code}${cls}): ${r.reason}.${hint}` };
}

// ---------------------------------------------------------------------------------------------
// Advisory rules read the parsed string; an unparseable or unknown one is the mandatory rule's job.

function parsed(input: InputValue): ParsedConnection | undefined {
  if (!input.known || typeof input.value !== "string") return undefined;
  try {
    return parseConnectionString(input.value);
  } catch {
    return undefined;
  }
}

// ablo-datasource-sslmode (advisory)

const SSL_MODES = new Set(["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]);
const ENCRYPTED_MODES = new Set(["require", "verify-ca", "verify-full"]);

export function sslModeRule(resourceName: string, input: InputValue): Outcome {
  const p = parsed(input);
  if (!p) return { kind: "skip" };
  const mode = p.params.sslmode;
  if (mode !== undefined && ENCRYPTED_MODES.has(mode)) return { kind: "pass" };
  const what =
    mode === undefined
      ? "sslmode is not set (libpq's default, prefer, silently falls back to an unencrypted connection)"
      : SSL_MODES.has(mode)
        ? `sslmode=${mode} allows an unencrypted connection`
        : "sslmode has an unrecognised value";
  return {
    kind: "violation",
    message: `${subject(resourceName)} violates ${POLICY.sslMode}: ${what}. Use sslmode=verify-full (or require / verify-ca) in the connection string.`,
  };
}

// ablo-datasource-superuser-role (advisory)

/** Superuser or administrator roles of self-hosted PostgreSQL and managed services. */
export const ADMIN_ROLES: ReadonlyMap<string, string> = new Map([
  ["postgres", "the bootstrap superuser"],
  ["root", "an administrator account"],
  ["admin", "an administrator account"],
  ["administrator", "an administrator account"],
  ["rdsadmin", "Amazon RDS's internal superuser"],
  ["rds_superuser", "Amazon RDS's administrator role"],
  ["cloudsqladmin", "Cloud SQL's internal superuser"],
  ["cloudsqlsuperuser", "Cloud SQL's administrator role"],
  ["alloydbadmin", "AlloyDB's internal superuser"],
  ["alloydbsuperuser", "AlloyDB's administrator role"],
  ["azure_superuser", "Azure Database for PostgreSQL's internal superuser"],
  ["azuresu", "Azure Database for PostgreSQL's internal superuser"],
  ["azure_pg_admin", "Azure Database for PostgreSQL's administrator role"],
  ["supabase_admin", "Supabase's internal superuser"],
  ["supabase_auth_admin", "Supabase's auth administrator"],
  ["supabase_storage_admin", "Supabase's storage administrator"],
  ["doadmin", "DigitalOcean's administrator account"],
  ["avnadmin", "Aiven's administrator account"],
  ["tsdbadmin", "Timescale's administrator account"],
  ["crunchy_superuser", "Crunchy Bridge's superuser"],
]);

export interface SuperuserRoleConfig {
  /** More role names to flag (compared case-insensitively). */
  additionalRoles?: string[];
}

export function superuserRoleRule(resourceName: string, input: InputValue, config: SuperuserRoleConfig = {}): Outcome {
  const p = parsed(input);
  if (!p || p.user === undefined) return { kind: "skip" };
  // Azure single server spells users user@server.
  const role = (p.user.split("@")[0] ?? "").toLowerCase();
  const extra = new Set((config.additionalRoles ?? []).map((r) => r.toLowerCase()));
  const why = ADMIN_ROLES.get(role) ?? (extra.has(role) ? "listed in this policy's additionalRoles" : undefined);
  if (why === undefined) return { kind: "pass" };
  // The role is one of the names above, so printing it prints nothing the user did not configure.
  const shown = ADMIN_ROLES.has(role) ? `"${role}"` : "a listed role";
  return {
    kind: "violation",
    message:
      `${subject(resourceName)} violates ${POLICY.superuserRole}: it connects as ${shown} (${why}). ` +
      `Ablo needs a dedicated role without SUPERUSER or BYPASSRLS; the datasource is rejected at verification otherwise.`,
  };
}
