export { Datasource, type DatasourceArgs, SERIALIZED_PROVIDER, TYPE_TOKEN } from "./datasource";
export { PluginDatasource, type PluginDatasourceArgs } from "./plugin-datasource";
export { abloProvider } from "./provider";
