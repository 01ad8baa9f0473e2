export { Datasource, type DatasourceArgs, SERIALIZED_PROVIDER, TYPE_TOKEN } from "./datasource";
export { abloProvider } from "./provider";
