// A Logger that keeps what it is told, so tests can assert that a change of state was logged
// once (and not on every retry).
import type { LogFields, Logger } from '@jussi/proxy/observability/types';

export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: LogFields;
}

export interface MemoryLogger extends Logger {
  readonly lines: LogLine[];
  /** Lines whose message contains `text`. */
  matching(text: string): LogLine[];
}

export function memoryLogger(): MemoryLogger {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (fields: LogFields, message: string): void => {
    lines.push({ level, message, fields });
  };
  const logger: MemoryLogger = {
    lines,
    matching: (text) => lines.filter((l) => l.message.includes(text)),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    isDebugEnabled: () => true,
    child: () => logger,
    flush: () => undefined,
  };
  return logger;
}
