import { AbloAPIError } from "./errors";

export interface Page<T> {
  data: T[];
  has_more: boolean;
}

/**
 * Walks `starting_after` cursors until `has_more` is false. A server that claims more but returns
 * an empty page ends the walk; one that hands back a cursor already seen is an error, not a loop.
 */
export async function* autoPage<T extends { id: string }>(
  fetchPage: (startingAfter: string | undefined) => Promise<Page<T>>,
  startingAfter?: string,
): AsyncGenerator<T, void, undefined> {
  const seen = new Set<string>();
  let cursor = startingAfter;
  for (;;) {
    const page = await fetchPage(cursor);
    yield* page.data;
    const last = page.data.at(-1);
    if (!page.has_more || !last) return;
    if (seen.has(last.id)) {
      throw new AbloAPIError({ type: "api_error", code: "pagination_loop", message: `List pagination returned cursor ${last.id} twice` });
    }
    seen.add(last.id);
    cursor = last.id;
  }
}
