import { createHash } from "node:crypto";
import { AbloPermissionError, type AbloClient, type DatasourceResponse } from "@ablo/client";

/**
 * A create whose outcome the provider never learned (the engine was killed, or the API stayed
 * unreachable past the retry budget) may still have registered a datasource that state does not
 * track. So every create marks its datasource, in metadata, with a hash of the resource's URN and
 * the word `creating`, and changes the mark to the bare hash once it has succeeded. Before
 * creating, the provider looks (once per process) for datasources still marked `creating` for
 * this URN: leftovers of an abandoned create of this very resource, taken over instead of
 * registering a duplicate. A finished create's mark never matches, so the live datasource that a
 * replacement supersedes is never taken, even when the engine skips diff (`up --replace`).
 */
export const OWNER_METADATA_KEY = "pulumi_owner";

/** The mark for a resource: a hash, so metadata shows no project or stack names. */
export function ownerMark(urn: string, phase: "creating" | "created"): string {
  const hash = createHash("sha256").update(urn).digest("base64url").slice(0, 32);
  return phase === "creating" ? `creating:${hash}` : hash;
}

/** User metadata as state shows it: without the provider's own mark. */
export function withoutOwnerMark(metadata: Record<string, string>): Record<string, string> {
  if (!(OWNER_METADATA_KEY in metadata)) return metadata;
  const { [OWNER_METADATA_KEY]: _mark, ...rest } = metadata;
  return rest;
}

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
