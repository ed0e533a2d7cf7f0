// One access line per request at INFO, sampled by LOG_ACCESS_SAMPLE_RATE; a request that ended
// in an error is always logged, whatever the rate.

import type { LogFields, Logger } from './types.js';

export const ACCESS_MESSAGE = 'request';

export interface AccessLog {
  /** Write the request's access line if it carries an `error` or is sampled. */
  log(fields: LogFields, message?: string): void;
  /**
   * The sampling decision alone, so the hot path builds the line's fields only when it will be
   * written: true for a failed request, else a draw at the sample rate. Follow with `write`.
   */
  wants(failed: boolean): boolean;
  /** Write the line, no sampling (after `wants` said yes). */
  write(fields: LogFields, message?: string): void;
}

/**
 * @param sampleRate fraction of successful requests to log, 0..1 (values outside are clamped).
 * @param random source of uniform numbers in [0, 1); tests pass a deterministic one.
 */
export function createAccessLog(logger: Logger, sampleRate: number, random: () => number = Math.random): AccessLog {
  const rate = Number.isFinite(sampleRate) ? Math.min(1, Math.max(0, sampleRate)) : 1;
  const sampled = rate >= 1 ? () => true : rate <= 0 ? () => false : () => random() < rate;
  return {
    log(fields: LogFields, message: string = ACCESS_MESSAGE): void {
      if (fields.error !== undefined || sampled()) logger.info(fields, message);
    },
    wants(failed: boolean): boolean {
      return failed || sampled();
    },
    write(fields: LogFields, message: string = ACCESS_MESSAGE): void {
      logger.info(fields, message);
    },
  };
}
