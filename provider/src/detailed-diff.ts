import type { DatasourceDiff } from "./diff";

/** How a property changes, as the engine's PropertyDiff kinds name them. */
export type PropertyChange = "update" | "update-replace";

/**
 * The properties a diff changes, for the engine's detailed diff. The engine's display cannot find
 * a rotation by itself: it compares inputs with secrets masked (both sides read `[secret]`), so a
 * new password showed as an update naming nothing. Naming `connectionString` here makes the preview
 * say `[diff: ~connectionString]`; only the name leaves the provider, never a value.
 */
export function detailedDiff(d: DatasourceDiff): Record<string, PropertyChange> {
  const out: Record<string, PropertyChange> = {};
  for (const k of d.updates) out[k] = "update";
  for (const k of d.replaces) out[k] = "update-replace";
  return out;
}
