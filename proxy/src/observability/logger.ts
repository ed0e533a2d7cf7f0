// The proxy's `Logger` on pino: one JSON object per line with the seed's field names
// (`timestamp`, upper-case `level`, `message`, `service`), or a readable single line
// (LOG_FORMAT=text), written synchronously to stdout, stderr or both. Secrets are scrubbed from
// every field and message; a failing destination loses lines but never throws.

import pino from 'pino';
import { prettyFactory } from 'pino-pretty';
import type { LogLevel, LogSettings } from '../config/settings.js';
import { callerLocation } from './caller.js';
import { timestampFragment } from './log-timestamp.js';
import { scrubFields, scrubString } from './redact.js';
import type { LogFields, Logger } from './types.js';

/** Where lines go: anything with a `write(line)` (a sonic-boom destination, a test capture). */
export interface LogSink {
  write(line: string): unknown;
}

export interface LoggerOptions {
  /** Replaces the process's stdout (tests capture lines with it). */
  readonly stdout?: LogSink;
  /** Replaces the process's stderr. */
  readonly stderr?: LogSink;
  /** Cluster worker id, added to every line as `worker`. */
  readonly worker?: number;
  /** The `service` field (default `jussi`; the operator logs as `jussi-operator`). */
  readonly service?: string;
}

const PINO_LEVEL: Readonly<Record<LogLevel, pino.Level>> = { DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };
const LEVEL_NAME: Readonly<Record<string, LogLevel>> = {
  trace: 'DEBUG',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
  fatal: 'ERROR',
};
const DEBUG = 20;
const INFO = 30;
const WARN = 40;
const ERROR = 50;

/**
 * Keys pino writes itself; a field with one of these names is renamed rather than duplicated.
 * `worker` is reserved only in a worker's logger (where the base carries it): the primary's
 * lines name workers in a `worker` field of their own.
 */
const RESERVED = ['level', 'timestamp', 'message', 'service', 'pid'] as const;
const RESERVED_IN_WORKER = [...RESERVED, 'worker'] as const;

export function createLogger(settings: LogSettings, options: LoggerOptions = {}): Logger {
  const base: Record<string, unknown> = { service: options.service ?? 'jussi', pid: process.pid };
  if (options.worker !== undefined) base['worker'] = options.worker;
  const instance = pino(
    {
      level: PINO_LEVEL[settings.level],
      messageKey: 'message',
      base,
      timestamp: timestampFragment(settings.timestampFormat),
      formatters: { level: (label) => ({ level: LEVEL_NAME[label] ?? label.toUpperCase() }) },
    },
    destinationFor(settings, options),
  );
  return new PinoLogger(instance, settings.includeCaller, options.worker !== undefined ? RESERVED_IN_WORKER : RESERVED);
}

class PinoLogger implements Logger {
  private readonly minLevel: number;

  constructor(
    private readonly pinoLogger: pino.Logger,
    private readonly includeCaller: boolean,
    private readonly reserved: readonly string[],
  ) {
    this.minLevel = pinoLogger.levelVal;
  }

  debug(fields: LogFields, message: string): void {
    if (this.minLevel <= DEBUG) this.write(DEBUG, fields, message, this.debug);
  }

  info(fields: LogFields, message: string): void {
    if (this.minLevel <= INFO) this.write(INFO, fields, message, this.info);
  }

  warn(fields: LogFields, message: string): void {
    if (this.minLevel <= WARN) this.write(WARN, fields, message, this.warn);
  }

  error(fields: LogFields, message: string): void {
    if (this.minLevel <= ERROR) this.write(ERROR, fields, message, this.error);
  }

  isDebugEnabled(): boolean {
    return this.minLevel <= DEBUG;
  }

  child(fields: LogFields): Logger {
    try {
      return new PinoLogger(this.pinoLogger.child(renameReserved(scrubFields(fields), this.reserved)), this.includeCaller, this.reserved);
    } catch {
      return this;
    }
  }

  flush(): void {
    try {
      this.pinoLogger.flush();
    } catch {
      // A destination that cannot flush has nothing more we can do for it.
    }
  }

  private write(level: number, fields: LogFields, message: string, boundary: (fields: LogFields, message: string) => void): void {
    try {
      let obj: Record<string, unknown> = renameReserved(scrubFields(fields), this.reserved);
      if (this.includeCaller) obj = { ...obj, caller: callerLocation(boundary) };
      const text = scrubString(String(message));
      switch (level) {
        case DEBUG:
          this.pinoLogger.debug(obj, text);
          break;
        case INFO:
          this.pinoLogger.info(obj, text);
          break;
        case WARN:
          this.pinoLogger.warn(obj, text);
          break;
        default:
          this.pinoLogger.error(obj, text);
      }
    } catch {
      // Logging must never take a request down: a line that cannot be written is lost.
    }
  }
}

function renameReserved(fields: Readonly<Record<string, unknown>>, reserved: readonly string[]): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const key of reserved) {
    if (Object.prototype.hasOwnProperty.call(fields, key)) {
      out ??= { ...fields };
      out[`field_${key}`] = out[key];
      delete out[key];
    }
  }
  return out ?? (fields as Record<string, unknown>);
}

// ------------------------------------------------------------------------------------------
// Destinations.

function destinationFor(settings: LogSettings, options: LoggerOptions): pino.DestinationStream {
  const pretty = settings.format === 'text' ? textFormatter() : undefined;
  const wrap = (sink: LogSink): pino.DestinationStream => (pretty === undefined ? toStream(sink) : toStream({ write: (line) => sink.write(pretty(line)) }));
  const stdout = (): pino.DestinationStream => wrap(options.stdout ?? fdSink(1));
  const stderr = (): pino.DestinationStream => wrap(options.stderr ?? fdSink(2));
  switch (settings.output) {
    case 'stdout':
      return stdout();
    case 'stderr':
      return stderr();
    case 'both':
      return pino.multistream([
        { level: 'trace', stream: stdout() },
        { level: 'trace', stream: stderr() },
      ]);
  }
}

function toStream(sink: LogSink): pino.DestinationStream {
  return {
    write: (line: string) => {
      try {
        sink.write(line);
      } catch {
        // A broken destination (closed pipe, full disk) loses the line.
      }
    },
  };
}

/** Synchronous, unbuffered writes to a file descriptor: every line is out when the call returns. */
function fdSink(fd: 1 | 2): LogSink {
  const dest = pino.destination({ fd, sync: true });
  // sonic-boom emits 'error' (EPIPE, EBADF); unhandled, that event would crash the process.
  dest.on('error', () => {});
  return dest;
}

/** LOG_FORMAT=text: pino-pretty's formatter, called synchronously (no worker thread), one line. */
function textFormatter(): (line: string) => string {
  const format = prettyFactory({
    colorize: false,
    singleLine: true,
    messageKey: 'message',
    timestampKey: 'timestamp',
    translateTime: false,
    ignore: 'pid,service',
    errorLikeObjectKeys: [],
  });
  return (line: string) => {
    let text: string;
    try {
      text = format(line);
    } catch {
      return line;
    }
    const body = text.endsWith('\n') ? text.slice(0, -1) : text;
    // Messages may contain newlines; a text line must stay one line.
    return `${body.replace(/\r?\n/g, '\\n')}\n`;
  };
}

// ------------------------------------------------------------------------------------------
// Request and response bodies (DEBUG only).

export const DEBUG_BODY_MAX_CHARS = 2048;

/** A body for a DEBUG line: secrets scrubbed, cut to `maxChars` with a note of what was cut. */
export function truncateBody(body: string, maxChars: number = DEBUG_BODY_MAX_CHARS): string {
  // Scrub before cutting: a cut inside a secret would hide it from the patterns.
  const text = scrubString(body);
  if (text.length <= maxChars) return text;
  let end = Math.max(0, Math.floor(maxChars));
  const last = text.charCodeAt(end - 1);
  // Never split a surrogate pair: half a character is not valid UTF-8 text.
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}...[truncated ${text.length - end} chars]`;
}
