import type { CheckFailure } from "./inputs";

/**
 * Check failures as a host hands them to the engine. The engine prints a failure with a property
 * as `property <p> value {<inputs[p]>} has a problem: <reason>`, looking `p` up among the
 * top-level inputs only: a nested property (`metadata.team`), a setting or an absent input shows
 * as `value {<nil>}`, noise before the reason. Such a failure goes to the engine without a property
 * (printed `resource '<name>' has a problem: <reason>`), its reason led by the property's name
 * unless the reason names it already. A failure on a top-level input that is there keeps its
 * property (the engine shows a secret as `[secret]`; checkInputs never names a property whose plain
 * value holds a credential).
 */
export function engineFailures(failures: readonly CheckFailure[], inputs: Record<string, unknown>): CheckFailure[] {
  return failures.map((f) => {
    if (f.property === "" || (Object.hasOwn(inputs, f.property) && inputs[f.property] !== undefined && inputs[f.property] !== null)) return f;
    const top = f.property.split(/[.[]/)[0]!;
    return { property: "", reason: f.reason.includes(top) ? f.reason : `${f.property}: ${f.reason}` };
  });
}
