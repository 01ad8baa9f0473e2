import type { ParsedConnection } from "./libpq-uri";

/**
 * Credential-free summary: `app@db.example.com:5432/shop`, hosts joined by "," for multi-host
 * strings, IPv6 in brackets. Never includes the password or query parameters.
 */
export function displayName(parsed: Pick<ParsedConnection, "hosts" | "user" | "database">): string {
  const clean = (s: string): string => s.replace(/[\u0000-\u001f\u007f]/g, "");
  const hosts = parsed.hosts
    .map((h) => {
      const target = h.host !== "" ? h.host : (h.hostaddr ?? "");
      const shown = target.includes(":") ? `[${target}]` : target;
      return `${clean(shown)}:${h.port}`;
    })
    .join(",");
  const user = parsed.user !== undefined && parsed.user !== "" ? `${clean(parsed.user)}@` : "";
  const db = parsed.database !== undefined && parsed.database !== "" ? `/${clean(parsed.database)}` : "";
  return `${user}${hosts}${db}`;
}
