// Signals and last-resort error handlers of a serving process. SIGTERM/SIGINT: stop accepting,
// let in-flight requests finish within the grace period, close, exit 0; a second signal exits at
// once. SIGHUP re-reads the config source. A rejected promise nobody handled is logged, not fatal.

import type { Logger } from '../observability/types.js';

export interface LifecycleHooks {
  readonly logger: Logger;
  readonly graceMs: number;
  /** Graceful stop; the process exits 0 when it resolves. */
  shutdown(signal: string): Promise<void>;
  reload?(): Promise<void>;
}

export function installLifecycle(hooks: LifecycleHooks): void {
  let stopping = false;
  const onStop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      hooks.logger.warn({ signal }, 'second stop signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    hooks.logger.info({ signal, grace_ms: hooks.graceMs }, 'stopping: finishing in-flight requests');
    // The grace period bounds the whole shutdown, whatever hangs.
    const deadline = setTimeout(() => {
      hooks.logger.error({ signal }, 'shutdown exceeded the grace period: exiting');
      hooks.logger.flush();
      process.exit(1);
    }, hooks.graceMs + 5000);
    deadline.unref();
    hooks.shutdown(signal).then(
      () => {
        hooks.logger.info({ signal }, 'stopped');
        hooks.logger.flush();
        process.exit(0);
      },
      (err: unknown) => {
        hooks.logger.error({ error: { type: 'ShutdownError', message: String(err) } }, 'shutdown failed');
        hooks.logger.flush();
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  const reload = hooks.reload;
  if (reload !== undefined) {
    process.on('SIGHUP', () => {
      hooks.logger.info({ signal: 'SIGHUP' }, 're-reading the config source');
      reload().catch((err: unknown) => hooks.logger.error({ error: { type: 'ReloadError', message: String(err) } }, 'config re-read failed'));
    });
  }
  process.on('unhandledRejection', (reason) => {
    hooks.logger.error({ error: errorOf(reason) }, 'unhandled promise rejection (ignored)');
  });
  process.on('uncaughtException', (err) => {
    hooks.logger.error({ error: errorOf(err) }, 'uncaught exception: exiting');
    hooks.logger.flush();
    process.exit(1);
  });
}

function errorOf(value: unknown): { type: string; message: string; stack?: string } {
  if (value instanceof Error) return value.stack === undefined ? { type: value.name, message: value.message } : { type: value.name, message: value.message, stack: value.stack };
  return { type: typeof value, message: String(value) };
}
