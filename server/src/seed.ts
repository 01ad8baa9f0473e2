import { DEFAULT_SCHEMA, type Mode } from "@ablo/api";
import { checkOrgAndMode, orgNamed } from "./auth";
import { newDirectId } from "./datasources";
import { ConfigError } from "./errors";
import { HostPolicy } from "./hosts";
import { randomBase62 } from "./random";
import type { Sealer } from "./seal";
import type { Store } from "./store";
import type { CheckedConnection } from "./hosts";
import type { NewDatasource } from "./store-rows";

export interface SeedOptions {
  /** Organization name (created on first use, as by `keys create`). */
  org: string;
  mode: Mode;
  count: number;
}

export interface SeedResult {
  orgId: string;
  count: number;
  ms: number;
}

export const MAX_SEED = 1_000_000;

/**
 * A public address for every seeded host name (example.com's long-standing one): the names are
 * never resolved for real, this only lets the registration checks run as they do for a create.
 */
const SEED_ADDRESS = "93.184.216.34";

/**
 * Puts `count` direct datasources into an organization, straight through the store in one
 * transaction, for tests and benchmarks that need a big organization (`ablo-local seed`). Each is
 * what a create of `postgres://seed:…@db-<i>.example.com:5432/shop` would have stored, checked by
 * the same host policy and sealed under its id, except that it is already `active`: verification
 * is skipped, so a server started on the data directory never dials them. The password is random
 * per seeding and never shown. Meant for a data directory no server is serving.
 */
export function seedDatasources(store: Store, sealer: Sealer, opts: SeedOptions): SeedResult {
  checkOrgAndMode(opts.org, opts.mode);
  if (!Number.isInteger(opts.count) || opts.count < 0 || opts.count > MAX_SEED) throw new ConfigError(`--count must be an integer from 0 to ${MAX_SEED}`);
  const started = performance.now();
  const hosts = new HostPolicy({ resolve: () => [SEED_ADDRESS], allowPrivateHosts: false });
  const password = randomBase62(24);
  const now = Math.floor(Date.now() / 1000);
  const orgId = store.tx(() => {
    const org = orgNamed(store, opts.org, now);
    for (let i = 0; i < opts.count; i++) {
      const connectionString = `postgres://seed:${password}@db-${i}.example.com:5432/shop`;
      // The static resolver answers synchronously: so does the check.
      const checked = hosts.check(connectionString) as CheckedConnection;
      const id = newDirectId(opts.mode);
      const row: NewDatasource = {
        id,
        orgId: org.id,
        mode: opts.mode,
        host: checked.host,
        targets: checked.targets,
        database: checked.database,
        schema: DEFAULT_SCHEMA,
        displayName: checked.displayName,
        sealed: sealer.seal(connectionString, id),
        metadata: { seed: String(i) },
        status: "active",
        lastError: null,
        version: 1,
        created: now,
      };
      store.insertDatasource(row);
    }
    return org.id;
  });
  return { orgId, count: opts.count, ms: Math.round(performance.now() - started) };
}
