import * as pulumi from "@pulumi/pulumi";
import { Datasource } from "@ablo/pulumi";

// Needs: pulumi config set --secret ablo:apiKey sk_test_…   (and ablo:baseUrl for a local server)
//        pulumi config set --secret databaseUrl postgres://app:…@db.example.com:5432/shop
const config = new pulumi.Config();

const orders = new Datasource("orders", {
  connectionString: config.requireSecret("databaseUrl"),
  metadata: { team: "platform", managedBy: "pulumi" },
});

export const id = orders.id;
export const status = orders.status;
export const host = orders.host;
export const database = orders.database;
export const displayName = orders.displayName;
