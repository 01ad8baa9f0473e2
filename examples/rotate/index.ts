import * as pulumi from "@pulumi/pulumi";
import { Datasource } from "@ablo/pulumi";

// Rotation: set a new databaseUrl with another user or password for the SAME host, port and
// database, then `pulumi up`: the datasource is updated in place (same id) and verified again.
// A different host, port, database or schema would replace it instead.
const config = new pulumi.Config();

const analytics = new Datasource(
  "analytics",
  {
    connectionString: config.requireSecret("databaseUrl"),
    schema: config.get("schema") ?? "public",
    metadata: { rotatedBy: "pulumi" },
  },
  { customTimeouts: { create: "2m", update: "2m" } },
);

export const id = analytics.id;
export const status = analytics.status;
export const displayName = analytics.displayName;
