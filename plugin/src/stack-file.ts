import { readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Whether the stack's settings file (`Pulumi.<stack>.yaml`, beside Pulumi.yaml or in its
 * `stackConfigDir`) holds `ablo:apiKey` in plain text. The engine strips secrets from what
 * CheckConfig is given (and Configure sees the key as CheckConfig returned it, always secret), so
 * the file is the one place that tells. `true` only when the file plainly holds a plain value;
 * `undefined` whenever it cannot be told (no file, the key set elsewhere, a shape not read here).
 * The engine starts the plugin in the project's folder.
 */
export function apiKeyInPlainText(stack: string, projectDir: string = process.cwd()): boolean | undefined {
  const project = read(join(projectDir, "Pulumi.yaml"));
  const configDir = project && /^stackConfigDir:\s*["']?([^"'#\s]+)/m.exec(project)?.[1];
  const text = read(join(projectDir, configDir ?? "", `Pulumi.${stack}.yaml`));
  if (text === undefined) return undefined;
  const lines = text.split(/\r?\n/);
  const key = /^\s+["']?ablo:apiKey["']?\s*:(?=\s|$)/;
  const at = lines.findIndex((l) => key.test(l));
  if (at < 0) return undefined;
  const value = lines[at]!.replace(key, "")
    .replace(/\s+#.*$/, "")
    .trim();
  // `ablo:apiKey:` then `secure: v1:…` on the next line, as `pulumi config set --secret` writes it.
  if (value === "") return /^\s+secure\s*:/.test(lines.slice(at + 1).find((l) => l.trim() !== "") ?? "") ? false : undefined;
  if (value.startsWith("{")) return /\bsecure\s*:/.test(value) ? false : undefined;
  return true;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** The stack a URN (`urn:pulumi:<stack>::<project>::…`) belongs to. */
export const stackOf = (urn: string): string | undefined => /^urn:pulumi:([^:]+)::/.exec(urn)?.[1];
