export { datasourceProvider } from "./dynamic-provider";
export { datasourceCore } from "./datasource-core";
export { DatasourceInputsSchema, type DatasourceInputs, UNKNOWN, checkInputs } from "./inputs";
export { diffDatasource, metadataPatch, type DatasourceDiff } from "./diff";
export { fingerprint, matchesFingerprint } from "./fingerprint";
export { toOutputs, type DatasourceOutputs } from "./outputs";
export { ProviderConfigError, resolveSettings } from "./settings";
export * from "./errors";
export { ownerKey, OWNER_METADATA_KEY } from "./owner-key";
