import { Client } from "pg";
import { startPostgres } from "@ablo/harness";

// The helper every end-to-end suite relies on: a real cluster on loopback, gone after stop().
test("starts a real PostgreSQL on 127.0.0.1 and removes it on stop", async () => {
  const pg = await startPostgres();
  try {
    await pg.sql("CREATE ROLE app LOGIN PASSWORD 'app-pw' NOSUPERUSER NOBYPASSRLS");
    await pg.sql("CREATE DATABASE shop OWNER app");
    const client = new Client({ connectionString: pg.url("app", "app-pw", "shop") });
    await client.connect();
    const { rows } = await client.query("select current_user as u, inet_server_addr()::text as a, current_setting('server_version_num')::int as v");
    await client.end();
    expect(rows[0]).toEqual({ u: "app", a: "127.0.0.1/32", v: expect.any(Number) });
  } finally {
    await pg.stop();
  }
  await expect(new Client({ connectionString: pg.adminUrl, connectionTimeoutMillis: 2000 }).connect()).rejects.toThrow();
});
