import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();
const count = config.requireNumber("count");
const tag = config.get("tag") ?? "a";
const pad = "x".repeat(config.getNumber("pad") ?? 0); // state bytes, to weigh their cost (bench/README.md)
const provider = `exports.handler = function () { return require(${JSON.stringify(`${__dirname}/provider.js`)}).provider; };\n`;

class Floor extends pulumi.CustomResource {
  constructor(name: string) {
    super("pulumi-nodejs:dynamic/floor:Empty", name, { tag, __provider: provider, ...(pad ? { pad } : {}) });
  }
}

export const ids = Array.from({ length: count }, (_, i) => new Floor(`r-${i}`).id);
