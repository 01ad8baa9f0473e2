export { Datasource, type DatasourceArgs } from "./datasource";
