import { camel, DirectDatasourceSchema, idMode, tokenMode } from "@ablo/api";
import { AbloNotFoundError, AbloRouteNotFoundError } from "@ablo/client";
import { ApiAccess, type Connection } from "./api-access";
import { DatasourceModeMismatchError, DatasourceNotFoundError, InvalidDatasourceIdError, RouteUnavailableError, type ProviderConfigError } from "./errors";
import { CONSTANT_FIELDS, toOutputs, type DatasourceOutputs } from "./outputs";
import { StackSettings, type ConfigSource } from "./settings";

/**
 * What `getDatasource` returns: the id and every output of the Datasource resource the API gives
 * back. Not `port`, which only the connection string holds (the API does not return it), nor
 * `fingerprint`, which is derived from the credentials; no credential at all.
 */
export type DatasourceLookUpResult = { id: string } & Omit<DatasourceOutputs, "port" | "fingerprint">;

/** The fields a look-up returns, from the API schema: a direct datasource's, less its constants. */
export const LOOK_UP_FIELDS = Object.keys(DirectDatasourceSchema.shape)
  .filter((k) => !(CONSTANT_FIELDS as readonly string[]).includes(k))
  .map(camel);

/** The direct datasource ids a look-up takes; anything else is refused before any request and never echoed. */
const DIRECT_ID = /^ds_(?:test_)?[A-Za-z0-9]{1,64}$/;

/**
 * Looks up one datasource: a single `GET /v1/datasources/{id}` (its retries aside). The id is
 * judged first, so that a malformed id, an endpoint id or one of the other mode than the key fails
 * without a request, naming the id (the API would answer a bare 404 for the last). Only when the
 * route seems lacking is the endpoint probed (`endpointProblem`), to tell a base URL that is not
 * Ablo from an Ablo API without the route.
 */
export async function lookUpDatasource(
  conn: Connection,
  id: unknown,
  endpointProblem: () => Promise<ProviderConfigError | undefined>,
): Promise<DatasourceLookUpResult> {
  if (typeof id !== "string" || !DIRECT_ID.test(id))
    throw new InvalidDatasourceIdError(typeof id === "string" && /^dse_[A-Za-z0-9]{1,64}$/.test(id) ? id : undefined);
  const [ofId, ofKey] = [idMode(id), tokenMode(conn.apiKey)];
  if (ofId && ofKey && ofId !== ofKey) throw new DatasourceModeMismatchError(id, ofId, ofKey);
  let ds;
  try {
    ds = await conn.client.datasources.retrieve(id);
  } catch (err) {
    if (err instanceof AbloNotFoundError) throw new DatasourceNotFoundError(id);
    if (!(err instanceof AbloRouteNotFoundError)) throw err;
    throw (
      (await endpointProblem()) ??
      new RouteUnavailableError(err.route, `look up datasource ${id}`, "read its fields from the outputs of the Datasource resource that manages it")
    );
  }
  // Only the direct datasource's fields: an answer with more (another kind, a newer API) adds none.
  const fields = Object.entries(toOutputs(ds, {})).filter(([k]) => LOOK_UP_FIELDS.includes(k));
  return { ...Object.fromEntries(fields), id: ds.id };
}

/**
 * Look-ups from a program's own process (the dynamic SDK's `getDatasource`; a dynamic provider has
 * no invoke): the settings and one keep-alive connection, none of a provider process's life (no
 * engine to watch, no create recovery).
 */
export class ProgramLookUps {
  readonly #settings = new StackSettings();
  readonly #api = new ApiAccess(this.#settings);

  constructor(config: ConfigSource) {
    this.#settings.configure(config);
  }

  async lookUp(id: unknown): Promise<DatasourceLookUpResult> {
    return lookUpDatasource(await this.#api.usable(), id, () => this.#api.problem());
  }
}
