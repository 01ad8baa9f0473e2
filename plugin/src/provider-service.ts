import { isDeepStrictEqual } from "node:util";
import * as grpc from "@grpc/grpc-js";
import { AbloError } from "@ablo/client";
import { isConnectionStringError } from "@ablo/connection";
import {
  DatasourceCore,
  DatasourceProviderError,
  detailedDiff,
  engineFailures,
  LOOK_UP_FUNCTION,
  ownerKey,
  UNKNOWN,
  UnknownFunctionError,
  type CheckFailure,
  type DatasourceOutputs,
} from "@ablo/provider";
import * as emptyproto from "google-protobuf/google/protobuf/empty_pb";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import * as plugproto from "@pulumi/pulumi/proto/plugin_pb";
import type { IResourceProviderServer } from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import { ZodError } from "zod";
import { checkConfig, configSource, diffConfig } from "./config";
import { INPUT_PROPERTIES, lookUpOutputProperties, outputProperties, packageSchema, SECRET_OUTPUTS } from "./schema";
import { apiKeyInPlainText, stackOf } from "./stack-file";
import { conceal, defined, reveal, type Props } from "./values";

type Handlers = Pick<
  IResourceProviderServer,
  | "handshake"
  | "getSchema"
  | "getPluginInfo"
  | "attach"
  | "cancel"
  | "checkConfig"
  | "diffConfig"
  | "configure"
  | "check"
  | "diff"
  | "create"
  | "read"
  | "update"
  | "delete"
  | "invoke"
>;

const INPUT_KEYS = Object.keys(INPUT_PROPERTIES);
/** Always secret, whatever the program did: the credentials, and what is derived from them. */
const SECRET_INPUTS = ["connectionString"];

const props = (s: structproto.Struct | undefined): Props => s?.toJavaScript() ?? {};
const struct = (p: Props): structproto.Struct => structproto.Struct.fromJavaScript(defined(p) as Record<string, structproto.JavaScriptValue>);

/**
 * What the engine shows of an error. Our typed errors never hold a connection string or key, so
 * their message is what the user reads; anything else (a bug) is named by its class only, as its
 * message could quote a value.
 */
function safeMessage(err: unknown): string {
  const ours = err instanceof DatasourceProviderError || err instanceof AbloError || isConnectionStringError(err) || err instanceof ZodError; // our schemas' messages; zod leaves the input out
  if (ours) return (err as Error).message;
  return `pulumi-resource-ablo failed unexpectedly (${err instanceof Error ? err.name : typeof err}); run with --logtostderr -v=9 and report it`;
}

/** One unary call: the answer, or the error as the engine shows it. */
function unary<Req, Res>(fn: (req: Req) => Promise<Res> | Res): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    Promise.resolve()
      .then(() => fn(call.request))
      .then(
        (res) => callback(null, res),
        (err: unknown) => callback({ code: grpc.status.UNKNOWN, details: safeMessage(err) }, null),
      );
  };
}

function checkResponse(inputs: Props, failures: CheckFailure[]): provproto.CheckResponse {
  const resp = new provproto.CheckResponse().setInputs(struct(inputs));
  resp.setFailuresList(failures.map((f) => new provproto.CheckFailure().setProperty(f.property).setReason(f.reason)));
  return resp;
}

/** What a resource's outputs look like to the engine: the core's, with secrets marked again. */
function outputs(outs: DatasourceOutputs, secretKeys: Iterable<string>): structproto.Struct {
  return struct(conceal(outs, [...SECRET_OUTPUTS, ...secretKeys]));
}

/** customTimeouts of the call, in whole seconds: the core's verification wait; 0 means the default. */
function verificationTimeout(seconds: number): { verificationTimeoutSeconds?: number } {
  return seconds > 0 ? { verificationTimeoutSeconds: Math.ceil(seconds) } : {};
}

/**
 * What a create or update will give, for a preview: the engine asks a provider that handshakes
 * (it assumes previews are supported), and nothing may change on the API then. What the inputs
 * say is known; what only Ablo can say is unknown until apply.
 */
function planned(olds: Props, news: Props, unknown: readonly string[]): DatasourceOutputs {
  return {
    ...olds,
    ...Object.fromEntries(unknown.map((k) => [k, UNKNOWN])),
    schema: news.schema ?? olds.schema ?? INPUT_PROPERTIES.schema.default,
    metadata: news.metadata ?? {},
  } as DatasourceOutputs;
}
/** What only Ablo can say of a new datasource (every output but what the inputs give), and what a rotation changes. */
const NEW_DATASOURCE = Object.keys(outputProperties()).filter((k) => k !== "schema" && k !== "metadata");
const ROTATED = ["status", "displayName", "lastError", "fingerprint"] as const;
const LOOK_UP_OUTPUTS = Object.keys(lookUpOutputProperties());

/**
 * The inputs a read gives back: on refresh the stored ones with the live metadata; on import (no
 * stored inputs) what the program should write, never the connection string, which Ablo does not
 * return: the program adds it, and the first `up` sends it as a rotation.
 */
function readInputs(stored: Props, read: DatasourceOutputs): Props {
  const live = read.metadata ?? {};
  if (Object.keys(stored).length === 0) {
    // Never empty (schema at least): an import's inputs are told apart from a new resource's by that.
    return defined({ schema: read.schema, metadata: Object.keys(live).length > 0 ? live : undefined });
  }
  const { values, secretKeys } = reveal(stored);
  if (isDeepStrictEqual(values.metadata ?? {}, live)) return stored;
  return { ...stored, ...conceal({ metadata: live }, secretKeys.has("metadata") ? ["metadata"] : []) };
}

/**
 * A default provider, whose settings are the stack's config: its name is `default`, or
 * `default_<version>` and, from an SDK that names a plugin download URL (pulumi_ablo), that URL's
 * characters after it; so only its start is judged.
 */
const isDefaultProvider = (urn: string) => /^default(?:_|$)/.test(urn.split("::").at(-1) ?? "");

/** The engine's provider protocol for `ablo:index:Datasource`, on the core the dynamic provider uses. */
export function providerService(version: string, pluginDownloadURL?: string): Handlers {
  // One per plugin process: it holds the process's settings, connections and create recovery.
  const core = new DatasourceCore();
  return {
    handshake: unary(() => new provproto.ProviderHandshakeResponse().setAcceptSecrets(true).setAcceptResources(false).setAcceptOutputs(false)),
    getSchema: unary((req: provproto.GetSchemaRequest) => {
      if (req.getVersion() !== 0) throw new Error(`unsupported schema version ${req.getVersion()}`);
      return new provproto.GetSchemaResponse().setSchema(packageSchema(version, pluginDownloadURL));
    }),
    getPluginInfo: unary(() => new plugproto.PluginInfo().setVersion(version)),
    attach: unary(() => new emptyproto.Empty()),
    cancel: unary(() => new emptyproto.Empty()),

    checkConfig: unary((req: provproto.CheckRequest) => {
      // A default provider's settings are the stack's config, which its file may hold in plain text.
      const stack = isDefaultProvider(req.getUrn()) ? stackOf(req.getUrn()) : undefined;
      const plain = stack !== undefined && apiKeyInPlainText(stack) === true;
      const { inputs, failures, warnings } = checkConfig(props(req.getNews()), plain ? { stack } : undefined);
      // CheckConfig comes before Configure, which hands the core the engine's address.
      for (const w of warnings) core.warnOnce(w, process.argv.at(-1));
      return checkResponse(inputs, failures);
    }),
    diffConfig: unary((req: provproto.DiffRequest) => {
      const changed = diffConfig(req.getOldInputs() ? props(req.getOldInputs()) : props(req.getOlds()), props(req.getNews()));
      return new provproto.DiffResponse()
        .setChanges(changed.length > 0 ? provproto.DiffResponse.DiffChanges.DIFF_SOME : provproto.DiffResponse.DiffChanges.DIFF_NONE)
        .setDiffsList(changed);
    }),
    configure: unary((req: provproto.ConfigureRequest) => {
      // The engine starts a plugin with its own address as the last argument.
      core.configure(configSource(props(req.getArgs()), new Map(req.getVariablesMap().toArray())), process.argv.at(-1));
      return new provproto.ConfigureResponse().setAcceptsecrets(true).setAcceptresources(false).setAcceptoutputs(false).setSupportspreview(true);
    }),

    check: unary(async (req: provproto.CheckRequest) => {
      const raw = props(req.getNews());
      const news = reveal(raw).values;
      const olds = reveal(props(req.getOlds())).values;
      const unknownKeys = Object.keys(news).filter((k) => !INPUT_KEYS.includes(k));
      const known = Object.fromEntries(Object.entries(news).filter(([k]) => INPUT_KEYS.includes(k)));
      const { failures } = await core.check(olds, known);
      // An imported Datasource holds no credentials until the program gives them: the engine checks
      // what import read (the same olds and news, no connection string), and so does each `up` until then.
      const imported = news.connectionString === undefined && Object.keys(olds).length > 0 && isDeepStrictEqual(olds, news);
      return checkResponse(
        conceal(raw, SECRET_INPUTS),
        engineFailures(
          [
            ...unknownKeys.map((k) => ({ property: k, reason: `${k} is not a property of ablo:Datasource; it takes ${INPUT_KEYS.join(", ")}` })),
            ...failures.filter((f) => !(imported && f.property === "connectionString")),
          ],
          news,
        ),
      );
    }),
    diff: unary(async (req: provproto.DiffRequest) => {
      const d = await core.diff(req.getId(), reveal(props(req.getOlds())).values, reveal(props(req.getNews())).values);
      const resp = new provproto.DiffResponse()
        .setChanges(d.changes ? provproto.DiffResponse.DiffChanges.DIFF_SOME : provproto.DiffResponse.DiffChanges.DIFF_NONE)
        .setReplacesList(d.replaces)
        .setDiffsList([...d.replaces, ...d.updates])
        .setDeletebeforereplace(false)
        // The engine's display compares inputs with secrets masked, so without it a rotation named nothing.
        .setHasdetaileddiff(true);
      for (const [key, change] of Object.entries(detailedDiff(d))) {
        const kind = change === "update" ? provproto.PropertyDiff.Kind.UPDATE : provproto.PropertyDiff.Kind.UPDATE_REPLACE;
        resp.getDetaileddiffMap().set(key, new provproto.PropertyDiff().setKind(kind).setInputdiff(true));
      }
      return resp;
    }),
    create: unary(async (req: provproto.CreateRequest) => {
      const news = reveal(props(req.getProperties()));
      if (req.getPreview()) return new provproto.CreateResponse().setProperties(outputs(planned({}, news.values, NEW_DATASOURCE), news.secretKeys));
      // The owner mark comes from the URN, as the SDK computes it for the dynamic resource.
      const created = await core.create({ ...news.values, owner: ownerKey(req.getUrn()), ...verificationTimeout(req.getTimeout()) });
      return new provproto.CreateResponse().setId(created.id).setProperties(outputs(created.outs, news.secretKeys));
    }),
    read: unary(async (req: provproto.ReadRequest) => {
      const state = reveal(props(req.getProperties()));
      const read = await core.read(req.getId(), state.values);
      const resp = new provproto.ReadResponse();
      if (read.id === undefined || read.props === undefined) return resp; // gone: refresh drops it, import says it does not exist
      const inputs = readInputs(props(req.getInputs()), read.props);
      return resp
        .setId(read.id)
        .setProperties(outputs(read.props, [...state.secretKeys, ...reveal(inputs).secretKeys]))
        .setInputs(struct(inputs));
    }),
    update: unary(async (req: provproto.UpdateRequest) => {
      const news = reveal(props(req.getNews()));
      if (req.getPreview()) {
        const olds = reveal(props(req.getOlds())).values;
        const rotating = (await core.diff(req.getId(), olds, news.values)).updates.includes("connectionString");
        return new provproto.UpdateResponse().setProperties(outputs(planned(olds, news.values, rotating ? ROTATED : []), news.secretKeys));
      }
      const updated = await core.update(req.getId(), reveal(props(req.getOlds())).values, {
        ...news.values,
        ...verificationTimeout(req.getTimeout()),
      });
      return new provproto.UpdateResponse().setProperties(outputs(updated.outs, news.secretKeys));
    }),
    delete: unary(async (req: provproto.DeleteRequest) => {
      await core.delete(req.getId());
      return new emptyproto.Empty();
    }),

    // getDatasource: one GET per look-up; what it returns holds no credential, so nothing is marked secret.
    invoke: unary(async (req: provproto.InvokeRequest) => {
      if (req.getTok() !== LOOK_UP_FUNCTION) throw new UnknownFunctionError(req.getTok(), [LOOK_UP_FUNCTION]);
      const { id } = reveal(props(req.getArgs())).values;
      // An id not known yet (a preview, of a Datasource still to be created): nothing to ask, all unknown.
      if (id === UNKNOWN) return new provproto.InvokeResponse().setReturn(struct(Object.fromEntries(LOOK_UP_OUTPUTS.map((k) => [k, UNKNOWN]))));
      return new provproto.InvokeResponse().setReturn(struct(await core.lookUp(id)));
    }),
  };
}
