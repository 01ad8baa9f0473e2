import {
  CreateDatasourceParamsSchema,
  DatasourceListSchema,
  DatasourceSchema,
  DeletedDatasourceSchema,
  ErrorBodySchema,
  IDEMPOTENCY,
  LIST_LIMITS,
  METADATA_LIMITS,
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

const ERROR_RESPONSES = {
  "400": { description: "invalid_request_error (param names the parameter)", ...jsonBody("Error") },
  "401": { description: "authentication_error: missing or unknown token", ...jsonBody("Error") },
  "403": { description: "permission_error: the token lacks the scope", ...jsonBody("Error") },
  "404": { description: "invalid_request_error/resource_missing (also another organization's or mode's id)", ...jsonBody("Error") },
  "429": { description: "rate_limit_error; Retry-After gives seconds", ...jsonBody("Error") },
  "500": { description: "api_error", ...jsonBody("Error") },
};

const idempotencyHeader = {
  name: "Idempotency-Key",
  in: "header",
  required: false,
  description: "Replays the first response for 24 h when sent again with the same parameters; other parameters answer 409.",
  schema: { type: "string", minLength: 1, maxLength: IDEMPOTENCY.maxKeyLength },
};
const idParam = { name: "id", in: "path", required: true, schema: { type: "string" } };
const withIdempotency = { ...ERROR_RESPONSES, "409": { description: "idempotency_error", ...jsonBody("Error") } };

/** OpenAPI 3.1 generated from the same zod schemas that validate requests and responses. */
export function openApiDocument(): Record<string, unknown> {
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
        get: {
          operationId: "listDatasources",
          summary: "List datasources, newest first",
          parameters: [
            { name: "limit", in: "query", schema: { type: "integer", minimum: LIST_LIMITS.min, maximum: LIST_LIMITS.max, default: LIST_LIMITS.default } },
            { name: "starting_after", in: "query", schema: { type: "string" } },
          ],
          responses: { "200": { description: "A page", ...jsonBody("DatasourceList") }, ...ERROR_RESPONSES },
        },
      },
      "/v1/datasources/{id}": {
        get: {
          operationId: "retrieveDatasource",
          parameters: [idParam],
          responses: { "200": { description: "The datasource", ...jsonBody("Datasource") }, ...ERROR_RESPONSES },
        },
        post: {
          operationId: "updateDatasource",
          summary: "Update metadata, or rotate credentials for the same host, port and database",
          parameters: [idParam, idempotencyHeader],
          requestBody: { required: true, ...jsonBody("UpdateDatasourceParams") },
          responses: { "200": { description: "The updated datasource", ...jsonBody("Datasource") }, ...withIdempotency },
        },
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
        UpdateDatasourceParams: withMetadataLimit(schemaOf(UpdateDatasourceParamsSchema, "input")),
        Datasource: schemaOf(DatasourceSchema, "output"),
        DeletedDatasource: schemaOf(DeletedDatasourceSchema, "output"),
        DatasourceList: schemaOf(DatasourceListSchema, "output"),
        Error: schemaOf(ErrorBodySchema, "output"),
      },
    },
  };
}
