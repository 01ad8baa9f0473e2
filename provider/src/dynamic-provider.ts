import type * as pulumi from "@pulumi/pulumi";
import type * as provproto from "@pulumi/pulumi/proto/provider_pb";
import { engineFailures } from "./check-failures";
import { DatasourceCore } from "./datasource-core";
import { detailedDiff, type PropertyChange } from "./detailed-diff";

/**
 * @pulumi/pulumi's dynamic-provider host (cmd/dynamic-provider) hands the engine only `changes`,
 * `replaces` and `deleteBeforeReplace` of a DiffResult, never a detailed diff, so a rotation (a
 * secret input, which the engine's display compares masked) previewed as an update naming nothing.
 * This module runs in that host's process: it teaches the host's DiffResponse the detailed diff.
 * The DiffResult's `changes` is a getter that leaves the diff here, and the `setChanges` the host
 * calls on its response right after reading it, in the same synchronous turn, adds it. A host that
 * reads in another order finds nothing pending (cleared at the end of the turn) and answers as before.
 */
let pending: Record<string, PropertyChange> | undefined;
const taught = new WeakSet<object>();

function teachHostDetailedDiffs(): void {
  for (const [file, mod] of Object.entries(require.cache)) {
    if (!/[\\/]@pulumi[\\/]pulumi[\\/]proto[\\/]provider_pb\.js$/.test(file)) continue;
    const pb = mod?.exports as typeof provproto | undefined;
    const proto = pb?.DiffResponse?.prototype;
    if (!pb || !proto || taught.has(proto)) continue;
    taught.add(proto);
    // Called on the response it is given (below), as the method it replaces.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    const setChanges = proto.setChanges;
    proto.setChanges = function (this: provproto.DiffResponse, value: provproto.DiffResponse.DiffChanges) {
      const resp = setChanges.call(this, value);
      const d = pending;
      pending = undefined;
      if (d) {
        const map = this.getDetaileddiffMap();
        for (const [key, change] of Object.entries(d)) {
          const kind = change === "update" ? pb.PropertyDiff.Kind.UPDATE : pb.PropertyDiff.Kind.UPDATE_REPLACE;
          map.set(key, new pb.PropertyDiff().setKind(kind).setInputdiff(true));
        }
        this.setDiffsList(Object.keys(d)).setHasdetaileddiff(true);
      }
      return resp;
    };
  }
}

/**
 * The dynamic-provider host's view of the core: what `pulumi.dynamic.ResourceProvider` asks for.
 * The host loads it through the fixed module reference the SDK stores as `__provider`
 * (`require("@ablo/pulumi/dynamic-provider").datasourceProvider`, which re-exports it): none of
 * this code, and no value it holds, is ever serialized into state.
 */
export function dynamicProvider(core: DatasourceCore) {
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
      teachHostDetailedDiffs();
      const detailed = detailedDiff(d);
      return {
        get changes() {
          pending = detailed;
          queueMicrotask(() => {
            if (pending === detailed) pending = undefined;
          });
          return d.changes;
        },
        replaces: d.replaces,
        deleteBeforeReplace: false,
      };
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
