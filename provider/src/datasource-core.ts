import { isDeepStrictEqual } from "node:util";
import { idMode } from "@ablo/api";
import {
  AbloAuthenticationError,
  AbloClient,
  AbloConfigurationError,
  AbloInsecureTransportError,
  AbloNotFoundError,
  AbloRouteNotFoundError,
  AbloTimeoutError,
  type DatasourceResponse,
} from "@ablo/client";
import { diffDatasource, metadataPatch, type DatasourceDiff } from "./diff";
import { AdoptMismatchError, RouteUnavailableError, VerificationFailedError, VerificationTimeoutError } from "./errors";
import { fingerprint, matchesFingerprint } from "./fingerprint";
import { checkInputs, connectionTarget, DatasourceInputsSchema, type CheckFailure, type DatasourceInputs } from "./inputs";
import { toOutputs, type DatasourceOutputs } from "./outputs";
import { AbandonedCreates, isInState, trackInState } from "./abandoned-creates";
import { createIdempotencyKey, MAX_CREATE_POSITIONS, type CreateBody } from "./create-keys";
import { setEngineAddress, warnOnce } from "./engine-log";
import { OWNER_METADATA_KEY, ownerMark } from "./owner-key";
import { atEndOfRun, watchEngine } from "./lifecycle";
import { configureFromStack, keyMode, ProviderConfigError, resolveSettings, type ConfigSource, type Settings } from "./settings";

/**
 * How long one API call keeps retrying 429s, 5xx, resets and timeouts, every retry of a POST
 * under the same Idempotency-Key. A budget of time rather than a count of retries: a long `up`
 * rides out a burst of faults or a restarting API instead of failing, and giving up on a create
 * whose outcome is unknown is what leaves a datasource state does not know.
 */
const RETRY = { retryBudgetMs: 120_000, initialRetryDelayMs: 250, maxRetryDelayMs: 4_000 } as const;

interface Connection {
  client: AbloClient;
  apiKey: string;
  leftovers: AbandonedCreates;
  /** The endpoint probe, once per process (see check). */
  probed?: Promise<void>;
}

// One keep-alive client per key and base URL for the life of the provider process.
const connections = new Map<string, Connection>();
function connect(s: Settings): Connection {
  const k = `${s.baseUrl ?? ""}\n${s.apiKey}`;
  let c = connections.get(k);
  if (!c) {
    const client = new AbloClient({ apiKey: s.apiKey, ...(s.baseUrl ? { baseUrl: s.baseUrl } : {}), ...RETRY });
    c = { client, apiKey: s.apiKey, leftovers: new AbandonedCreates(client) };
    connections.set(k, c);
  }
  return c;
}
const clientFor = (s: Settings): AbloClient => connect(s).client;

/** Said once when the API lacks GET /v1/datasources/{id}: what the provider then cannot do. */
const NO_RETRIEVE =
  "this Ablo API does not serve GET /v1/datasources/{id}: the provider cannot wait for verification, " +
  "refresh cannot see changes made elsewhere, and a create replayed after a crash cannot be checked";

/** Verification usually takes under a second: poll after 100 ms, backing off to every 2 s. */
async function waitForVerification(client: AbloClient, ds: DatasourceResponse, timeoutSeconds: number): Promise<DatasourceResponse> {
  if (ds.status !== "unverified") return ds;
  try {
    return await client.datasources.waitForStatus(ds.id, { timeoutMs: timeoutSeconds * 1000, pollMs: 100, maxPollMs: 2_000 });
  } catch (err) {
    if (err instanceof AbloTimeoutError && err.code === "wait_timeout") throw new VerificationTimeoutError(ds.id, timeoutSeconds);
    if (err instanceof AbloRouteNotFoundError) {
      warnOnce("retrieve", NO_RETRIEVE);
      return ds;
    }
    throw err;
  }
}

/** A datasource this much older than its create's answer was made by an earlier request. */
const REPLAY_AGE_SECONDS = 600;

/** `ds` as the API holds it now; undefined once deleted; `ds` itself when the API cannot retrieve. */
async function currentOf(client: AbloClient, ds: DatasourceResponse): Promise<DatasourceResponse | undefined> {
  try {
    return await client.datasources.retrieve(ds.id);
  } catch (err) {
    if (err instanceof AbloNotFoundError) return undefined;
    if (err instanceof AbloRouteNotFoundError) {
      warnOnce("retrieve", NO_RETRIEVE);
      return ds;
    }
    throw err;
  }
}

/** What a create sends: the user's metadata, plus the mark of a create in progress when the URN is known. */
function metadataWithMark(inputs: DatasourceInputs): Record<string, string> {
  return inputs.owner === undefined ? inputs.metadata : { ...inputs.metadata, [OWNER_METADATA_KEY]: ownerMark(inputs.owner, "creating") };
}

/**
 * A create that succeeded says so in its mark, from then on the engine's and never a leftover; but
 * only once the engine has saved it in state, which it has when it ends its run normally. Marked at
 * once, a create whose result the engine received but had not yet saved when it was killed would
 * look finished and be duplicated by the next `up` (measured: 2–3 of 40 creates in flight).
 */
const unconfirmed = new Map<string, { client: AbloClient; owner: string }>();
function markCreatedAtEndOfRun(client: AbloClient, ds: DatasourceResponse, inputs: DatasourceInputs): void {
  if (inputs.owner === undefined) return;
  if (unconfirmed.size === 0) atEndOfRun(markAllCreated);
  unconfirmed.set(ds.id, { client, owner: inputs.owner });
}
async function markAllCreated(): Promise<void> {
  const all = [...unconfirmed];
  unconfirmed.clear();
  const mark = ([id, { client, owner }]: (typeof all)[number]) =>
    client.datasources.update(id, { metadata: { [OWNER_METADATA_KEY]: ownerMark(owner, "created") } });
  // One first: an API without the update route answers it once, not once per create (the marks
  // then stay `creating`; api/README.md says what that costs).
  const [first, ...rest] = all;
  if (first === undefined) return;
  try {
    await mark(first);
  } catch (err) {
    if (err instanceof AbloRouteNotFoundError) return;
  }
  await Promise.all(rest.map(mark));
}

/**
 * Registers the datasource under a key a later run derives again (create-keys.ts), so that a
 * create whose outcome was lost is replayed, not duplicated. An answer that is an earlier life of
 * this resource (deleted since, marked finished, or held by state: a replacement with the same
 * inputs) is skipped for the next key of the sequence.
 */
async function register(conn: Connection, inputs: DatasourceInputs): Promise<DatasourceResponse> {
  const { client } = conn;
  const body: CreateBody = { connectionString: inputs.connectionString, schema: inputs.schema, metadata: metadataWithMark(inputs) };
  if (inputs.owner === undefined) return client.datasources.create(body);
  const creating = ownerMark(inputs.owner, "creating");
  for (let position = 0; position < MAX_CREATE_POSITIONS; position++) {
    const key = createIdempotencyKey(conn.apiKey, inputs.owner, body, position);
    const { datasource: answered, replayed } = await client.datasources.createOrReplay(body, { idempotencyKey: key });
    const ds = await currentOf(client, answered);
    if (ds === undefined || ds.metadata[OWNER_METADATA_KEY] !== creating || isInState(ds.id)) continue;
    // Ours: just made, or made by a create whose run was lost. In the second case it may be the
    // datasource of the very resource the engine is replacing without showing it to the provider
    // (`up --replace`); the engine's delete of it must then leave it (see takenOver). An API that
    // does not say it replayed is judged by the datasource's age.
    if (replayed || Date.now() / 1000 - ds.created > REPLAY_AGE_SECONDS) takenOver.add(ds.id);
    return ds;
  }
  warnOnce(
    "create-positions",
    `a create of the same resource with the same inputs was made ${MAX_CREATE_POSITIONS} times within the API's idempotency window: ` +
      "this one uses a random Idempotency-Key, so a crash during it cannot be recovered without the list route",
  );
  return client.datasources.create(body);
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

/** Takes `existing` over: our credentials (verified again, so state's fingerprint is true) and metadata. Needs the update route. */
function takeOver(client: AbloClient, existing: DatasourceResponse, inputs: DatasourceInputs): Promise<DatasourceResponse> {
  return client.datasources.update(existing.id, {
    connectionString: inputs.connectionString,
    metadata: metadataPatch(existing.metadata, metadataWithMark(inputs)),
  });
}

async function adopt(client: AbloClient, inputs: DatasourceInputs & { adoptId: string }): Promise<DatasourceResponse> {
  return withRoute("adopt an existing datasource (adoptId, import)", "register a new one instead: drop adoptId", async () => {
    const existing = await client.datasources.retrieve(inputs.adoptId);
    const m = mismatch(existing, inputs);
    if (m) throw new AdoptMismatchError(inputs.adoptId, m.existing, m.wanted);
    return takeOver(client, existing, inputs);
  });
}

/** Runs `fn`; a route the API lacks becomes an error saying what cannot be done and what the user can do. */
async function withRoute<T>(what: string, instead: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AbloRouteNotFoundError) throw new RouteUnavailableError(err.route, what, instead);
    throw err;
  }
}

/**
 * The newest leftover of an abandoned create of this resource that matches its inputs, taken over
 * instead of registering a duplicate. Leftovers for another host or database are left alone: the
 * mark is a hash of the URN, which another stack of the same project and stack names (in another
 * backend, with the same organization) would share, and deleting its datasource would be worse.
 */
async function takeLeftover(conn: Connection, inputs: DatasourceInputs): Promise<DatasourceResponse | undefined> {
  if (inputs.owner === undefined) return undefined;
  const found = await conn.leftovers.take(ownerMark(inputs.owner, "creating"));
  const match = found.find((ds) => mismatch(ds, inputs) === undefined);
  if (!match) return undefined;
  try {
    const taken = await takeOver(conn.client, match, inputs);
    takenOver.add(match.id);
    return taken;
  } catch (err) {
    // Cannot be taken over without the update route: register as if it were not there.
    if (err instanceof AbloRouteNotFoundError) return undefined;
    throw err;
  }
}

/**
 * Leftovers taken over by this process. A create whose state the engine saved but whose run ended
 * before it could be marked finished still says `creating`; if the engine then replaces that
 * resource without showing it to the provider (`up --replace`), the replacement takes it over and
 * the engine asks to delete it as the old one: it is the new one now, so it is kept.
 */
const takenOver = new Set<string>();

/** Raises the typed error for a datasource that failed verification, after cleaning up if asked. */
async function settle(client: AbloClient, ds: DatasourceResponse, inputs: DatasourceInputs, cleanupOnFailure: boolean): Promise<DatasourceResponse> {
  if (!inputs.waitForVerification) return ds;
  let result: DatasourceResponse;
  try {
    result = await waitForVerification(client, ds, inputs.verificationTimeoutSeconds);
  } catch (err) {
    if (cleanupOnFailure) await removeQuietly(client, ds.id);
    throw err;
  }
  if (result.status === "rejected") {
    // A datasource we just registered and that can never work is removed: no orphan on the API.
    if (cleanupOnFailure) await removeQuietly(client, ds.id);
    throw new VerificationFailedError(ds.id, result.last_error ?? "no reason given", cleanupOnFailure);
  }
  return result;
}

async function removeQuietly(client: AbloClient, id: string): Promise<void> {
  try {
    await client.datasources.del(id);
  } catch (err) {
    if (!(err instanceof AbloNotFoundError)) throw err;
  }
}

/** The check failures of an endpoint that is not a usable Ablo API; none when it is. */
async function probeFailures(conn: Connection): Promise<CheckFailure[]> {
  try {
    await (conn.probed ??= conn.client.probe());
    return [];
  } catch (err) {
    if (err instanceof AbloAuthenticationError) return [{ property: "ablo:apiKey", reason: `ablo:apiKey was refused by the Ablo API: ${err.message}` }];
    if (err instanceof AbloConfigurationError || err instanceof AbloInsecureTransportError) {
      return [{ property: "ablo:baseUrl", reason: `ablo:baseUrl: ${err.message}` }];
    }
    throw err;
  }
}

function parseInputs(news: Record<string, unknown>): DatasourceInputs {
  return DatasourceInputsSchema.parse(news);
}

/**
 * The Datasource CRUD mapped onto the Ablo client: the one implementation behind both hosts, the
 * dynamic provider (`dynamic-provider.ts`) and the provider plugin `pulumi-resource-ablo`
 * (`plugin/`). Values are plain here: each host unwraps the engine's secrets and marks them again.
 */
export const datasourceCore = {
  /** Settings from the host's configuration (`ablo:apiKey`, `ablo:baseUrl`); ties the process's life to the engine's. */
  configure(config: ConfigSource, engineAddress?: string): void {
    configureFromStack(config);
    setEngineAddress(engineAddress);
    watchEngine();
  },

  async check(_olds: Record<string, unknown>, news: Record<string, unknown>): Promise<{ inputs: Record<string, unknown>; failures: CheckFailure[] }> {
    const { inputs, failures } = checkInputs(news);
    try {
      const s = resolveSettings();
      const adoptId = news.adoptId;
      const km = keyMode(s);
      if (typeof adoptId === "string" && km && idMode(adoptId) && idMode(adoptId) !== km) {
        failures.push({
          property: "adoptId",
          // Only an id-shaped adoptId is shown back: anything else may be huge or hold controls.
          reason:
            `${/^ds_(?:test_)?[A-Za-z0-9]{1,64}$/.test(adoptId) ? `adoptId ${adoptId}` : "adoptId"} is a ${idMode(adoptId)} datasource ` +
            `but ablo:apiKey is a ${km} key; use a ${idMode(adoptId)} key or a ${km} id`,
        });
      }
      // A wrong endpoint fails the preview in seconds, before any change is planned on it.
      if (failures.length === 0) failures.push(...(await probeFailures(connect(s))));
    } catch (err) {
      if (!(err instanceof ProviderConfigError)) throw err;
      failures.push({ property: err.property, reason: err.message });
    }
    return { inputs, failures };
  },

  async diff(id: string, olds: Partial<DatasourceOutputs>, news: Record<string, unknown>): Promise<DatasourceDiff> {
    trackInState(id);
    return diffDatasource(olds, news);
  },

  async create(news: Record<string, unknown>): Promise<{ id: string; outs: DatasourceOutputs }> {
    const inputs = parseInputs(news);
    const conn = connect(resolveSettings());
    const { client } = conn;
    const adopted = inputs.adoptId !== undefined;
    const registered = adopted
      ? await adopt(client, { ...inputs, adoptId: inputs.adoptId! })
      : ((await takeLeftover(conn, inputs)) ?? (await register(conn, inputs)));
    trackInState(registered.id);
    // A leftover was made by this resource's own abandoned create: removed like a new one if rejected.
    const ds = await settle(client, registered, inputs, !adopted);
    markCreatedAtEndOfRun(client, ds, inputs);
    const fp = await fingerprint(inputs.connectionString);
    return { id: ds.id, outs: toOutputs(ds, { port: connectionTarget(inputs.connectionString).port, fingerprint: fp }) };
  },

  async read(id: string, props?: Partial<DatasourceOutputs>): Promise<{ id?: string; props?: DatasourceOutputs }> {
    trackInState(id);
    const client = clientFor(resolveSettings());
    try {
      const ds = await client.datasources.retrieve(id);
      return { id: ds.id, props: toOutputs(ds, { port: props?.port, fingerprint: props?.fingerprint }) };
    } catch (err) {
      if (err instanceof AbloNotFoundError) return {}; // gone: refresh drops it from state
      if (err instanceof AbloRouteNotFoundError && props?.status !== undefined) {
        // Refresh keeps what state knows rather than fail or drop it.
        warnOnce("retrieve", NO_RETRIEVE);
        return { id, props };
      }
      if (err instanceof AbloRouteNotFoundError)
        throw new RouteUnavailableError(err.route, `read datasource ${id}`, "manage it from a program that creates it");
      throw err;
    }
  },

  async update(id: string, olds: Partial<DatasourceOutputs>, news: Record<string, unknown>): Promise<{ outs: DatasourceOutputs }> {
    trackInState(id);
    const inputs = parseInputs(news);
    const client = clientFor(resolveSettings());
    const rotating = !(await matchesFingerprint(inputs.connectionString, olds.fingerprint));
    const metadataChanged = !isDeepStrictEqual(olds.metadata ?? {}, inputs.metadata);
    let ds: DatasourceResponse;
    if (rotating || metadataChanged) {
      ds = await withRoute(
        rotating ? "rotate its credentials in place" : "change its metadata in place",
        "run `pulumi up --replace <urn>` to register it anew with these values, or set them back",
        () =>
          client.datasources.update(id, {
            ...(rotating ? { connectionString: inputs.connectionString } : {}),
            ...(metadataChanged ? { metadata: metadataPatch(olds.metadata, inputs.metadata) } : {}),
          }),
      );
    } else {
      ds = await client.datasources.retrieve(id);
    }
    if (rotating) ds = await settle(client, ds, inputs, false);
    const fp = rotating ? await fingerprint(inputs.connectionString) : olds.fingerprint;
    return { outs: toOutputs(ds, { port: connectionTarget(inputs.connectionString).port, fingerprint: fp }) };
  },

  async delete(id: string): Promise<void> {
    trackInState(id);
    if (takenOver.has(id)) return;
    await withRoute(`delete datasource ${id}`, `delete ${id} in Ablo by other means, then remove it from state with \`pulumi state delete <urn>\``, () =>
      removeQuietly(clientFor(resolveSettings()), id),
    );
  },
};
