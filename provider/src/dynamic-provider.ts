import type * as pulumi from "@pulumi/pulumi";
import { engineFailures } from "./check-failures";
import { DatasourceCore } from "./datasource-core";
import { detailedDiff } from "./detailed-diff";
import { HostDetailedDiffs } from "./host-detailed-diffs";

/**
 * The dynamic-provider host's view of the core: what `pulumi.dynamic.ResourceProvider` asks for.
 * The host loads it through the fixed module reference the SDK stores as `__provider`
 * (`require("@ablo/pulumi/dynamic-provider").datasourceProvider`, which re-exports it): none of
 * this code, and no value it holds, is ever serialized into state.
 */
export function dynamicProvider(core: DatasourceCore) {
  const detailedDiffs = new HostDetailedDiffs();
  return {
    async configure(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
      // The engine starts the dynamic-provider host with its own address as the first argument.
      core.configure(req.config, process.argv[2]);
    },
    async check(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
      const { inputs, failures } = await core.check(olds, news);
      return { inputs, failures: engineFailures(failures, news) };
    },
    async diff(id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.DiffResult> {
      const d = await core.diff(id, olds, news);
      return detailedDiffs.carry({ changes: d.changes, replaces: d.replaces, deleteBeforeReplace: false }, detailedDiff(d));
    },
    create: (news: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> => core.create(news),
    read: (id: string, props?: Record<string, unknown>): Promise<pulumi.dynamic.ReadResult> => core.read(id, props),
    update: (id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.UpdateResult> => core.update(id, olds, news),
    delete: (id: string): Promise<void> => core.delete(id),
  } satisfies pulumi.dynamic.ResourceProvider;
}

/**
 * The host loads one module per provider process: its one core is made here, the only provider
 * object made at module level (the host needs a module export to load).
 */
export const datasourceProvider = dynamicProvider(new DatasourceCore());
