#!/usr/bin/env node
/**
 * ablo-check-connection: reads connection strings, one per line, on stdin; prints one line per
 * input, `accept` or `reject: <code>: <reason>`. Never echoes the input (it holds a password).
 * Exit status: 0 when every input was accepted, 1 otherwise (or no input at all), 2 on a usage
 * error. Blank lines are skipped; surrounding whitespace is trimmed.
 */
import { createInterface } from "node:readline";
import { Command, InvalidArgumentError } from "commander";
import { checkConnectionString, CidrSet, type CheckOptions } from "@ablo/connection";

const collect = (value: string, previous: string[]): string[] => [
  ...previous,
  ...value
    .split(",")
    .map((v) => v.trim())
    .filter((v) => v !== ""),
];

function collectCidr(value: string, previous: string[]): string[] {
  const next = collect(value, previous);
  try {
    new CidrSet(next);
  } catch {
    throw new InvalidArgumentError("not a CIDR (IPv4 four-part decimal a.b.c.d/n, or IPv6 x::/n)");
  }
  return next;
}

export async function main(
  argv: readonly string[] = process.argv,
  input: NodeJS.ReadableStream = process.stdin,
  output: NodeJS.WritableStream = process.stdout,
): Promise<number> {
  const program = new Command()
    .name("ablo-check-connection")
    .description("Check PostgreSQL connection strings (one per line on stdin) against Ablo's public-host rule.")
    .option("--allow-cidr <cidr>", "admit addresses in this CIDR (repeatable, or comma-separated)", collectCidr, [] as string[])
    .option("--allow-host <name>", "admit this host name, or *.suffix (repeatable, or comma-separated)", collect, [] as string[])
    .option("--allow-private-hosts", "admit loopback hosts (local demos only)", false)
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });
  try {
    program.parse(argv);
  } catch (e) {
    const code = (e as { exitCode?: number }).exitCode;
    return code === 0 ? 0 : 2;
  }
  const o = program.opts<{ allowCidr: string[]; allowHost: string[]; allowPrivateHosts: boolean }>();
  const opts: CheckOptions = { allow: { cidrs: o.allowCidr, hosts: o.allowHost }, allowPrivateHosts: o.allowPrivateHosts };
  try {
    checkConnectionString("postgres://x.example.com", opts);
  } catch (e) {
    process.stderr.write(`ablo-check-connection: ${(e as Error).message}\n`);
    return 2;
  }

  let allAccepted = true;
  let seen = 0;
  const rl = createInterface({ input, crlfDelay: Infinity, terminal: false });
  for await (const rawLine of rl) {
    const line = rawLine.replace(/\r$/, "");
    if (line.trim() === "") continue;
    seen++;
    let r: ReturnType<typeof checkConnectionString>;
    try {
      r = checkConnectionString(line.trim(), opts);
    } catch {
      r = { ok: false, code: "unparseable", reason: "connection string could not be checked" };
    }
    if (r.ok) {
      output.write("accept\n");
    } else {
      allAccepted = false;
      output.write(`reject: ${r.code}: ${r.reason}\n`);
    }
  }
  if (seen === 0) {
    process.stderr.write("ablo-check-connection: no connection string on stdin\n");
    return 1;
  }
  return allAccepted ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    () => {
      process.stderr.write("ablo-check-connection: internal error\n");
      process.exitCode = 2;
    },
  );
}
