import { REACHABLE_FROM_ABLO } from "@ablo/connection";
import { AbloRouteNotFoundError, type AbloInvalidRequestError } from "@ablo/client";

/**
 * The errors a Pulumi user sees from the provider, on both hosts (the dynamic provider and the
 * plugin): one hierarchy, so a host can tell ours (credential-free by construction, shown as they
 * are) from anything else (a bug, named by its class only). Messages name ids, hosts, routes and
 * settings, never a connection string or key.
 */
export class DatasourceProviderError extends Error {
  override readonly name: string = "DatasourceProviderError";
}

/**
 * A provider setting (`ablo:apiKey`, `ablo:baseUrl`) is missing or wrong, or the endpoint it names
 * is not a usable Ablo API. At check it is a warning (the preview and its policy checks go on
 * without the API); any operation that needs the API fails with it before sending anything.
 */
export class ProviderConfigError extends DatasourceProviderError {
  override readonly name = "ProviderConfigError";
  constructor(
    readonly property: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The plugin's settings change in a way its Datasources cannot follow (a key of the other mode). */
export class ProviderChangeError extends DatasourceProviderError {
  override readonly name = "ProviderChangeError";
}

/**
 * `last_error` words of a database Ablo could not reach (refused, timed out, unreachable, a name
 * that does not resolve, or not to a public address), as opposed to one it reached and judged
 * (authentication, a missing database or schema, the role's attributes, TLS). Loose on purpose:
 * the real API's wording is not ours (ablo-local's is server/src/verification.ts).
 */
const UNREACHABLE = /\b(?:refused|timed? ?out|timeout|unreachable|reset|closed|resolved?|resolves|no route|connection failed|not public|network)\b/i;
const REACHED = /\b(?:authentication|password|does not exist|superuser|bypassrls|tls|ssl|certificate|permission|too many)\b/i;

/** `schema "Sales" does not exist`: a name with capitals the database most likely holds in lower case. */
const MISSING_SCHEMA = /\bschema "([A-Za-z_][A-Za-z0-9_$]{0,62})" does not exist/;

/** What to say after a `last_error`: a hint on its own line of thought, and the fix. */
function verificationAdvice(lastError: string, endpoints: string | undefined): { hint: string; fix: string } {
  if (UNREACHABLE.test(lastError) && !REACHED.test(lastError)) {
    return { hint: endpoints ? ` (tried ${endpoints})` : "", fix: `${REACHABLE_FROM_ABLO}; then run \`pulumi up\` again` };
  }
  const schema = MISSING_SCHEMA.exec(lastError)?.[1];
  const hint =
    schema !== undefined && /[A-Z]/.test(schema)
      ? `; unquoted names are stored lower-case in PostgreSQL: did you mean schema "${schema.toLowerCase()}"? (schema names are case-sensitive here)`
      : "";
  return { hint, fix: "fix the role or database and run `pulumi up` again" };
}

/**
 * Verification failed: `last_error` as the API gave it, then what to do. A database Ablo could not
 * reach is named by the `host:port` list the provider read from the connection string (the API's
 * words may not say) with the network fix; anything else is the role's or the database's.
 */
export class VerificationFailedError extends DatasourceProviderError {
  override readonly name = "VerificationFailedError";
  constructor(
    readonly datasourceId: string,
    readonly lastError: string,
    readonly removed: boolean,
    /** `host:port` of every host in the connection string, when the provider knows them. */
    readonly endpoints?: string,
  ) {
    const { hint, fix } = verificationAdvice(lastError, endpoints);
    super(
      `Ablo rejected datasource ${datasourceId} at verification: ${lastError}${hint}.` +
        (removed ? ` It has been deleted, so nothing is left behind; ${fix}.` : ` ${fix.charAt(0).toUpperCase()}${fix.slice(1)}.`),
    );
  }
}

/**
 * The API refused the connection string's host as not public (`host_not_public`, at create or at
 * a rotation). Carries the fix the policy pack's ablo-datasource-public-host gives at preview.
 */
export class HostNotPublicError extends DatasourceProviderError {
  override readonly name = "HostNotPublicError";
  readonly property = "connectionString";
  readonly code = "host_not_public";
  constructor(refusal: AbloInvalidRequestError) {
    const said = refusal.message.trim().replace(/\.?$/, ".");
    super(
      `connectionString was refused by the Ablo API (host_not_public): ${said} ${REACHABLE_FROM_ABLO}. ` +
        "The policy pack's ablo-datasource-public-host rule finds such hosts at preview.",
      { cause: refusal },
    );
  }
}

export class VerificationTimeoutError extends DatasourceProviderError {
  override readonly name = "VerificationTimeoutError";
  constructor(
    readonly datasourceId: string,
    readonly timeoutSeconds: number,
  ) {
    super(
      `datasource ${datasourceId} was still unverified after ${timeoutSeconds}s; raise customTimeouts.create, ` +
        "or set waitForVerification: false to return without waiting",
    );
  }
}

export class AdoptMismatchError extends DatasourceProviderError {
  override readonly name = "AdoptMismatchError";
  constructor(adoptId: string, existing: string, wanted: string) {
    super(`adoptId ${adoptId} points at ${existing}, but connectionString points at ${wanted}: adopt only the datasource this string describes`);
  }
}

/** The API lacks a route the operation needs (most routes are inferred, not documented: api/README.md). */
export class RouteUnavailableError extends DatasourceProviderError {
  override readonly name = "RouteUnavailableError";
  constructor(
    readonly route: string,
    what: string,
    instead: string,
  ) {
    super(`this Ablo API does not serve ${route}, so the provider cannot ${what}; ${instead}`);
  }
}

/** Runs `fn`; a route the API lacks becomes an error saying what cannot be done and what the user can do. */
export async function needingRoute<T>(what: string, instead: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AbloRouteNotFoundError) throw new RouteUnavailableError(err.route, what, instead);
    throw err;
  }
}

/**
 * A look-up (`getDatasource`) that cannot be answered, naming the id when it is id-shaped (anything
 * else may be huge or hold a pasted credential, and is not shown back).
 */
export class DatasourceLookUpError extends DatasourceProviderError {
  override readonly name: string = "DatasourceLookUpError";
  constructor(
    /** The id, when it is id-shaped; undefined otherwise. */
    readonly datasourceId: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** The key's organization holds no datasource of that id (in the key's mode). */
export class DatasourceNotFoundError extends DatasourceLookUpError {
  override readonly name = "DatasourceNotFoundError";
  constructor(datasourceId: string) {
    super(
      datasourceId,
      `getDatasource: no datasource ${datasourceId} in the Ablo organization of ablo:apiKey; ` +
        "check the id, and that the key belongs to the organization that registered it",
    );
  }
}

/** A sandbox id with a live key, or the reverse: the API would answer 404, as a key never sees the other mode's records. */
export class DatasourceModeMismatchError extends DatasourceLookUpError {
  override readonly name = "DatasourceModeMismatchError";
  constructor(
    datasourceId: string,
    readonly idMode: "live" | "test",
    readonly keyMode: "live" | "test",
  ) {
    super(
      datasourceId,
      `getDatasource: ${datasourceId} is a ${idMode} datasource but ablo:apiKey is a ${keyMode} key, which never sees ${idMode} datasources; ` +
        `look it up with a ${idMode} key (sk_${idMode}_…)`,
    );
  }
}

/** Not the id of a direct datasource (`ds_…`, `ds_test_…`): refused before any request. */
export class InvalidDatasourceIdError extends DatasourceLookUpError {
  override readonly name = "InvalidDatasourceIdError";
  constructor(shown: string | undefined) {
    super(shown, `getDatasource: ${shown ?? "the id"} is not the id of a PostgreSQL datasource; ids look like ds_… (live) or ds_test_… (sandbox)`);
  }
}

/** The engine asked for a function this provider does not have (an SDK of another version). */
export class UnknownFunctionError extends DatasourceProviderError {
  override readonly name = "UnknownFunctionError";
  constructor(token: string, known: readonly string[]) {
    super(`pulumi-resource-ablo has no function ${/^[\w:/.-]{1,100}$/.test(token) ? token : "of that name"}; it serves ${known.join(", ")}`);
  }
}
