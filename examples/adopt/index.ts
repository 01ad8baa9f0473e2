import * as pulumi from "@pulumi/pulumi";
import { Datasource } from "@ablo/pulumi";

// Pulumi's `import` resource option cannot import dynamic resources (the engine reads them
// without their serialized provider), so adoption is explicit: `adoptId` takes over the existing
// datasource, keeps its id, and sends our credentials for it as a rotation.
const config = new pulumi.Config();
const existingId = config.require("datasourceId");

const legacy = new Datasource("legacy", {
  connectionString: config.requireSecret("databaseUrl"),
  adoptId: existingId,
  metadata: { adoptedBy: "pulumi" },
});

// A read-only reference, for comparison: Datasource.get never changes anything. It reads by
// `legacy.id` so that it runs after the adoption: sending our credentials restarts verification,
// and a read taken during it would see "unverified".
const observed = Datasource.get("observed", legacy.id);

export const id = legacy.id;
export const status = legacy.status;
export const observedStatus = observed.status;
