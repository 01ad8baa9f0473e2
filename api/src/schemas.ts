import { z } from "zod";
import { DEFAULT_SCHEMA, ID_PREFIX, IDEMPOTENCY, LIST_LIMITS, METADATA_LIMITS } from "./contract";

const { maxKeys, maxKeyLength, maxValueLength } = METADATA_LIMITS;
/** What of a metadata key a message may show: letters, digits, spaces, `_` `.` `-` (no URL, no control or format character). */
const SHOWABLE_KEY = /^[\p{L}\p{N} _.-]+$/u;

/**
 * A metadata key as messages show it, between backticks: its first 40 characters (code points, as
 * zod counts them) and "…" when longer; undefined when it holds anything but letters, digits,
 * spaces, `_` `.` `-` (a pasted URL or credential is never echoed). The provider swaps it out
 * where the key holds the connection string's password.
 */
export function shownMetadataKey(key: string): string | undefined {
  const chars = Array.from(key);
  const head = chars.slice(0, maxKeyLength).join("");
  return head !== "" && SHOWABLE_KEY.test(head) ? `\`${head}${chars.length > maxKeyLength ? "…" : ""}\`` : undefined;
}

/** Length as zod's limits count it: in code points. */
const length = (s: string): number => Array.from(s).length;

const keyMessage = (key: unknown): string => {
  if (typeof key !== "string" || key === "") return "metadata keys must not be empty";
  const shown = shownMetadataKey(key);
  return `${shown !== undefined ? `metadata key ${shown}` : "a metadata key"} is ${length(key)} characters; keys are at most ${maxKeyLength}`;
};
/** The key a value's issue is about: the last segment of its path (the value sits right under the key). */
const ofKey = (path: readonly PropertyKey[] | undefined): string => {
  const key = path?.[path.length - 1];
  const shown = typeof key === "string" ? shownMetadataKey(key) : undefined;
  return shown !== undefined ? `metadata key ${shown}` : "a metadata key";
};

/**
 * Stripe's metadata limits (inferred): at most 50 keys, keys 1-40 chars, string values ≤ 500. The
 * limits stay in the schema (OpenAPI shows them); the messages name the key (when showable), the
 * length or the count, as zod's own ("Invalid key in record") do not.
 */
export const MetadataSchema = z
  .record(
    z.string().min(1).max(maxKeyLength),
    z.string({ error: (iss) => `${ofKey(iss.path)}: values must be strings` }).max(maxValueLength, {
      error: (iss) =>
        `${ofKey(iss.path)}: its value is ${typeof iss.input === "string" ? length(iss.input) : `over ${maxValueLength}`} characters; values are at most ${maxValueLength}`,
    }),
    { error: (iss) => (iss.code === "invalid_key" ? keyMessage(iss.input) : undefined) },
  )
  .superRefine((m, ctx) => {
    const n = Object.keys(m).length;
    if (n > maxKeys) ctx.addIssue({ code: "custom", message: `metadata has ${n} keys; at most ${maxKeys} are allowed`, input: m });
  });
export type Metadata = z.infer<typeof MetadataSchema>;

/** Postgres identifier for the synced schema (unquoted form only). */
export const SchemaNameSchema = z
  .string()
  .min(1)
  .max(63, "schema names are at most 63 bytes in PostgreSQL")
  .regex(/^[A-Za-z_][A-Za-z0-9_$]*$/, "schema must be a plain PostgreSQL identifier (letters, digits, _ and $)");

export const StatusSchema = z.enum(["unverified", "active", "rejected"]);
export type DatasourceStatus = z.infer<typeof StatusSchema>;

// ---- requests -----------------------------------------------------------------------------------

export const CreateDatasourceParamsSchema = z.strictObject({
  connectionString: z.string().min(1, "connectionString is required"),
  connection: z.literal("direct").default("direct"),
  schema: SchemaNameSchema.default(DEFAULT_SCHEMA),
  metadata: MetadataSchema.default({}),
});
export type CreateDatasourceParams = z.input<typeof CreateDatasourceParamsSchema>;

/** Update: metadata, or a rotated connection string for the same host, port and database. */
export const UpdateDatasourceParamsSchema = z.strictObject({
  connectionString: z.string().min(1).optional(),
  schema: SchemaNameSchema.optional(),
  metadata: MetadataSchema.optional(),
});
export type UpdateDatasourceParams = z.input<typeof UpdateDatasourceParamsSchema>;

export const ListParamsSchema = z.strictObject({
  limit: z.coerce.number().int().min(LIST_LIMITS.min).max(LIST_LIMITS.max).default(LIST_LIMITS.default),
  starting_after: z.string().min(1).optional(),
});
export type ListParams = z.input<typeof ListParamsSchema>;

export const IdempotencyKeySchema = z.string().min(1).max(IDEMPOTENCY.maxKeyLength);

// ---- responses ----------------------------------------------------------------------------------

const base = {
  object: z.literal("datasource"),
  id: z.string(),
  status: StatusSchema,
  livemode: z.boolean(),
  metadata: z.record(z.string(), z.string()),
  created: z.number().int(),
};

export const DirectDatasourceSchema = z.object({
  ...base,
  connection: z.literal("direct"),
  provider: z.literal("postgresql"),
  host: z.string(),
  database: z.string(),
  schema: z.string(),
  display_name: z.string(),
  /** Why verification failed, in words without credentials; null otherwise. */
  last_error: z.string().nullable(),
});

export const EndpointDatasourceSchema = z.object({
  ...base,
  connection: z.literal("endpoint"),
  environment: z.enum(["test", "live"]),
  endpoint: z.string(),
  key_last4: z.string().nullable(),
  cursor: z.string().nullable(),
  event_lag: z.number().int(),
  retry_count: z.number().int(),
  last_request_at: z.number().int().nullable(),
  last_success_at: z.number().int().nullable(),
  last_error: z.string().nullable(),
});

/** What the server emits: every required field present. */
export const DatasourceSchema = z.discriminatedUnion("connection", [DirectDatasourceSchema, EndpointDatasourceSchema]);
export type Datasource = z.infer<typeof DatasourceSchema>;
export type DirectDatasource = z.infer<typeof DirectDatasourceSchema>;
export type EndpointDatasource = z.infer<typeof EndpointDatasourceSchema>;

/**
 * What a client accepts. The reference page's own example omits `connection` and `status` (and
 * direct fields may be missing on other kinds): infer `connection` from the id prefix, leave
 * `status` unknown, tolerate fields we do not know. Missing required fields are still errors.
 */
export const DatasourceResponseSchema = z.preprocess(
  (raw) => {
    if (raw && typeof raw === "object" && !("connection" in raw) && typeof (raw as { id?: unknown }).id === "string") {
      const id = (raw as { id: string }).id;
      return { ...raw, connection: id.startsWith(ID_PREFIX.endpoint) ? "endpoint" : "direct" };
    }
    return raw;
  },
  z.discriminatedUnion("connection", [
    DirectDatasourceSchema.extend({
      status: StatusSchema.optional(),
      display_name: z.string().optional(),
      last_error: z.string().nullable().optional(),
    }),
    EndpointDatasourceSchema.partial().extend({ ...base, status: StatusSchema.optional(), connection: z.literal("endpoint") }),
  ]),
);
export type DatasourceResponse = z.infer<typeof DatasourceResponseSchema>;

export const DeletedDatasourceSchema = z.object({ object: z.literal("datasource"), id: z.string(), deleted: z.literal(true) });
export type DeletedDatasource = z.infer<typeof DeletedDatasourceSchema>;

export const DatasourceListSchema = z.object({
  object: z.literal("list"),
  data: z.array(DatasourceSchema),
  has_more: z.boolean(),
  url: z.literal("/v1/datasources"),
});
export const DatasourceListResponseSchema = DatasourceListSchema.extend({ data: z.array(DatasourceResponseSchema), url: z.string() });
export type DatasourceListResponse = z.infer<typeof DatasourceListResponseSchema>;

// ---- errors -------------------------------------------------------------------------------------

export const ErrorTypeSchema = z.enum([
  "invalid_request_error",
  "authentication_error",
  "permission_error",
  "idempotency_error",
  "rate_limit_error",
  "api_error",
]);
export type ErrorType = z.infer<typeof ErrorTypeSchema>;

export const ErrorBodySchema = z.object({
  error: z.object({
    type: ErrorTypeSchema,
    code: z.string().optional(),
    message: z.string(),
    param: z.string().optional(),
    request_id: z.string().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;
