import { createHash, createHmac } from "node:crypto";
import { LIST_LIMITS } from "@ablo/api";
import { AbloInvalidRequestError, AbloPermissionError, AbloRouteNotFoundError, type AbloClient, type DatasourceResponse } from "@ablo/client";
import type { Connection } from "./api-access";
import type { EngineLog } from "./engine-log";
import { AdoptMismatchError } from "./errors";
import { connectionTarget, type DatasourceInputs } from "./inputs";
import { metadataPatch } from "./diff";
import { OWNER_METADATA_KEY, ownerMark } from "./owner-key";
import { lacksReadRoute, Verifier } from "./verification";

/**
 * Create idempotency and crash recovery, in one place: no create registers a second datasource for
 * one resource, and none leaves one behind that state does not hold.
 *
 * The evidence, all of it on the API or derived again by any later run:
 * - the **owner key** of the resource, a hash of its URN (owner-key.ts; the SDK and the plugin
 *   compute it), and the **mark** in the datasource's metadata, `pulumi_owner`: `creating:<owner>`,
 *   sent with the create. (Version 0.1.0 also rewrote it to `<owner>` at the end of each run, one
 *   request per created datasource; that mark is still read as a finished life, case 4. It is no
 *   longer written: state is the record of a finished run, see case 11.)
 * - the create's **Idempotency-Key**, `HMAC(apiKey, owner ‖ sha256(body) ‖ position)`: a later run
 *   sends the same key for the same resource and inputs, and the API replays what the first made;
 * - the ids the engine handed this process (**held by state**);
 * - **when** the datasource was made, on the server's own clock: at or after this process's first
 *   answer (its `Date` header) means this run made it; before means an earlier run did. Without a
 *   `Date` header, a replay told by the API (`Idempotent-Replayed: true`) or an age over 10 min
 *   (its answer's `Date` against its `created`). This machine's clock is never compared with the server's.
 *
 * Each way a create can end, and the requests it costs:
 *
 * | # | case | evidence | what the provider does | requests | shown by |
 * |---|---|---|---|---|---|
 * | 1 | a fresh create | made during this run | returns the create's answer | the POST | test/provider/routes.test.ts "only the documented route…"; test/e2e/datasource.test.ts; bench ratelimit |
 * | 2 | the answer was lost (retries spent, the engine or API killed): the next run creates again | same key: the API replays a datasource an earlier run made, still marked `creating`, not held by state | reads it back; returns it: recovered, not duplicated | POST + GET | routes.test.ts "a create replayed after a lost run…"; test/reliability/crash.test.ts (both hosts, both surfaces) |
 * | 3 | created again after its datasource was deleted (destroy then up, refresh dropped it) | the replayed datasource is gone (404) | next position: a new datasource | + POST, GET per position | routes.test.ts "…after its datasource was deleted…"; datasource.test.ts "destroy leaves…" |
 * | 4 | created again after a life 0.1.0 marked finished (`<owner>`) | the replayed datasource's mark | next position | + POST, GET | routes.test.ts "a finished create…" |
 * | 5 | an earlier life still held by state | its id was handed to this process | next position | + POST | routes.test.ts "a finished create…" |
 * | 6 | `up --replace` with unchanged inputs (the engine names no old id to a forced replacement's create) | replayed from an earlier run, marked `creating`, not held | returns it (credentials sent again when the list found it, case 7), and keeps it when the engine then deletes the old resource (the same id): the replacement is the same datasource | POST + GET | routes.test.ts "a replacement that gets its old datasource back…"; datasource.test.ts "a forced replacement…" |
 * | 7 | a lost create whose inputs changed since, or older than the API's 24 h window | the newest list page (one per process): marked `creating`, not held by state, same host, database and schema | taken over (our credentials and metadata, verified again), kept on a delete of the old; when the API refuses our string for it (another port), registers anew | one GET per run + POST | routes.test.ts "a leftover found by the list…"; crash.test.ts (full surface) |
 * | 8 | the same, on an API without the list or update route | — | registers anew; the leftover stays (api/README.md says so) | — | routes.test.ts "only the documented route…" |
 * | 9 | 64 lives of the same resource and inputs within 24 h | every position answered an earlier life | a random key, warned once: a crash during it needs the list route | — | — (bounded by the API's window) |
 * | 10 | rejected at verification, or still unverified at the timeout | status `rejected`, or the wait's deadline | deletes it again, then the typed error says why | + DELETE | datasource.test.ts "a superuser role is rejected…" |
 * | 11 | the run ends normally | the engine saved state | nothing more: state holds the id, so any later run is handed it (case 5) unless it forces a replacement (case 6) | 0 | bench ratelimit (requests per operation) |
 * | 12 | the run is killed | the id is in no state | case 2 next run | 0 | crash.test.ts |
 * | 13 | no owner key (a caller that gives no URN) | — | one random key, reused by every retry of this call | the POST | test/client/retries.test.ts |
 * | 14 | adoption (`adoptId`, or `import` through the SDK) | the datasource retrieved is the one the inputs describe | taken over like case 7; a rejection leaves it (not ours to remove) | GET + POST | routes.test.ts "without GET by id…"; test/e2e/plugin.test.ts (import) |
 *
 * State lives on this object, one per provider process; nothing at module level.
 */
export class CreateRecovery {
  /** Ids the engine handed this process (state holds them) or that it made itself. */
  readonly #heldByState = new Set<string>();
  /** Datasources this process took over for a resource the engine is replacing: its delete of the old (the same id) leaves them (case 6, 7). */
  readonly #keptOnDelete = new Set<string>();
  /** The newest list page by mark, read at most once per client (case 7). */
  readonly #leftovers = new WeakMap<AbloClient, Promise<Map<string, DatasourceResponse[]>>>();

  constructor(private readonly log: EngineLog) {}

  /** An id the engine handed this process: state holds it. */
  heldByState(id: string): void {
    this.#heldByState.add(id);
  }

  /** Whether a delete of `id` must leave it: this process took it over as the replacement's datasource. */
  keepsOnDelete(id: string): boolean {
    return this.#keptOnDelete.has(id);
  }

  /**
   * Registers the datasource `inputs` describe, recovers the one a lost create made, or adopts
   * `adoptId`; verified when asked.
   */
  async create(conn: Connection, inputs: DatasourceInputs): Promise<DatasourceResponse> {
    const verifier = new Verifier(conn.client, this.log);
    const { adoptId } = inputs;
    const registered =
      adoptId !== undefined
        ? await adopt(conn.client, adoptId, inputs)
        : ((await this.takeLeftover(conn, inputs)) ?? (await this.register(conn, verifier, inputs)));
    this.#heldByState.add(registered.id);
    // One we registered (or a leftover of this resource's own) is removed if rejected; an adopted one is not ours to remove.
    return inputs.waitForVerification ? verifier.verified(registered, inputs, adoptId === undefined) : registered;
  }

  /** Cases 1–6, 9, 13: walks the resource's key sequence until an answer is this create's own. */
  private async register(conn: Connection, verifier: Verifier, inputs: DatasourceInputs): Promise<DatasourceResponse> {
    const { client } = conn;
    const body = { connectionString: inputs.connectionString, schema: inputs.schema, metadata: metadataWithMark(inputs) };
    if (inputs.owner === undefined) return client.datasources.create(body);
    const creating = ownerMark(inputs.owner);
    for (let position = 0; position < MAX_CREATE_POSITIONS; position++) {
      const key = createIdempotencyKey(conn.apiKey, inputs.owner, body, position);
      const answer = await client.datasources.createOrReplay(body, { idempotencyKey: key });
      if (this.#heldByState.has(answer.datasource.id)) continue;
      const earlier = madeByEarlierRun(answer);
      // Case 1 needs no second look: this run made it, under this resource's own key. When that
      // cannot be told (no `Date`), the answer is read back as for a replay.
      if (earlier === false) return answer.datasource;
      const ds = await verifier.current(answer.datasource);
      if (ds === undefined || ds.metadata[OWNER_METADATA_KEY] !== creating || this.#heldByState.has(ds.id)) continue;
      if (earlier === true) this.#keptOnDelete.add(ds.id);
      return ds;
    }
    this.log.warnOnce(
      "create-positions",
      `a create of the same resource with the same inputs was made ${MAX_CREATE_POSITIONS} times within the API's idempotency window: ` +
        "this one uses a random Idempotency-Key, so a crash during it cannot be recovered without the list route",
    );
    return client.datasources.create(body);
  }

  /** Case 7: the newest leftover of a lost create of this resource that matches its inputs, taken over. */
  private async takeLeftover(conn: Connection, inputs: DatasourceInputs): Promise<DatasourceResponse | undefined> {
    if (inputs.owner === undefined) return undefined;
    const mark = ownerMark(inputs.owner);
    const byMark = await this.leftoversOf(conn.client);
    const found = (byMark.get(mark) ?? []).filter((ds) => !this.#heldByState.has(ds.id));
    byMark.delete(mark); // each is handed out once
    // Only one for the same host, database and schema: another stack of the same project and stack
    // names (in another backend, same organization) shares the mark, and taking its datasource would be worse.
    const match = found.find((ds) => describes(ds, inputs));
    if (!match) return undefined;
    try {
      const taken = await takeOver(conn.client, match, inputs);
      this.#keptOnDelete.add(match.id);
      return taken;
    } catch (err) {
      if (err instanceof AbloRouteNotFoundError) return undefined; // case 8
      // Our string names another port: the API makes that a new datasource, and so does this create.
      if (err instanceof AbloInvalidRequestError && err.param === "connectionString" && err.code !== "host_not_public") return undefined;
      throw err;
    }
  }

  /** One page, newest first, once per client; an API without the list route, or whose answer cannot be read, skips the look-up. */
  private leftoversOf(client: AbloClient): Promise<Map<string, DatasourceResponse[]>> {
    let scan = this.#leftovers.get(client);
    if (!scan) {
      scan = this.scan(client);
      this.#leftovers.set(client, scan);
      // A failure that is not the route's (the API unreachable past the budget) is asked again by the next create.
      scan.catch(() => this.#leftovers.delete(client));
    }
    return scan;
  }

  private async scan(client: AbloClient): Promise<Map<string, DatasourceResponse[]>> {
    const byMark = new Map<string, DatasourceResponse[]>();
    try {
      const page = await client.datasources.list({ limit: LIST_LIMITS.max });
      for (const ds of page.data) {
        const mark = ds.metadata[OWNER_METADATA_KEY];
        if (mark !== undefined) byMark.set(mark, [...(byMark.get(mark) ?? []), ds]);
      }
    } catch (err) {
      if (lacksReadRoute(err)) {
        this.log.warnOnce(
          "list",
          `this Ablo API does not serve GET /v1/datasources (${err instanceof AbloRouteNotFoundError ? `HTTP ${err.statusCode}` : "its answer is unreadable"}): ` +
            "creates go on without looking for what an interrupted run left, relying on replayed Idempotency-Keys alone",
        );
      } else if (!(err instanceof AbloPermissionError)) {
        throw err; // a write-only capability token cannot list: it creates as before, without the look-up
      }
    }
    return byMark;
  }
}

/**
 * Positions tried before giving up on recovery: each same-input life of a resource within the
 * API's 24 h window uses one (it costs that resource's next create one replayed POST and one GET).
 */
const MAX_CREATE_POSITIONS = 64;

/** Without the server's first `Date`: a datasource this much older than its create's answer (on the server's clock) was made by an earlier request. */
const REPLAY_AGE_SECONDS = 600;

/**
 * Whether an earlier run made the datasource a create answered with: by the server's clock against
 * its first answer to this process (which came before the create was sent); without a `Date`, true
 * when the API or the age says replay, and undefined (it cannot tell) otherwise.
 */
function madeByEarlierRun(answer: {
  datasource: DatasourceResponse;
  replayed: boolean;
  serverTime: number | undefined;
  clientSince: number | undefined;
}): boolean | undefined {
  if (answer.clientSince !== undefined) return answer.datasource.created < answer.clientSince;
  if (answer.replayed || (answer.serverTime !== undefined && answer.serverTime - answer.datasource.created > REPLAY_AGE_SECONDS)) return true;
  return undefined;
}

interface CreateBody {
  connectionString: string;
  schema: string;
  metadata: Record<string, string>;
}

/**
 * An HMAC under the API key: the key reveals nothing of the connection string in the body, even to
 * whoever reads the API's request logs, and another organization's keys never collide.
 */
function createIdempotencyKey(apiKey: string, owner: string, body: CreateBody, position: number): string {
  const canonical = JSON.stringify([body.connectionString, body.schema, Object.entries(body.metadata).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
  const bodyHash = createHash("sha256").update(canonical).digest("base64url");
  return `pulumi-create-${createHmac("sha256", apiKey).update(`${owner}\n${bodyHash}\n${position}`).digest("base64url")}`;
}

/** What a create sends: the user's metadata, plus the mark of a create in progress when the URN is known. */
function metadataWithMark(inputs: DatasourceInputs): Record<string, string> {
  return inputs.owner === undefined ? inputs.metadata : { ...inputs.metadata, [OWNER_METADATA_KEY]: ownerMark(inputs.owner) };
}

/** Why `existing` is not the datasource `inputs` describe, or undefined when it is. */
function mismatch(existing: DatasourceResponse, inputs: DatasourceInputs): { existing: string; wanted: string } | undefined {
  const t = connectionTarget(inputs.connectionString);
  if (existing.connection !== "direct") return { existing: `an ${existing.connection} datasource`, wanted: "a direct PostgreSQL connection" };
  if (existing.host !== t.host || existing.database !== t.database) {
    return { existing: `${existing.host}/${existing.database}`, wanted: `${t.host}/${t.database}` };
  }
  if (existing.schema !== inputs.schema) return { existing: `schema ${existing.schema}`, wanted: `schema ${inputs.schema}` };
  return undefined;
}

/** Case 14. Needs the retrieve and update routes (the caller names them when lacking). */
async function adopt(client: AbloClient, adoptId: string, inputs: DatasourceInputs): Promise<DatasourceResponse> {
  const existing = await client.datasources.retrieve(adoptId);
  const m = mismatch(existing, inputs);
  if (m) throw new AdoptMismatchError(adoptId, m.existing, m.wanted);
  return takeOver(client, existing, inputs);
}

const describes = (ds: DatasourceResponse, inputs: DatasourceInputs): boolean => mismatch(ds, inputs) === undefined;

/** Takes `existing` over: our credentials (verified again, so state's fingerprint is true) and metadata. Needs the update route. */
function takeOver(client: AbloClient, existing: DatasourceResponse, inputs: DatasourceInputs): Promise<DatasourceResponse> {
  return client.datasources.update(existing.id, {
    connectionString: inputs.connectionString,
    metadata: metadataPatch(existing.metadata, metadataWithMark(inputs)),
  });
}
