import { AbloPermissionError, AbloResponseValidationError, AbloRouteNotFoundError, type AbloClient, type DatasourceResponse } from "@ablo/client";
import { LIST_LIMITS } from "@ablo/api";
import { warnOnce } from "./engine-log";
import { OWNER_METADATA_KEY } from "./owner-key";

/** Ids the engine handed this provider process (state tracks them) or that it made itself. */
const inState = new Set<string>();
export function trackInState(id: string): void {
  inState.add(id);
}
export const isInState = (id: string): boolean => inState.has(id);

/**
 * Leftovers of abandoned creates, per API client (one organization and mode): a second way to
 * find them, beside the replayed create (create-keys.ts), for a create whose inputs changed since
 * or that is older than the API's idempotency window. Only the newest page is read, at most once
 * per provider process, so the cost does not grow with the organization; and the list route is
 * optional: an API without it (or whose answer cannot be read) skips the look-up.
 */
export class AbandonedCreates {
  #byMark: Promise<Map<string, DatasourceResponse[]>> | undefined;

  constructor(private readonly client: AbloClient) {}

  /** Datasources carrying `mark` that state does not track, newest first; each is handed out once. */
  async take(mark: string): Promise<DatasourceResponse[]> {
    const byMark = await (this.#byMark ??= this.scan());
    const found = (byMark.get(mark) ?? []).filter((ds) => !inState.has(ds.id));
    byMark.delete(mark);
    return found;
  }

  private async scan(): Promise<Map<string, DatasourceResponse[]>> {
    const byMark = new Map<string, DatasourceResponse[]>();
    try {
      const page = await this.client.datasources.list({ limit: LIST_LIMITS.max });
      for (const ds of page.data) {
        const mark = ds.metadata[OWNER_METADATA_KEY];
        if (mark !== undefined) byMark.set(mark, [...(byMark.get(mark) ?? []), ds]);
      }
    } catch (err) {
      if (err instanceof AbloRouteNotFoundError || err instanceof AbloResponseValidationError) {
        warnOnce(
          "list",
          `this Ablo API does not serve GET /v1/datasources (${err instanceof AbloRouteNotFoundError ? `HTTP ${err.statusCode}` : "its answer is unreadable"}): ` +
            "creates go on without looking for what an interrupted run left, relying on replayed Idempotency-Keys alone",
        );
        return byMark;
      }
      // A write-only capability token cannot list: create as before, without the look-up.
      if (!(err instanceof AbloPermissionError)) {
        this.#byMark = undefined;
        throw err;
      }
    }
    return byMark;
  }
}
