import { AbloRouteNotFoundError } from "@ablo/client";

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

export class VerificationFailedError extends DatasourceProviderError {
  override readonly name = "VerificationFailedError";
  constructor(
    readonly datasourceId: string,
    readonly lastError: string,
    removed: boolean,
  ) {
    super(
      `Ablo rejected datasource ${datasourceId} at verification: ${lastError}.` +
        (removed ? " It has been deleted, so nothing is left behind; fix the role or database and run `pulumi up` again." : ""),
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
