// The `timestamp` field of a log line in the three LOG_TIMESTAMP_FORMATs, as pino `timestamp`
// functions (they return the JSON fragment pino splices into the line).

import type { LogTimestampFormat } from '../config/settings.js';

/** 2024-05-01T12:00:00.123Z */
export function rfc3339(now: number = Date.now()): string {
  return new Date(now).toISOString();
}

/**
 * 2024-05-01T12:00:00.123456789Z. The milliseconds come from the wall clock (so the time stays
 * right when NTP adjusts it); the digits below the millisecond come from the monotonic clock,
 * which only adds resolution, not accuracy.
 */
export function rfc3339nano(now: number = Date.now(), hrtimeNs: bigint = process.hrtime.bigint()): string {
  const iso = new Date(now).toISOString();
  const subMs = String(hrtimeNs % 1_000_000n).padStart(6, '0');
  return `${iso.slice(0, -1)}${subMs}Z`;
}

/** Seconds since the epoch with millisecond resolution: 1714564800.123 */
export function unixSeconds(now: number = Date.now()): number {
  return now / 1000;
}

export function timestampFragment(format: LogTimestampFormat): () => string {
  switch (format) {
    case 'rfc3339':
      return () => `,"timestamp":"${rfc3339()}"`;
    case 'rfc3339nano':
      return () => `,"timestamp":"${rfc3339nano()}"`;
    case 'unix':
      return () => `,"timestamp":${unixSeconds()}`;
  }
}
