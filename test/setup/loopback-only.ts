/**
 * Every jest worker: tests reach loopback only and never query real DNS. A name other than
 * `localhost` fails as unknown (ENOTFOUND) without a query, and a connection to an address off
 * 127.0.0.0/8 and ::1 is refused before it is dialed. Tests that need names inject a resolver.
 * Processes the tests start (the engine, providers, ablo-local) are not covered: they are given
 * loopback URLs and static DNS maps.
 */
import dns from "node:dns";
import net from "node:net";

const isLoopback = (address: string) => /^127\./.test(address) || address === "::1" || /^::ffff:127\./i.test(address);

function refusedLookup(hostname: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname} (tests never query DNS)`), { code: "ENOTFOUND", hostname, syscall: "getaddrinfo" });
}

const realLookup = dns.lookup;
function lookup(hostname: string, ...rest: unknown[]): void {
  const callback = rest.at(-1) as (...args: unknown[]) => void;
  if (hostname === "localhost" || net.isIP(hostname) !== 0) {
    (realLookup as (...args: unknown[]) => void)(hostname, ...rest);
    return;
  }
  process.nextTick(() => callback(refusedLookup(hostname)));
}
(dns as { lookup: unknown }).lookup = lookup;
(dns.promises as { lookup: unknown }).lookup = async (hostname: string, options?: unknown) => {
  if (hostname === "localhost" || net.isIP(hostname) !== 0) return realLookup.__promisify__(hostname, options as dns.LookupOptions);
  throw refusedLookup(hostname);
};

const realConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
  const first = args[0];
  const host = typeof first === "object" && first !== null ? (first as { host?: unknown }).host : typeof args[1] === "string" ? args[1] : undefined;
  if (typeof host === "string" && net.isIP(host) !== 0 && !isLoopback(host)) {
    throw new Error(`tests dial loopback only: refused ${host}`);
  }
  return (realConnect as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;
