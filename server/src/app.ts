import { Socket } from "node:net";
import { TLSSocket } from "node:tls";
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { z } from "zod";
import type { Scope } from "@ablo/api";
import { requireScope, type Authenticator, type Principal } from "./auth";
import type { Clock } from "./clock";
import type { Datasources, Reply } from "./datasources";
import { ApiError, InvalidRequestError, RateLimitError, ServerError } from "./errors";
import { corruptBody, type FaultPlan, type Faults } from "./faults";
import type { Idempotency } from "./idempotency";
import { answerClientError, loggedUrl, newRequestId, shownPath } from "./edge";
import { accessLogger, type Logger } from "./logger";
import { parseJsonBody, unknownParameter } from "./params";
import type { RateLimiter } from "./rate-limit";

export const DEFAULT_BODY_LIMIT = 64 * 1024;

/**
 * Which endpoints are served. `full`: the whole contract (api/README.md). `minimal`: what the
 * published reference documents (create) plus retrieve and delete by id; list and update are then
 * not routes at all and answer like any unknown URL (404 `unrecognized_request_url`), as a service
 * that never implemented them would.
 */
export const SURFACES = ["full", "minimal"] as const;
export type Surface = (typeof SURFACES)[number];

export interface AppDeps {
  auth: Authenticator;
  datasources: Datasources;
  idempotency: Idempotency;
  rateLimiter: RateLimiter;
  faults: Faults;
  logger: Logger;
  /** The server's clock: the `Date` header of every answer (the one Datasources and Idempotency read). */
  clock: Clock;
  /** The OpenAPI document, serialized once. */
  openapi: string;
  bodyLimit?: number;
  /**
   * POST/GET/DELETE /_admin/faults and GET /_admin/datasources (off by default: anyone who can
   * reach it can break the server).
   */
  admin?: boolean;
  /** Which endpoints are served (default `full`; see Surface). */
  surface?: Surface;
  /** Serve HTTPS with this PEM key and certificate (`serve --tls`). */
  https?: { key: string; cert: string };
}

interface RequestState {
  started: number;
  faults: FaultPlan | undefined;
  /** The access line is written (frameworkErrors writes its own when no hook did). */
  logged: boolean;
}

const JSON_TYPE = "application/json; charset=utf-8";
const state = new WeakMap<FastifyRequest, RequestState>();
const pathOf = (url: string): string => {
  const q = url.indexOf("?");
  return q < 0 ? url : url.slice(0, q);
};

/**
 * The HTTP layer on fastify. It owns transport concerns only: request ids, access logs, faults,
 * body parsing, auth, rate limits and error shapes. The endpoints themselves live in Datasources,
 * framework-free.
 */
export function buildApp(deps: AppDeps): FastifyInstance {
  const { logger } = deps;
  const app = Fastify({
    logger: false,
    bodyLimit: deps.bodyLimit ?? DEFAULT_BODY_LIMIT,
    genReqId: newRequestId,
    // Never trust a client-chosen request id: ours appear in logs and error bodies.
    requestIdHeader: false,
    // Fastify's own 503 while closing has neither our error shape nor a Request-Id; requests
    // that still arrive on open connections are served (the store closes after the server).
    return503OnClosing: false,
    forceCloseConnections: "idle",
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 256 },
    // Malformed URLs and the like: same error shape, Request-Id and log line as everything else
    // (fastify calls this before any hook has run).
    frameworkErrors: (err, req, reply) => {
      state.set(req, { started: performance.now(), faults: undefined, logged: false });
      reply.header("Request-Id", req.id);
      // This reply skips the onSend hook that sets Date for every other answer.
      reply.header("Date", deps.clock.httpDate());
      sendError(req, reply, toApiError(err));
      if (!state.get(req)!.logged) accessLog(req, reply.statusCode);
    },
    // Requests Node's HTTP parser refuses never reach fastify: answered in the contract's shape too.
    clientErrorHandler: (err, socket) => {
      const reqId = newRequestId();
      const status = answerClientError(err, socket, reqId, deps.clock.httpDate());
      if (status !== undefined) access.write({ reqId, method: "-", url: "(unreadable request)", status, ms: undefined });
    },
    ...(deps.https ? { https: deps.https } : {}),
  });

  // Bodies arrive as raw bytes: parsing is ours, so that every failure has the contract's shape.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => done(null, body));

  // Callback style: the common case (no faults) costs no promise.
  app.addHook("onRequest", (req, reply, done) => {
    state.set(req, { started: performance.now(), faults: undefined, logged: false });
    reply.header("Request-Id", req.id);
    const path = pathOf(req.url);
    if (!deps.faults.active || path.startsWith("/_admin/")) return done();
    applyFaults(req, reply, path).then(() => done(), done);
  });

  /** The faults decided before the request runs: latency, then an error, a 429 or a reset. */
  async function applyFaults(req: FastifyRequest, reply: FastifyReply, path: string): Promise<void> {
    const plan = deps.faults.plan(req.method, path);
    state.get(req)!.faults = plan;
    if (plan.latencyMs > 0) await new Promise((r) => setTimeout(r, plan.latencyMs));
    const t = plan.terminal;
    if (t?.action === "reset") {
      reply.hijack(); // fastify stops here: nothing is sent
      accessLog(req, 0, "fault: connection reset");
      resetConnection(req.raw.socket);
      return;
    }
    if (t?.action === "error") throw new ServerError("injected_fault", "An injected fault: the server failed this request (nothing was changed).", t.status);
    if (t?.action === "rate_limit") throw new RateLimitError(t.retryAfter, "An injected rate limit: retry after the Retry-After delay.");
  }

  /**
   * A TCP RST. A TLS socket's handle is a TLSWrap, which resetAndDestroy refuses
   * (ERR_INVALID_HANDLE_TYPE): reset the TCP socket under it (`_parent`, undocumented but
   * long-standing), and if that is ever missing or refused, just destroy the connection.
   */
  function resetConnection(socket: Socket): void {
    const tcp: unknown = socket instanceof TLSSocket ? (socket as TLSSocket & { _parent?: unknown })._parent : socket;
    try {
      if (tcp instanceof Socket) tcp.resetAndDestroy();
    } catch {
      // degrade to the destroy below
    }
    socket.destroy();
  }

  // Logged before the answer is handed to the socket, not after: whoever holds a response can
  // already find its log line (tests and the e2e suite count requests in the logs). Answers
  // sent in the same turn (the creates of one journal write, say) share one log write: each
  // line is queued, and the answers go out right after the write, at the end of the turn.
  let held: Array<() => void> = [];
  const release = (): void => {
    const go = held;
    held = [];
    try {
      access.flush();
    } finally {
      for (const send of go) send();
    }
  };
  app.addHook("onSend", (req, reply, payload, done) => {
    // Node would write its own Date, on the real clock: every answer shows the server's.
    reply.header("Date", deps.clock.httpDate());
    accessLog(req, reply.statusCode, undefined, true);
    if (held.push(() => done(null, payload)) === 1) process.nextTick(release);
  });

  app.setErrorHandler((err, req, reply) => sendError(req, reply, toApiError(err)));
  app.setNotFoundHandler((req, reply) => {
    const shown = shownPath(pathOf(req.url));
    const path = shown.length <= 200 ? shown : `${shown.slice(0, 200)}…`;
    return sendError(req, reply, new InvalidRequestError("unrecognized_request_url", `Unrecognized request URL (${req.method}: ${path}).`, undefined, 404));
  });

  const access = accessLogger(logger);
  function accessLog(req: FastifyRequest, status: number, note?: string, queue = false): void {
    const st = state.get(req);
    if (st) st.logged = true;
    const ms = st ? Math.round((performance.now() - st.started) * 10) / 10 : undefined;
    // Method, path, status, timing, request id: never headers or bodies.
    const url = loggedUrl(req.url);
    const line = note ? { reqId: req.id, method: req.method, url, status, ms, note } : { reqId: req.id, method: req.method, url, status, ms };
    if (queue) access.queue(line);
    else access.write(line);
  }

  function toApiError(err: unknown): ApiError {
    if (err instanceof ApiError) return err;
    const fe = err as Partial<FastifyError>;
    if (fe.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
      return new InvalidRequestError("body_too_large", `The request body is larger than ${deps.bodyLimit ?? DEFAULT_BODY_LIMIT} bytes.`, undefined, 413);
    }
    if (typeof fe.statusCode === "number" && fe.statusCode >= 400 && fe.statusCode < 500) {
      // Fastify's messages can quote headers: a fixed sentence per status instead.
      return new InvalidRequestError(
        fe.code === "FST_ERR_BAD_URL" ? "invalid_url" : "invalid_request",
        "The request could not be read (malformed URL, headers or body).",
        undefined,
        fe.statusCode,
      );
    }
    logger.error({ err: { name: (err as Error)?.name, code: fe.code } }, "unhandled error");
    return new ServerError();
  }

  function sendError(req: FastifyRequest, reply: FastifyReply, err: ApiError): FastifyReply {
    return reply
      .code(err.status)
      .headers(err.headers)
      .type(JSON_TYPE)
      .send(JSON.stringify(err.toBody(req.id)));
  }

  /** Sends a Reply, or drops it after the commit when a fault says so. */
  function send(req: FastifyRequest, reply: FastifyReply, r: Reply): FastifyReply | undefined {
    if (state.get(req)?.faults?.abandonMs) {
      reply.hijack(); // its connection is gone (see idempotent)
      return undefined;
    }
    if (state.get(req)?.faults?.dropAfterCommit) {
      reply.hijack();
      accessLog(req, 0, "fault: response dropped after commit");
      req.raw.socket.destroy();
      return undefined;
    }
    const corruption = state.get(req)?.faults?.corruption;
    if (corruption !== undefined && r.status < 300) {
      return reply.code(r.status).type(JSON_TYPE).send(corruptBody(r.body, corruption));
    }
    return reply
      .code(r.status)
      .headers(r.headers ?? {})
      .type(JSON_TYPE)
      .send(r.body);
  }

  /**
   * Auth, then rate limit (per key), then scope; then the endpoint. Not async: an endpoint that
   * answers synchronously (retrieve, list) is sent in the same turn, and one that returns a
   * promise costs a single continuation (fastify catches what is thrown here and sends it).
   */
  function endpoint(scope: Scope, fn: (p: Principal, req: FastifyRequest) => Reply | Promise<Reply>) {
    return (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> | undefined => {
      const p = deps.auth.authenticate(req.headers.authorization);
      reply.headers(deps.rateLimiter.take(p.keyId));
      requireScope(p, scope);
      const r = fn(p, req);
      if (r instanceof Promise) return r.then((x) => send(req, reply, x));
      send(req, reply, r);
      return undefined;
    };
  }

  /** POSTs: JSON body and Idempotency-Key handling around the endpoint. */
  function idempotent(fn: (p: Principal, req: FastifyRequest, body: unknown, ticket: Parameters<Datasources["create"]>[2]) => Reply | Promise<Reply>) {
    return (p: Principal, req: FastifyRequest): Promise<Reply> | Reply => {
      const body = parseJsonBody(req.headers["content-type"], req.body as Buffer | undefined);
      const idem = deps.idempotency.begin(p, req.headers["idempotency-key"], req.method, pathOf(req.url), body);
      if (idem === undefined) return fn(p, req, body, undefined);
      if (idem.kind === "replay") return { status: idem.status, body: idem.body, headers: { "Idempotent-Replayed": "true" } };
      let r: Reply | Promise<Reply>;
      const abandonMs = state.get(req)?.faults?.abandonMs ?? 0;
      try {
        if (abandonMs > 0) {
          // The client's connection is lost; the server goes on, holding the key, then commits.
          accessLog(req, 0, "fault: connection lost while processing");
          req.raw.socket.destroy();
          r = new Promise<void>((resolve) => setTimeout(resolve, abandonMs)).then(() => fn(p, req, body, idem));
        } else {
          r = fn(p, req, body, idem);
        }
      } catch (e) {
        idem.release();
        throw e;
      }
      if (!(r instanceof Promise)) {
        idem.release();
        return r;
      }
      return r.finally(() => idem.release());
    };
  }

  type WithId = FastifyRequest<{ Params: { id: string } }>;
  /** Only the list takes query parameters: elsewhere an unknown one is a 400, as in bodies. */
  const noQuery = (req: FastifyRequest): void => {
    const extra = Object.keys(req.query as object)[0];
    if (extra !== undefined) throw unknownParameter([], extra);
  };
  const idOf = (req: FastifyRequest): string => (noQuery(req), (req as WithId).params.id);
  const ds = deps.datasources;
  app.get("/v1/openapi.json", async (_req, reply) => reply.type(JSON_TYPE).send(deps.openapi));
  app.post(
    "/v1/datasources",
    endpoint(
      "datasources:write",
      idempotent((p, req, body, ticket) => (noQuery(req), ds.create(p, body, ticket))),
    ),
  );
  const full = (deps.surface ?? "full") === "full";
  if (full) {
    app.get(
      "/v1/datasources",
      endpoint("datasources:read", (p, req) => ds.list(p, req.query)),
    );
  }
  app.get(
    "/v1/datasources/:id",
    endpoint("datasources:read", (p, req) => ds.retrieve(p, idOf(req))),
  );
  if (full) {
    app.post(
      "/v1/datasources/:id",
      endpoint(
        "datasources:write",
        idempotent((p, req, body, ticket) => ds.update(p, idOf(req), body, ticket)),
      ),
    );
  }
  app.delete(
    "/v1/datasources/:id",
    endpoint("datasources:write", (p, req) => ds.delete(p, idOf(req))),
  );

  if (deps.admin) {
    const faultsReply = (reply: FastifyReply) => reply.type(JSON_TYPE).send(JSON.stringify({ object: "faults", rules: deps.faults.list() }));
    app.get("/_admin/faults", async (_req, reply) => faultsReply(reply));
    app.post("/_admin/faults", async (req, reply) => {
      const body = parseJsonBody(req.headers["content-type"], req.body as Buffer | undefined);
      try {
        deps.faults.replace(body);
      } catch (e) {
        if (e instanceof z.ZodError)
          throw new InvalidRequestError(
            "parameter_invalid",
            `Invalid fault rules: ${e.issues[0]?.message ?? "unreadable"} at ${e.issues[0]?.path.join(".") ?? ""}.`,
            "rules",
          );
        throw e;
      }
      logger.warn({ rules: deps.faults.list().length }, "fault rules replaced");
      return faultsReply(reply);
    });
    app.delete("/_admin/faults", async (_req, reply) => {
      deps.faults.clear();
      return faultsReply(reply);
    });
    // The list, whatever the surface: what test harnesses count the server's records with
    // (harness/src/api-reader.ts) when the surface has no list route. Same key, scope, query and
    // page as GET /v1/datasources; no faults (none apply under /_admin/) and no rate limit.
    app.get("/_admin/datasources", (req, reply) => {
      const p = deps.auth.authenticate(req.headers.authorization);
      requireScope(p, "datasources:read");
      send(req, reply, ds.list(p, req.query));
    });
  }
  return app;
}
