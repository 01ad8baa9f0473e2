import {
  API_VERSION_PREFIX,
  ID_PREFIX,
  CreateDatasourceParamsSchema,
  DatasourceListResponseSchema,
  DatasourceResponseSchema,
  DeletedDatasourceSchema,
  IdempotencyKeySchema,
  ListParamsSchema,
  UpdateDatasourceParamsSchema,
  tokenMode,
} from "@ablo/api";
import { AbloAuthenticationError, AbloConnectionError, AbloEndpointError, AbloError, AbloInvalidRequestError, AbloTimeoutError } from "./errors";
import type { RequestSpec, Transport } from "./http";
import { assertSameMode } from "./mode";
import { autoPage } from "./pagination";
import { secretsOf } from "./redact";
import type {
  CreateDatasourceParams,
  DatasourceListResponse,
  DatasourceResponse,
  DeletedDatasource,
  ListDatasourcesParams,
  RequestOptions,
  UpdateDatasourceParams,
} from "./types";
import { parseParams } from "./validate";

const COLLECTION = `${API_VERSION_PREFIX}/datasources`;
/** How the routes of one datasource are named in errors about a missing route. */
const ITEM_ROUTE = `${COLLECTION}/{id}`;
/** The endpoint probe's whole budget, retries included. */
const PROBE_BUDGET_MS = 8_000;

export interface WaitForStatusOptions {
  /** Stop when this holds; default: status is known and no longer `unverified`. */
  until?: (ds: DatasourceResponse) => boolean;
  /** Total budget (default 60 s); an AbloTimeoutError (code `wait_timeout`) after it. */
  timeoutMs?: number;
  /** Pause between polls (default 1 s); the first pause when `maxPollMs` is set. */
  pollMs?: number;
  /** When set, the pause doubles after each poll up to this (quick first answers, no busy loop). */
  maxPollMs?: number;
}

export const leftUnverified = (ds: DatasourceResponse): boolean => ds.status !== undefined && ds.status !== "unverified";

/**
 * `/v1/datasources`: every endpoint of the contract (api/README.md), params and responses checked
 * by the shared schemas. Each request names its answer's schema, and Transport owns the one retry
 * loop: it asks again for an unreadable 2xx (a POST under the same Idempotency-Key) and raises the
 * typed AbloResponseValidationError after the last ask.
 */
export class Datasources {
  readonly #transport: Transport;
  // #private: never shown by util.inspect or JSON.stringify.
  readonly #apiKey: string;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(transport: Transport, apiKey: string, sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms))) {
    this.#transport = transport;
    this.#apiKey = apiKey;
    this.#sleep = sleep;
  }

  async create(params: CreateDatasourceParams, options: RequestOptions = {}): Promise<DatasourceResponse> {
    return (await this.createOrReplay(params, options)).datasource;
  }

  /**
   * create, saying whether the server replayed an earlier create under the same Idempotency-Key
   * (when it says so), and the server's clock when it answered (`serverTime`, Unix seconds from
   * its `Date` header, undefined without one): a datasource much older than that, by the server's
   * own `created`, was made by an earlier request, whatever this machine's clock says. And
   * `clientSince`: the server's clock at this client's first answer, read before this create was
   * sent (undefined when this was the first request, or the server sends no `Date`): a datasource
   * `created` at or after it was made while this client lived, so not by an earlier run.
   */
  async createOrReplay(
    params: CreateDatasourceParams,
    options: RequestOptions = {},
  ): Promise<{ datasource: DatasourceResponse; replayed: boolean; serverTime: number | undefined; clientSince: number | undefined }> {
    const clientSince = this.#transport.firstServerTime;
    const secrets = connectionStringOf(params);
    const body = parseParams(CreateDatasourceParamsSchema, params, secrets);
    const { data, replayed, serverTime } = await this.#transport.request({
      method: "POST",
      path: COLLECTION,
      body,
      idempotencyKey: idempotencyKeyOf(options),
      secrets,
      sendsConnectionString: true,
      schema: DatasourceResponseSchema,
    });
    return { datasource: data, replayed, serverTime, clientSince };
  }

  async retrieve(id: string): Promise<DatasourceResponse> {
    return (await this.#transport.request({ method: "GET", path: this.pathOf(id), route: ITEM_ROUTE, schema: DatasourceResponseSchema })).data;
  }

  /**
   * Whether the base URL answers like the Ablo API, in seconds, before anything is sent that
   * matters: a retrieve of an id that cannot exist. Any answer in the API's error shape (404,
   * 403, even a 5xx) is Ablo; a refused connection, an unknown name, a certificate for another
   * name, a page or another API's body is an AbloEndpointError naming the URL and what is wrong;
   * a refused key is the AbloAuthenticationError itself.
   */
  async probe(baseUrl: string): Promise<void> {
    const id = `${tokenMode(this.#apiKey) === "live" ? ID_PREFIX.directLive : ID_PREFIX.directTest}abloprobe0`;
    const started = Date.now();
    const fail = (why: string) =>
      new AbloEndpointError({ type: "configuration_error", code: "endpoint_unusable", param: "baseUrl", message: `${baseUrl} ${why}` });
    const asked = await this.#notAblo({ method: "GET", path: `${COLLECTION}/${id}`, route: ITEM_ROUTE, budgetMs: PROBE_BUDGET_MS }, fail);
    if (asked === undefined) return;
    // The retrieve route is our inference: an API without it may answer a bare 404 page. Before
    // judging, ask the documented route with no connection string, which the API refuses (400 in
    // its error shape) without making anything.
    const documented = await this.#notAblo(
      { method: "POST", path: COLLECTION, body: {}, budgetMs: Math.max(1_000, PROBE_BUDGET_MS - (Date.now() - started)) },
      fail,
    );
    if (documented === undefined) return;
    throw fail(`does not answer like the Ablo API: GET ${ITEM_ROUTE} got ${asked}, and POST ${COLLECTION} without a connection string got ${documented}`);
  }

  /** What came back, for the message, unless it is an answer in the API's error shape (any status). */
  async #notAblo(spec: RequestSpec, fail: (why: string) => AbloEndpointError): Promise<string | undefined> {
    let res;
    try {
      res = await this.#transport.request(spec);
    } catch (err) {
      if (err instanceof AbloAuthenticationError) throw err;
      if (err instanceof AbloConnectionError || err instanceof AbloTimeoutError) throw fail(`cannot be reached: ${err.message}`);
      if (err instanceof AbloError && err.foreignAnswer) return `HTTP ${err.statusCode ?? "?"} without an Ablo error body`;
      return undefined;
    }
    // A 2xx: a datasource's id cannot be abloprobe0, and a create without a connection string is refused.
    return res.notJson ? `HTTP ${res.status} that is not JSON` : `HTTP ${res.status} where an error was due`;
  }

  /** Metadata, or credential rotation: a new connection string for the same host, port and database. */
  async update(id: string, params: UpdateDatasourceParams, options: RequestOptions = {}): Promise<DatasourceResponse> {
    const path = this.pathOf(id);
    const secrets = connectionStringOf(params);
    const body = parseParams(UpdateDatasourceParamsSchema, params, secrets);
    const res = await this.#transport.request({
      method: "POST",
      path,
      route: ITEM_ROUTE,
      body,
      idempotencyKey: idempotencyKeyOf(options),
      secrets,
      sendsConnectionString: body.connectionString !== undefined,
      schema: DatasourceResponseSchema,
    });
    return res.data;
  }

  /** A second ask after a garbled answer finds it deleted: AbloNotFoundError, as for any delete of what is gone. */
  async del(id: string): Promise<DeletedDatasource> {
    return (await this.#transport.request({ method: "DELETE", path: this.pathOf(id), route: ITEM_ROUTE, schema: DeletedDatasourceSchema })).data;
  }

  /** One page, newest first. */
  async list(params: ListDatasourcesParams = {}): Promise<DatasourceListResponse> {
    const query = parseParams(ListParamsSchema, params, []);
    if (query.starting_after !== undefined) {
      checkId(query.starting_after, "starting_after");
      assertSameMode(this.#apiKey, query.starting_after, "starting_after");
    }
    return (await this.#transport.request({ method: "GET", path: COLLECTION, query, schema: DatasourceListResponseSchema })).data;
  }

  /** Every datasource from `params.starting_after` on, fetching pages of `params.limit` as it goes. */
  listAutoPaging(params: ListDatasourcesParams = {}): AsyncGenerator<DatasourceResponse, void, undefined> {
    return autoPage((startingAfter) => this.list({ ...params, starting_after: startingAfter }), params.starting_after);
  }

  /** Polls `retrieve` until `until` holds (by default: verification finished), bounded by `timeoutMs`. */
  async waitForStatus(id: string, options: WaitForStatusOptions = {}): Promise<DatasourceResponse> {
    const { until = leftUnverified, timeoutMs = 60_000, pollMs = 1_000, maxPollMs = pollMs } = options;
    const deadline = Date.now() + timeoutMs;
    let pause = pollMs;
    for (;;) {
      const ds = await this.retrieve(id);
      if (until(ds)) return ds;
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new AbloTimeoutError({
          type: "timeout_error",
          code: "wait_timeout",
          message: `Datasource ${ds.id} still ${ds.status ?? "without a status"} after ${timeoutMs} ms`,
        });
      }
      await this.#sleep(Math.min(pause, remaining));
      pause = Math.min(pause * 2, Math.max(maxPollMs, pollMs));
    }
  }

  private pathOf(id: string): string {
    checkId(id, "id");
    assertSameMode(this.#apiKey, id, "id");
    return `${COLLECTION}/${encodeURIComponent(id)}`;
  }
}

/**
 * Ids are typed tokens (`ds_…`, `ds_test_…`, `dse_…`): anything else could re-route the path
 * (`..`) and is refused without echoing it.
 */
function checkId(id: unknown, param: string): asserts id is string {
  if (typeof id !== "string" || !/^[A-Za-z0-9_-]{1,255}$/.test(id)) {
    throw new AbloInvalidRequestError({
      type: "invalid_request_error",
      code: "parameter_invalid",
      param,
      message: `${param} must be a datasource id such as ds_… or dse_… (letters, digits, _ and -)`,
    });
  }
}

function idempotencyKeyOf(options: RequestOptions): string | undefined {
  const key = options.idempotencyKey;
  if (key === undefined) return undefined;
  // Printable ASCII only: anything else is not a valid header value.
  if (!IdempotencyKeySchema.safeParse(key).success || !/^[\x21-\x7e]+$/.test(key)) {
    throw new AbloInvalidRequestError({
      type: "invalid_request_error",
      code: "parameter_invalid",
      param: "idempotencyKey",
      message: "idempotencyKey must be 1–255 printable ASCII characters",
    });
  }
  return key;
}

function connectionStringOf(params: unknown): string[] {
  const value = (params as { connectionString?: unknown } | null | undefined)?.connectionString;
  return typeof value === "string" ? secretsOf([value]) : [];
}
