import type { DatasourceLookUpResult, ProgramLookUps } from "@ablo/provider/look-up";
import * as pulumi from "@pulumi/pulumi";
import { judgeStackConfig } from "./provider";

export interface GetDatasourceArgs {
  /** The datasource's id: `ds_…` (live) or `ds_test_…` (sandbox), the mode of `ablo:apiKey`. */
  id: string;
}

export interface GetDatasourceOutputArgs {
  id: pulumi.Input<string>;
}

/**
 * The id and every output of a Datasource the API gives back (not `port`, which only the
 * connection string holds, nor `fingerprint`); never a credential.
 */
export type GetDatasourceResult = DatasourceLookUpResult;

const SHARED = Symbol.for("@ablo/pulumi:look-ups");
type Shared = { [SHARED]?: ProgramLookUps };

/**
 * One per program. A dynamic provider has no invoke, so the look-up runs here, in the program's
 * process, on the provider's own code and the same settings its Datasources get (`ablo:apiKey`,
 * `ablo:baseUrl`, then ABLO_API_KEY / ABLO_BASE_URL).
 */
function lookUps(): ProgramLookUps {
  const g = globalThis as Shared;
  if (!g[SHARED]) {
    judgeStackConfig();
    // Loaded at the first look-up: a program that never looks one up never loads the API client.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { ProgramLookUps: LookUps } = require("@ablo/provider/look-up") as typeof import("@ablo/provider/look-up");
    // The runtime's own reader: the key is a secret, which Config#get would warn about, and it is
    // used here and never put into a value the program sees.
    g[SHARED] = new LookUps({ get: (key) => pulumi.runtime.getConfig(key) });
  }
  return g[SHARED];
}

/**
 * Looks up an existing datasource by id: one `GET /v1/datasources/{id}`, at preview as at `up` (as
 * a provider function is). An id that does not exist, or of the other mode than the key, rejects
 * with a typed error naming the id (`DatasourceNotFoundError`, `DatasourceModeMismatchError`).
 * The same function as `getDatasource` of `@ablo/pulumi/plugin` (`ablo:index:getDatasource`).
 */
export async function getDatasource(args: GetDatasourceArgs): Promise<GetDatasourceResult> {
  return lookUps().lookUp(args.id);
}

/** getDatasource for an id that is an Output (e.g. another Datasource's `id`): unknown while the id is. */
export function getDatasourceOutput(args: GetDatasourceOutputArgs): pulumi.Output<GetDatasourceResult> {
  return pulumi.output(args.id).apply((id) => getDatasource({ id }));
}
