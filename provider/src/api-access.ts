import { AbloAuthenticationError, AbloClient, AbloConfigurationError, AbloInsecureTransportError } from "@ablo/client";
import { ProviderConfigError } from "./errors";
import type { StackSettings } from "./settings";

/**
 * How long one API call keeps retrying 429s, 5xx, resets and timeouts, every retry of a POST
 * under the same Idempotency-Key. A budget of time rather than a count of retries: a long `up`
 * rides out a burst of faults or a restarting API instead of failing, and giving up on a create
 * whose outcome is unknown is what leaves a datasource state does not know.
 */
const RETRY = { retryBudgetMs: 120_000, initialRetryDelayMs: 250, maxRetryDelayMs: 4_000 } as const;

/** One API key at one base URL: a keep-alive client for the life of the process, probed at most once. */
export interface Connection {
  readonly client: AbloClient;
  readonly apiKey: string;
  /** The endpoint probe's verdict, once asked: a problem, or undefined for a usable Ablo API. */
  probe?: Promise<ProviderConfigError | undefined>;
}

/**
 * The API as one provider process reaches it. Check asks whether the endpoint is usable (the
 * probe, once per connection) and hears a problem, which it reports as a warning so that the
 * preview and its policy checks go on without the API; an operation that needs the API gets the
 * same problem as an error before it sends anything (`usable`).
 */
export class ApiAccess {
  readonly #connections = new Map<string, Connection>();

  constructor(private readonly settings: StackSettings) {}

  /** What is wrong with the settings or the endpoint, or undefined when the API is usable. Asks the API at most once. */
  async problem(): Promise<ProviderConfigError | undefined> {
    let conn: Connection;
    try {
      conn = this.connect();
    } catch (err) {
      if (err instanceof ProviderConfigError) return err;
      throw err;
    }
    return (conn.probe ??= probe(conn));
  }

  /** The connection for an operation; throws the settings' or the endpoint's problem when there is one (the probe is not asked here, only awaited if check asked it). */
  async usable(): Promise<Connection> {
    const conn = this.connect();
    const problem = await conn.probe;
    if (problem) throw problem;
    return conn;
  }

  private connect(): Connection {
    const settings = this.settings.resolve();
    const k = `${settings.baseUrl ?? ""}\n${settings.apiKey}`;
    let c = this.#connections.get(k);
    if (!c) {
      const client = new AbloClient({ apiKey: settings.apiKey, ...(settings.baseUrl ? { baseUrl: settings.baseUrl } : {}), ...RETRY });
      c = { client, apiKey: settings.apiKey };
      this.#connections.set(k, c);
    }
    return c;
  }
}

/** The probe's answer as a setting's problem; undefined when the endpoint is Ablo and takes the key. */
async function probe(conn: Connection): Promise<ProviderConfigError | undefined> {
  try {
    await conn.client.probe();
    return undefined;
  } catch (err) {
    if (err instanceof AbloAuthenticationError) {
      return new ProviderConfigError(
        "ablo:apiKey",
        `ablo:apiKey was refused by the Ablo API (${err.message.replace(/\.$/, "")}): ` +
          "set a key of this API with `pulumi config set --secret ablo:apiKey sk_test_…` (or ABLO_API_KEY)",
      );
    }
    if (err instanceof AbloConfigurationError || err instanceof AbloInsecureTransportError) {
      return new ProviderConfigError("ablo:baseUrl", `ablo:baseUrl: ${err.message}`);
    }
    throw err;
  }
}
