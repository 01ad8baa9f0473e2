"use strict";
/**
 * Loopback only, no real DNS, enforced: jest loads this in every worker (setupFiles), and an
 * end-to-end test that must give the provider a host name preloads it into the engine's
 * processes (`NODE_OPTIONS=--require …/loopback-only.cjs`). A name other than `localhost` is
 * answered from ABLO_TEST_DNS (JSON `{"name": "127.0.0.1"}`, the injected resolver) or fails as
 * unknown (ENOTFOUND) without a query; a connection to an address off 127.0.0.0/8 and ::1 is
 * refused before it is dialed.
 */
const dns = require("node:dns");
const net = require("node:net");

const staticNames = JSON.parse(process.env.ABLO_TEST_DNS || "{}");
const isLoopback = (address) => /^127\./.test(address) || address === "::1" || /^::ffff:127\./i.test(address);
const passesThrough = (hostname) => hostname === "localhost" || net.isIP(hostname) !== 0;

function unknownName(hostname) {
  return Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND", hostname, syscall: "getaddrinfo" });
}

const realLookup = dns.lookup;
function lookup(hostname, ...rest) {
  if (passesThrough(hostname)) return realLookup(hostname, ...rest);
  const callback = rest[rest.length - 1];
  const options = typeof rest[0] === "object" && rest[0] !== null ? rest[0] : {};
  const address = staticNames[hostname];
  process.nextTick(() => {
    if (address === undefined) return callback(unknownName(hostname));
    const family = net.isIP(address);
    if (options.all) return callback(null, [{ address, family }]);
    return callback(null, address, family);
  });
}
dns.lookup = lookup;
dns.promises.lookup = (hostname, options) =>
  new Promise((resolve, reject) =>
    lookup(hostname, options || {}, (err, address, family) => (err ? reject(err) : resolve(Array.isArray(address) ? address : { address, family }))),
  );

const realConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const first = args[0];
  const host = typeof first === "object" && first !== null ? first.host : typeof args[1] === "string" ? args[1] : undefined;
  if (typeof host === "string" && net.isIP(host) !== 0 && !isLoopback(host)) throw new Error(`tests dial loopback only: refused ${host}`);
  return realConnect.apply(this, args);
};
