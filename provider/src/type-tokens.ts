/**
 * The Datasource's Pulumi type tokens, one per host: the SDK, the plugin's schema and the policy
 * pack read them here. Loaded on its own (`@ablo/provider/type-tokens`), which needs nothing:
 * a program or policy pack that reads it does not load the API client (it is installed with the
 * provider all the same).
 */
export const DATASOURCE_TYPE = {
  /** What `pulumi.dynamic.Resource` names a dynamic resource of ours: `pulumi-nodejs:dynamic/<name>`. */
  dynamic: "pulumi-nodejs:dynamic/ablo:Datasource",
  /** The provider plugin's (`pulumi-resource-ablo`), written `ablo:Datasource` in Pulumi YAML. */
  plugin: "ablo:index:Datasource",
} as const;

/** The plugin's look-up function (`getDatasource` in its SDKs, `fn::invoke` in Pulumi YAML). */
export const LOOK_UP_FUNCTION = "ablo:index:getDatasource";

/** The plugin's package name: its config keys are `ablo:*`, its binary `pulumi-resource-ablo`. */
export const PACKAGE_NAME = "ablo";
