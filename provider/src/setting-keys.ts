/**
 * The provider's settings as stack config names them (`ablo:apiKey`, `ablo:baseUrl`), and what to
 * say of any other `ablo:` key. Loaded on its own (`@ablo/provider/setting-keys`), which needs
 * nothing: the SDK judges the stack's config in the program (the dynamic provider's process never
 * sees other keys) and the plugin in CheckConfig, with the same words. A message names keys, never
 * a value (a misspelt `ablo:apikey` holds a key).
 */
export const SETTING_KEYS = ["apiKey", "baseUrl"] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];

/** The warning for `ablo:apiKey` set without --secret in `stack`'s config: it names the setting, never the key. */
export const plainApiKeyWarning = (stack: string): string =>
  `ablo:apiKey is stored in plain text in Pulumi.${stack}.yaml: re-set it with \`pulumi config set --secret ablo:apiKey\` ` +
  "(and rotate the key if that file was committed or shared)";

/** The setting `key` (without `ablo:`) most likely meant, if it is close enough to one. */
export function meantSetting(key: string): SettingKey | undefined {
  const squash = (k: string) => k.toLowerCase().replace(/[-_.\s]/g, "");
  const k = squash(key);
  let best: { key: SettingKey; distance: number } | undefined;
  for (const s of SETTING_KEYS) {
    const distance = editDistance(k, squash(s));
    if (distance <= 2 && (best === undefined || distance < best.distance)) best = { key: s, distance };
  }
  return best?.key;
}

/** Why `key` (without `ablo:`), which is not a setting, is refused, and how to fix it. */
export function unknownSettingReason(key: string): string {
  const meant = meantSetting(key);
  const all = SETTING_KEYS.map((s) => `ablo:${s}`).join(" and ");
  if (meant === undefined) return `unknown key ablo:${key}: the ablo provider takes ${all}; remove it with \`pulumi config rm ablo:${key}\``;
  const set = meant === "apiKey" ? "pulumi config set --secret ablo:apiKey" : `pulumi config set ablo:${meant}`;
  return `unknown key ablo:${key}, did you mean ablo:${meant}? Move its value: \`pulumi config rm ablo:${key}\`, then \`${set} <value>\``;
}

/** Levenshtein distance, with a transposition counted as one edit (`apiKye`). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}
