import type * as provproto from "@pulumi/pulumi/proto/provider_pb";
import type { PropertyChange } from "./detailed-diff";

/**
 * @pulumi/pulumi's dynamic-provider host (cmd/dynamic-provider) hands the engine only `changes`,
 * `replaces` and `deleteBeforeReplace` of a DiffResult, never a detailed diff, so a rotation (a
 * secret input, which the engine's display compares masked) previewed as an update naming nothing.
 * This object lives in that host's process and teaches the host's DiffResponse the detailed diff:
 * the DiffResult's `changes` is a getter that leaves the diff here, and the `setChanges` the host
 * calls on its response right after reading it, in the same synchronous turn, adds it. A host that
 * reads in another order finds nothing pending (cleared at the end of the turn) and answers as
 * before: the preview then names no property, as it did.
 */
export class HostDetailedDiffs {
  #pending: Record<string, PropertyChange> | undefined;
  readonly #taught = new WeakSet<object>();
  /** The host's provider_pb has been found: require.cache is not walked again on every diff. */
  #hostFound = false;

  /** `result`, its `changes` read by the host handing `detailed` to the response it builds next. */
  carry<T extends { changes: boolean }>(result: T, detailed: Record<string, PropertyChange>): T {
    this.teachHost();
    const leave = () => {
      this.#pending = detailed;
      queueMicrotask(() => {
        if (this.#pending === detailed) this.#pending = undefined;
      });
    };
    return {
      ...result,
      get changes() {
        leave();
        return result.changes;
      },
    };
  }

  /** Wraps `setChanges` of every copy of the host's provider_pb loaded by the first diff, once each. */
  private teachHost(): void {
    if (this.#hostFound) return;
    for (const [file, mod] of Object.entries(require.cache)) {
      if (!/[\\/]@pulumi[\\/]pulumi[\\/]proto[\\/]provider_pb\.js$/.test(file)) continue;
      const pb = mod?.exports as typeof provproto | undefined;
      const proto = pb?.DiffResponse?.prototype;
      if (!pb || !proto || this.#taught.has(proto)) continue;
      this.#taught.add(proto);
      this.#hostFound = true;
      // Called on the response it is given (below), as the method it replaces.
      // eslint-disable-next-line @typescript-eslint/unbound-method
      const setChanges = proto.setChanges;
      const take = () => {
        const d = this.#pending;
        this.#pending = undefined;
        return d;
      };
      proto.setChanges = function (this: provproto.DiffResponse, value: provproto.DiffResponse.DiffChanges) {
        const resp = setChanges.call(this, value);
        const d = take();
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
}
