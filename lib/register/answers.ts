/**
 * What libeXosip2 5.3.0 does by itself with a final answer to a REGISTER, as
 * far as the binding needs to know it (docs/reliability.md, "Final answers
 * to REGISTER", has the whole table).
 * @module
 */
import { isIP } from 'node:net';
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

/**
 * `host:port` of a registrar URI as messages name it: IPv6 in brackets; the
 * default port (5060, 5061 for `sips:`) only for an IP literal, as a name may
 * have SRV records.
 */
export function registrarName(proxy: string): string {
  const m = /^sips?:(?:[^@;?]*@)?(\[[^\]]*\]|[^:;?]*)(?::([^;?]*))?/i.exec(proxy);
  if (m === null) return proxy;
  const bare = m[1].startsWith('[') ? m[1].slice(1, -1) : m[1];
  const host = isIP(bare) === 6 ? `[${bare}]` : bare;
  if (m[2] !== undefined && m[2] !== '') return `${host}:${m[2]}`;
  return isIP(bare) === 0 ? host : `${host}:${/^sips:/i.test(proxy) ? 5061 : 5060}`;
}

/**
 * `RegistrationError.reason` of a REGISTER that ended without a final answer
 * (`statusCode` 0), in words: after eXosip's transaction timeout (64 × T1 =
 * 32 s, RFC 3261 §17.1.2.2) "no answer from 127.0.0.1:9 (udp) within 32 s";
 * sooner, the transport failed ("eXosip gave up after 3 ms, the transport
 * failed (e.g. the connection was refused)"). `tookMs` is the time since the
 * REGISTER was sent, null when the binding does not know it (eXosip's own
 * refresh).
 */
export function noAnswerReason(proxy: string, transport: string, tookMs: number | null): string {
  const peer = `${registrarName(proxy)} (${transport})`;
  if (tookMs === null) return `no answer from ${peer}`;
  if (tookMs >= 30_000) return `no answer from ${peer} within ${Math.round(tookMs / 1000)} s`;
  const after = tookMs < 1000 ? `${Math.round(tookMs)} ms` : `${(tookMs / 1000).toFixed(1)} s`;
  return `no answer from ${peer}: eXosip gave up after ${after}, the transport failed (e.g. the connection was refused)`;
}
