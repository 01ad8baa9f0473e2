import * as pulumi from "@pulumi/pulumi";
// The generated class alone, not the plugin SDK's index: a program that uses only the dynamic
// Datasource should not register the plugin's package with the runtime on every import.
import { Datasource, type DatasourceArgs } from "./plugin/datasource";

/**
 * @deprecated Since 0.2.0; removed in 0.3.0. Use `DatasourceArgs` from `@ablo/pulumi/plugin`.
 */
export type PluginDatasourceArgs = DatasourceArgs;

const PLUGIN_DATASOURCE_DEPRECATION =
  'PluginDatasource from "@ablo/pulumi" is deprecated and will be removed in 0.3.0: ' +
  'use `import * as ablo from "@ablo/pulumi/plugin"` and `new ablo.Datasource(name, args)`, the same resource ' +
  "(ablo:index:Datasource), so the switch changes nothing in the stack";

/**
 * The early 0.1.0 builds' name for the plugin's resource, kept for one minor version so that their
 * programs still run. The same resource as `Datasource` from `@ablo/pulumi/plugin`
 * (`ablo:index:Datasource`, same URN, args and outputs): replacing one with the other changes
 * nothing in the stack.
 *
 * Warns once per program run through the engine's log (`pulumi.log.warn`), not
 * `process.emitWarning`: the engine shows it as a warning in the preview's and up's diagnostics, in
 * CI logs and in the Automation API's events, attached to the resource; a Node process warning is
 * only the program's stderr, and `--no-deprecation` or `NODE_OPTIONS` can silence it unseen.
 *
 * @deprecated Since 0.2.0; removed in 0.3.0. Use `import * as ablo from "@ablo/pulumi/plugin"` and
 * `new ablo.Datasource(name, args)`.
 */
export class PluginDatasource extends Datasource {
  /** Whether this program run has been warned: once is enough. */
  static #warned = false;

  /** A read-only reference to an existing datasource. */
  static override get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): PluginDatasource {
    return new PluginDatasource(name, undefined as unknown as PluginDatasourceArgs, { ...opts, id });
  }

  constructor(name: string, args: PluginDatasourceArgs, opts?: pulumi.CustomResourceOptions) {
    super(name, args, opts);
    if (!PluginDatasource.#warned) {
      PluginDatasource.#warned = true;
      void pulumi.log.warn(PLUGIN_DATASOURCE_DEPRECATION, this);
    }
  }
}
