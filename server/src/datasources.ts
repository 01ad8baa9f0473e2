import {
  CreateDatasourceParamsSchema,
  DatasourceListSchema,
  DatasourceSchema,
  DeletedDatasourceSchema,
  ID_PREFIX,
  idMode,
  ListParamsSchema,
  METADATA_LIMITS,
  UpdateDatasourceParamsSchema,
  type DirectDatasource,
  type Metadata,
  type Mode,
} from "@ablo/api";
import type { z } from "zod";
import type { Principal } from "./auth";
import type { Clock } from "./clock";
import { InvalidRequestError, NotFoundError, ServerError } from "./errors";
import type { CheckedConnection, HostPolicy } from "./hosts";
import type { IdempotencyTicket } from "./idempotency";
import { parseParams } from "./params";
import { timeOrderedBase62 } from "./random";
import type { Sealer } from "./seal";
import type { Store } from "./store";
import type { DatasourceRow } from "./store-rows";

/** A response ready to send: the body is the exact bytes (idempotent replays resend them). */
export interface Reply {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

export interface DatasourcesDeps {
  store: Store;
  sealer: Sealer;
  hosts: HostPolicy;
  /** Called after a commit that left a record unverified; absent with --verification off. */
  onUnverified?: (id: string, version: number) => void;
  /** The server's clock: `created` is its time. */
  clock: Clock;
}

/** After the 8 time characters: ~95 random bits, so ids stay unguessable. */
const ID_RANDOM_CHARS = 16;

/** A new direct datasource id in `mode` (`ds_test_…` or `ds_…`). */
export const newDirectId = (mode: Mode): string => `${mode === "test" ? ID_PREFIX.directTest : ID_PREFIX.directLive}${timeOrderedBase62(ID_RANDOM_CHARS)}`;

/** The public projection: exactly the contract's fields, and no field for a credential. */
export function toResource(row: DatasourceRow, validate = true): DirectDatasource {
  const resource: DirectDatasource = {
    object: "datasource",
    id: row.id,
    connection: "direct",
    status: row.status,
    livemode: row.mode === "live",
    metadata: row.metadata,
    created: row.created,
    provider: "postgresql",
    host: row.host,
    database: row.database,
    schema: row.schema,
    display_name: row.displayName,
    last_error: row.lastError,
  };
  // What we emit must satisfy the shared schema; a mismatch is our bug, never the caller's.
  // (Callers that built the row from values they have just validated themselves skip this; the
  // tests run those responses through the schema: test/server/journal.test.ts, contract.test.ts.)
  if (validate && !DatasourceSchema.safeParse(resource).success)
    throw new ServerError("response_invalid", "The server built a response that violates its own schema.");
  return resource;
}

const json = (status: number, value: unknown): Reply => ({ status, body: JSON.stringify(value) });

/** The datasource endpoints, independent of the HTTP framework. */
export class Datasources {
  constructor(private readonly deps: DatasourcesDeps) {}

  /**
   * Synchronous from request to reply when the host check is (a static DNS map, IP literals) and
   * the create is journaled: every await on this path is a turn of the event loop that each
   * create pays for.
   */
  create(p: Principal, input: unknown, ticket?: IdempotencyTicket): Reply | Promise<Reply> {
    const params = parseParams(CreateDatasourceParamsSchema, input);
    const checked = this.deps.hosts.check(params.connectionString);
    return checked instanceof Promise ? checked.then((c) => this.register(p, params, c, ticket)) : this.register(p, params, checked, ticket);
  }

  private register(
    p: Principal,
    params: z.output<typeof CreateDatasourceParamsSchema>,
    checked: CheckedConnection,
    ticket: IdempotencyTicket | undefined,
  ): Reply | Promise<Reply> {
    const id = newDirectId(p.mode);
    const row: Omit<DatasourceRow, "seq"> = {
      id,
      orgId: p.orgId,
      mode: p.mode,
      host: checked.host,
      targets: checked.targets,
      database: checked.database,
      schema: params.schema,
      displayName: checked.displayName,
      sealed: this.deps.sealer.seal(params.connectionString, id),
      metadata: params.metadata,
      status: "unverified",
      lastError: null,
      version: 1,
      created: this.deps.clock.now(),
    };
    // Every field comes from a value validated just above (params by the schema, the host by
    // @ablo/connection) or made here: no second schema pass on the hot path.
    const reply = json(200, toResource({ ...row, seq: 0 }, false));
    const { store } = this.deps;
    const registered = (): Reply => {
      this.deps.onUnverified?.(id, row.version);
      return reply;
    };
    if (store.journaled) {
      // One journal line makes the create and its idempotency record durable together (see Store.appendCreate).
      store.appendCreate(row, ticket?.entry(reply.status, reply.body));
      return registered();
    }
    return store
      .write(() => {
        store.insertDatasource(row);
        ticket?.record(reply.status, reply.body);
      })
      .then(registered);
  }

  retrieve(p: Principal, id: string): Reply {
    return json(200, toResource(this.find(p, id)));
  }

  async update(p: Principal, id: string, input: unknown, ticket?: IdempotencyTicket): Promise<Reply> {
    const params = parseParams(UpdateDatasourceParamsSchema, input);
    const before = this.find(p, id);
    if (params.schema !== undefined && params.schema !== before.schema) {
      throw new InvalidRequestError("parameter_invalid", "schema cannot be changed: a datasource on another schema is a new datasource.", "schema");
    }
    const checked = params.connectionString !== undefined ? await this.deps.hosts.check(params.connectionString) : undefined;
    if (checked && (checked.targets !== before.targets || checked.database !== before.database)) {
      throw new InvalidRequestError(
        "parameter_invalid",
        "A rotated connectionString must keep the host, port and database: another target is a new datasource.",
        "connectionString",
      );
    }
    // Re-read after the DNS wait: the record may have been deleted or changed meanwhile.
    const row = this.find(p, id);
    const metadata = params.metadata !== undefined ? mergeMetadata(row.metadata, params.metadata) : row.metadata;
    const next: DatasourceRow = { ...row, metadata };
    if (checked && params.connectionString !== undefined) {
      Object.assign(next, {
        host: checked.host,
        displayName: checked.displayName,
        sealed: this.deps.sealer.seal(params.connectionString, row.id),
        status: "unverified",
        lastError: null,
        version: row.version + 1,
      } satisfies Partial<DatasourceRow>);
    }
    const reply = json(200, toResource(next));
    await this.deps.store.write(() => {
      this.deps.store.updateDatasource(next);
      ticket?.record(reply.status, reply.body);
    });
    if (next.version !== row.version) this.deps.onUnverified?.(row.id, next.version);
    return reply;
  }

  async delete(p: Principal, id: string): Promise<Reply> {
    if (idMode(id) !== p.mode || !(await this.deps.store.write(() => this.deps.store.deleteDatasource(p.orgId, p.mode, id)))) throw notFound(id);
    return json(200, DeletedDatasourceSchema.parse({ object: "datasource", id, deleted: true }));
  }

  list(p: Principal, query: unknown): Reply {
    const params = parseParams(ListParamsSchema, query, "The query string");
    let beforeSeq: number | undefined;
    if (params.starting_after !== undefined) {
      const cursor = idMode(params.starting_after) === p.mode ? this.deps.store.getDatasource(p.orgId, p.mode, params.starting_after) : undefined;
      if (!cursor) throw new NotFoundError(`No such datasource: starting_after does not name one of yours.`, "starting_after");
      beforeSeq = cursor.seq;
    }
    const { rows, hasMore } = this.deps.store.listDatasources(p.orgId, p.mode, params.limit, beforeSeq);
    // Each resource is checked with the page, as a whole, below.
    const page = { object: "list" as const, data: rows.map((r) => toResource(r, false)), has_more: hasMore, url: "/v1/datasources" as const };
    if (!DatasourceListSchema.safeParse(page).success) throw new ServerError("response_invalid", "The server built a response that violates its own schema.");
    return json(200, page);
  }

  /** Another organization's id, the other mode's id and a missing id all look the same: 404. */
  private find(p: Principal, id: string): DatasourceRow {
    const row = idMode(id) === p.mode ? this.deps.store.getDatasource(p.orgId, p.mode, id) : undefined;
    if (!row) throw notFound(id);
    return row;
  }
}

function notFound(id: string): NotFoundError {
  // Ids are ours to print only when they look like ids: never echo arbitrary input.
  const shown = /^dse?_(?:test_)?[A-Za-z0-9]{1,64}$/.test(id) ? `'${id}'` : "with that id";
  return new NotFoundError(`No such datasource: ${shown}.`, "id");
}

/** Stripe semantics: keys are merged, an empty string removes one. */
export function mergeMetadata(current: Metadata, patch: Metadata): Metadata {
  const out: Metadata = { ...current };
  for (const [k, v] of Object.entries(patch)) {
    if (v === "") delete out[k];
    else out[k] = v;
  }
  if (Object.keys(out).length > METADATA_LIMITS.maxKeys) {
    throw new InvalidRequestError("parameter_invalid", `Invalid metadata: at most ${METADATA_LIMITS.maxKeys} keys after the update.`, "metadata");
  }
  return out;
}
