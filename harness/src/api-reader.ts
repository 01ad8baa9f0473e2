import { readFile } from "node:fs/promises";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { z } from "zod";

/**
 * What an Ablo API server holds, read over plain HTTP(S) with one key: not through @ablo/client,
 * whose behaviour the end-to-end tests check, and each answer's text is handed to onAnswer so
 * that the tests' canary sweeps see every byte the API answered. Over TLS it trusts the server's
 * CA (`caPath`; global fetch cannot be given one).
 */
export interface ApiServer {
  baseUrl: string;
  caPath?: string | undefined;
  /** `minimal`: no list route, so listings go to the admin one (an AbloLocal says which it serves). */
  surface?: "full" | "minimal";
}

/**
 * Where datasources() reads the list: `api` is GET /v1/datasources; `admin` is the test-only
 * GET /_admin/datasources (same key, query and pages; ablo-local with `--admin`), which every
 * surface serves, with no faults applied.
 */
export type Listing = "api" | "admin";

export interface ApiAnswer<T = unknown> {
  status: number;
  text: string;
  body: T;
}

const ListPageSchema = z.object({
  data: z.array(z.looseObject({ id: z.string(), metadata: z.record(z.string(), z.string()).optional() })),
  has_more: z.boolean(),
});
export type ListedDatasource = z.infer<typeof ListPageSchema>["data"][number];

export interface ApiReader {
  get<T = unknown>(path: string): Promise<ApiAnswer<T>>;
  del<T = unknown>(path: string): Promise<ApiAnswer<T>>;
  /**
   * Every datasource of the key's organization and mode, newest first, page after page (from the
   * admin listing on a `minimal` server: see Listing).
   */
  datasources(): Promise<ListedDatasource[]>;
  /** Where datasources() reads. */
  readonly listing: Listing;
  /** Their ids. */
  ids(): Promise<string[]>;
}

/** A listing the server refused; says the status only. */
export class ApiReadError extends Error {
  override readonly name = "ApiReadError";

  constructor(
    readonly path: string,
    readonly status: number,
    hint?: string,
  ) {
    super(`GET ${path} answered ${status}${hint ? `: ${hint}` : ""}`);
  }
}

export interface ApiReaderOptions {
  onAnswer?: (text: string) => void;
  /** Default: `admin` when `api.surface` is `minimal`, else `api`. */
  listing?: Listing;
}

const LIST_PATH: Record<Listing, string> = { api: "/v1/datasources", admin: "/_admin/datasources" };

/** Why a listing found no route, in words: which server option it needs. */
function missingRoute(listing: Listing, answer: ApiAnswer): string | undefined {
  const code = (answer.body as { error?: { code?: unknown } } | undefined)?.error?.code;
  if (answer.status !== 404 || code !== "unrecognized_request_url") return undefined;
  return listing === "admin"
    ? "the admin listing is off (start ablo-local with --admin)"
    : "this server does not serve the list route (surface minimal?): read with listing 'admin'";
}

export function apiReader(api: ApiServer, token: string, opts: ApiReaderOptions = {}): ApiReader {
  const listing = opts.listing ?? (api.surface === "minimal" ? "admin" : "api");
  const call = async <T>(method: "GET" | "DELETE", path: string): Promise<ApiAnswer<T>> => {
    const url = `${api.baseUrl}${path}`;
    const headers = { authorization: `Bearer ${token}` };
    const ca = api.caPath === undefined ? undefined : await readFile(api.caPath);
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const done = (res: IncomingMessage) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.once("end", () => resolve({ status: res.statusCode ?? 0, text }));
        res.once("error", reject);
      };
      const req = url.startsWith("https:")
        ? httpsRequest(url, { method, headers, ca, agent: false }, done)
        : httpRequest(url, { method, headers, agent: false }, done);
      req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path}: no answer in 30 s`)));
      req.once("error", reject);
      req.end();
    });
    opts.onAnswer?.(text);
    return { status, text, body: JSON.parse(text) as T };
  };
  const datasources = async () => {
    const all: ListedDatasource[] = [];
    for (let after: string | undefined; ;) {
      const path = `${LIST_PATH[listing]}?limit=100${after === undefined ? "" : `&starting_after=${after}`}`;
      const page = await call<unknown>("GET", path);
      if (page.status !== 200) throw new ApiReadError(path, page.status, missingRoute(listing, page));
      const { data, has_more } = ListPageSchema.parse(page.body);
      all.push(...data);
      if (!has_more || data.length === 0) return all;
      after = data.at(-1)!.id;
    }
  };
  return {
    get: <T>(path: string) => call<T>("GET", path),
    del: <T>(path: string) => call<T>("DELETE", path),
    datasources,
    listing,
    ids: async () => (await datasources()).map((d) => d.id),
  };
}
