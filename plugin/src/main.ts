import * as grpc from "@grpc/grpc-js";
import { ResourceProviderService } from "@pulumi/pulumi/proto/provider_grpc_pb";
import { providerService } from "./provider-service";

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the package's own version, which GetPluginInfo and the schema report, and the schema's pluginDownloadURL
const { version, pluginDownloadURL } = require("../package.json") as { version: string; pluginDownloadURL?: string };

/**
 * `pulumi-resource-ablo`: the engine starts it (with its own address as the last argument, where
 * the provider sends its warnings) and reads the port it serves on from its first line
 * of output. Loopback only; the engine is on this machine.
 */
function main(): void {
  const server = new grpc.Server({ "grpc.max_receive_message_length": 1024 * 1024 * 400 });
  server.addService(ResourceProviderService, providerService(version, pluginDownloadURL));
  server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => {
    if (err) {
      process.stderr.write(`pulumi-resource-ablo: cannot listen on 127.0.0.1: ${err.message}\n`);
      process.exit(1);
    }
    process.stdout.write(`${port}\n`);
  });
}

main();
