import * as pulumi from "@pulumi/pulumi";
import { Datasource } from "@ablo/pulumi";

// One Datasource per name in `datasources`, each with its secret `<name>Url`:
//   pulumi config set --path 'datasources[0]' orders
//   pulumi config set --secret ordersUrl postgres://app:…@orders.db.example.com/orders
// CI runs `pulumi preview --policy-pack` on pull requests (private hosts, weak sslmode and
// superuser roles are caught before review) and `pulumi up --policy-pack` on main.
const config = new pulumi.Config();
const names = config.requireObject<string[]>("datasources");

const datasources = names.map(
  (name) =>
    new Datasource(name, {
      connectionString: config.requireSecret(`${name}Url`),
      metadata: { environment: pulumi.getStack(), repository: "gitops" },
      waitForVerification: config.getBoolean("waitForVerification") ?? true,
    }),
);

export const ids = datasources.map((d) => d.id);
export const statuses = datasources.map((d) => d.status);
