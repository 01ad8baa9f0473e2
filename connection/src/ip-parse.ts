/**
 * IP literal parsers that accept exactly what the C library accepts, so that our reading of a host
 * is the reading the connecting code will have.
 *
 * Why not ipaddr.js's parsers alone (ipaddr.js 2.5.x):
 * - `ipaddr.IPv4.isValid` accepts 1-4 part numeric forms (127.1, 0x7f.1, 2130706433) while
 *   `isValidFourPartDecimal` accepts only a.b.c.d: code that gates on the latter and treats
 *   everything else as a "hostname" misses every other spelling (the CVE-2023-42282 /
 *   CVE-2024-29415 class of bypasses in the `ip` package: `0x7f.1`, `127.1`, `017700000001`).
 * - it has no notion of a trailing dot (`127.0.0.1.`), nor of `0x` with no digits (inet_aton: 0).
 * - in the IPv6 "transitional" form it reads the IPv4 tail with plain parseInt: `::ffff:0177.0.0.1`
 *   becomes ::ffff:177.0.0.1, whereas inet_pton refuses it; its zone regex only knows [0-9a-z].
 * So we parse ourselves (inet_aton rules for IPv4 names, inet_pton rules inside IPv6) and use
 * ipaddr.js only to hold the parsed address and match CIDR ranges.
 */

/** inet_aton / getaddrinfo (glibc) reading of a numeric host: 1 to 4 parts, each decimal, octal
 *  (leading 0) or hex (0x, digits optional); the last part fills the remaining bytes. Returns the
 *  four octets, or undefined if it is not such a number (the caller decides whether that is fatal). */
export function parseIPv4Loose(s: string): [number, number, number, number] | undefined {
  if (s.length === 0 || s.length > 64) return undefined;
  const parts = s.split(".");
  if (parts.length > 4) return undefined;
  const values: number[] = [];
  for (const p of parts) {
    const v = parseInetAtonPart(p);
    if (v === undefined) return undefined;
    values.push(v);
  }
  const last = values.pop() as number;
  for (const v of values) if (v > 0xff) return undefined;
  const lastMax = 2 ** (8 * (4 - values.length)) - 1;
  if (last > lastMax) return undefined;
  let n = 0;
  values.forEach((v, i) => {
    n += v * 2 ** (8 * (3 - i));
  });
  n += last;
  return [Math.floor(n / 2 ** 24) & 0xff, Math.floor(n / 2 ** 16) & 0xff, Math.floor(n / 2 ** 8) & 0xff, n & 0xff];
}

function parseInetAtonPart(p: string): number | undefined {
  let v: number;
  if (/^0x[0-9a-f]*$/i.test(p)) v = p.length === 2 ? 0 : parseInt(p.slice(2), 16);
  else if (/^0[0-7]*$/.test(p)) v = parseInt(p, 8);
  else if (/^[1-9][0-9]*$/.test(p)) v = parseInt(p, 10);
  else return undefined;
  return Number.isSafeInteger(v) && v <= 0xffffffff ? v : undefined;
}

/** inet_pton(AF_INET): exactly four decimal octets, no leading zeros. */
export function parseIPv4Strict(s: string): [number, number, number, number] | undefined {
  const m = /^(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})$/.exec(s);
  if (!m) return undefined;
  const o = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])] as [number, number, number, number];
  return o.every((x) => x <= 255) ? o : undefined;
}

export interface ParsedIPv6 {
  /** Eight 16-bit groups. */
  parts: number[];
  zone?: string;
}

/** inet_pton(AF_INET6) plus an optional `%zone` (getaddrinfo accepts scope ids). No brackets. */
export function parseIPv6(s: string): ParsedIPv6 | undefined {
  if (s.length === 0 || s.length > 128) return undefined;
  let addr = s;
  let zone: string | undefined;
  const pct = s.indexOf("%");
  if (pct >= 0) {
    addr = s.slice(0, pct);
    zone = s.slice(pct + 1);
    if (!/^[A-Za-z0-9_.~-]{1,64}$/.test(zone)) return undefined;
  }
  const dbl = addr.indexOf("::");
  if (dbl !== addr.lastIndexOf("::")) return undefined;
  const parseSide = (side: string, allowV4Tail: boolean): number[] | undefined => {
    if (side === "") return [];
    const groups = side.split(":");
    const out: number[] = [];
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i] as string;
      if (allowV4Tail && i === groups.length - 1 && g.includes(".")) {
        const v4 = parseIPv4Strict(g);
        if (!v4) return undefined;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else if (/^[0-9a-f]{1,4}$/i.test(g)) {
        out.push(parseInt(g, 16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  let parts: number[];
  if (dbl >= 0) {
    const head = parseSide(addr.slice(0, dbl), false);
    const tail = parseSide(addr.slice(dbl + 2), true);
    if (!head || !tail) return undefined;
    const fill = 8 - head.length - tail.length;
    if (fill < 1) return undefined;
    parts = [...head, ...new Array<number>(fill).fill(0), ...tail];
  } else {
    const all = parseSide(addr, true);
    if (!all || all.length !== 8) return undefined;
    parts = all;
  }
  return zone === undefined ? { parts } : { parts, zone };
}
