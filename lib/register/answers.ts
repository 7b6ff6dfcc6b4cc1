/**
 * What libeXosip2 5.3.0 does by itself with a final answer to a REGISTER, as
 * far as the binding needs to know it (docs/reliability.md, "Final answers
 * to REGISTER", has the whole table).
 * @module
 */
import type { TlsFailure } from '../context/tls';
import type { RegistrationCode } from '../errors';
import { noAnswerReason } from '../internal/no-answer';
import type { Message } from '../message';

/** eXosip's retry budget for 401/407/423 between two 2xx (`r_retry < 3`, eXosip.c:862). */
export const EXOSIP_RETRIES = 3;

/** Every note the binding puts in an event's `textinfo` starts with this (native/context/register_guard.h). */
export const GUARD_NOTE_PREFIX = 'exosip2: ';

/**
 * Whether eXosip answers this final failure by itself with a new REGISTER
 * right away (eXosip_automatic_action, eXosip.c:859-867): a 401/407 it has a
 * challenge left to answer, a 423 with a Min-Expires. The binding's guard
 * makes every other status final for eXosip, 606 and a 423 without
 * Min-Expires included, and so does it for a 401/407 whose challenges the
 * credentials cannot answer (the event's `textinfo` then carries the note).
 */
export function exosipRetries(status: number, response: Message | null, textinfo: string, retries: number): boolean {
  if (retries >= EXOSIP_RETRIES || textinfo.startsWith(GUARD_NOTE_PREFIX)) return false;
  if (status === 401 || status === 407) return true;
  if (status === 423) return Number(response?.getHeader('min-expires') ?? 0) > 0;
  return false;
}

/**
 * Retry-After of a response in seconds (RFC 3261 §20.33: delta-seconds,
 * then an optional comment and `;duration=`), or null when absent or not a
 * number.
 */
export function retryAfterOf(response: Message | null): number | null {
  const value = response?.getHeader('retry-after');
  const m = value === undefined ? null : /^\s*(\d+)/.exec(value);
  return m === null ? null : Number(m[1]);
}

/**
 * How long after a failed REGISTER was sent eXosip sends the next one by
 * itself, for a registration period of `period` seconds: eXosip_automatic_action
 * (eXosip.c:847-858) re-sends once the failed transaction is older than 90%
 * of the period, or the period minus 6 s, or 120 s (TRANSACTION_TIMEOUT_RETRY),
 * or 900 s, whichever comes first. Whole seconds, checked with `>`: the send
 * comes up to 1 s later.
 */
export function exosipFailureRetryDelay(period: number): number {
  return Math.max(0, Math.min(period - Math.floor(period / 10), period - 6, 120, 900));
}

/** The binding's note in an event's `textinfo` (without the prefix), or null. */
export function guardNote(textinfo: string): string | null {
  return textinfo.startsWith(GUARD_NOTE_PREFIX) ? textinfo.slice(GUARD_NOTE_PREFIX.length) : null;
}

/** Notes of the digest filter (native/context/auth_filter.cc) start with this. */
export const AUTH_NOTE_PREFIX = 'no challenge';

/**
 * The RegistrationError code of a final answer with status > 0: a 401/407
 * whose challenges the credentials cannot answer is
 * `ERR_REGISTRATION_AUTH_UNSUPPORTED`; one for realms without credentials
 * at all stays `ERR_REGISTRATION_REJECTED`, as eXosip's own end was.
 */
export function rejectionCode(textinfo: string): 'ERR_REGISTRATION_REJECTED' | 'ERR_REGISTRATION_AUTH_UNSUPPORTED' {
  return guardNote(textinfo)?.startsWith(AUTH_NOTE_PREFIX) ? 'ERR_REGISTRATION_AUTH_UNSUPPORTED' : 'ERR_REGISTRATION_REJECTED';
}

export { noAnswerReason, peerName as registrarName } from '../internal/no-answer';

/**
 * What error messages call a registration: unregisterAll()'s (Contact: *)
 * is no registration to the user. `rid` once eXosip gave one.
 */
export function registrationName(from: string, contact: string | null, rid?: number): string {
  const id = rid === undefined ? '' : ` ${rid}`;
  return contact === '*' ? `Unregistration${id} of every binding of ${from}` : `Registration${id} of ${from}`;
}

/** What a final failure of a REGISTER is, for its RegistrationError. */
export interface FailureCause {
  readonly code: RegistrationCode;
  /** The final response's status; 0 when none came. */
  readonly statusCode: number;
  readonly reason: string;
  /** Seconds (RFC 3261 §20.33), or null. */
  readonly retryAfter: number | null;
}

/**
 * A final failure's cause: the registrar's TLS certificate that was not
 * verified (`tls`, the context's failure since the send), no answer (status 0:
 * `ERR_REGISTRATION_NO_RESPONSE`, saying where and over what it went, `tookMs`
 * after the send), or the registrar's rejection (with the binding's guard
 * note, if any, after the reason phrase).
 */
export function failureCause(
  response: Message | null,
  textinfo: string,
  tls: TlsFailure | null,
  to: { proxy: string; transport: string; tookMs: number | null },
): FailureCause {
  const status = response?.statusCode ?? 0;
  if (status === 0 && tls !== null) {
    return { code: 'ERR_TLS_CERT_NOT_VERIFIED', statusCode: 0, reason: `the registrar's TLS certificate was not verified: ${tls.reason}${tls.subject ? ` (${tls.subject})` : ''}`, retryAfter: null };
  }
  if (status === 0) return { code: 'ERR_REGISTRATION_NO_RESPONSE', statusCode: 0, reason: noAnswerReason(to.proxy, to.transport, to.tookMs), retryAfter: null };
  const note = guardNote(textinfo);
  return { code: rejectionCode(textinfo), statusCode: status, reason: `${response?.reasonPhrase ?? ''}${note === null ? '' : ` (${note})`}`, retryAfter: retryAfterOf(response) };
}
