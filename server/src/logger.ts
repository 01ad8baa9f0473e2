import pino, { type DestinationStream } from "pino";

export type Logger = pino.Logger;

/** Loggers built by createLogger: their JSON layout is known, so access lines can skip pino's generic path. */
const plain = new WeakSet<Logger>();

/**
 * Structured JSON logs on stdout. Request bodies and headers are never passed to the logger;
 * the redact list is a second fence in case a future call site passes a whole request.
 */
export function createLogger(level = "info", destination?: DestinationStream): Logger {
  const logger = pino(
    {
      level,
      base: { service: "ablo-local" },
      redact: {
        paths: [
          "req.headers.authorization",
          "headers.authorization",
          "authorization",
          "body",
          "req.body",
          "connectionString",
          "*.connectionString",
          "password",
          "token",
        ],
        censor: "[redacted]",
      },
    },
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
  plain.add(logger);
  return logger;
}

/** The fields of the one line logged per request: never headers or bodies. */
interface AccessLine {
  reqId: string;
  method: string;
  url: string;
  status: number;
  ms: number | undefined;
  note?: string;
}

type PinoInternals = Record<symbol, unknown>;

/** Access lines: written now, or queued and written together by flush() (one write for many). */
export interface AccessLog {
  write(line: AccessLine): void;
  /** Loggers without the fast path write the line at once (flush then has nothing to do). */
  queue(line: AccessLine): void;
  flush(): void;
}

/**
 * `logger.info(fields, "request")`, byte for byte, without pino's per-call work (object merge,
 * redaction walk, generic serializer): the line has a fixed set of fields, none of them secret.
 * Loggers not made by createLogger (other layouts, hooks or formatters) take the pino path.
 */
export function accessLogger(logger: Logger): AccessLog {
  const slow = (l: AccessLine): void => {
    const { note, ...rest } = l;
    logger.info(note !== undefined ? { ...rest, note } : rest, "request");
  };
  const slowLog: AccessLog = { write: slow, queue: slow, flush: () => undefined };
  if (!plain.has(logger)) return slowLog;
  const internals = logger as unknown as PinoInternals;
  const stream = internals[pino.symbols.streamSym] as { write(s: string): unknown } | undefined;
  const chindings = internals[pino.symbols.chindingsSym];
  if (stream === undefined || typeof chindings !== "string") return slowLog;
  const format = (l: AccessLine): string => {
    // Same order as pino: level, time, bindings, the fields, msg. Strings through JSON.stringify.
    let line = `{"level":30,"time":${Date.now()}${chindings},"reqId":${JSON.stringify(l.reqId)},"method":${JSON.stringify(l.method)},"url":${JSON.stringify(l.url)},"status":${l.status}`;
    if (l.ms !== undefined) line += `,"ms":${l.ms}`;
    if (l.note !== undefined) line += `,"note":${JSON.stringify(l.note)}`;
    return `${line},"msg":"request"}\n`;
  };
  let queued = "";
  const flush = (): void => {
    if (queued === "") return;
    const text = queued;
    queued = "";
    stream.write(text);
  };
  return {
    write(l) {
      if (!logger.isLevelEnabled("info")) return;
      flush(); // lines stay in order
      stream.write(format(l));
    },
    queue(l) {
      if (logger.isLevelEnabled("info")) queued += format(l);
    },
    flush,
  };
}
