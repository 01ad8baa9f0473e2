/**
 * `@ablo/pulumi/plugin`: the plugin's resource under the name the package schema gives it
 * (`import * as ablo from "@ablo/pulumi/plugin"; new ablo.Datasource(…)`), so that the code
 * `pulumi import` prints for a TypeScript project runs once its import line names this module.
 */
export { PluginDatasource as Datasource, type PluginDatasourceArgs as DatasourceArgs } from "./plugin-datasource";
