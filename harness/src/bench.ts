#!/usr/bin/env node
/** `npm run bench`: prints the figures the issues ask for; a benchmark, not a timed test. */
import { Command } from "commander";
import { benchPulumi } from "./bench-pulumi";
import { benchServer } from "./bench-server";

async function main() {
  const opts = new Command("npm run bench")
    .option("--only <which>", "server | pulumi")
    .option("--runs <n>", "engine runs per figure", "3")
    .parse(process.argv)
    .opts<{ only?: string; runs: string }>();
  if (opts.only !== "pulumi") console.log(`${await benchServer()}\n`);
  if (opts.only !== "server") console.log(await benchPulumi(Number(opts.runs)));
}

main().catch((err: Error) => {
  console.error(`bench failed: ${err.message}`);
  process.exit(1);
});
