import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "@ablo/harness";

// The Pulumi Registry's pages of the package (docs/): their front matter, and every example in them
// taken from a tested program of examples/. Above each example's fenced block, a marker names its
// source: `<!-- example: examples/quickstart/index.ts -->` for the whole file, or
// `<!-- example: examples/x/main.go#region -->` for the lines between `docs:start region` and
// `docs:end region` comments in it. Adding a language is one more choosable block with its marker,
// and its name in the chooser's list.
const DOCS = join(REPO_ROOT, "docs");
const PAGES = ["_index.md", "installation-configuration.md"];
/** Languages whose code in a page must come from an example. */
const PROGRAM_LANGUAGES = new Set(["typescript", "ts", "javascript", "python", "yaml", "go", "csharp", "java"]);

interface Block {
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  code: string;
  /** The marker above it, if any. */
  source?: string;
}

/** The fenced blocks of a Markdown page, each with the example marker just above it (blank lines allowed between). */
function fencedBlocks(markdown: string): Block[] {
  const lines = markdown.split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && l.trimEnd() === "```");
    if (end < 0) throw new Error(`unclosed fence at line ${i + 1}`);
    let k = i - 1;
    while (k >= 0 && lines[k]!.trim() === "") k--;
    const marker = k >= 0 ? /^<!--\s*example:\s*(\S+)\s*-->$/.exec(lines[k]!.trim()) : null;
    blocks.push({ line: i + 1, lang: open[1]!, code: lines.slice(i + 1, end).join("\n") + "\n", ...(marker ? { source: marker[1]! } : {}) });
    i = end;
  }
  return blocks;
}

/** The text a marker names: a whole file, or the lines between its `docs:start <region>` and `docs:end <region>` comments. */
function sourceText(source: string, read: (path: string) => string = (p) => readFileSync(join(REPO_ROOT, p), "utf8")): string {
  const [path, region] = source.split("#") as [string, string | undefined];
  const text = read(path);
  if (region === undefined) return text;
  const lines = text.split("\n");
  const start = lines.findIndex((l) => new RegExp(`docs:start ${region}\\b`).test(l));
  const end = lines.findIndex((l, j) => j > start && new RegExp(`docs:end ${region}\\b`).test(l));
  if (start < 0 || end < 0) throw new Error(`${path} has no region ${region} (docs:start ${region} … docs:end ${region})`);
  return lines.slice(start + 1, end).join("\n") + "\n";
}

/** The languages a chooser offers, and those of the choosable blocks inside it. */
function choosers(markdown: string): Array<{ offered: string[]; present: string[] }> {
  const out: Array<{ offered: string[]; present: string[] }> = [];
  for (const m of markdown.matchAll(/\{\{<\s*chooser language "([^"]+)"\s*>\}\}([\s\S]*?)\{\{<\s*\/chooser\s*>\}\}/g)) {
    out.push({ offered: m[1]!.split(","), present: [...m[2]!.matchAll(/\{\{%\s*choosable language (\S+)\s*%\}\}/g)].map((c) => c[1]!) });
  }
  return out;
}

const page = (name: string) => readFileSync(join(DOCS, name), "utf8");

test.each(PAGES)("%s has the front matter the registry reads: title, meta_desc, layout", (name) => {
  const front = /^---\n([\s\S]*?)\n---\n/.exec(page(name));
  expect(front).not.toBeNull();
  const fields = Object.fromEntries(front![1]!.split("\n").map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1).trim()]));
  expect(fields).toMatchObject({ title: expect.stringMatching(/\S/), meta_desc: expect.stringMatching(/\S/), layout: "package" });
});

test.each(PAGES)("%s: every program block is marked with its tested source, and equals it", (name) => {
  const blocks = fencedBlocks(page(name));
  for (const b of blocks.filter((b) => PROGRAM_LANGUAGES.has(b.lang))) {
    const where = `docs/${name}:${b.line} (${b.lang})`;
    if (b.source === undefined) throw new Error(`${where} has no <!-- example: examples/… --> marker above it`);
    expect(b.source).toMatch(/^examples\//);
    // Compared line by line, so that a failure shows the lines that drifted.
    expect({ where, code: b.code.split("\n") }).toEqual({ where, code: sourceText(b.source).split("\n") });
  }
  // A marker on a block of another kind (a shell command) would be a mistake too.
  for (const b of blocks.filter((b) => b.source !== undefined)) expect(PROGRAM_LANGUAGES.has(b.lang)).toBe(true);
});

test("every example marked in the pages is a program that npm test runs", () => {
  const tested = readdirSync(join(REPO_ROOT, "test", "e2e"))
    .filter((f) => f.endsWith(".test.ts"))
    .map((f) => readFileSync(join(REPO_ROOT, "test", "e2e", f), "utf8"))
    .join("\n");
  const sources = PAGES.flatMap((name) => fencedBlocks(page(name)).flatMap((b) => (b.source ? [b.source] : [])));
  expect(sources.length).toBeGreaterThanOrEqual(3);
  for (const s of sources) {
    const folder = s.split("/")[1]!;
    // The suites name each example's folder (examples.test.ts by exampleStack("x"), the others by path).
    expect({ source: s, tested: new RegExp(`example(Stack)?\\("${folder}"|"examples", "${folder}"`).test(tested) }).toEqual({ source: s, tested: true });
  }
});

test.each(PAGES)("%s: each chooser offers exactly the languages it has a block for", (name) => {
  for (const c of choosers(page(name))) expect([...c.present].sort()).toEqual([...c.offered].sort());
});

test("the first page's example is there in TypeScript, Python, Go and YAML", () => {
  const langs = fencedBlocks(page("_index.md"))
    .filter((b) => b.source)
    .map((b) => b.lang);
  expect(langs).toEqual(expect.arrayContaining(["typescript", "python", "go", "yaml"]));
});

test("the checker itself: a drifted block is found, and a region is read between its markers", () => {
  const md = "x\n<!-- example: examples/a/main.go#main -->\n\n```go\nfunc main() {}\n```\n";
  const [block] = fencedBlocks(md);
  expect(block).toMatchObject({ line: 4, lang: "go", source: "examples/a/main.go#main", code: "func main() {}\n" });
  const file = "package main\n// docs:start main\nfunc main() {}\n// docs:end main\n";
  expect(sourceText(block!.source!, () => file)).toBe(block!.code);
  expect(sourceText(block!.source!, () => file.replace("{}", "{ println() }"))).not.toBe(block!.code);
  expect(() => sourceText("examples/a/main.go#other", () => file)).toThrow(/no region other/);
});
