/**
 * Routing libosip2/eXosip's own log (osip_trace) to a logger of yours.
 * @module
 */
import type { NativeLog } from '../../binding';
import { typeError } from '../errors';
import { redactCredentials } from './trace';

/** osip_trace levels by name: 0 FATAL .. 7 INFO4. */
export const LOG_LEVELS = Object.freeze({
  /** 0 (`OSIP_FATAL`), logged with `error`. */
  FATAL: 0,
  /** 1 (`OSIP_BUG`), logged with `error`. */
  BUG: 1,
  /** 2 (`OSIP_ERROR`), logged with `error`. */
  ERROR: 2,
  /** 3 (`OSIP_WARNING`), logged with `warn`. */
  WARNING: 3,
  /** 4 (`OSIP_INFO1`), logged with `info`. */
  INFO1: 4,
  /** 5 (`OSIP_INFO2`), logged with `info`. */
  INFO2: 5,
  /** 6 (`OSIP_INFO3`), logged with `debug`. */
  INFO3: 6,
  /** 7 (`OSIP_INFO4`), logged with `debug`. */
  INFO4: 7,
});

/** Where a line goes: `error` for FATAL/BUG/ERROR, `warn`, `info` for INFO1/2, `debug` for INFO3/4. */
export type LogMethod = 'error' | 'warn' | 'info' | 'debug';

/** Details of one log line. */
export interface LogRecord {
  /** osip level 0..7. */
  readonly level: number;
  /** Source file of libosip2/eXosip that logged it. */
  readonly file: string;
  /** Line in that file. */
  readonly line: number;
}

/**
 * A logger: a function, or an object with console/pino-like methods
 * (`error`, `warn`, `info`, `debug`; each called with one string).
 */
export type Logger = ((method: LogMethod, message: string, record: LogRecord) => void) | { [K in LogMethod]: (message: string) => void };

/** @internal Picks the method of a level. */
export function methodOf(level: number): LogMethod {
  if (level <= 2) return 'error';
  if (level === 3) return 'warn';
  if (level <= 5) return 'info';
  return 'debug';
}

/** @internal Checks a logger's shape. */
export function checkLogger(name: string, logger: unknown): Logger {
  if (typeof logger === 'function') return logger as Logger;
  if (typeof logger === 'object' && logger !== null) {
    for (const m of ['error', 'warn', 'info', 'debug'] as const) {
      if (typeof (logger as Record<string, unknown>)[m] !== 'function') {
        throw typeError('ERR_INVALID_ARG_TYPE', `${name}.${m} must be a function`);
      }
    }
    return logger as Logger;
  }
  throw typeError('ERR_INVALID_ARG_TYPE', `${name} must be a function or a console-like object`);
}

/** @internal Hands one native log line to a logger (credentials redacted). */
export function deliver(logger: Logger, raw: NativeLog): void {
  const method = methodOf(raw.level);
  const message = redactCredentials(raw.text);
  if (typeof logger === 'function') logger(method, message, Object.freeze({ level: raw.level, file: raw.file, line: raw.line }));
  else logger[method](`[osip ${raw.file}:${raw.line}] ${message}`);
}
