#!/usr/bin/env node
/** `npm run bench`: prints the figures the issues ask for; a benchmark, not a timed test. */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { benchPulumi } from "./bench-pulumi";
import { benchScale, scaleTable } from "./bench-scale";
import { benchServer } from "./bench-server";
import { REPO_ROOT } from "./paths";

const BENCH_DIR = join(REPO_ROOT, "bench");

/** Writes the scale figures to bench/results/latest.json and between the markers of bench/README.md. */
function writeScale(rows: Awaited<ReturnType<typeof benchScale>>, table: string): void {
  mkdirSync(join(BENCH_DIR, "results"), { recursive: true });
  writeFileSync(join(BENCH_DIR, "results", "latest.json"), `${JSON.stringify({ date: new Date().toISOString(), rows }, null, 2)}\n`);
  const readme = join(BENCH_DIR, "README.md");
  const text = readFileSync(readme, "utf8");
  const [begin, end] = ["<!-- scale:begin -->", "<!-- scale:end -->"];
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${readme} lacks the ${begin} … ${end} markers`);
  writeFileSync(readme, `${text.slice(0, from + begin.length)}\n_${new Date().toISOString().slice(0, 10)}_\n\n${table}\n${text.slice(to)}`);
}

async function main() {
  const opts = new Command("npm run bench")
    .option("--only <which>", "server | pulumi | scale")
    .option("--runs <n>", "engine runs per figure", "3")
    .option("--sizes <list>", "Datasource counts of the scale table", "1,10,100,500")
    .option("--plugin-ts", "the scale table also runs the plugin from TypeScript (@ablo/pulumi/plugin), beside the YAML program")
    .parse(process.argv)
    .opts<{ only?: string; runs: string; sizes: string; pluginTs?: boolean }>();
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
    writeScale(rows, table);
  }
}

main().catch((err: Error) => {
  console.error(`bench failed: ${err.message}`);
  process.exit(1);
});
