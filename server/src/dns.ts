import { Resolver as DnsResolver } from "node:dns/promises";
import { readFileSync } from "node:fs";
import { z } from "zod";
import { ConfigError } from "./errors";

/** Every address (A and AAAA) of a host name; fails when the name has none. May answer synchronously. */
export type Resolve = (host: string) => readonly string[] | Promise<readonly string[]>;

export class HostNotFoundError extends Error {
  override readonly name = "HostNotFoundError";
}

const canonical = (host: string): string => host.toLowerCase().replace(/\.$/, "");

/**
 * Real DNS through node:dns, asking for the absolute name (trailing dot): no search domains.
 * `localhost` never goes to DNS (RFC 6761): it is loopback, admitted only with --allow-private-hosts.
 */
export function systemResolver(timeoutMs = 5000): Resolve {
  const r = new DnsResolver({ timeout: timeoutMs, tries: 2 });
  return async (host) => {
    const name = canonical(host);
    if (name === "localhost" || name.endsWith(".localhost")) return ["127.0.0.1", "::1"];
    const [v4, v6] = await Promise.allSettled([r.resolve4(`${name}.`), r.resolve6(`${name}.`)]);
    const addrs = [...(v4.status === "fulfilled" ? v4.value : []), ...(v6.status === "fulfilled" ? v6.value : [])];
    if (addrs.length === 0) throw new HostNotFoundError("host name has no address");
    return addrs;
  };
}

const DnsMapSchema = z.record(z.string().min(1), z.array(z.string().min(1)));

/** A static map {"name": ["1.2.3.4"]} standing in for DNS: tests never query real DNS. Synchronous. */
export function staticResolver(map: Record<string, readonly string[]>): Resolve {
  const table = new Map(Object.entries(map).map(([k, v]) => [canonical(k), Object.freeze([...v])]));
  return (host) => {
    const addrs = table.get(canonical(host));
    if (!addrs || addrs.length === 0) throw new HostNotFoundError("host name is not in the DNS map");
    return addrs;
  };
}

export function loadDnsMap(path: string): Record<string, string[]> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new ConfigError(`--dns ${path}: cannot read a JSON object from it (${(e as Error).name})`);
  }
  const parsed = DnsMapSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`--dns ${path}: expected {"name": ["address", ...]}`);
  return parsed.data;
}

/** `--dns system` or `--dns FILE`. */
export function resolverFor(spec: string): Resolve {
  return spec === "system" ? systemResolver() : staticResolver(loadDnsMap(spec));
}
