import { isDeepStrictEqual } from "node:util";
import { idMode } from "@ablo/api";
import { AbloInvalidRequestError, AbloNotFoundError, type AbloClient, type DatasourceResponse } from "@ablo/client";
import { ApiAccess } from "./api-access";
import { CreateRecovery } from "./create-recovery";
import { diffDatasource, metadataPatch, type DatasourceDiff } from "./diff";
import { EngineLog } from "./engine-log";
import { HostNotPublicError, needingRoute, ProviderConfigError, RouteUnavailableError } from "./errors";
import { fingerprint, matchesFingerprint } from "./fingerprint";
import { checkInputs, connectionTarget, DatasourceInputsSchema, type CheckFailure, type DatasourceInputs } from "./inputs";
import { EngineWatch } from "./lifecycle";
import { lookUpDatasource, type DatasourceLookUpResult } from "./look-up";
import { toOutputs, type DatasourceOutputs } from "./outputs";
import { keyMode, StackSettings, type ConfigSource } from "./settings";
import { lacksReadRoute, Verifier } from "./verification";

/**
 * The Datasource's check, diff, create, read, update and delete mapped onto the Ablo API: the one
 * implementation behind both hosts, the dynamic provider (`dynamic-provider.ts`) and the provider
 * plugin `pulumi-resource-ablo` (`plugin/`). Values are plain here: each host unwraps the engine's
 * secrets and marks them again. One instance per provider process holds all of its state; how a
 * create recovers from a lost run is create-recovery.ts's.
 */
export class DatasourceCore {
  readonly #settings = new StackSettings();
  readonly #log = new EngineLog();
  readonly #watch = new EngineWatch();
  readonly #api = new ApiAccess(this.#settings);
  readonly #creates = new CreateRecovery(this.#log);

  /** Settings from the host's configuration (`ablo:apiKey`, `ablo:baseUrl`); ties the process's life to the engine's. */
  configure(config: ConfigSource, engineAddress?: string): void {
    this.#settings.configure(config);
    this.#log.setAddress(engineAddress);
    this.#watch.start();
  }

  /**
   * Says `message` once in the engine's output: a host's own warning, which may come before
   * configure (the plugin's CheckConfig), hence the engine's address with it.
   */
  warnOnce(message: string, engineAddress: string | undefined): void {
    this.#log.setAddress(engineAddress);
    this.#log.warnOnce(message, message);
  }

  /**
   * Judges the program's inputs, and nothing else: a key or endpoint problem (no key, a port that
   * refuses, a server that is not Ablo, a refused key) is a warning naming it, so that a preview
   * and its policy checks go on without the API (a pull request from a fork has no secrets; the
   * API may be down); create, update and delete then fail with it before sending anything.
   */
  async check(_olds: Record<string, unknown>, news: Record<string, unknown>): Promise<{ inputs: Record<string, unknown>; failures: CheckFailure[] }> {
    const { inputs, failures } = checkInputs(news);
    const mismatch = this.adoptModeMismatch(news.adoptId);
    if (mismatch) failures.push({ property: "adoptId", reason: mismatch });
    // Inputs that fail already fail the preview: the API is asked only about a change that could go ahead.
    const problem = failures.length === 0 ? await this.#api.problem() : undefined;
    if (problem) {
      this.#log.warnOnce(
        "endpoint",
        `${problem.message}. The preview goes on without the Ablo API (policies judge the program alone); ` +
          "`pulumi up` will fail at the first change until this is fixed",
      );
    }
    return { inputs, failures };
  }

  async diff(id: string, olds: Partial<DatasourceOutputs>, news: Record<string, unknown>): Promise<DatasourceDiff> {
    this.#creates.heldByState(id);
    return diffDatasource(olds, news);
  }

  async create(news: Record<string, unknown>): Promise<{ id: string; outs: DatasourceOutputs }> {
    const inputs = DatasourceInputsSchema.parse(news);
    const conn = await this.#api.usable();
    const ds = await explained(() =>
      needingRoute("adopt an existing datasource (adoptId, import)", "register a new one instead: drop adoptId", () => this.#creates.create(conn, inputs)),
    );
    return { id: ds.id, outs: outputsOf(ds, inputs.connectionString, await fingerprint(inputs.connectionString)) };
  }

  async read(id: string, props?: Partial<DatasourceOutputs>): Promise<{ id?: string; props?: DatasourceOutputs }> {
    this.#creates.heldByState(id);
    const conn = await this.#api.usable();
    try {
      const ds = await conn.client.datasources.retrieve(id);
      return { id: ds.id, props: toOutputs(ds, { port: props?.port, fingerprint: props?.fingerprint }) };
    } catch (err) {
      if (err instanceof AbloNotFoundError) return {}; // gone: refresh drops it from state
      if (!lacksReadRoute(err)) throw err;
      if (props?.status === undefined)
        throw new RouteUnavailableError("GET /v1/datasources/{id}", `read datasource ${id}`, "manage it from a program that creates it");
      // Refresh keeps what state knows rather than fail or drop it.
      new Verifier(conn.client, this.#log).noRetrieve();
      return { id, props };
    }
  }

  /**
   * `getDatasource` (the plugin's Invoke): one `GET /v1/datasources/{id}`, no probe first (the
   * endpoint is probed only if that GET finds no route); the fields the resource outputs that the
   * API gives back, never a credential. An id that is not there, or of the other mode than the
   * key, is a typed error naming it.
   */
  async lookUp(id: unknown): Promise<DatasourceLookUpResult> {
    return lookUpDatasource(await this.#api.usable(), id, () => this.#api.problem());
  }

  async update(id: string, olds: Partial<DatasourceOutputs>, news: Record<string, unknown>): Promise<{ outs: DatasourceOutputs }> {
    this.#creates.heldByState(id);
    const inputs = DatasourceInputsSchema.parse(news);
    const { client } = await this.#api.usable();
    return explained(() => this.updateWith(client, id, olds, inputs));
  }

  private async updateWith(client: AbloClient, id: string, olds: Partial<DatasourceOutputs>, inputs: DatasourceInputs): Promise<{ outs: DatasourceOutputs }> {
    const rotating = !(await matchesFingerprint(inputs.connectionString, olds.fingerprint));
    const metadataChanged = !isDeepStrictEqual(olds.metadata ?? {}, inputs.metadata);
    let ds: DatasourceResponse;
    if (rotating || metadataChanged) {
      ds = await needingRoute(
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
    if (rotating && inputs.waitForVerification) ds = await new Verifier(client, this.#log).verified(ds, inputs, false);
    const fp = rotating ? await fingerprint(inputs.connectionString) : olds.fingerprint;
    return { outs: outputsOf(ds, inputs.connectionString, fp) };
  }

  async delete(id: string): Promise<void> {
    this.#creates.heldByState(id);
    if (this.#creates.keepsOnDelete(id)) return;
    const { client } = await this.#api.usable();
    await needingRoute(`delete datasource ${id}`, `delete ${id} in Ablo by other means, then remove it from state with \`pulumi state delete <urn>\``, () =>
      new Verifier(client, this.#log).removeQuietly(id),
    );
  }

  /** A sandbox key with a live id, or the reverse. */
  private adoptModeMismatch(adoptId: unknown): string | undefined {
    let km;
    try {
      km = keyMode(this.#settings.resolve());
    } catch (err) {
      if (err instanceof ProviderConfigError) return undefined;
      throw err;
    }
    if (typeof adoptId !== "string" || !km || !idMode(adoptId) || idMode(adoptId) === km) return undefined;
    // Only an id-shaped adoptId is shown back: anything else may be huge or hold controls.
    const shown = /^ds_(?:test_)?[A-Za-z0-9]{1,64}$/.test(adoptId) ? `adoptId ${adoptId}` : "adoptId";
    return `${shown} is a ${idMode(adoptId)} datasource but ablo:apiKey is a ${km} key; use a ${idMode(adoptId)} key or a ${km} id`;
  }
}

/** Runs a create or update; a host the API refuses as not public carries the policy pack's fix. */
async function explained<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AbloInvalidRequestError && err.code === "host_not_public") throw new HostNotPublicError(err);
    throw err;
  }
}

/** State of a datasource: its fields, the port the string names, and the string's fingerprint. */
function outputsOf(ds: DatasourceResponse, connectionString: string, fp: string | undefined): DatasourceOutputs {
  return toOutputs(ds, { port: connectionTarget(connectionString).port, fingerprint: fp });
}
