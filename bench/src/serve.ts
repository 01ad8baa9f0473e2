#!/usr/bin/env node
/**
 * `ablo-local serve` with the benchmark's floor routes added (benchServer starts the server with
 * this script): the framework's cost with nothing of the API's work, behind the same hooks
 * (request id, access log, faults) as the API's routes. They exist only in this process.
 */
import type { FastifyPluginAsync } from "fastify";
import { parseJsonBody, runCli } from "ablo-local";

const JSON_TYPE = "application/json; charset=utf-8";

export const benchRoutes: FastifyPluginAsync = async (app) => {
  app.get("/_bench/empty", async (_req, reply) => reply.type(JSON_TYPE).send("{}"));
  // The framework's floor for a JSON POST: the body read and parsed as a create's is, nothing else.
  app.post("/_bench/post", async (req, reply) => {
    parseJsonBody(req.headers["content-type"], req.body as Buffer | undefined);
    return reply.type(JSON_TYPE).send("{}");
  });
};

if (require.main === module) void runCli(process.argv, { plugins: [benchRoutes] });
