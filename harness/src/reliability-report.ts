import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FIGURES_DIR, figuresMarkdown, readFigures } from "./figures";
import { REPO_ROOT } from "./paths";

// `npm run reliability`: `clean` before the suites run (so the table holds this run only), then
// `write` prints the gathered figures and writes them to test/reliability/README.md.
const README = join(REPO_ROOT, "test", "reliability", "README.md");

const HEADER = `# Reliability suite

\`npm run reliability\` runs every suite in this folder at full size through the real engine, a real
ablo-local and a real PostgreSQL, and rewrites the figures below; \`npm test\` runs the same suites at
CI size (their figures are not written here). The fault and crash suites run against ablo-local's
whole contract and against its minimal surface (create, retrieve and delete only, as the API
reference documents plus get and delete by id: no list, no update). Targets: duplicates 0 and
orphans 0 in every round; first \`up\` and first \`destroy\` converge in at least 19 of 20 rounds at the
fault mix; zero canary hits.

| suite | file |
|---|---|
| 1. faults | \`faults.test.ts\` |
| 2. crash | \`crash.test.ts\` |
| 3. team (PostgreSQL state backend) | \`team.test.ts\` |
| 4. isolation | \`isolation.test.ts\` |
| 5. bad input (property-based fuzzing) | \`bad-input.test.ts\` |
| 6. secrets (canary sweep) | every suite |

## Figures of the last full run
`;

const command = process.argv[2];
if (command === "clean") {
  rmSync(FIGURES_DIR, { recursive: true, force: true });
} else if (command === "write") {
  const sections = readFigures();
  if (sections.length === 0) {
    console.error("reliability-report: no figures were recorded (did the suites run?)");
    process.exit(1);
  }
  const table = figuresMarkdown(sections);
  console.log(table);
  writeFileSync(
    README,
    `${HEADER}\n_${new Date().toISOString().slice(0, 10)}, ${process.env.ABLO_RELIABILITY_FULL === "1" ? "full size" : "CI size"}._\n\n${table}`,
  );
  console.log(`written to ${README}`);
} else {
  console.error("usage: reliability-report clean|write");
  process.exit(2);
}
