import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { CheckRunsAtApply, isUnknownValueError, policies, readInput, UNKNOWN_STRING } from "../../policy-pack/src/policies";
import { DATASOURCE_TYPE } from "@ablo/provider/type-tokens";
import { REACHABLE_FROM_ABLO } from "@ablo/connection";
import { POLICY, publicHostRule, sslModeRule, superuserRoleRule, type Outcome } from "../../policy-pack/src/rules";

// The SDK's proxy that throws on unknown values (internal, untyped in @pulumi/policy 1.21).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { unknownCheckingProxy } = require("@pulumi/policy") as { unknownCheckingProxy: <T extends object>(o: T) => T };

const PW = "Kanary-9f3b1e";
const known = (value: unknown) => ({ known: true as const, value });
const cs = (host: string, query = ""): string => `postgres://app:${PW}@${host}/shop${query}`;

function messageOf(o: Outcome): string {
  if (o.kind === "violation" || o.kind === "pending") return o.message;
  throw new Error(`expected a message, got ${o.kind}`);
}

describe(POLICY.publicHost, () => {
  it("passes public hosts", () => {
    for (const h of ["db.example.com", "8.8.8.8", "[2606:4700::1111]", "172.32.0.1"]) {
      expect(publicHostRule("prod", known(cs(h, "?sslmode=require")))).toEqual({ kind: "pass" });
    }
  });

  it.each([
    ["127.0.0.1", "loopback"],
    ["0x7f.1", "loopback"],
    ["[::ffff:10.0.0.1]", "private-use"],
    ["169.254.169.254", "metadata"],
    ["db.internal", "special-use-name"],
    ["db.example.com,10.1.1.1", "private-use"],
    ["%2Fvar%2Frun", "unix-socket"],
  ])("names the resource, the rule and the host class for %s", (host, hostClass) => {
    const s = cs(host);
    const o = publicHostRule("orders-db", known(s));
    expect(o.kind).toBe("violation");
    const m = messageOf(o);
    expect(m).toContain('Datasource "orders-db"');
    expect(m).toContain(POLICY.publicHost);
    expect(m).toContain(hostClass);
    expect(m).not.toContain(PW);
    expect(m).not.toContain(s);
  });

  it("never puts the password in a message, whatever the string", () => {
    const tricky = [
      `postgres://app:${PW}@evil@127.0.0.1/db`,
      `postgres://app:${PW}/x@db.example.com/db`,
      `postgres://app:${PW}@db.example.com:${PW}/db`,
      `postgres://app:${PW}@${PW}/db`,
      `postgres://app:${PW}@db.example.com/db?sslmode=${PW}`,
      `postgres://app:${PW}@db.example.com/db?${PW}=1`,
      `postgres://app:${PW}@db.example.com/db?sslrootcert=/tmp/${PW}`,
      `mysql://app:${PW}@db.example.com/db`,
      PW,
    ];
    for (const s of tricky) {
      const o = publicHostRule("x", known(s));
      expect(o.kind).toBe("violation");
      expect(messageOf(o)).not.toContain(PW);
    }
  });

  it("reports an unknown connectionString as pending, to be checked at apply", () => {
    const o = publicHostRule("orders-db", { known: false });
    expect(o.kind).toBe("pending");
    expect(messageOf(o)).toMatch(/not known during preview.*at apply/);
  });

  it("refuses a missing connectionString at apply", () => {
    expect(publicHostRule("x", known(undefined)).kind).toBe("violation");
    expect(publicHostRule("x", known(42)).kind).toBe("violation");
  });

  it("says how to fix a host that is not public, in the words the provider uses when the API refuses one", () => {
    for (const h of ["10.0.0.5", "127.0.0.1", "db.internal"]) {
      const m = messageOf(publicHostRule("orders-db", known(cs(h))));
      expect(m).toContain(`${REACHABLE_FROM_ABLO}; or admit its network with this policy's allowedCidrs / allowedHosts config.`);
      expect(m).not.toContain(PW);
    }
  });

  it("honours allowedCidrs, allowedHosts and allowLoopback", () => {
    expect(publicHostRule("x", known(cs("10.20.1.2")), { allowedCidrs: ["10.20.0.0/16"] }).kind).toBe("pass");
    expect(publicHostRule("x", known(cs("db.internal")), { allowedHosts: ["db.internal"] }).kind).toBe("pass");
    expect(publicHostRule("x", known(cs("127.0.0.1:5433")), { allowLoopback: true }).kind).toBe("pass");
    expect(publicHostRule("x", known(cs("10.0.0.1")), { allowLoopback: true }).kind).toBe("violation");
    expect(publicHostRule("x", known(cs("169.254.169.254")), { allowedCidrs: ["169.254.0.0/16"] }).kind).toBe("violation");
  });

  it("fails closed on an invalid allow-list", () => {
    const o = publicHostRule("x", known(cs("db.example.com")), { allowedCidrs: ["10.1/8"] });
    expect(o.kind).toBe("violation");
    expect(messageOf(o)).toContain("misconfigured");
  });
});

describe(POLICY.sslMode, () => {
  it.each([
    ["", "violation", /sslmode is not set/],
    ["?sslmode=prefer", "violation", /sslmode=prefer/],
    ["?sslmode=disable", "violation", /sslmode=disable/],
    ["?sslmode=allow", "violation", /sslmode=allow/],
    ["?sslmode=require", "pass", undefined],
    ["?sslmode=verify-ca", "pass", undefined],
    ["?sslmode=verify-full", "pass", undefined],
    ["?ssl=true", "pass", undefined],
    [`?sslmode=${PW}`, "violation", /unrecognised/],
  ])("%s → %s", (query, kind, pattern) => {
    const o = sslModeRule("orders-db", known(cs("db.example.com", query)));
    expect(o.kind).toBe(kind);
    if (pattern) {
      expect(messageOf(o)).toMatch(pattern);
      expect(messageOf(o)).toContain(POLICY.sslMode);
      expect(messageOf(o)).toContain('Datasource "orders-db"');
      expect(messageOf(o)).not.toContain(PW);
    }
  });

  it("leaves unparseable and unknown strings to the mandatory rule", () => {
    expect(sslModeRule("x", known(`mysql://a:${PW}@h/db`)).kind).toBe("skip");
    expect(sslModeRule("x", { known: false }).kind).toBe("skip");
  });
});

describe(POLICY.superuserRole, () => {
  it.each(["postgres", "rdsadmin", "cloudsqladmin", "azure_superuser", "azuresu", "supabase_admin", "Postgres", "postgres%40myserver"])("flags %s", (user) => {
    const o = superuserRoleRule("orders-db", known(`postgres://${user}:${PW}@db.example.com/shop?sslmode=require`));
    expect(o.kind).toBe("violation");
    const m = messageOf(o);
    expect(m).toContain(POLICY.superuserRole);
    expect(m).toContain('Datasource "orders-db"');
    expect(m).not.toContain(PW);
  });

  it("passes an application role, flags additionalRoles, skips a missing user", () => {
    expect(superuserRoleRule("x", known(cs("db.example.com"))).kind).toBe("pass");
    const o = superuserRoleRule("x", known(cs("db.example.com")), { additionalRoles: ["APP"] });
    expect(o.kind).toBe("violation");
    expect(messageOf(o)).toContain("a listed role");
    expect(superuserRoleRule("x", known("postgres://db.example.com/shop")).kind).toBe("skip");
  });
});

// ---------------------------------------------------------------------------------------------
// The adapters, driven the way the policy SDK drives them (without the engine).

function argsFor(props: Record<string, unknown>, config: object = {}, type: string = DATASOURCE_TYPE.dynamic): ResourceValidationArgs {
  return {
    type,
    props: unknownCheckingProxy(props),
    urn: `urn:pulumi:dev::proj::${type}::orders-db`,
    name: "orders-db",
    getConfig: () => config,
  } as unknown as ResourceValidationArgs;
}

const byName = (name: string): ResourceValidationPolicy => policies.find((p) => p.name === name) as ResourceValidationPolicy;

async function run(policy: ResourceValidationPolicy, args: ResourceValidationArgs): Promise<{ reported: string[]; thrown?: unknown }> {
  const reported: string[] = [];
  const validate = policy.validateResource as (a: ResourceValidationArgs, r: (m: string) => void) => unknown;
  try {
    await validate(args, (m: string) => reported.push(m));
    return { reported };
  } catch (e) {
    return { reported, thrown: e };
  }
}

describe("policies as the engine runs them", () => {
  it("declares the three policies with their default enforcement levels and config", () => {
    expect(policies.map((p) => [p.name, p.enforcementLevel])).toEqual([
      [POLICY.publicHost, "mandatory"],
      [POLICY.sslMode, "advisory"],
      [POLICY.superuserRole, "advisory"],
    ]);
    expect(Object.keys(byName(POLICY.publicHost).configSchema?.properties ?? {})).toEqual(["allowedCidrs", "allowedHosts", "allowLoopback"]);
  });

  it.each(Object.values(DATASOURCE_TYPE))("reports a private host of a %s with the resource's urn, and never the password", async (type) => {
    const r = await run(byName(POLICY.publicHost), argsFor({ connectionString: cs("10.0.0.1") }, {}, type));
    expect(r.thrown).toBeUndefined();
    expect(r.reported).toHaveLength(1);
    expect(r.reported[0]).toContain("private-use");
    expect(r.reported[0]).not.toContain(PW);
  });

  it("turns an unknown connectionString into the SDK's advisory preview note, with our words", async () => {
    const r = await run(byName(POLICY.publicHost), argsFor({ connectionString: UNKNOWN_STRING }));
    expect(r.reported).toEqual([]);
    expect(r.thrown).toBeInstanceOf(CheckRunsAtApply);
    expect(isUnknownValueError(r.thrown)).toBe(true);
    expect((r.thrown as Error).message).toMatch(/checks them at apply/);
    for (const name of [POLICY.sslMode, POLICY.superuserRole]) {
      const a = await run(byName(name), argsFor({ connectionString: UNKNOWN_STRING }));
      expect(a).toEqual({ reported: [] });
    }
  });

  it("treats a missing value as unknown at preview only", () => {
    expect(readInput({}, "connectionString", true)).toEqual({ known: false });
    expect(readInput({}, "connectionString", false)).toEqual({ known: true, value: undefined });
    expect(readInput(unknownCheckingProxy({ connectionString: UNKNOWN_STRING }), "connectionString", false)).toEqual({ known: false });
  });

  it("applies pack config and ignores other resource types", async () => {
    const ok = await run(byName(POLICY.publicHost), argsFor({ connectionString: cs("10.0.0.1") }, { allowedCidrs: ["10.0.0.0/8"] }));
    expect(ok).toEqual({ reported: [] });
    const other = await run(byName(POLICY.publicHost), argsFor({ connectionString: cs("127.0.0.1") }, {}, "aws:rds/instance:Instance"));
    expect(other).toEqual({ reported: [] });
  });

  it("advisory policies report weak sslmode and superuser roles", async () => {
    const props = { connectionString: `postgres://postgres:${PW}@db.example.com/shop?sslmode=prefer` };
    const ssl = await run(byName(POLICY.sslMode), argsFor(props));
    const su = await run(byName(POLICY.superuserRole), argsFor(props));
    expect(ssl.reported).toHaveLength(1);
    expect(su.reported).toHaveLength(1);
    expect(ssl.reported.concat(su.reported).join("\n")).not.toContain(PW);
  });

  it("the pack entry can be imported without serving", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const entry = require("../../policy-pack/src/index") as { POLICY_PACK_NAME: string; policies: unknown[] };
    expect(entry.POLICY_PACK_NAME).toBe("ablo-datasources");
    expect(entry.policies).toHaveLength(3);
  });
});
