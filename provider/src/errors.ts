/** Errors the provider raises itself; messages name ids and hosts, never credentials. */
export class DatasourceProviderError extends Error {
  override readonly name: string = "DatasourceProviderError";
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
