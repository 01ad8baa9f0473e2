import * as pulumi from "@pulumi/pulumi";
import * as ablo from "@ablo/pulumi/plugin";

const config = new pulumi.Config();
const count = config.requireNumber("count");
const databaseUrl = config.requireSecret("databaseUrl");

const tag = config.get("tag"); // changing it updates every Datasource's metadata in place
const waitForVerification = config.getBoolean("wait"); // false for a server that does not verify
const fleet = Array.from(
  { length: count },
  (_, i) => new ablo.Datasource(`ds-${i}`, { connectionString: databaseUrl, metadata: { index: String(i), ...(tag ? { tag } : {}) }, waitForVerification }),
);

export const ids = fleet.map((d) => d.id);
