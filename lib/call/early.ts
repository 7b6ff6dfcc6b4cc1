/**
 * What happens to an INVITE before its final answer that eXosip 5.3.0 leaves
 * to the application, or does by itself in a way the call table must follow:
 *
 * - Reliable provisional responses (RFC 3262, 100rel): eXosip never PRACKs
 *   by itself (it has no 100rel code besides `eXosip_call_build_prack` /
 *   `eXosip_call_send_prack`); the call table PRACKs each reliable 1xx of an
 *   INVITE sent by `ctx.invite()`, once per RSeq. As a UAS eXosip cannot send
 *   reliable 1xx (no RSeq, no retransmission, no PRACK matching): an INVITE
 *   that requires 100rel (or any option tag but `timer`) is refused with 420
 *   Bad Extension (RFC 3261 §8.2.2.3) before it is offered.
 * - Answers eXosip resends the INVITE for by itself from
 *   `eXosip_automatic_action` (eXosip.c): 401/407 (credentials, `c_retry <
 *   3`), 422 Session Interval Too Small (RFC 4028 §6: the INVITE again with
 *   Session-Expires raised to the 422's Min-SE, `c_retry < 3`, only when the
 *   INVITE carried Session-Expires and the 422 a Min-SE) and any 3xx (the
 *   INVITE again to the 3xx's first `sip:`/`sips:`/`tel:` Contact, without
 *   bound in eXosip; `ctx.invite()` bounds it with {@link MAX_REDIRECTS}),
 *   unless one of those Contacts has no SIP host (the guard keeps eXosip
 *   from following it: {@link followedRedirect}).
 * - A 2xx to the initial INVITE with another To tag (a forked INVITE, RFC
 *   3261 §13.2.2.4): eXosip 5.3.0 ACKs it and sends BYE itself (udp.c, a 2xx
 *   matching no transaction); one it reports as `EXOSIP_CALL_ANSWERED` after
 *   the wait was settled (e.g. a 200 crossing the CANCEL of an aborted
 *   `invite()`) is ACKed and BYEd by the call table.
 * @internal
 * @module
 */
import type { NativeContext } from '../../binding';
import { type CallError, callError } from '../errors';
import { noAnswerReason } from '../internal/no-answer';
import { sipHost } from '../internal/validate';
import { Message, native } from '../message';
import type { Call } from './call';
import type { CallProgress } from './types';
import { addSdp, sdpOf } from './sdp';
import { sendAck } from './send';

/** The Require option tags an incoming INVITE may carry: eXosip answers `timer` (RFC 4028) itself. */
export const SUPPORTED_EXTENSIONS: readonly string[] = ['timer'];

/** How many 401/407/422 to one INVITE eXosip answers itself (`eXosip_automatic_action`, `jc->c_retry < 3`) before one is final. */
export const MAX_CHALLENGES = 3;

/** How many 3xx in a row `ctx.invite()` lets eXosip follow before the INVITE fails (RFC 3261 §8.1.3.4 leaves the bound to the UAC). */
export const MAX_REDIRECTS = 3;

/** The option tags of every `name` header of `message` (lower case). */
function optionTags(message: Message, name: string): string[] {
  return message
    .getHeaders(name)
    .flatMap((value) => value.split(','))
    .map((tag) => tag.trim().toLowerCase())
    .filter((tag) => tag !== '');
}

/** The RSeq of a reliable provisional response (Require lists `100rel` and RSeq is a number, RFC 3262 §7.1), else null. */
export function reliableRSeq(response: Message): number | null {
  if (response.statusCode <= 100 || response.statusCode >= 200) return null;
  if (!optionTags(response, 'require').includes('100rel')) return null;
  const rseq = /^\s*(\d{1,10})\s*$/.exec(response.getHeader('rseq') ?? '');
  return rseq === null ? null : Number(rseq[1]);
}

/**
 * PRACKs the reliable 1xx `response` of the INVITE transaction `tid`
 * (`eXosip_call_build_prack` adds RAck: RSeq, CSeq; `eXosip_call_send_prack`
 * runs its own transaction), with `sdp` as its body (the answer to an offer
 * the 1xx carried, RFC 3262 §5) or none → eXosip's code (`OSIP_WRONG_STATE`
 * when a PRACK for that RSeq is already under way or the INVITE is no longer
 * proceeding).
 */
export function sendPrack(n: NativeContext, tid: number, response: Message, sdp: string | null = null): number {
  n.lock();
  try {
    const [code, prack] = n.callBuildPrack(tid, native(response));
    if (code < 0 || prack === null) return code < 0 ? code : -1;
    addSdp(new Message(prack), sdp, undefined);
    return n.callSendPrack(tid, prack);
  } finally {
    n.unlock();
  }
}

/** The Require option tags of an incoming INVITE this side does not support (answered 420 with Unsupported, RFC 3261 §8.2.2.3). */
export function unsupportedRequire(request: Message): string[] {
  return [...new Set(optionTags(request, 'require'))].filter((tag) => !SUPPORTED_EXTENSIONS.includes(tag));
}

/** The URI of `contact` (a Contact value) when eXosip would consider following a 3xx to it (`_eXosip_call_retry_request`: a scheme containing `sip` or `tel`), else null. */
function considered(contact: string): string | null {
  const uri = /<([^>]*)>/.exec(contact)?.[1] ?? contact.trim();
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri)?.[1]?.toLowerCase() ?? '';
  return scheme.includes('sip') || scheme.includes('tel') ? uri : null;
}

/**
 * True when eXosip follows the 3xx whose Contacts are `contacts`: it has one
 * eXosip considers, and each of those is a `sip:`/`sips:` URI with a host.
 * Otherwise the binding's guard took its Contacts away from eXosip (a
 * `tel:` one would crash it, native/context/guard.cc) and the 3xx is final.
 */
export function followedRedirect(contacts: readonly string[]): boolean {
  const uris = contacts.map(considered).filter((uri) => uri !== null);
  return uris.length > 0 && uris.every((uri) => sipHost(uri) !== null);
}

/**
 * What eXosip does next after the final non-2xx `response` to the initial
 * INVITE `request` (`eXosip_automatic_action`, eXosip.c): `'challenge'`
 * (401/407, resent with credentials), `'session-interval'` (422 with Min-SE
 * to an INVITE with Session-Expires, resent with the larger interval),
 * `'redirect'` (3xx with a usable Contact, resent there) or null (final).
 */
export function resentByExosip(request: Message | null, response: Message): 'challenge' | 'session-interval' | 'redirect' | null {
  const status = response.statusCode;
  if (status === 401 || status === 407) return 'challenge';
  if (status === 422) {
    const asked = request !== null && (request.getHeader('session-expires') ?? request.getHeader('x')) !== undefined;
    return asked && response.getHeader('min-se') !== undefined ? 'session-interval' : null;
  }
  if (status >= 300 && status < 400) return followedRedirect(response.contacts) ? 'redirect' : null;
  return null;
}

/** True when `event` (an `EXOSIP_CALL_ANSWERED`) answers an initial INVITE (its To has no tag), not a re-INVITE. */
export function answersInitialInvite(event: { request: Message | null }): boolean {
  const to = event.request?.getHeader('to');
  return event.request?.method === 'INVITE' && to !== undefined && !/;\s*tag\s*=/i.test(to);
}

/**
 * The 2xx `event` answers a re-INVITE of `call` this API did not send: one
 * eXosip sent itself to refresh the session (RFC 4028 §7.4; eXosip.c, when
 * this side is the refresher, half-way through the interval), whose 2xx
 * eXosip does not ACK. ACKs it; that re-INVITE has no SDP, so a 2xx carrying
 * an offer is answered in the ACK with the call's `localSdp` again (RFC 3264
 * §4) and becomes its `remoteSdp`. → false when `event` is no such 2xx.
 */
export function ackRefresh(n: NativeContext, event: { tid: number; request: Message | null; response: Message | null }, call: Call): boolean {
  if (event.request?.method !== 'INVITE' || event.response === null) return false;
  const offer = event.request.body === null || event.request.body.length === 0 ? sdpOf(event.response) : null;
  sendAck(n, event.tid, offer === null ? null : call.localSdp);
  if (offer !== null) call.updateSdp(call.localSdp, offer);
  return true;
}

/**
 * A final non-2xx `response` to the initial INVITE `request` of `pending`:
 * `'wait'` when eXosip resends the INVITE (a 401/407/422 within
 * {@link MAX_CHALLENGES}, a 3xx within {@link MAX_REDIRECTS}: the counters
 * of `pending` grow; an INVITE given up is still followed, to cancel what
 * eXosip resends), `'redirect-limit'` for one 3xx too many (eXosip resends
 * it anyway), else `'final'`.
 */
export function afterFailure(pending: { challenges: number; redirects: number; abandoned: boolean }, request: Message | null, response: Message): 'wait' | 'redirect-limit' | 'final' {
  switch (resentByExosip(request, response)) {
    case 'challenge':
    case 'session-interval':
      if (pending.challenges >= MAX_CHALLENGES) return 'final';
      pending.challenges++;
      return 'wait';
    case 'redirect':
      if (pending.abandoned) return 'wait';
      if (pending.redirects >= MAX_REDIRECTS) return 'redirect-limit';
      pending.redirects++;
      return 'wait';
    default:
      return 'final';
  }
}

/** @internal An INVITE sent, until its final answer (or, once given up, until eXosip is done with it). */
export interface PendingInvite {
  readonly cid: number;
  readonly localSdp: string | null;
  readonly onProgress: ((progress: CallProgress) => void) | undefined;
  readonly answerOffer: ((offer: string, response: Message) => string) | undefined;
  /** A late offer answered in a reliable 1xx's PRACK (RFC 3262 §5): its RSeq, the offer and the answer. */
  early: { readonly rseq: number; readonly offer: string; readonly answer: string } | null;
  challenges: number;
  /** 3xx eXosip followed for this INVITE (at most {@link MAX_REDIRECTS}). */
  redirects: number;
  /** The highest RSeq PRACKed (RFC 3262 §4: a reliable 1xx with a lower or equal one is a retransmission), or 0. */
  rseq: number;
  /** The wait was settled early (abort, timeout, close): what comes next is cancelled or ended. */
  abandoned: boolean;
  /** The next hop's URI (the route, else the Request-URI), the transport and when the INVITE left, for a no-answer reason. */
  readonly hop: string;
  readonly transport: string;
  readonly sentAt: number;
  settle(outcome: Call | CallError): void;
}

/**
 * ERR_CALL_NO_RESPONSE for `pending`, the reason in words (no-answer.ts);
 * after a 3xx eXosip followed, the peer is another one: eXosip's text then.
 */
export function noAnswer(pending: PendingInvite, textinfo: string): CallError {
  const reason = pending.redirects === 0 ? noAnswerReason(pending.hop, pending.transport, Date.now() - pending.sentAt) : textinfo || 'transaction timeout or transport error';
  return callError('ERR_CALL_NO_RESPONSE', `The INVITE got no final answer: ${reason}`, { reason });
}

