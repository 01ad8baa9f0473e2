import fc from "fast-check";
import { checkConnectionString, classifyHost } from "@ablo/connection";

// Independent oracle: non-public IPv4 blocks as [first address, prefix length], written here from
// the IANA registry rather than imported from the module under test.
const ip = (a: number, b: number, c: number, d: number): number => ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
const PRIVATE_V4: Array<[number, number]> = [
  [ip(0, 0, 0, 0), 8],
  [ip(10, 0, 0, 0), 8],
  [ip(100, 64, 0, 0), 10],
  [ip(127, 0, 0, 0), 8],
  [ip(169, 254, 0, 0), 16],
  [ip(172, 16, 0, 0), 12],
  [ip(192, 0, 0, 0), 24],
  [ip(192, 0, 2, 0), 24],
  [ip(192, 88, 99, 0), 24],
  [ip(192, 168, 0, 0), 16],
  [ip(198, 18, 0, 0), 15],
  [ip(198, 51, 100, 0), 24],
  [ip(203, 0, 113, 0), 24],
  [ip(224, 0, 0, 0), 4],
  [ip(240, 0, 0, 0), 4],
  [ip(168, 63, 129, 16), 32],
];
const inBlock = (n: number, [base, len]: [number, number]): boolean => Math.floor(n / 2 ** (32 - len)) === Math.floor(base / 2 ** (32 - len));
const isPrivateV4 = (n: number): boolean => PRIVATE_V4.some((b) => inBlock(n, b));
const octets = (n: number): number[] => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const dotted = (n: number): string => octets(n).join(".");

const privateV4 = fc.constantFrom(...PRIVATE_V4).chain(([base, len]) => fc.integer({ min: 0, max: 2 ** (32 - len) - 1 }).map((off) => base + off));
const publicV4 = fc.integer({ min: 0, max: 2 ** 32 - 1 }).filter((n) => !isPrivateV4(n));

type Base = "dec" | "oct" | "hex";
const formatPart = (v: number, base: Base, pad: number, upper: boolean): string => {
  if (base === "dec") return String(v);
  if (base === "oct") return "0" + "0".repeat(pad) + v.toString(8);
  const h = "0".repeat(pad) + v.toString(16);
  return upper ? "0X" + h.toUpperCase() : "0x" + h;
};

/** Every inet_aton spelling: 1-4 parts, each decimal, octal or hex, optional trailing dot. */
const spellV4 = (n: number): fc.Arbitrary<string> =>
  fc
    .record({
      k: fc.integer({ min: 1, max: 4 }),
      bases: fc.array(fc.constantFrom<Base>("dec", "oct", "hex"), { minLength: 4, maxLength: 4 }),
      pads: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 4, maxLength: 4 }),
      upper: fc.boolean(),
      trailingDot: fc.boolean(),
    })
    .map(({ k, bases, pads, upper, trailingDot }) => {
      const [a, b, c, d] = octets(n) as [number, number, number, number];
      const values = k === 4 ? [a, b, c, d] : k === 3 ? [a, b, (c << 8) | d] : k === 2 ? [a, ((b << 16) | (c << 8) | d) >>> 0] : [n];
      const s = values.map((v, i) => formatPart(v, bases[i] as Base, pads[i] as number, upper)).join(".");
      return trailingDot ? s + "." : s;
    });

const hexGroup = (v: number, pad: boolean, upper: boolean): string => {
  const h = pad ? v.toString(16).padStart(4, "0") : v.toString(16);
  return upper ? h.toUpperCase() : h;
};

/** Any valid IPv6 text for eight groups: optional '::' over a zero run, padding, case. */
const spellV6 = (groups: number[]): fc.Arbitrary<string> =>
  fc.record({ pad: fc.boolean(), upper: fc.boolean(), pick: fc.nat() }).map(({ pad, upper, pick }) => {
    const g = groups.map((v) => hexGroup(v, pad, upper));
    const runs: Array<[number, number]> = [];
    for (let i = 0; i < 8; i++) {
      if (groups[i] !== 0) continue;
      for (let j = i; j < 8 && groups[j] === 0; j++) runs.push([i, j + 1]);
    }
    if (runs.length === 0 || pick % 3 === 0) return g.join(":");
    const [s, e] = runs[pick % runs.length] as [number, number];
    return `${g.slice(0, s).join(":")}::${g.slice(e).join(":")}`;
  });

/** IPv6 forms that embed an IPv4 address, judged by it. */
const embedV4 = (n: number): fc.Arbitrary<string> => {
  const hi = n >>> 16;
  const lo = n & 0xffff;
  return fc.oneof(
    fc.constant(`::ffff:${dotted(n)}`),
    fc.constant(`::FFFF:${dotted(n)}`),
    spellV6([0, 0, 0, 0, 0, 0xffff, hi, lo]),
    spellV6([0, 0, 0, 0, 0xffff, 0, hi, lo]),
    spellV6([0x64, 0xff9b, 0, 0, 0, 0, hi, lo]),
    fc.constant(`64:ff9b::${dotted(n)}`),
    fc.integer({ min: 0, max: 0xffff }).chain((sub) => spellV6([0x2002, hi, lo, sub, 0, 0, 0, 1])),
  );
};

const PCT = (s: string): fc.Arbitrary<string> =>
  fc
    .array(fc.boolean(), { minLength: s.length, maxLength: s.length })
    .map((flags) => [...s].map((ch, i) => (flags[i] ? "%" + ch.charCodeAt(0).toString(16).padStart(2, "0") : ch)).join(""));
const FULLWIDTH = (s: string): string =>
  [...s].map((ch) => (/[0-9a-zA-Z]/.test(ch) ? String.fromCharCode(ch.charCodeAt(0) + 0xfee0) : ch === "." ? "．" : ch)).join("");

const PW = "Kanary-9f3b1e";
const uri = (host: string): string => `postgres://app:${PW}@${host}:5432/db`;

const RUNS = { numRuns: 400 };

describe("property: private addresses are refused in every spelling", () => {
  it("IPv4 inet_aton spellings (decimal, octal, hex, 1-4 parts, trailing dot)", () => {
    fc.assert(
      fc.property(
        privateV4.chain((n) => spellV4(n).map((s) => [n, s] as const)),
        ([, s]) => {
          expect(classifyHost(s).kind).toBe("private");
          const r = checkConnectionString(uri(s));
          expect(r.ok).toBe(false);
          expect(JSON.stringify(r)).not.toContain(PW);
        },
      ),
      RUNS,
    );
  });

  it("the same spellings percent-encoded or in fullwidth Unicode", () => {
    fc.assert(
      fc.property(
        privateV4.chain((n) => spellV4(n)).chain((s) => fc.oneof(PCT(s), fc.constant(FULLWIDTH(s)))),
        (s) => {
          expect(checkConnectionString(uri(s)).ok).toBe(false);
        },
      ),
      RUNS,
    );
  });

  it("IPv4 embedded in IPv6 (mapped, translated, NAT64, 6to4), bracketed", () => {
    fc.assert(
      fc.property(
        privateV4.chain((n) => embedV4(n)),
        (s) => {
          expect(classifyHost(s).kind).toBe("private");
          expect(checkConnectionString(uri(`[${s}]`)).ok).toBe(false);
        },
      ),
      RUNS,
    );
  });

  it("IPv6 outside 2000::/3, in every text form, with or without a zone id", () => {
    const first = fc.oneof(
      fc.integer({ min: 0x4000, max: 0xffff }),
      fc.integer({ min: 1, max: 0x1fff }).filter((v) => v !== 0x64),
    );
    const groups = fc.tuple(first, fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 7, maxLength: 7 }));
    fc.assert(
      fc.property(
        groups.chain(([f, rest]) => spellV6([f, ...rest])),
        fc.option(fc.constantFrom("eth0", "1", "lo"), { nil: undefined }),
        (s, zone) => {
          const host = zone === undefined ? s : `${s}%${zone}`;
          expect(classifyHost(host).kind).toBe("private");
          const enc = zone === undefined ? s : `${s}%25${zone}`;
          expect(checkConnectionString(uri(`[${enc}]`)).ok).toBe(false);
        },
      ),
      RUNS,
    );
  });
});

describe("property: public addresses are accepted in every spelling", () => {
  it("IPv4 inet_aton spellings read as the same address", () => {
    fc.assert(
      fc.property(
        publicV4.chain((n) => spellV4(n).map((s) => [n, s] as const)),
        ([n, s]) => {
          const c = classifyHost(s);
          expect(c).toMatchObject({ kind: "public", address: dotted(n) });
          const r = checkConnectionString(uri(s));
          expect(r).toMatchObject({ ok: true, hosts: [{ address: dotted(n) }] });
        },
      ),
      RUNS,
    );
  });

  it("public IPv4 embedded in IPv6 is judged by the embedded address", () => {
    fc.assert(
      fc.property(
        publicV4.chain((n) => embedV4(n)),
        (s) => {
          expect(checkConnectionString(uri(`[${s}]`)).ok).toBe(true);
        },
      ),
      RUNS,
    );
  });

  it("global unicast IPv6 (outside the special blocks) in every text form", () => {
    const first = fc.integer({ min: 0x2003, max: 0x3ffe });
    const groups = fc.tuple(first, fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 7, maxLength: 7 }));
    fc.assert(
      fc.property(
        groups.chain(([f, rest]) => spellV6([f, ...rest])),
        (s) => {
          expect(classifyHost(s).kind).toBe("public");
          expect(checkConnectionString(uri(`[${s}]`)).ok).toBe(true);
          // …but never with a zone id.
          expect(checkConnectionString(uri(`[${s}%25eth0]`)).ok).toBe(false);
        },
      ),
      RUNS,
    );
  });
});
