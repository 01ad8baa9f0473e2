import {
  API_VERSION_PREFIX,
  CreateDatasourceParamsSchema,
  DatasourceListResponseSchema,
  DatasourceResponseSchema,
  DeletedDatasourceSchema,
  IdempotencyKeySchema,
  ListParamsSchema,
  UpdateDatasourceParamsSchema,
} from "@ablo/api";
import { AbloInvalidRequestError, AbloTimeoutError } from "./errors";
import type { Transport } from "./http";
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
import { parseParams, parseResponse } from "./validate";

const COLLECTION = `${API_VERSION_PREFIX}/datasources`;

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

/** `/v1/datasources`: every endpoint of the contract (api/README.md), params and responses checked by the shared schemas. */
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
    const secrets = connectionStringOf(params);
    const body = parseParams(CreateDatasourceParamsSchema, params, secrets);
    const res = await this.#transport.request({
      method: "POST",
      path: COLLECTION,
      body,
      idempotencyKey: idempotencyKeyOf(options),
      secrets,
      sendsConnectionString: true,
    });
    return parseResponse(DatasourceResponseSchema, res, `POST ${COLLECTION}`);
  }

  async retrieve(id: string): Promise<DatasourceResponse> {
    const path = this.pathOf(id);
    const res = await this.#transport.request({ method: "GET", path });
    return parseResponse(DatasourceResponseSchema, res, `GET ${path}`);
  }

  /** Metadata, or credential rotation: a new connection string for the same host, port and database. */
  async update(id: string, params: UpdateDatasourceParams, options: RequestOptions = {}): Promise<DatasourceResponse> {
    const path = this.pathOf(id);
    const secrets = connectionStringOf(params);
    const body = parseParams(UpdateDatasourceParamsSchema, params, secrets);
    const res = await this.#transport.request({
      method: "POST",
      path,
      body,
      idempotencyKey: idempotencyKeyOf(options),
      secrets,
      sendsConnectionString: body.connectionString !== undefined,
    });
    return parseResponse(DatasourceResponseSchema, res, `POST ${path}`);
  }

  async del(id: string): Promise<DeletedDatasource> {
    const path = this.pathOf(id);
    const res = await this.#transport.request({ method: "DELETE", path });
    return parseResponse(DeletedDatasourceSchema, res, `DELETE ${path}`);
  }

  /** One page, newest first. */
  async list(params: ListDatasourcesParams = {}): Promise<DatasourceListResponse> {
    const query = parseParams(ListParamsSchema, params, []);
    if (query.starting_after !== undefined) {
      checkId(query.starting_after, "starting_after");
      assertSameMode(this.#apiKey, query.starting_after, "starting_after");
    }
    const res = await this.#transport.request({ method: "GET", path: COLLECTION, query });
    return parseResponse(DatasourceListResponseSchema, res, `GET ${COLLECTION}`);
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
