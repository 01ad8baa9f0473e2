import {
  AbloNotFoundError,
  AbloResponseValidationError,
  AbloRouteNotFoundError,
  AbloTimeoutError,
  type AbloClient,
  type DatasourceResponse,
} from "@ablo/client";
import type { EngineLog } from "./engine-log";
import { VerificationFailedError, VerificationTimeoutError } from "./errors";
import { connectionTarget, type DatasourceInputs } from "./inputs";

/** Said once when the API lacks GET /v1/datasources/{id}: what the provider then cannot do. */
const NO_RETRIEVE =
  "this Ablo API does not serve GET /v1/datasources/{id}: the provider cannot wait for verification, " +
  "refresh cannot see changes made elsewhere, and a create replayed after a crash cannot be checked";

/**
 * A GET route that is not there: answered as a missing route, or, every time it was asked, with a
 * 2xx that is not the API's JSON (a page behind a gateway). Either way nothing can be read from it.
 */
export const lacksReadRoute = (err: unknown): err is AbloRouteNotFoundError | AbloResponseValidationError =>
  err instanceof AbloRouteNotFoundError || err instanceof AbloResponseValidationError;

/** Verification and what it reads: the retrieve route is inferred, so a server without it is warned of, not failed. */
export class Verifier {
  constructor(
    private readonly client: AbloClient,
    private readonly log: EngineLog,
  ) {}

  /** Warns, once per process, that the retrieve route is lacking. */
  noRetrieve(): void {
    this.log.warnOnce("retrieve", NO_RETRIEVE);
  }

  /** `ds` as the API holds it now; undefined once deleted; `ds` itself when the API cannot retrieve. */
  async current(ds: DatasourceResponse): Promise<DatasourceResponse | undefined> {
    try {
      return await this.client.datasources.retrieve(ds.id);
    } catch (err) {
      if (err instanceof AbloNotFoundError) return undefined;
      if (!lacksReadRoute(err)) throw err;
      this.noRetrieve();
      return ds;
    }
  }

  /**
   * Waits until verification ends (usually under a second: polls after 100 ms, backing off to every
   * 2 s). A datasource that failed it is removed first when `removeOnFailure` (one we just
   * registered, which can never work: no orphan), then the typed error says why.
   */
  async verified(ds: DatasourceResponse, inputs: Verified, removeOnFailure: boolean): Promise<DatasourceResponse> {
    const timeoutSeconds = inputs.verificationTimeoutSeconds;
    let result = ds;
    try {
      if (ds.status === "unverified") {
        result = await this.client.datasources.waitForStatus(ds.id, { timeoutMs: timeoutSeconds * 1000, pollMs: 100, maxPollMs: 2_000 });
      }
    } catch (err) {
      if (lacksReadRoute(err)) {
        this.noRetrieve();
        return ds;
      }
      if (removeOnFailure) await this.removeQuietly(ds.id);
      if (err instanceof AbloTimeoutError && err.code === "wait_timeout") throw new VerificationTimeoutError(ds.id, timeoutSeconds);
      throw err;
    }
    if (result.status === "rejected") {
      if (removeOnFailure) await this.removeQuietly(ds.id);
      // The hosts and ports tried, from the string: the API's words may not name them.
      throw new VerificationFailedError(ds.id, result.last_error ?? "no reason given", removeOnFailure, endpointsOf(inputs.connectionString));
    }
    return result;
  }

  /** A delete that succeeds when the datasource is already gone. */
  async removeQuietly(id: string): Promise<void> {
    try {
      await this.client.datasources.del(id);
    } catch (err) {
      if (!(err instanceof AbloNotFoundError)) throw err;
    }
  }
}

/** What verification needs of the inputs: the string (its hosts and ports, for messages) and the wait. */
type Verified = Pick<DatasourceInputs, "connectionString" | "verificationTimeoutSeconds">;

/** The `host:port` list of a connection string; undefined if it cannot be read (check refuses those). */
function endpointsOf(connectionString: string): string | undefined {
  try {
    return connectionTarget(connectionString).endpoints;
  } catch {
    return undefined;
  }
}
