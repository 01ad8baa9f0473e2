#!/usr/bin/env node
/** `npm run bench`: prints the figures the issues ask for; a benchmark, not a timed test. */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { REPO_ROOT, type Surface } from "@ablo/harness";
import { benchOrgSize, orgSizeTable } from "./orgsize";
import { benchPulumi } from "./pulumi";
import { benchOperations, benchRateLimit, benchStacksAtOnce, operationsTable, rateTable } from "./ratelimit";
import { benchScale, scaleTable } from "./scale";
import { benchServer } from "./server";

const BENCH_DIR = join(REPO_ROOT, "bench");

/**
 * Writes a table's rows to bench/results/<file> and the table between the `<!-- <name>:begin -->`
 * and `<!-- <name>:end -->` markers of bench/README.md.
 */
function writeTable(name: string, file: string, rows: unknown, table: string): void {
  mkdirSync(join(BENCH_DIR, "results"), { recursive: true });
  writeFileSync(join(BENCH_DIR, "results", file), `${JSON.stringify({ date: new Date().toISOString(), rows }, null, 2)}\n`);
  const readme = join(BENCH_DIR, "README.md");
  const text = readFileSync(readme, "utf8");
  const [begin, end] = [`<!-- ${name}:begin -->`, `<!-- ${name}:end -->`];
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${readme} lacks the ${begin} … ${end} markers`);
  writeFileSync(readme, `${text.slice(0, from + begin.length)}\n_${new Date().toISOString().slice(0, 10)}_\n\n${table}\n${text.slice(to)}`);
}

async function main() {
  const opts = new Command("npm run bench")
    .option("--only <which>", "server | pulumi | scale | orgsize | ratelimit")
    .option("--rl-sizes <list>", "Datasource counts of the ratelimit rows", "10,100,500")
    .option("--rl-rates <list>", "per-key limits (requests/s) of the ratelimit rows", "5,25,100")
    .option("--runs <n>", "engine runs per figure", "3")
    .option("--sizes <list>", "Datasource counts of the scale table", "1,10,100,500")
    .option("--plugin-ts", "the scale table also runs the plugin from TypeScript (@ablo/pulumi/plugin), beside the YAML program")
    .option("--org-sizes <list>", "datasources seeded into the organization, for the orgsize rows", "0,1000,10000")
    .option("--surfaces <list>", "API surfaces of the orgsize rows (full, minimal)", "full,minimal")
    .parse(process.argv)
    .opts<{ only?: string; runs: string; sizes: string; pluginTs?: boolean; orgSizes: string; surfaces: string; rlSizes: string; rlRates: string }>();
  const only = opts.only;
  if (only === undefined || only === "server") console.log(`${await benchServer()}\n`);
  if (only === undefined || only === "pulumi") console.log(`${await benchPulumi(Number(opts.runs))}\n`);
  if (only === undefined || only === "scale") {
    const sizes = opts.sizes.split(",").map(Number);
    // Fewer runs of the largest stacks: a run of 500 takes minutes per program.
    const rows = await benchScale(
      sizes,
      (n) => (n >= 500 ? Math.min(2, Number(opts.runs)) : Number(opts.runs)),
      (l) => console.error(`[bench] ${l}`),
      { pluginTs: opts.pluginTs === true },
    );
    const table = scaleTable(rows);
    console.log(table);
    writeTable("scale", "latest.json", rows, table);
  }
  if (only === undefined || only === "orgsize") {
    const surfaces = opts.surfaces.split(",") as Surface[];
    if (surfaces.some((s) => s !== "full" && s !== "minimal")) throw new Error("--surfaces takes full and/or minimal");
    const rows = await benchOrgSize(opts.orgSizes.split(",").map(Number), surfaces, Number(opts.runs), (l) => console.error(`[bench] ${l}`));
    const table = orgSizeTable(rows);
    console.log(table);
    writeTable("orgsize", "orgsize.json", rows, table);
  }
  if (only === "ratelimit") {
    const log = (l: string) => console.error(`[bench] ${l}`);
    const operations = [...(await benchOperations(100, ["full", "minimal"], log)), ...(await benchOperations(10, ["full"], log))];
    const rates = await benchRateLimit(opts.rlSizes.split(",").map(Number), opts.rlRates.split(",").map(Number), log);
    const stacks = await benchStacksAtOnce(8, 10, 5, log);
    const table = `${operationsTable(operations)}\n\n${rateTable(rates, stacks)}`;
    console.log(table);
    writeTable("ratelimit", "ratelimit.json", { operations, rates, stacks }, table);
  }
}

main().catch((err: Error) => {
  console.error(`bench failed: ${err.message}`);
  process.exit(1);
});
