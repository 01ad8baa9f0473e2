import { ProviderConfigError, resolveSettings, UNKNOWN, type Settings } from "@ablo/provider";
import { CONFIG_PROPERTIES } from "./schema";
import { conceal, reveal, type Props } from "./values";

/** A check failure as the engine reports it: the property, and why, without its value. */
export interface Failure {
  property: string;
  reason: string;
}

const OURS = Object.keys(CONFIG_PROPERTIES);
/** What the engine itself puts among a default provider's inputs. */
const ENGINES = new Set(["version", "pluginDownloadURL"]);

function settingsOf(values: Props): Partial<Settings> {
  const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
  return { apiKey: str(values.apiKey), baseUrl: str(values.baseUrl) };
}

/**
 * CheckConfig: the provider takes `ablo:apiKey` and `ablo:baseUrl` and nothing else (a misspelt key
 * fails the preview rather than being ignored); the key is returned as a secret even when set
 * without --secret, so the engine stores it encrypted.
 */
export function checkConfig(news: Props): { inputs: Props; failures: Failure[] } {
  const { values } = reveal(news);
  const failures: Failure[] = [];
  for (const k of Object.keys(values)) {
    if (!OURS.includes(k) && !ENGINES.has(k) && !k.startsWith("__")) {
      failures.push({ property: k, reason: `ablo:${k} is not a setting of the ablo provider; it takes ${OURS.map((o) => `ablo:${o}`).join(" and ")}` });
    }
  }
  if (values.apiKey !== UNKNOWN && values.baseUrl !== UNKNOWN) {
    try {
      resolveSettings(process.env, settingsOf(values));
    } catch (err) {
      if (!(err instanceof ProviderConfigError)) throw err;
      failures.push({ property: err.property.replace(/^ablo:/, ""), reason: err.message });
    }
  }
  return { inputs: conceal(news, ["apiKey"]), failures };
}

/** DiffConfig: a new key or base URL changes the provider in place; its Datasources stay (never replaced). */
export function diffConfig(olds: Props, news: Props): string[] {
  const o = settingsOf(reveal(olds).values);
  const n = settingsOf(reveal(news).values);
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
