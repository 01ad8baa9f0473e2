import { tokenMode } from "@ablo/api";
import { AbloConfigurationError, parseBaseUrl } from "@ablo/client";
import { ProviderConfigError } from "./errors";

/**
 * Where the provider gets its key and base URL: stack config (`ablo:apiKey`, secret, and
 * `ablo:baseUrl`) handed to `configure` by the engine, else ABLO_API_KEY / ABLO_BASE_URL read at
 * call time. Held in the provider process only: nothing here is reachable from the serialized
 * `__provider`, which is written into state.
 */
export interface Settings {
  apiKey: string;
  baseUrl?: string;
}

/** Where configure reads `ablo:apiKey` and `ablo:baseUrl` (full keys, as the dynamic host's config has them). */
export interface ConfigSource {
  get(key: string): string | undefined;
}

/** The settings of one provider process, as its host configured it. */
export class StackSettings {
  #fromStack: Partial<Settings> = {};

  configure(config: ConfigSource): void {
    this.#fromStack = {
      apiKey: config.get("ablo:apiKey") || undefined,
      baseUrl: config.get("ablo:baseUrl") || undefined,
    };
  }

  /** The settings in effect. Throws ProviderConfigError. */
  resolve(env: NodeJS.ProcessEnv = process.env): Settings {
    return resolveSettings(env, this.#fromStack);
  }
}

/** Configured values first, then the environment. Throws ProviderConfigError naming the setting. */
export function resolveSettings(env: NodeJS.ProcessEnv, configured: Partial<Settings>): Settings {
  const apiKey = configured.apiKey ?? env.ABLO_API_KEY;
  if (!apiKey) {
    throw new ProviderConfigError("ablo:apiKey", "No Ablo API key: run `pulumi config set --secret ablo:apiKey sk_test_…` (or set ABLO_API_KEY)");
  }
  if (!/^[\x21-\x7e]+$/.test(apiKey)) {
    throw new ProviderConfigError("ablo:apiKey", "ablo:apiKey must be a single token of printable characters (sk_live_…, sk_test_…)");
  }
  const baseUrl = configured.baseUrl ?? env.ABLO_BASE_URL;
  if (baseUrl) judgeBaseUrl(baseUrl, configured.baseUrl !== undefined ? "ablo:baseUrl" : "ABLO_BASE_URL");
  return baseUrl ? { apiKey, baseUrl } : { apiKey };
}

/**
 * A base URL the client would refuse, judged here, before any request: a malformed one, one that
 * ends in /v1, and plaintext http:// to another machine (the client would refuse to send the key
 * there at the first request; the probe cannot tell that from an unusable endpoint). `name` is
 * where the value came from, which the message names.
 */
function judgeBaseUrl(raw: string, name: "ablo:baseUrl" | "ABLO_BASE_URL"): void {
  let url;
  try {
    url = parseBaseUrl(raw);
  } catch (err) {
    if (!(err instanceof AbloConfigurationError)) throw err;
    // The client says "baseUrl …" (its option); the user set `name`.
    const message = err.message.startsWith("baseUrl ") ? `${name}${err.message.slice("baseUrl".length)}` : `${name}: ${err.message}`;
    throw new ProviderConfigError("ablo:baseUrl", message, { cause: err });
  }
  if (!url.secure) {
    throw new ProviderConfigError(
      "ablo:baseUrl",
      `${name} ${url.href} would send the API key in plain text: use https://${url.href.slice("http://".length)}; ` +
        "http:// is allowed for 127.0.0.0/8, ::1 and localhost only",
    );
  }
}

/** `live`, `test`, or undefined for a token whose shape does not say. */
export const keyMode = (s: Settings) => tokenMode(s.apiKey);
