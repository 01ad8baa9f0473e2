/**
 * `@ablo/pulumi/plugin`: the plugin's resource under the name the package schema gives it, which is
 * what the engine's code generator writes (`import * as ablo from "@ablo/pulumi/plugin"; new
 * ablo.Datasource(…)`, e.g. in what `pulumi import` prints for a TypeScript project).
 */
export { PluginDatasource as Datasource, type PluginDatasourceArgs as DatasourceArgs } from "./plugin-datasource";
