import { execFileSync, spawnSync } from "node:child_process";
import * as path from "node:path";

const root = path.resolve(__dirname, "../..");
const cli = path.join(root, "check-connection/dist/cli.js");
const PW = "Kanary-9f3b1e";

function run(input: string, args: string[] = []): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { input, encoding: "utf8", timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  execFileSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "-b", "check-connection"], { cwd: root, stdio: "pipe" });
});

describe("ablo-check-connection", () => {
  it("prints one line per input and exits 1 when something is rejected", () => {
    const input = [
      `postgres://app:${PW}@db.example.com:5432/shop`,
      `postgres://app:${PW}@0x7f.1/shop`,
      "",
      `postgres://app:${PW}@evil@127.0.0.1/shop`,
      `postgresql://app:${PW}@[::ffff:10.0.0.1]/shop?sslmode=require`,
      `postgres://app:${PW}@db.example.com/shop?sslrootcert=/etc/passwd`,
      `mysql://app:${PW}@db.example.com/shop`,
      `postgres://app:${PW}@8.8.8.8/shop\r`,
    ].join("\n");
    const r = run(input + "\n");
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(7);
    expect(lines[0]).toBe("accept");
    expect(lines[1]).toMatch(/^reject: host_not_public: .*loopback/);
    expect(lines[2]).toMatch(/^reject: unparseable: /);
    expect(lines[3]).toMatch(/^reject: host_not_public: .*private-use/);
    expect(lines[4]).toMatch(/^reject: param_not_allowed: .*sslrootcert/);
    expect(lines[5]).toMatch(/^reject: invalid_scheme: /);
    expect(lines[6]).toBe("accept");
    expect(r.status).toBe(1);
    expect(r.stdout + r.stderr).not.toContain(PW);
    expect(r.stdout + r.stderr).not.toContain("/etc/passwd");
  });

  it("exits 0 when every input is accepted", () => {
    const r = run(`postgres://app:${PW}@db.example.com/shop\npostgres://app:${PW}@[2606:4700::1111]/shop\n`);
    expect(r.stdout).toBe("accept\naccept\n");
    expect(r.status).toBe(0);
  });

  it("honours --allow-cidr and --allow-host", () => {
    const input = `postgres://app:${PW}@10.1.2.3/shop\npostgres://app:${PW}@db.internal/shop\n`;
    expect(run(input).status).toBe(1);
    const r = run(input, ["--allow-cidr", "10.0.0.0/8", "--allow-host", "db.internal"]);
    expect(r.stdout).toBe("accept\naccept\n");
    expect(r.status).toBe(0);
  });

  it("exits 2 on a bad flag and 1 on empty input", () => {
    expect(run("", ["--allow-cidr", "10.1"]).status).toBe(2);
    expect(run("").status).toBe(1);
  });

  it("never echoes the password, whatever the input", () => {
    const tricky = [
      `postgres://app:${PW}@db.example.com:${PW}/shop`,
      `postgres://app:${PW}/x@db.example.com/shop`,
      `postgres://app:${PW}#@db.example.com/shop`,
      `postgres://app:${PW}@db.example.com/shop?${PW}=1`,
      `postgres://app:${PW}@db.example.com/shop?application_name=${PW}%0A`,
      `postgres://app:${PW}@${PW}/shop`,
      `postgres://app:${PW}@[${PW}]/shop`,
      `${PW}`,
      `postgres://app:%${PW}@db.example.com/shop`,
    ];
    const r = run(tricky.join("\n") + "\n");
    expect(r.stdout.trimEnd().split("\n")).toHaveLength(tricky.length);
    expect(r.stdout + r.stderr).not.toContain(PW);
  });
});
