/**
 * The one error vocabulary of exosip2: the catalogue of every `code` the
 * package throws, the two error classes users branch on ({@link SipError},
 * {@link RegistrationError}), and the factories every other module of lib/
 * builds its errors with (no module builds a coded error by hand).
 * docs/errors.md lists the catalogue for users.
 * @module
 */
import type { Message } from './message';
import { binding } from './native';

/** Every OSIP return code by C name, e.g. `OSIP_CODES.OSIP_NOTFOUND === -6`. */
export const OSIP_CODES: Readonly<Record<string, number>> = Object.freeze({ ...binding.osipCodes });

const namesByValue = new Map<number, string>(Object.entries(OSIP_CODES).map(([name, value]) => [value, name]));

/** The C name of an OSIP return code (`-6` → `'OSIP_NOTFOUND'`). */
export function osipCodeName(code: number): string {
  return namesByValue.get(code) ?? 'OSIP_UNKNOWN_ERROR';
}

/**
 * @internal The catalogue: every string `code` exosip2 throws or rejects
 * with, besides the `OSIP_*` names of {@link OSIP_CODES} (and
 * `'OSIP_UNKNOWN_ERROR'` for a negative value libosip2 does not define),
 * which a {@link SipError} carries. Each entry says what the code means;
 * docs/errors.md says which calls throw it. The native addon throws
 * `ERR_INVALID_ARG_TYPE`, `ERR_INVALID_ARG_VALUE`, `ERR_OUT_OF_RANGE`,
 * `ERR_CONTEXT_CLOSED`, `ERR_CONTEXT_NOT_INITIALIZED`, `ERR_MESSAGE_SPENT`,
 * `ERR_MESSAGE_DISPOSED`, `ERR_SDP_FREED` and OSIP names with the same meanings
 * (native/util/error.h); scripts/binding-loader.js throws
 * `ERR_EXOSIP2_NATIVE_MISSING`.
 */
export const ERROR_CODES = Object.freeze({
  // Arguments (TypeError / RangeError, as Node's own).
  ERR_INVALID_ARG_TYPE: 'TypeError: an argument (or option) has the wrong type.',
  ERR_INVALID_ARG_VALUE: 'TypeError: an argument has the right type but a value that is refused (header injection, unknown option, wrong address family, ...).',
  ERR_OUT_OF_RANGE: 'RangeError: a number outside its range, or a credential longer than the 49 bytes eXosip keeps.',
  // Object states (Error).
  ERR_CONTEXT_CLOSED: 'The context (or pool) was closed; also the code a pending registration rejects with when it closes.',
  ERR_CONTEXT_NOT_INITIALIZED: 'A compat call on a context whose eXosip_init has not succeeded yet.',
  ERR_NOT_LISTENING: 'register(), request() or invite() before listen(): eXosip needs a transport.',
  ERR_LOCK_HELD: 'eXosip_event_wait while JS holds eXosip_lock (in C, a deadlock).',
  ERR_MESSAGE_SPENT: 'The message was handed to eXosip (sent), which owns it now.',
  ERR_MESSAGE_DISPOSED: 'The message was freed (dispose() or osip_message_free).',
  ERR_SDP_FREED: 'The sdp_message_t was freed (sdp_message_free, or replaced by sdp_message_parse); also every sdp_media_t / sdp_connection_t / sdp_attribute_t / sdp_bandwidth_t read from it.',
  ERR_POOL_FULL: 'Every context of a ContextPool holds maxPerContext registrations and maxContexts are open.',
  ERR_REGISTRAR_CLOSED: 'The Registrar was closed.',
  ERR_TRANSPORT_NOT_SERVED: 'Registrar.listen() over TCP/TLS on a libeXosip2 built without ENABLE_MAIN_SOCKET.',
  ERR_REGISTRATION_CLOSED: 'refresh()/unregister() on a registration that was removed, unregistered or closed.',
  ERR_SUBSCRIPTION_ENDED: 'Subscription.refresh()/unsubscribe() on a subscription that ended (terminated, unsubscribed, removed, closed) or before subscribe() resolved; IncomingSubscription.notify() once it ended or its final NOTIFY was queued.',
  ERR_SUBSCRIPTION_NOT_ACCEPTED: 'IncomingSubscription.notify() before accept(): the SUBSCRIBE is unanswered.',
  ERR_REQUEST_ANSWERED: 'IncomingRequest.respond() on a request already answered (by an earlier respond(), by the default answer, or by eXosip itself).',
  ERR_MESSAGE_TOO_LARGE: 'RangeError: a request or answer over UDP larger than one datagram (65,507 bytes), refused before sending; use TCP (eXosip itself receives at most 8,000 bytes per UDP message).',
  // RegistrationError codes (why a REGISTER did not end with a 2xx).
  ERR_REGISTRATION_REJECTED: 'RegistrationError: a final non-2xx answer (see statusCode, reason and retryAfter).',
  ERR_REGISTRATION_AUTH_UNSUPPORTED: 'RegistrationError: a 401/407 none of whose digest challenges the credentials can answer correctly (reason names the algorithm, qop or realm missing); nothing was sent in answer.',
  ERR_REGISTRATION_NO_RESPONSE: 'RegistrationError: eXosip gave up without a final answer (transaction timeout or transport error; reason says which, e.g. "no answer from 127.0.0.1:9 (udp) within 32 s").',
  ERR_REGISTRATION_TIMEOUT: 'RegistrationError: no final answer within timeoutMs.',
  ERR_REGISTRATION_REMOVED: 'RegistrationError: remove() was called while waiting.',
  ERR_REGISTRATION_NOT_SENT: 'RegistrationError: eXosip_register_send_register refused the REGISTER (the SipError follows).',
  ERR_TLS_CERT_NOT_VERIFIED: "RegistrationError or RequestError: eXosip closed the TLS connection because the server's certificate did not verify (unknown CA, expired, wrong host, pinned key); reason has OpenSSL's words.",
  // RequestError codes (why a request outside of a dialog did not end with a 2xx).
  ERR_REQUEST_REJECTED: 'RequestError: a final non-2xx answer (see statusCode, reason and response).',
  ERR_REQUEST_NO_RESPONSE: 'RequestError: eXosip gave up without a final answer (transaction timeout or transport error).',
  ERR_REQUEST_TIMEOUT: 'RequestError: no final answer within timeoutMs.',
  ERR_REQUEST_NOT_SENT: 'RequestError: eXosip refused to build or send the request (the SipError is its cause).',
  ERR_CALL_ENDED: 'RequestError: a request inside a call (Call.request/info/reinvite/refer) on a call that ended, or whose call ended (BYE either way) before its final answer.',
  // CallError codes (why a call was not set up).
  ERR_CALL_REJECTED: 'CallError: the INVITE got a final 3xx-6xx (see statusCode, reason and response).',
  ERR_CALL_NO_RESPONSE: 'CallError: eXosip gave up without a final answer (transaction timeout or transport error).',
  ERR_CALL_TIMEOUT: 'CallError: no final answer (invite) or no ACK (answer) within timeoutMs.',
  ERR_CALL_NOT_SENT: 'CallError: eXosip refused to build or send the INVITE or the answer (the SipError is its cause).',
  ERR_CALL_CANCELLED: 'CallError: an incoming call was cancelled (CANCEL) or closed before its final answer or ACK (IncomingCall.answer rejects, ringing/reject throw).',
  ERR_CALL_OFFER_UNANSWERED: 'CallError: an INVITE sent without SDP (a late offer, InviteOptions.answerOffer) got no SDP offer in its 2xx, or answerOffer threw or returned an SDP libosip2 cannot parse: the 2xx was acknowledged then the call ended with BYE, or the reliable 1xx PRACKed then the INVITE cancelled (RFC 3264 §5, RFC 3262 §5).',
  ERR_CALL_ANSWERED: 'IncomingCall.ringing()/answer()/reject() on a call already answered or rejected (also by the default 480 after defaultAnswerMs).',
  // Abort (Node's own shape).
  ABORT_ERR: "The AbortSignal given aborted: an error named 'AbortError' (Node's shape); for registration waits a RegistrationError so named.",
  // Sockets.
  EADDRINUSE: 'SipError: listen() on a port another socket holds.',
  // Loading.
  ERR_EXOSIP2_NATIVE_MISSING: 'No build of the native addon could be loaded (thrown by scripts/binding-loader.js).',
} as const);

/** @internal A code of the {@link ERROR_CODES} catalogue. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** @internal The codes of argument TypeErrors. */
export type ArgumentCode = 'ERR_INVALID_ARG_TYPE' | 'ERR_INVALID_ARG_VALUE';

/** @internal The codes of a plain `Error` for an operation the object's state refuses. */
export type StateCode =
  | 'ERR_CONTEXT_CLOSED'
  | 'ERR_CONTEXT_NOT_INITIALIZED'
  | 'ERR_NOT_LISTENING'
  | 'ERR_LOCK_HELD'
  | 'ERR_MESSAGE_SPENT'
  | 'ERR_MESSAGE_DISPOSED'
  | 'ERR_SDP_FREED'
  | 'ERR_POOL_FULL'
  | 'ERR_REGISTRAR_CLOSED'
  | 'ERR_TRANSPORT_NOT_SERVED'
  | 'ERR_REGISTRATION_CLOSED'
  | 'ERR_SUBSCRIPTION_ENDED'
  | 'ERR_SUBSCRIPTION_NOT_ACCEPTED'
  | 'ERR_REQUEST_ANSWERED'
  | 'ERR_CALL_ANSWERED';

/** @internal The codes a {@link RegistrationError} carries. */
export type RegistrationCode =
  | 'ERR_REGISTRATION_REJECTED'
  | 'ERR_REGISTRATION_AUTH_UNSUPPORTED'
  | 'ERR_REGISTRATION_NO_RESPONSE'
  | 'ERR_REGISTRATION_TIMEOUT'
  | 'ERR_REGISTRATION_REMOVED'
  | 'ERR_REGISTRATION_NOT_SENT'
  | 'ERR_TLS_CERT_NOT_VERIFIED'
  | 'ERR_CONTEXT_CLOSED'
  | 'ABORT_ERR';

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

/** @internal A SipError for a socket failure (`'EADDRINUSE'`) behind the negative `errno` eXosip returned. */
export function socketError(code: 'EADDRINUSE', message: string, errno: number): SipError {
  return new SipError(message, code, errno);
}

/**
 * @internal The same error as a {@link SipError} when the addon threw one
 * with an OSIP code (`code: 'OSIP_…'`, numeric `errno`); any other error as it is.
 */
export function asSipError(error: unknown): unknown {
  const { code, errno } = (error ?? {}) as { code?: unknown; errno?: unknown };
  if (error instanceof SipError || typeof code !== 'string' || !code.startsWith('OSIP_') || typeof errno !== 'number') return error;
  return new SipError((error as Error).message, code, errno);
}

/**
 * Why a registration did not end with a 2xx. `code` is one of:
 * `'ERR_REGISTRATION_REJECTED'` (a final non-2xx: see `statusCode`, `reason`,
 * `retryAfter`), `'ERR_REGISTRATION_AUTH_UNSUPPORTED'` (a 401/407 none of whose
 * challenges the credentials can answer correctly: `reason` says which
 * algorithm, qop or realm is missing; nothing was sent in answer),
 * `'ERR_TLS_CERT_NOT_VERIFIED'` (over TLS with verification on, eXosip refused
 * the registrar's certificate: `reason` gives OpenSSL's reason, `statusCode` 0),
 * `'ERR_REGISTRATION_NO_RESPONSE'` (eXosip gave up: transaction timeout or
 * transport error, `statusCode` 0, `reason` in words such as
 * `'no answer from 127.0.0.1:9 (udp) within 32 s'`), `'ERR_REGISTRATION_TIMEOUT'`
 * (`timeoutMs` passed), `'ABORT_ERR'` (the signal fired), `'ERR_CONTEXT_CLOSED'`
 * (closed while waiting), `'ERR_REGISTRATION_REMOVED'` (`remove()` while waiting),
 * `'ERR_REGISTRATION_NOT_SENT'` (eXosip refused to send a REGISTER).
 *
 * `name` is `'RegistrationError'`, except for `'ABORT_ERR'`: then it is
 * `'AbortError'`, as Node names the errors of its own aborted APIs, while
 * `instanceof RegistrationError` (and `instanceof Error`) stays true.
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
  /** The response's Retry-After in seconds (RFC 3261 §20.33), or null. */
  readonly retryAfter: number | null;

  /** @internal Made by {@link registrationError}. */
  constructor(message: string, init: { code: string; statusCode: number; reason: string; rid: number; retryAfter?: number | null; cause?: unknown }) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = init.code === 'ABORT_ERR' ? 'AbortError' : 'RegistrationError';
    this.code = init.code;
    this.statusCode = init.statusCode;
    this.reason = init.reason;
    this.rid = init.rid;
    this.retryAfter = init.retryAfter ?? null;
  }
}

/**
 * @internal A {@link RegistrationError}: `statusCode` and `rid` 0 unless
 * given, `retryAfter` null unless given, `cause` only when given; named
 * `'AbortError'` for `'ABORT_ERR'`.
 */
export function registrationError(
  code: RegistrationCode,
  message: string,
  init: { reason: string; statusCode?: number; rid?: number; retryAfter?: number | null; cause?: unknown },
): RegistrationError {
  return new RegistrationError(message, { code, statusCode: init.statusCode ?? 0, reason: init.reason, rid: init.rid ?? 0, retryAfter: init.retryAfter, cause: init.cause });
}

/** @internal The codes a {@link RequestError} carries. */
export type RequestCode = 'ERR_REQUEST_REJECTED' | 'ERR_REQUEST_NO_RESPONSE' | 'ERR_REQUEST_TIMEOUT' | 'ERR_REQUEST_NOT_SENT' | 'ERR_TLS_CERT_NOT_VERIFIED' | 'ERR_CALL_ENDED' | 'ERR_CONTEXT_CLOSED' | 'ABORT_ERR';

/** @internal What a {@link TransactionError} is made of. */
export interface TransactionErrorInit {
  code: string;
  statusCode: number;
  reason: string;
  response: Message | null;
  cause?: unknown;
}

/**
 * What {@link RequestError} and {@link CallError} share: a client
 * transaction (RFC 3261 §17.1) that did not end with a 2xx. `name` is the
 * subclass's, or `'AbortError'` when `code` is `'ABORT_ERR'` (as Node's own).
 */
export class TransactionError extends Error {
  /** Stable reason code; see the class description. */
  readonly code: string;
  /** Final SIP status, or 0 when no final response was received. */
  readonly statusCode: number;
  /** Reason phrase of that response, or a description. */
  readonly reason: string;
  /** The final response, or null. */
  readonly response: Message | null;

  /** @internal Made by the subclasses. */
  constructor(name: string, message: string, init: TransactionErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = init.code === 'ABORT_ERR' ? 'AbortError' : name;
    this.code = init.code;
    this.statusCode = init.statusCode;
    this.reason = init.reason;
    this.response = init.response;
  }
}

/**
 * Why a request sent outside of a dialog (`ctx.request()`, `ctx.message()`,
 * `ctx.options()`; eX_message.h, eX_options.h) or inside a call
 * (`call.request()`, `call.info()`, `call.reinvite()`, `call.refer()`;
 * eX_call.h) did not end with a 2xx. `code` is one of: `'ERR_REQUEST_REJECTED'` (a final 3xx-6xx: see `statusCode`,
 * `reason`, `response`; a 401/407 is answered with the context's credentials
 * first and only ends here when they are refused), `'ERR_REQUEST_NO_RESPONSE'`
 * (eXosip gave up: RFC 3261 Timer F, 32 s, or a transport error;
 * `statusCode` 0), `'ERR_REQUEST_TIMEOUT'` (`timeoutMs` passed),
 * `'ERR_REQUEST_NOT_SENT'` (eXosip refused to build or send it; the SipError
 * is the `cause`), `'ERR_TLS_CERT_NOT_VERIFIED'` (over TLS with verification
 * on, eXosip refused the server's certificate: `reason` has OpenSSL's words),
 * `'ERR_CALL_ENDED'` (inside a call: the call had ended, or ended before the
 * final answer), `'ERR_CONTEXT_CLOSED'`, or `'ABORT_ERR'` (the signal
 * fired; then `name` is `'AbortError'`, as Node's own).
 */
export class RequestError extends TransactionError {
  /** @internal Made by {@link requestError}. */
  constructor(message: string, init: TransactionErrorInit) {
    super('RequestError', message, init);
  }
}

/** @internal A {@link RequestError}: `statusCode` 0 and `response` null unless given. */
export function requestError(
  code: RequestCode,
  message: string,
  init: { reason: string; statusCode?: number; response?: Message | null; cause?: unknown },
): RequestError {
  return new RequestError(message, { code, statusCode: init.statusCode ?? 0, reason: init.reason, response: init.response ?? null, cause: init.cause });
}

/** @internal The codes a {@link CallError} carries. */
export type CallCode = 'ERR_CALL_REJECTED' | 'ERR_CALL_NO_RESPONSE' | 'ERR_CALL_TIMEOUT' | 'ERR_CALL_NOT_SENT' | 'ERR_CALL_CANCELLED' | 'ERR_CALL_OFFER_UNANSWERED' | 'ERR_CONTEXT_CLOSED' | 'ABORT_ERR';

/**
 * Why a call was not set up (eX_call.h): `ctx.invite()` or
 * `IncomingCall.answer()`. `code` is one of: `'ERR_CALL_REJECTED'` (a final
 * 3xx-6xx to the INVITE: see `statusCode`, `reason`, `response`; a 401/407 is
 * answered with the context's credentials by `eXosip_automatic_action`, at
 * most 3 times, before it ends here), `'ERR_CALL_NO_RESPONSE'` (eXosip gave
 * up: Timer B (32 s over UDP; eXosip reports it when it releases the call, ~42 s after the INVITE), or a transport error; `statusCode` 0),
 * `'ERR_CALL_TIMEOUT'` (`timeoutMs` passed), `'ERR_CALL_NOT_SENT'` (eXosip
 * refused to build or send; the SipError is the `cause`),
 * `'ERR_CALL_CANCELLED'` (an incoming call cancelled or gone before its ACK),
 * `'ERR_CALL_OFFER_UNANSWERED'` (a late offer not answered: see
 * `InviteOptions.answerOffer`; the cause is what `answerOffer` threw),
 * `'ERR_CONTEXT_CLOSED'`, or `'ABORT_ERR'` (the signal fired; then `name` is
 * `'AbortError'`, as Node's own).
 */
export class CallError extends TransactionError {
  /** @internal Made by {@link callError}. */
  constructor(message: string, init: TransactionErrorInit) {
    super('CallError', message, init);
  }
}

/** @internal A {@link CallError}: `statusCode` 0 and `response` null unless given. */
export function callError(code: CallCode, message: string, init: { reason: string; statusCode?: number; response?: Message | null; cause?: unknown }): CallError {
  return new CallError(message, { code, statusCode: init.statusCode ?? 0, reason: init.reason, response: init.response ?? null, cause: init.cause });
}

/** @internal A RangeError `ERR_MESSAGE_TOO_LARGE`: a request that cannot go in one UDP datagram. */
export function tooLargeError(message: string): RangeError {
  return Object.assign(new RangeError(message), { code: 'ERR_MESSAGE_TOO_LARGE' as const });
}

/** @internal A TypeError for a bad argument, coded as Node codes its own. */
export function typeError(code: ArgumentCode, message: string): TypeError {
  return Object.assign(new TypeError(message), { code });
}

/** @internal A RangeError (`ERR_OUT_OF_RANGE`) for a value outside its range. */
export function rangeError(message: string): RangeError {
  return Object.assign(new RangeError(message), { code: 'ERR_OUT_OF_RANGE' as const });
}

/** @internal An Error for an operation the state of an object refuses (closed, spent, full, ...). */
export function stateError(code: StateCode, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * The error a wait ends with when its `AbortSignal` aborts, shaped as Node's
 * own (`name: 'AbortError'`, `code: 'ABORT_ERR'`, the signal's reason as
 * `cause`). Registration waits use a {@link RegistrationError} of the same
 * name and code (with `rid`).
 * @internal
 */
export function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error('The operation was aborted', { cause: signal.reason }), { name: 'AbortError', code: 'ABORT_ERR' });
}
