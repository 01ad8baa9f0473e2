import { PACKAGE_NAME } from "@ablo/provider/type-tokens";
import { SETTING_KEYS, meantSetting, plainApiKeyWarning, unknownSettingReason } from "@ablo/provider/setting-keys";
import * as pulumi from "@pulumi/pulumi";

/**
 * The engine's default `pulumi-nodejs` provider is configured with the stack's whole
 * configuration and stores it, plain values in plaintext, as its inputs in state. Datasources use
 * this explicit instance instead, which carries only `ablo:apiKey` (always secret) and
 * `ablo:baseUrl`. An existing stack moves its Datasources onto it without replacing any: the
 * dynamic provider does not implement DiffConfig, and the engine replaces a resource whose
 * provider changed only when DiffConfig asks for it (tested in test/e2e/config-secrecy.test.ts).
 */
const PROVIDER_NAME = "ablo";

const SHARED = Symbol.for("@ablo/pulumi:provider");
const JUDGED = Symbol.for("@ablo/pulumi:config-judged");
type Shared = { [SHARED]?: pulumi.ProviderResource; [JUDGED]?: boolean };

/** One instance per program, shared even if two copies of this package are loaded. */
export function abloProvider(): pulumi.ProviderResource {
  const g = globalThis as Shared;
  g[SHARED] ??= createProvider();
  return g[SHARED];
}

/** The engine's `pulumi:providers:pulumi-nodejs` type; ProviderResource itself is abstract. */
class DatasourceProvider extends pulumi.ProviderResource {}

function createProvider(): pulumi.ProviderResource {
  judgeStackConfig();
  const config = new pulumi.Config("ablo");
  // getSecret: a secret even when set without --secret, as it is a credential.
  const apiKey = config.getSecret("apiKey");
  const baseUrl = config.get("baseUrl");
  const props: Record<string, pulumi.Input<string>> = {};
  if (apiKey !== undefined) props["ablo:apiKey"] = apiKey;
  if (baseUrl !== undefined) props["ablo:baseUrl"] = baseUrl;
  return new DatasourceProvider("pulumi-nodejs", PROVIDER_NAME, props);
}

/** `pulumi.runtime.isConfigSecret`: in the runtime since 3.x, but marked internal (not in the typings). */
type RuntimeWithSecrets = { isConfigSecret?: (key: string) => boolean };

/**
 * The stack's `ablo:` config, judged in the program: the provider process is handed only
 * `ablo:apiKey` and `ablo:baseUrl` (see createProvider), so a misspelt `ablo:baseURL` would be
 * ignored there, and the key sent to the default URL. A key that is not a setting fails the
 * program (a RunError: the message alone, before any resource of ours is registered), naming the
 * setting it most likely means; in a project itself named `ablo`, whose own config shares the
 * namespace, only a near-miss of a setting does. A key set without --secret is a warning.
 */
export function judgeStackConfig(): void {
  const g = globalThis as Shared;
  // Once per program: by the provider and the look-ups alike (its warning said once).
  if (g[JUDGED]) return;
  g[JUDGED] = true;
  const prefix = `${PACKAGE_NAME}:`;
  const ownNamespace = pulumi.getProject() === PACKAGE_NAME;
  const unknown = Object.keys(pulumi.runtime.allConfig())
    .filter((k) => k.startsWith(prefix))
    .map((k) => k.slice(prefix.length))
    .filter((k) => !(SETTING_KEYS as readonly string[]).includes(k) && (!ownNamespace || meantSetting(k) !== undefined));
  if (unknown.length > 0) throw new pulumi.RunError(unknown.map(unknownSettingReason).join("\n"));

  const isSecret = (pulumi.runtime as RuntimeWithSecrets).isConfigSecret;
  // The engine hands the program the list of secret keys; without it (an older CLI) nothing can be told.
  const told = process.env.PULUMI_CONFIG_SECRET_KEYS !== undefined;
  if (told && isSecret && pulumi.runtime.allConfig()[`${prefix}apiKey`] !== undefined && !isSecret(`${prefix}apiKey`)) {
    void pulumi.log.warn(plainApiKeyWarning(pulumi.getStack()));
  }
}
