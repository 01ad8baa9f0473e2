import pino, { type DestinationStream } from "pino";

export type Logger = pino.Logger;

/**
 * Structured JSON logs on stdout. Request bodies and headers are never passed to the logger;
 * the redact list is a second fence in case a future call site passes a whole request.
 */
export function createLogger(level = "info", destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "ablo-local" },
      redact: {
        paths: ["req.headers.authorization", "headers.authorization", "authorization", "body", "req.body", "connectionString", "*.connectionString", "password", "token"],
        censor: "[redacted]",
      },
    },
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
