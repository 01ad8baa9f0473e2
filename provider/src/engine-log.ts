import { createRequire } from "node:module";

interface EngineLogClient {
  log(req: unknown, cb: (err: Error | null) => void): void;
}
type GrpcJs = { credentials: { createInsecure(): unknown } };

/**
 * Warnings the user sees in the engine's output (`warning: …`), sent over the engine's own Log
 * RPC: the provider process's stderr only reaches the engine's verbose log. Each host hands over
 * the engine's address, which the engine gives every provider on its command line. Messages are
 * ours (routes, URLs, ids), never a value from the program.
 */
export class EngineLog {
  #address: string | undefined;
  #client: EngineLogClient | undefined;
  readonly #said = new Set<string>();

  setAddress(address: string | undefined): void {
    if (address && /^[\w.[\]:-]+:\d+$/.test(address)) this.#address = address;
  }

  /** Says `message` once per provider process for `topic`; never fails the caller. */
  warnOnce(topic: string, message: string): void {
    if (this.#said.has(topic)) return;
    this.#said.add(topic);
    try {
      const client = this.client();
      if (!client) return;
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when there is something to say
      const pb = require("@pulumi/pulumi/proto/engine_pb") as typeof import("@pulumi/pulumi/proto/engine_pb");
      const req = new pb.LogRequest();
      req.setSeverity(pb.LogSeverity.WARNING);
      req.setMessage(message);
      client.log(req, () => undefined);
    } catch {
      // A warning that cannot be delivered must not fail the operation.
    }
  }

  private client(): EngineLogClient | undefined {
    if (this.#client || this.#address === undefined) return this.#client;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when there is something to say
    const { EngineClient } = require("@pulumi/pulumi/proto/engine_grpc_pb") as { EngineClient: new (addr: string, creds: unknown) => EngineLogClient };
    this.#client = new EngineClient(this.#address, grpcJs().credentials.createInsecure());
    return this.#client;
  }
}

function grpcJs(): GrpcJs {
  try {
    // grpc-js as @pulumi/pulumi resolves it: the copy its generated stubs use.
    return createRequire(require.resolve("@pulumi/pulumi"))("@grpc/grpc-js") as GrpcJs;
  } catch {
    // A single-file bundle (the plugin's archive) has no package folders, and one grpc-js.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when there is something to say
    return require("@grpc/grpc-js") as GrpcJs;
  }
}
