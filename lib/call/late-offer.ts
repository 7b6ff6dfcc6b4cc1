/**
 * A late offer (RFC 3264 §5): an INVITE sent without SDP (`ctx.invite()`
 * without `sdp`, with `answerOffer`). The callee's offer comes in the first
 * reliable 1xx that carries SDP (RFC 3262 §5: the answer then goes in its
 * PRACK) or else in the 2xx (the answer goes in the ACK). `answerOffer` is
 * the application's code: a `close()` or an abort inside it settles the wait,
 * which the call table checks once it returns.
 * @internal
 * @module
 */
import type { NativeContext } from '../../binding';
import { type CallError, callError } from '../errors';
import type { Message } from '../message';
import { type PendingInvite, sendPrack } from './early';
import { checkSdp, sdpOf } from './sdp';

/** True when `pending` waits for the callee's offer: no `sdp` given, an `answerOffer`, no offer answered yet. */
function awaitsOffer(pending: PendingInvite): boolean {
  return pending.answerOffer !== undefined && pending.localSdp === null && pending.early === null;
}

/** `pending.answerOffer(offer, response)` → the SDP answer, or ERR_CALL_OFFER_UNANSWERED (`cause`: what it threw; no `offer`: none came). */
function answerOf(pending: PendingInvite, offer: string | null, response: Message): string | CallError {
  let cause: unknown;
  if (offer !== null) {
    try {
      return checkSdp('the SDP answerOffer() returned', pending.answerOffer!(offer, response));
    } catch (error) {
      cause = error;
    }
  }
  const why = offer === null ? `the ${response.statusCode} carried no SDP offer` : `answerOffer() failed: ${(cause as Error)?.message ?? String(cause)}`;
  return callError('ERR_CALL_OFFER_UNANSWERED', `The late offer was not answered (${why}): the call is ended (RFC 3264 §5)`, {
    reason: offer === null ? 'no offer' : 'answerOffer failed',
    statusCode: response.statusCode,
    response,
    cause,
  });
}

/**
 * PRACKs the reliable 1xx `response` (RSeq `rseq`) of `pending`'s INVITE
 * (RFC 3262 §4), with the answer to the offer it carries for a late offer
 * (§5; a retransmission's PRACK carries it again). → `'retransmission'` (an
 * RSeq already PRACKed: not reported), `'new'`, `'closed'` (the context
 * closed inside `answerOffer`: nothing sent) or ERR_CALL_OFFER_UNANSWERED
 * (PRACKed without a body; the caller gives the INVITE up).
 */
export function prackReliable(n: NativeContext, pending: PendingInvite, tid: number, response: Message, rseq: number, closed: () => boolean): 'new' | 'retransmission' | 'closed' | CallError {
  if (rseq <= pending.rseq) {
    sendPrack(n, tid, response, pending.early?.rseq === rseq ? pending.early.answer : null);
    return 'retransmission';
  }
  const offer = awaitsOffer(pending) ? sdpOf(response) : null;
  const answer = offer === null ? null : answerOf(pending, offer, response);
  if (closed()) return 'closed';
  pending.rseq = rseq;
  if (typeof answer === 'string') pending.early = { rseq, offer: offer!, answer };
  sendPrack(n, tid, response, typeof answer === 'string' ? answer : null);
  return answer instanceof Error ? answer : 'new';
}

/**
 * The SDP of the call the 2xx `response` to `pending`'s INVITE sets up, and
 * the answer its ACK carries (a late offer answered now); for a late offer
 * whose 2xx carried no offer, or whose `answerOffer` failed,
 * ERR_CALL_OFFER_UNANSWERED (the caller ACKs without a body, then BYEs).
 */
export function answeredSdp(pending: PendingInvite, response: Message | null): { localSdp: string | null; remoteSdp: string | null; ackSdp: string | null } | CallError {
  if (pending.early !== null) return { localSdp: pending.early.answer, remoteSdp: pending.early.offer, ackSdp: null };
  const offer = response === null ? null : sdpOf(response);
  if (!awaitsOffer(pending) || response === null) return { localSdp: pending.localSdp, remoteSdp: offer, ackSdp: null };
  const answer = answerOf(pending, offer, response);
  return typeof answer === 'string' ? { localSdp: answer, remoteSdp: offer, ackSdp: answer } : answer;
}
