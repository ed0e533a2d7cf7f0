// `file:line` of the code that called the logger (LOG_INCLUDE_CALLER). Capturing a stack costs a
// few microseconds, so the logger asks for it only when the setting is on.

import { relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const FRAME = /\(?((?:file:\/\/|node:|\/|[A-Za-z]:\\)[^()]*?):(\d+):\d+\)?\s*$/;

interface StackHolder {
  stack?: string;
}

/**
 * Location of the first frame above `boundary` (the logger method that was called), relative to
 * the working directory; `unknown` when the stack cannot be read.
 */
export function callerLocation(boundary: (...args: never[]) => unknown): string {
  const holder: StackHolder = {};
  const previous = Error.stackTraceLimit;
  Error.stackTraceLimit = 2;
  try {
    Error.captureStackTrace(holder, boundary);
  } finally {
    Error.stackTraceLimit = previous;
  }
  const line = holder.stack?.split('\n')[1];
  if (line === undefined) return 'unknown';
  const m = FRAME.exec(line);
  if (m === null || m[1] === undefined || m[2] === undefined) return 'unknown';
  return `${displayPath(m[1])}:${m[2]}`;
}

function displayPath(location: string): string {
  let path = location;
  if (path.startsWith('file://')) {
    try {
      path = fileURLToPath(path);
    } catch {
      return path;
    }
  }
  if (path.startsWith('node:')) return path;
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel.split(sep).join('/');
}
