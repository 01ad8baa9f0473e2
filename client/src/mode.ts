import { idMode, tokenMode } from "@ablo/api";
import { AbloModeMismatchError } from "./errors";

/**
 * A live key never sees sandbox records nor the reverse, so the server would answer 404: say
 * why instead, before the request. Endpoint ids (`dse_…`) and unknown token shapes carry no mode.
 */
export function assertSameMode(apiKey: string, id: string, param: string): void {
  const keyMode = tokenMode(apiKey);
  const recordMode = idMode(id);
  if (keyMode === undefined || recordMode === undefined || keyMode === recordMode) return;
  const keyKind = keyMode === "live" ? "a live key" : "a test (sandbox) key";
  const idKind = recordMode === "live" ? "a live datasource" : "a sandbox datasource";
  throw new AbloModeMismatchError({
    type: "mode_mismatch_error",
    code: "mode_mismatch",
    param,
    keyMode,
    idMode: recordMode,
    message: `${id} is ${idKind} but the client uses ${keyKind}; use a ${recordMode === "live" ? "sk_live_" : "sk_test_"} key for it`,
  });
}
