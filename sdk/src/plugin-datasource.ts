import { DATASOURCE_TYPE } from "@ablo/provider/dist/type-tokens";
import * as pulumi from "@pulumi/pulumi";
import type { DatasourceArgs } from "./datasource";
import { datasourceProps, DatasourceResource, sharedInputs } from "./outputs";

/** As for the dynamic Datasource; adoption is the engine's own `import` here (resource option or `pulumi import`). */
export type PluginDatasourceArgs = Omit<DatasourceArgs, "adoptId">;

/**
 * `ablo:index:Datasource`, served by the provider plugin `pulumi-resource-ablo` (which must be on
 * PATH, or named in Pulumi.yaml's `plugins.providers`), configured from `ablo:apiKey` and
 * `ablo:baseUrl` only. The same resource as `Datasource`, under the engine's own provider protocol.
 */
export class PluginDatasource extends DatasourceResource {
  /** A read-only reference to an existing datasource. */
  static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): PluginDatasource {
    return new PluginDatasource(name, undefined as unknown as PluginDatasourceArgs, { ...opts, id });
  }

  constructor(name: string, args: PluginDatasourceArgs, opts: pulumi.CustomResourceOptions = {}) {
    if (!opts.id && !args) throw new Error(`PluginDatasource ${name}: args are required (connectionString at least)`);
    const props = datasourceProps(opts.id ? undefined : sharedInputs(args));
    super(DATASOURCE_TYPE.plugin, name, props, opts);
  }
}
