export { Datasource, type DatasourceArgs, SERIALIZED_PROVIDER, TYPE_TOKEN } from "./datasource";
export { PluginDatasource, type PluginDatasourceArgs } from "./plugin-datasource";
export { abloProvider } from "./provider";
export { getDatasource, getDatasourceOutput, type GetDatasourceArgs, type GetDatasourceOutputArgs, type GetDatasourceResult } from "./look-up";
