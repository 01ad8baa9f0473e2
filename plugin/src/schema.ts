import { API_BASE_URL, camel, DEFAULT_SCHEMA, DirectDatasourceSchema, METADATA_LIMITS } from "@ablo/api";
import { CONSTANT_FIELDS, DATASOURCE_TYPE, LOOK_UP_FIELDS, LOOK_UP_FUNCTION, PACKAGE_NAME, type DatasourceOutputs } from "@ablo/provider";
import { z } from "zod";

/** A property in Pulumi's package schema: the subset of its type system the Datasource uses. */
interface PropertySpec {
  type: "string" | "integer" | "number" | "boolean" | "object";
  additionalProperties?: { type: "string" };
  description: string;
  secret?: boolean;
  default?: string | boolean;
}

type JsonSchema = { type?: string | string[]; additionalProperties?: JsonSchema };

/** A zod-derived JSON schema as a Pulumi type (`string | null` is an optional string). */
function pulumiType(js: JsonSchema): Pick<PropertySpec, "type" | "additionalProperties"> {
  const type = (Array.isArray(js.type) ? js.type.filter((t) => t !== "null")[0] : js.type) as PropertySpec["type"] | undefined;
  if (type === undefined) throw new Error(`no Pulumi type for ${JSON.stringify(js)}`);
  return type === "object" ? { type, additionalProperties: { type: "string" } } : { type };
}

/** What each output means; typed over the outputs so that a new field cannot go undescribed. */
const OUTPUT_DESCRIPTIONS: Record<keyof Required<DatasourceOutputs>, string> = {
  status: "`unverified` until Ablo has connected once, then `active`, or `rejected` (see lastError).",
  livemode: "Whether the datasource belongs to live mode (a `sk_live_` key) rather than test mode.",
  metadata: "The datasource's metadata, as Ablo stores it (the provider's own owner mark left out).",
  created: "When it was registered, in Unix seconds.",
  host: "The host of the connection string, normalized as Ablo normalizes it.",
  database: "The database of the connection string (libpq's default: the user name).",
  schema: "The PostgreSQL schema whose tables are synced.",
  displayName: "A credential-free summary, e.g. `app@db.example.com:5432/shop`.",
  lastError: "Why verification failed, in words without credentials; empty otherwise.",
  port: "The port of the connection string (the API does not return it).",
  fingerprint: "A salted SHA-256 of the connection string, for change detection only.",
};

/** Always secret: derived from the credentials. */
export const SECRET_OUTPUTS: readonly string[] = ["fingerprint"];

/** The outputs: the stored fields of a direct datasource (outputs.ts), camelCased, plus port and fingerprint. */
export function outputProperties(): Record<string, PropertySpec> {
  const api = z.toJSONSchema(DirectDatasourceSchema) as { properties: Record<string, JsonSchema> };
  const props: Record<string, PropertySpec> = {};
  for (const [field, js] of Object.entries(api.properties)) {
    if (field === "id" || (CONSTANT_FIELDS as readonly string[]).includes(field)) continue;
    const name = camel(field) as keyof typeof OUTPUT_DESCRIPTIONS;
    props[name] = { ...pulumiType(js), description: OUTPUT_DESCRIPTIONS[name] };
  }
  props.port = { type: "integer", description: OUTPUT_DESCRIPTIONS.port };
  props.fingerprint = { type: "string", description: OUTPUT_DESCRIPTIONS.fingerprint };
  for (const k of SECRET_OUTPUTS) props[k] = { ...props[k]!, secret: true };
  return props;
}

/**
 * What `getDatasource` returns: the id and the resource's outputs the API gives back (provider's
 * look-up.ts: not port nor fingerprint), described as the resource describes them. Never secret:
 * none is a credential.
 */
export function lookUpOutputProperties(): Record<string, PropertySpec> {
  const outputs = outputProperties();
  const props: Record<string, PropertySpec> = { id: { type: "string", description: "The datasource's id (`ds_…` or `ds_test_…`)." } };
  for (const k of LOOK_UP_FIELDS) if (k !== "id") props[k] = outputs[k]!;
  return props;
}

export const INPUT_PROPERTIES = {
  connectionString: {
    type: "string",
    secret: true,
    description:
      "`postgres://user:password@host:port/database?sslmode=require`. Always a secret; never returned. A new host, port or database " +
      "replaces the datasource; new credentials for the same database are rotated in place and verified again.",
  },
  schema: { type: "string", default: DEFAULT_SCHEMA, description: "PostgreSQL schema of the synced tables. Changing it replaces the datasource." },
  metadata: {
    type: "object",
    additionalProperties: { type: "string" },
    description:
      `Up to ${METADATA_LIMITS.maxKeys} string pairs (keys up to ${METADATA_LIMITS.maxKeyLength} characters, ` +
      `values up to ${METADATA_LIMITS.maxValueLength}). Changed in place.`,
  },
  waitForVerification: {
    type: "boolean",
    default: true,
    description:
      "Wait for Ablo to verify the connection, at creation and after a rotation, within customTimeouts.create or .update " +
      "(5 minutes by default). " +
      "A datasource rejected at creation is deleted again.",
  },
} as const satisfies Record<string, PropertySpec>;

export const CONFIG_PROPERTIES = {
  apiKey: { type: "string", secret: true, description: "Ablo API key (`sk_test_…` or `sk_live_…`); else the ABLO_API_KEY environment variable." },
  baseUrl: { type: "string", description: `Base URL of the Ablo API (default ${API_BASE_URL}); else the ABLO_BASE_URL environment variable.` },
} as const satisfies Record<string, PropertySpec>;

/** The Go SDK's import path: its package in this repository (sdk/go/ablo; the module is sdk/go). */
const GO_IMPORT_PATH = "github.com/abloatai/pulumi-ablo/sdk/go/ablo";

/**
 * The Python package's README: its long description on a package index (PyPI or the team's own),
 * and what `pip show` and an IDE show. Markdown, as pyproject.toml's `readme = "README.md"` says.
 */
const PYTHON_README = `# pulumi_ablo

Register PostgreSQL databases with Ablo as datasources from a Pulumi program in Python: the
connection string is a secret end to end, credentials rotate in place, and changes made outside
Pulumi show up as drift.

\`\`\`sh
pip install pulumi_ablo   # from the package index your team publishes it to
\`\`\`

\`\`\`python
import pulumi
import pulumi_ablo as ablo

orders = ablo.Datasource("orders",
    connection_string=pulumi.Config().require_secret("ordersUrl"),
    metadata={"team": "orders"})
pulumi.export("status", orders.status)  # "active" once Ablo has verified the connection
\`\`\`

Configuration: \`pulumi config set --secret ablo:apiKey\` (\`sk_test_…\` or \`sk_live_…\`) and, for
another server than the default, \`ablo:baseUrl\`.

Needs Python 3.10 or newer and \`pulumi\` 3; the resources are served by the provider plugin
\`pulumi-resource-ablo\` of the same version, a Node.js program (Node.js 22 or newer on \`PATH\`).
`;

/** The package schema the engine and Pulumi YAML read through GetSchema (pluginDownloadURL: where the engine downloads the plugin). */
export function packageSchema(version: string, pluginDownloadURL?: string): string {
  const outputs = outputProperties();
  const required = ["status", "livemode", "metadata", "created", "host", "database", "schema", "displayName"];
  return JSON.stringify({
    name: PACKAGE_NAME,
    displayName: "Ablo",
    version,
    ...(pluginDownloadURL ? { pluginDownloadURL } : {}),
    description: "Registers PostgreSQL databases with Ablo as datasources.",
    license: "Apache-2.0",
    // Also where the Go generator of `pulumi import` takes the SDK's import path from, since the
    // engine's loader drops language.go: github.com/abloatai/pulumi-ablo/sdk/go/ablo, as generated.
    repository: "https://github.com/abloatai/pulumi-ablo",
    // What Pulumi's SDK generators read (`npm run gen-sdk` writes sdk/src/plugin, sdk/python and
    // sdk/go). TypeScript: the SDK's entry point that exports the generated code. Python: the module
    // `pulumi_ablo` (the name `pulumi import` writes too), built with a pyproject.toml. Go: the
    // package at sdk/go/ablo of this repository, so that `go get GO_IMPORT_PATH` fetches it; its
    // go.mod (module sdk/go, one folder up) is written by the Go generator because of supportPack,
    // which changes nothing else here (the other two already respect the version). All carry this
    // schema's version, so that a program asks the engine for the plugin of that version. (The
    // engine's loader drops these sections when `pulumi import` generates code: see
    // scripts/engine/langhost/codegen.go.)
    // Python's `pythonRequires` is the `pulumi` wheel's own floor (3.10; the generator's default says
    // 3.9, which pip would accept and then fail on `pulumi`); `readme` is the package's README, and
    // scripts/gen-sdk.sh puts a copy beside pyproject.toml, whose `readme` names it there.
    meta: { supportPack: true },
    language: {
      nodejs: { packageName: "@ablo/pulumi/plugin", respectSchemaVersion: true },
      python: { packageName: "pulumi_ablo", pyproject: { enabled: true }, respectSchemaVersion: true, pythonRequires: ">=3.10", readme: PYTHON_README },
      go: { importBasePath: GO_IMPORT_PATH, respectSchemaVersion: true },
    },
    config: { variables: CONFIG_PROPERTIES },
    provider: { description: "The Ablo provider: an API key and, optionally, a base URL.", inputProperties: CONFIG_PROPERTIES },
    resources: {
      [DATASOURCE_TYPE.plugin]: {
        description: "A PostgreSQL database registered with Ablo. Import an existing one with `pulumi import ablo:index:Datasource <name> <id>`.",
        properties: outputs,
        required,
        inputProperties: INPUT_PROPERTIES,
        requiredInputs: ["connectionString"],
      },
    },
    functions: {
      [LOOK_UP_FUNCTION]: {
        description:
          "Looks up an existing datasource by id (one `GET /v1/datasources/{id}`): its fields as the Datasource resource outputs them, " +
          "less `port` (only the connection string holds it) and `fingerprint`. Never returns a credential. " +
          "An id that does not exist, or of the other mode than ablo:apiKey, fails naming the id.",
        inputs: {
          properties: { id: { type: "string", description: "The datasource's id: `ds_…` (live) or `ds_test_…` (sandbox), the mode of ablo:apiKey." } },
          required: ["id"],
        },
        outputs: { properties: lookUpOutputProperties(), required: ["id", ...required] },
      },
    },
  });
}
