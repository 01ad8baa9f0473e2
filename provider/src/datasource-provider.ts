import { isDeepStrictEqual } from "node:util";
import { idMode } from "@ablo/api";
import { AbloClient, AbloNotFoundError, AbloTimeoutError, type DatasourceResponse } from "@ablo/client";
import type * as pulumi from "@pulumi/pulumi";
import { diffDatasource, metadataPatch } from "./diff";
import { AdoptMismatchError, VerificationFailedError, VerificationTimeoutError } from "./errors";
import { fingerprint, matchesFingerprint } from "./fingerprint";
import { checkInputs, connectionTarget, DatasourceInputsSchema, type DatasourceInputs } from "./inputs";
import { toOutputs, type DatasourceOutputs } from "./outputs";
import { configureFromStack, keyMode, ProviderConfigError, resolveSettings, type Settings } from "./settings";

// One keep-alive client per key and base URL for the life of the provider process.
const clients = new Map<string, AbloClient>();
function clientFor(s: Settings): AbloClient {
  const k = `${s.baseUrl ?? ""}\n${s.apiKey}`;
  let c = clients.get(k);
  if (!c) {
    c = new AbloClient({ apiKey: s.apiKey, ...(s.baseUrl ? { baseUrl: s.baseUrl } : {}) });
    clients.set(k, c);
  }
  return c;
}

/** Verification usually takes under a second: poll after 100 ms, backing off to every 2 s. */
async function waitForVerification(client: AbloClient, ds: DatasourceResponse, timeoutSeconds: number): Promise<DatasourceResponse> {
  if (ds.status !== "unverified") return ds;
  try {
    return await client.datasources.waitForStatus(ds.id, { timeoutMs: timeoutSeconds * 1000, pollMs: 100, maxPollMs: 2_000 });
  } catch (err) {
    if (err instanceof AbloTimeoutError && err.code === "wait_timeout") throw new VerificationTimeoutError(ds.id, timeoutSeconds);
    throw err;
  }
}

async function register(client: AbloClient, inputs: DatasourceInputs): Promise<DatasourceResponse> {
  // The client makes one Idempotency-Key per create and sends it on every retry. It is random on
  // purpose: a key derived from the inputs would replay the old datasource on a forced replacement
  // (`pulumi up --replace`) with unchanged inputs, and the engine would then delete it.
  return client.datasources.create({ connectionString: inputs.connectionString, schema: inputs.schema, metadata: inputs.metadata });
}

async function adopt(client: AbloClient, inputs: DatasourceInputs & { adoptId: string }): Promise<DatasourceResponse> {
  const existing = await client.datasources.retrieve(inputs.adoptId);
  const t = connectionTarget(inputs.connectionString);
  if (existing.connection !== "direct") {
    throw new AdoptMismatchError(inputs.adoptId, `an ${existing.connection} datasource`, "a direct PostgreSQL connection");
  }
  if (existing.host !== t.host || existing.database !== t.database) {
    throw new AdoptMismatchError(inputs.adoptId, `${existing.host}/${existing.database}`, `${t.host}/${t.database}`);
  }
  if (existing.schema !== inputs.schema) {
    throw new AdoptMismatchError(inputs.adoptId, `schema ${existing.schema}`, `schema ${inputs.schema}`);
  }
  // Send our credentials (verified again) so that state's fingerprint describes what is stored.
  return client.datasources.update(inputs.adoptId, {
    connectionString: inputs.connectionString,
    metadata: metadataPatch(existing.metadata, inputs.metadata),
  });
}

/** Raises the typed error for a datasource that failed verification, after cleaning up if asked. */
async function settle(
  client: AbloClient,
  ds: DatasourceResponse,
  inputs: DatasourceInputs,
  cleanupOnFailure: boolean,
): Promise<DatasourceResponse> {
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

function parseInputs(news: Record<string, unknown>): DatasourceInputs {
  return DatasourceInputsSchema.parse(news);
}

/**
 * The Datasource CRUD mapped onto the Ablo client. The dynamic-provider host loads it through the
 * fixed module reference the SDK stores as `__provider` (`require("@ablo/provider")`): none of
 * this code, and no value it holds, is ever serialized into state.
 */
export const datasourceProvider = {
  async configure(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
    configureFromStack(req.config);
  },

  async check(_olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
    const { inputs, failures } = checkInputs(news);
    try {
      const s = resolveSettings();
      const adoptId = news.adoptId;
      const km = keyMode(s);
      if (typeof adoptId === "string" && km && idMode(adoptId) && idMode(adoptId) !== km) {
        failures.push({
          property: "adoptId",
          reason: `adoptId ${adoptId} is a ${idMode(adoptId)} datasource but ablo:apiKey is a ${km} key; use a ${idMode(adoptId)} key or a ${km} id`,
        });
      }
    } catch (err) {
      if (!(err instanceof ProviderConfigError)) throw err;
      failures.push({ property: err.property, reason: err.message });
    }
    return { inputs, failures };
  },

  async diff(_id: string, olds: Partial<DatasourceOutputs>, news: Record<string, unknown>): Promise<pulumi.dynamic.DiffResult> {
    const d = await diffDatasource(olds, news);
    return { changes: d.changes, replaces: d.replaces, deleteBeforeReplace: false };
  },

  async create(news: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
    const inputs = parseInputs(news);
    const s = resolveSettings();
    const client = clientFor(s);
    const adopted = inputs.adoptId !== undefined;
    const registered = adopted ? await adopt(client, { ...inputs, adoptId: inputs.adoptId! }) : await register(client, inputs);
    const ds = await settle(client, registered, inputs, !adopted);
    const fp = await fingerprint(inputs.connectionString);
    return { id: ds.id, outs: toOutputs(ds, { port: connectionTarget(inputs.connectionString).port, fingerprint: fp }) };
  },

  async read(id: string, props?: Partial<DatasourceOutputs>): Promise<pulumi.dynamic.ReadResult> {
    const client = clientFor(resolveSettings());
    try {
      const ds = await client.datasources.retrieve(id);
      return { id: ds.id, props: toOutputs(ds, { port: props?.port, fingerprint: props?.fingerprint }) };
    } catch (err) {
      if (err instanceof AbloNotFoundError) return {}; // gone: refresh drops it from state
      throw err;
    }
  },

  async update(id: string, olds: Partial<DatasourceOutputs>, news: Record<string, unknown>): Promise<pulumi.dynamic.UpdateResult> {
    const inputs = parseInputs(news);
    const client = clientFor(resolveSettings());
    const rotating = !(await matchesFingerprint(inputs.connectionString, olds.fingerprint));
    const metadataChanged = !isDeepStrictEqual(olds.metadata ?? {}, inputs.metadata);
    let ds: DatasourceResponse;
    if (rotating || metadataChanged) {
      ds = await client.datasources.update(id, {
        ...(rotating ? { connectionString: inputs.connectionString } : {}),
        ...(metadataChanged ? { metadata: metadataPatch(olds.metadata, inputs.metadata) } : {}),
      });
    } else {
      ds = await client.datasources.retrieve(id);
    }
    if (rotating) ds = await settle(client, ds, inputs, false);
    const fp = rotating ? await fingerprint(inputs.connectionString) : olds.fingerprint;
    return { outs: toOutputs(ds, { port: connectionTarget(inputs.connectionString).port, fingerprint: fp }) };
  },

  async delete(id: string): Promise<void> {
    await removeQuietly(clientFor(resolveSettings()), id);
  },
};
