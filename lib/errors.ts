/**
 * Errors: one factory for OSIP/eXosip return codes, and the rejection type of
 * registrations. Every error has a stable string `code` to branch on.
 * @module
 */
import { binding } from './native';

/** Every OSIP return code by C name, e.g. `OSIP_CODES.OSIP_NOTFOUND === -6`. */
export const OSIP_CODES: Readonly<Record<string, number>> = Object.freeze({ ...binding.osipCodes });

const namesByValue = new Map<number, string>(Object.entries(OSIP_CODES).map(([name, value]) => [value, name]));

/** The C name of an OSIP return code (`-6` → `'OSIP_NOTFOUND'`). */
export function osipCodeName(code: number): string {
  return namesByValue.get(code) ?? 'OSIP_UNKNOWN_ERROR';
}

/**
 * A failure reported by libeXosip2 or libosip2 as a negative return code.
 * `code` is the C name (`'OSIP_WRONG_STATE'`), `errno` the number (`-3`).
 */
export class SipError extends Error {
  /** The C name of the return code, e.g. `'OSIP_BADPARAMETER'`. */
  readonly code: string;
  /** The negative return code itself. */
  readonly errno: number;

  /**
   * @param message what failed, with the code
   * @param code the C name of the code, e.g. `'OSIP_WRONG_STATE'`
   * @param errno the negative code
   * @param options standard `Error` options (`cause`)
   */
  constructor(message: string, code: string, errno: number, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SipError';
    this.code = code;
    this.errno = errno;
  }
}

// Native code throws SipErrors itself (binding.d.ts, setErrorClasses).
binding.setErrorClasses({ SipError });

/** Makes the error for a negative code returned by `what` (e.g. `'eXosip_listen_addr'`). */
export function osipError(errno: number, what: string, detail?: string): SipError {
  const code = osipCodeName(errno);
  return new SipError(`${what} failed: ${code} (${errno})${detail ? `: ${detail}` : ''}`, code, errno);
}

/** Returns `code` when it is not negative, else throws {@link osipError}. */
export function check(code: number, what: string, detail?: string): number {
  if (code < 0) throw osipError(code, what, detail);
  return code;
}

/**
 * Why a registration did not end with a 2xx. `code` is one of:
 * `'ERR_REGISTRATION_REJECTED'` (a final non-2xx: see `statusCode`, `reason`),
 * `'ERR_REGISTRATION_NO_RESPONSE'` (eXosip gave up: transaction timeout or
 * transport error, `statusCode` 0), `'ERR_REGISTRATION_TIMEOUT'` (`timeoutMs`
 * passed), `'ABORT_ERR'` (the signal fired), `'ERR_CONTEXT_CLOSED'` (closed
 * while waiting), `'ERR_REGISTRATION_REMOVED'` (`remove()` while waiting).
 */
export class RegistrationError extends Error {
  /** Stable reason code; see the class description. */
  readonly code: string;
  /** Final SIP status, or 0 when no final response was received. */
  readonly statusCode: number;
  /** Reason phrase of that response, or a description. */
  readonly reason: string;
  /** The registration id eXosip gave (`rid`). */
  readonly rid: number;

  /** @internal */
  constructor(message: string, init: { code: string; statusCode: number; reason: string; rid: number; cause?: unknown }) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'RegistrationError';
    this.code = init.code;
    this.statusCode = init.statusCode;
    this.reason = init.reason;
    this.rid = init.rid;
  }
}

/**
 * The error a wait ends with when its `AbortSignal` aborts, shaped as Node's
 * own (`name: 'AbortError'`, `code: 'ABORT_ERR'`, the signal's reason as
 * `cause`). Registration waits use {@link RegistrationError} with the same code.
 * @internal
 */
export function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error('The operation was aborted', { cause: signal.reason }), { name: 'AbortError', code: 'ABORT_ERR' });
}
