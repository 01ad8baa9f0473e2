import { AbloPermissionError, type AbloClient, type DatasourceResponse } from "@ablo/client";
import { OWNER_METADATA_KEY } from "./owner-key";

/** Ids the engine handed this provider process (state tracks them) or that it made itself. */
const inState = new Set<string>();
export function trackInState(id: string): void {
  inState.add(id);
}

/**
 * Leftovers of abandoned creates, per API client (one organization and mode). The list is read at
 * most once per provider process, when the first create needs it.
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
      for await (const ds of this.client.datasources.listAutoPaging({ limit: 100 })) {
        const mark = ds.metadata[OWNER_METADATA_KEY];
        if (mark !== undefined) byMark.set(mark, [...(byMark.get(mark) ?? []), ds]);
      }
    } catch (err) {
      // A write-only capability token cannot list: create as before, without the look-up.
      if (!(err instanceof AbloPermissionError)) {
        this.#byMark = undefined;
        throw err;
      }
    }
    return byMark;
  }
}
