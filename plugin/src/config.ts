import { tokenMode } from "@ablo/api";
import { ProviderChangeError, type CheckFailure, type Settings } from "@ablo/provider";
import { plainApiKeyWarning, unknownSettingReason } from "@ablo/provider/setting-keys";
import { CONFIG_PROPERTIES } from "./schema";
import { conceal, reveal, type Props } from "./values";

const OURS = Object.keys(CONFIG_PROPERTIES);
/** What the engine itself puts among a default provider's inputs. */
const ENGINES = new Set(["version", "pluginDownloadURL"]);

function settingsOf(values: Props): Partial<Settings> {
  const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
  return { apiKey: str(values.apiKey), baseUrl: str(values.baseUrl) };
}

/**
 * CheckConfig: the provider takes `ablo:apiKey` and `ablo:baseUrl` and nothing else (a misspelt key
 * fails the preview, naming the setting it most likely means, rather than being ignored); the key
 * is returned as a secret even when set without --secret, so the engine stores it encrypted, and
 * when the stack's file holds it in plain text (`keyInPlainText` names the stack, see stack-file.ts: the engine
 * strips secrets from what CheckConfig is given) `warnings` says so (a CheckConfig cannot return a
 * warning: the host sends it to the engine's log). A missing or wrong key or URL is not a failure
 * here: the engine would check no resource, and a preview's policy checks need only the program.
 * The Datasources' check warns of it, and every operation that needs the API fails on it.
 *
 * A failure has no property: the engine would print the property's value beside it, and a
 * misspelt `ablo:apikey` set without --secret holds the key in plain text.
 */
export function checkConfig(news: Props, keyInPlainText?: { stack: string }): { inputs: Props; failures: CheckFailure[]; warnings: string[] } {
  const { values } = reveal(news);
  const failures: CheckFailure[] = [];
  for (const k of Object.keys(values)) {
    if (!OURS.includes(k) && !ENGINES.has(k) && !k.startsWith("__")) failures.push({ property: "", reason: unknownSettingReason(k) });
  }
  const warnings = keyInPlainText && typeof values.apiKey === "string" && values.apiKey !== "" ? [plainApiKeyWarning(keyInPlainText.stack)] : [];
  return { inputs: conceal(news, ["apiKey"]), failures, warnings };
}

/**
 * DiffConfig: a new key or base URL changes the provider in place; its Datasources stay (never
 * replaced). A key of the other mode (test ↔ live) is refused: the stack's Datasources belong to
 * the old key's mode, and the new key would find none of them (refresh would drop them from state
 * and delete would leave them behind).
 */
export function diffConfig(olds: Props, news: Props): string[] {
  const o = settingsOf(reveal(olds).values);
  const n = settingsOf(reveal(news).values);
  const [from, to] = [o.apiKey && tokenMode(o.apiKey), n.apiKey && tokenMode(n.apiKey)];
  if (from && to && from !== to) {
    throw new ProviderChangeError(
      `ablo:apiKey changes from a ${from} key to a ${to} key, but this stack's Datasources are ${from}-mode: ` +
        `destroy them with the ${from} key first, or use a new stack for ${to} mode`,
    );
  }
  return OURS.filter((k) => o[k as keyof Settings] !== n[k as keyof Settings]);
}

/** Configure: the settings as a ConfigSource of full keys, what the core reads. */
export function configSource(args: Props, variables: Map<string, string>): { get(key: string): string | undefined } {
  const s = settingsOf(reveal(args).values);
  return {
    get: (key) => {
      const short = key.replace(/^ablo:/, "");
      return s[short as keyof Settings] ?? variables.get(`ablo:config:${short}`);
    },
  };
}
