/**
 * Entry point of the policy pack (package.json "main": dist/index.js). The engine runs it through
 * @pulumi/pulumi's run-policy-pack, which `require`s this directory: constructing the PolicyPack
 * starts the analyzer's gRPC server and prints its port for the engine.
 *
 * It serves only when loaded by run-policy-pack or run directly (`node dist/index.js`). Loaded any
 * other way (`node -e "require('.')"`, a REPL, a jest test importing it) it only exports the
 * policies: no gRPC server waiting forever for an engine, and no PolicyPack constructor reading
 * `${cwd}/package.json` for a version. ABLO_POLICY_PACK_SERVE=1 forces serving, =0 prevents it.
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

export const POLICY_PACK_NAME = "ablo-datasources";
export { policies } from "./policies";
export * from "./rules";

const launchedByEngine = /[\\/]run-policy-pack(?:[\\/]|$)/.test(require.main?.filename ?? "");
const serve = process.env.ABLO_POLICY_PACK_SERVE;
if (serve === "1" || (serve !== "0" && (launchedByEngine || require.main === module))) {
  new PolicyPack(POLICY_PACK_NAME, {
    description: "Ablo datasources: public hosts only, TLS, no superuser roles",
    policies,
  });
}
