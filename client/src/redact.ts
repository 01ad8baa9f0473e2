/**
 * Scrubs secrets out of text that may reach an error message: a server's error message, a zod
 * message naming an unknown key, a low-level socket error. The server promises never to echo a
 * credential; this is the belt to that pair of braces.
 */
const REDACTED = "[REDACTED]";

/** The secrets worth hiding for one request: the exact strings plus what a connection string holds. */
export function secretsOf(values: ReadonlyArray<string | undefined>): string[] {
  const out = new Set<string>();
  for (const value of values) {
    if (!value) continue;
    out.add(value);
    for (const part of connectionStringSecrets(value)) out.add(part);
  }
  // Longest first, so a secret containing another is replaced whole.
  return [...out].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
}

/** Password of a URI (raw and percent-decoded) and any `password=` keyword/query value. */
function connectionStringSecrets(value: string): string[] {
  const found: string[] = [];
  // Greedy: an unencoded "@" inside the password still ends up in the secret.
  const userinfo = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)@/i.exec(value);
  if (userinfo?.[1]?.includes(":")) {
    const raw = userinfo[1].slice(userinfo[1].indexOf(":") + 1);
    found.push(raw, safeDecode(raw));
  }
  for (const m of value.matchAll(/(?:^|[?&\s])password=([^&\s]*)/gi)) {
    if (m[1]) found.push(m[1], safeDecode(m[1]));
  }
  return found;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Patterns that look like credentials whatever their value: URI userinfo, tokens, passwords. */
const PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#]*@/gi, `$1${REDACTED}@`],
  [/\b(sk|cap)_(live|test)_[A-Za-z0-9_-]+/g, REDACTED],
  [/\b(Bearer|Basic)\s+\S+/gi, `$1 ${REDACTED}`],
  [/\b(password|passwd|pwd)(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s&;,]+)/gi, `$1$2${REDACTED}`],
];

export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join(REDACTED);
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
