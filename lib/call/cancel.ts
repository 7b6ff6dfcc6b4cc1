/**
 * How an offered INVITE ended before this side's final answer
 * ({@link IncomingCallCancel}): the caller's CANCEL (`EXOSIP_CALL_CANCELLED`,
 * RFC 3261 §9.2, with its RFC 3326 Reason), eXosip dropping the INVITE
 * (`EXOSIP_CALL_CLOSED` / `EXOSIP_CALL_RELEASED`), or the context closing.
 * @internal
 * @module
 */
import type { AnyExosipEvent } from '../events';
import type { IncomingCallCancel } from './types';

/** The `cause` of an RFC 3326 Reason value with protocol `SIP` (`SIP ;cause=200 ;text="..."`), else 0. */
export function sipCause(reason: string): number {
  const match = /^\s*SIP\s*;(?:.*;)?\s*cause\s*=\s*(\d{3})\b/i.exec(reason);
  return match === null ? 0 : Number(match[1]);
}

/** The {@link IncomingCallCancel} of an `EXOSIP_CALL_CANCELLED`, `_CLOSED` or `_RELEASED` event of an offered INVITE. */
export function cancelOf(event: AnyExosipEvent): IncomingCallCancel {
  if (event.type !== 'EXOSIP_CALL_CANCELLED') return { by: 'remote', reason: 'released', statusCode: 0, request: null };
  // eXosip reports the CANCEL's own transaction (jcallback.c cb_rcvcancel): event.request is the CANCEL.
  const request = event.request?.method === 'CANCEL' ? event.request : null;
  const reason = request?.getHeader('reason')?.trim() || 'CANCEL';
  return { by: 'remote', reason, statusCode: sipCause(reason), request };
}

/** The context closed while the INVITE was offered. */
export const CLOSED_CANCEL: IncomingCallCancel = Object.freeze({ by: 'local', reason: 'closed', statusCode: 0, request: null });
