/**
 * The schema's pluginDownloadURL: what GetSchema reports (from plugin/package.json, or an
 * override baked in at pack time), and nothing when there is none. The engine-driven path (the
 * engine installing the plugin from it) is test/e2e/plugin-install.test.ts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type * as grpc from "@grpc/grpc-js";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import { providerService } from "../../plugin/src/provider-service";
import { packageSchema } from "../../plugin/src/schema";

const pluginManifest = JSON.parse(readFileSync(join(__dirname, "..", "..", "plugin", "package.json"), "utf8")) as {
  version: string;
  pluginDownloadURL: string;
};
const schemaOf = (json: string) => JSON.parse(json) as { version: string; pluginDownloadURL?: string };

test("the schema carries the download URL it is given, and none when it has none", () => {
  expect(schemaOf(packageSchema("1.2.3", "https://files.example.com/ablo"))).toMatchObject({
    version: "1.2.3",
    pluginDownloadURL: "https://files.example.com/ablo",
  });
  expect(schemaOf(packageSchema("1.2.3"))).not.toHaveProperty("pluginDownloadURL");
});

test("GetSchema reports the plugin's download URL, this repository's releases by default", async () => {
  expect(pluginManifest.pluginDownloadURL).toBe("github://api.github.com/abloatai");
  const { getSchema } = providerService(pluginManifest.version, pluginManifest.pluginDownloadURL);
  const res = await new Promise<provproto.GetSchemaResponse>((resolve, reject) =>
    getSchema({ request: new provproto.GetSchemaRequest() } as grpc.ServerUnaryCall<provproto.GetSchemaRequest, provproto.GetSchemaResponse>, (err, r) =>
      err ? reject(new Error(err.details ?? "grpc error")) : resolve(r!),
    ),
  );
  expect(schemaOf(res.getSchema())).toMatchObject({ version: pluginManifest.version, pluginDownloadURL: pluginManifest.pluginDownloadURL });
});
