import { writeFile } from "node:fs/promises";
import { join } from "node:path";

/** The README's program, as a user outside the repository writes it. */
const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { Datasource } from "@ablo/pulumi";

const config = new pulumi.Config();
const orders = new Datasource("orders", {
  connectionString: config.requireSecret("databaseUrl"),
  metadata: { team: "platform" },
});
export const id = orders.id;
export const status = orders.status;
`;
// Pulumi's TypeScript template, plus esModuleInterop: zod's own declarations need it when tsc
// checks every declaration file (no skipLibCheck here, so ours are checked too).
const TSCONFIG = {
  compilerOptions: { strict: true, outDir: "bin", target: "es2020", module: "commonjs", moduleResolution: "node", esModuleInterop: true },
  files: ["index.ts"],
};

/**
 * A new TypeScript Pulumi project in `folder` (which exists), as the README has a user make one:
 * package.json with these dependencies and TypeScript, Pulumi.yaml, tsconfig.json and index.ts.
 */
export async function writeUserProject(folder: string, dependencies: Record<string, string> = {}): Promise<void> {
  const pkg = {
    name: "my-datasources",
    private: true,
    ...(Object.keys(dependencies).length > 0 ? { dependencies } : {}),
    devDependencies: { "@types/node": "^22.19.0", typescript: "5.9.3" },
  };
  await writeFile(join(folder, "package.json"), JSON.stringify(pkg, null, 2));
  await writeFile(join(folder, "Pulumi.yaml"), "name: my-datasources\nruntime: nodejs\n");
  await writeFile(join(folder, "tsconfig.json"), JSON.stringify(TSCONFIG, null, 2));
  await writeFile(join(folder, "index.ts"), PROGRAM);
}
