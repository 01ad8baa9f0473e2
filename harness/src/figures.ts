import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./paths";

/**
 * Figures of the reliability suite. Each suite records its own table under a section name; the
 * report (`npm run reliability`, or the end of `npm test`) gathers every section into one table
 * printed and written to test/reliability/README.md. Values are numbers or short strings; never
 * anything a test read from a secret.
 */
export type FigureRow = Record<string, string | number | boolean>;

export interface FigureSection {
  section: string;
  /** One line saying what was measured and how (sizes, rounds, fault mix). */
  what: string;
  rows: FigureRow[];
}

export const FIGURES_DIR = join(REPO_ROOT, "test", "reliability", ".figures");

/** True when `npm run reliability` asked for the full sizes; `npm test` runs the CI-sized part. */
export const fullReliabilityRun = (): boolean => process.env.ABLO_RELIABILITY_FULL === "1";

export function recordFigures(figures: FigureSection): void {
  mkdirSync(FIGURES_DIR, { recursive: true });
  const file = figures.section.toLowerCase().replace(/[^a-z0-9]+/g, "-");
  writeFileSync(join(FIGURES_DIR, `${file}.json`), `${JSON.stringify(figures, null, 2)}\n`);
}

export function readFigures(): FigureSection[] {
  let files: string[];
  try {
    files = readdirSync(FIGURES_DIR).filter((f) => f.endsWith(".json"));
  } catch {
    return [];
  }
  return files.sort().map((f) => JSON.parse(readFileSync(join(FIGURES_DIR, f), "utf8")) as FigureSection);
}

/** One markdown table per section. */
export function figuresMarkdown(sections: FigureSection[]): string {
  const parts: string[] = [];
  for (const s of sections) {
    parts.push(`### ${s.section}\n\n${s.what}\n`);
    const cols = [...new Set(s.rows.flatMap((r) => Object.keys(r)))];
    if (cols.length === 0) continue;
    parts.push(`| ${cols.join(" | ")} |`, `|${cols.map(() => "---").join("|")}|`);
    for (const r of s.rows) parts.push(`| ${cols.map((c) => String(r[c] ?? "")).join(" | ")} |`);
    parts.push("");
  }
  return parts.join("\n");
}
