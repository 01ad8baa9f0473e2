import {
  CreateDatasourceParamsSchema,
  DatasourceListSchema,
  DatasourceSchema,
  DeletedDatasourceSchema,
  ERROR_STATUS,
  ErrorBodySchema,
  IDEMPOTENCY,
  LIST_LIMITS,
  METADATA_LIMITS,
  NOT_FOUND_STATUS,
  UpdateDatasourceParamsSchema,
} from "@ablo/api";
import { z } from "zod";

function schemaOf(s: z.ZodType, io: "input" | "output"): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io, target: "draft-2020-12", unrepresentable: "any" }) as Record<string, unknown>;
  return rest;
}

/** The key-count limit is a zod refinement, which JSON Schema output drops: state it here. */
function withMetadataLimit(schema: Record<string, unknown>): Record<string, unknown> {
  const metadata = (schema.properties as Record<string, Record<string, unknown>> | undefined)?.metadata;
  if (metadata) metadata.maxProperties = METADATA_LIMITS.maxKeys;
  return schema;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const jsonBody = (name: string) => ({ content: { "application/json": { schema: ref(name) } } });

const errorBody = (description: string) => ({ description, ...jsonBody("Error") });

const ERROR_RESPONSES = {
  [ERROR_STATUS.invalid_request_error]: errorBody("invalid_request_error (param names the parameter)"),
  [ERROR_STATUS.authentication_error]: errorBody("authentication_error: missing or unknown token"),
  [ERROR_STATUS.permission_error]: errorBody("permission_error: the token lacks the scope"),
  [NOT_FOUND_STATUS]: errorBody("invalid_request_error/resource_missing (also another organization's or mode's id)"),
  [ERROR_STATUS.rate_limit_error]: errorBody("rate_limit_error; Retry-After gives seconds"),
  [ERROR_STATUS.api_error]: errorBody("api_error"),
};

const idempotencyHeader = {
  name: "Idempotency-Key",
  in: "header",
  required: false,
  description: "Replays the first response for 24 h when sent again with the same parameters; other parameters answer 409.",
  schema: { type: "string", minLength: 1, maxLength: IDEMPOTENCY.maxKeyLength },
};
const idParam = { name: "id", in: "path", required: true, schema: { type: "string" } };
const withIdempotency = { ...ERROR_RESPONSES, [ERROR_STATUS.idempotency_error]: errorBody("idempotency_error") };

/**
 * OpenAPI 3.1 generated from the same zod schemas that validate requests and responses; with
 * `minimal`, only the operations that surface serves (no list, no update).
 */
export function openApiDocument(surface: "full" | "minimal" = "full"): Record<string, unknown> {
  const full = surface === "full";
  return {
    openapi: "3.1.0",
    info: { title: "Ablo Datasource API (ablo-local)", version: "1" },
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    security: [{ bearer: [] }],
    paths: {
      "/v1/datasources": {
        post: {
          operationId: "createDatasource",
          summary: "Register a datasource",
          parameters: [idempotencyHeader],
          requestBody: { required: true, ...jsonBody("CreateDatasourceParams") },
          responses: { "200": { description: "The registered datasource", ...jsonBody("Datasource") }, ...withIdempotency },
        },
        ...(full && {
          get: {
            operationId: "listDatasources",
            summary: "List datasources, newest first",
            parameters: [
              { name: "limit", in: "query", schema: { type: "integer", minimum: LIST_LIMITS.min, maximum: LIST_LIMITS.max, default: LIST_LIMITS.default } },
              { name: "starting_after", in: "query", schema: { type: "string" } },
            ],
            responses: { "200": { description: "A page", ...jsonBody("DatasourceList") }, ...ERROR_RESPONSES },
          },
        }),
      },
      "/v1/datasources/{id}": {
        get: {
          operationId: "retrieveDatasource",
          parameters: [idParam],
          responses: { "200": { description: "The datasource", ...jsonBody("Datasource") }, ...ERROR_RESPONSES },
        },
        ...(full && {
          post: {
            operationId: "updateDatasource",
            summary: "Update metadata, or rotate credentials for the same host, port and database",
            parameters: [idParam, idempotencyHeader],
            requestBody: { required: true, ...jsonBody("UpdateDatasourceParams") },
            responses: { "200": { description: "The updated datasource", ...jsonBody("Datasource") }, ...withIdempotency },
          },
        }),
        delete: {
          operationId: "deleteDatasource",
          parameters: [idParam],
          responses: { "200": { description: "Deleted", ...jsonBody("DeletedDatasource") }, ...ERROR_RESPONSES },
        },
      },
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "sk_live_…, sk_test_…, or a capability token cap_live_…/cap_test_…" } },
      schemas: {
        CreateDatasourceParams: withMetadataLimit(schemaOf(CreateDatasourceParamsSchema, "input")),
        ...(full && { UpdateDatasourceParams: withMetadataLimit(schemaOf(UpdateDatasourceParamsSchema, "input")) }),
        Datasource: schemaOf(DatasourceSchema, "output"),
        DeletedDatasource: schemaOf(DeletedDatasourceSchema, "output"),
        ...(full && { DatasourceList: schemaOf(DatasourceListSchema, "output") }),
        Error: schemaOf(ErrorBodySchema, "output"),
      },
    },
  };
}
