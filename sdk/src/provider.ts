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
type Shared = { [SHARED]?: pulumi.ProviderResource };

/** One instance per program, shared even if two copies of this package are loaded. */
export function abloProvider(): pulumi.ProviderResource {
  const g = globalThis as Shared;
  g[SHARED] ??= createProvider();
  return g[SHARED];
}

/** The engine's `pulumi:providers:pulumi-nodejs` type; ProviderResource itself is abstract. */
class DatasourceProvider extends pulumi.ProviderResource {}

function createProvider(): pulumi.ProviderResource {
  const config = new pulumi.Config("ablo");
  // getSecret: a secret even when set without --secret, as it is a credential.
  const apiKey = config.getSecret("apiKey");
  const baseUrl = config.get("baseUrl");
  const props: Record<string, pulumi.Input<string>> = {};
  if (apiKey !== undefined) props["ablo:apiKey"] = apiKey;
  if (baseUrl !== undefined) props["ablo:baseUrl"] = baseUrl;
  return new DatasourceProvider("pulumi-nodejs", PROVIDER_NAME, props);
}
