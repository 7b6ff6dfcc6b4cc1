/**
 * The eX_call.h sends every part of lib/call/ shares: one answer to a
 * transaction of a call (`eXosip_call_build_answer` /
 * `eXosip_call_send_answer`) and the ACK of an INVITE's 2xx
 * (`eXosip_call_build_ack` / `eXosip_call_send_ack`), each under the
 * context's lock.
 * @internal
 * @module
 */
import type { NativeContext } from '../../binding';
import { callError, check, osipError } from '../errors';
import type { AnyExosipEvent } from '../events';
import { Message, native } from '../message';
import { assertFitsDatagram } from '../message/datagram';
import { addSdp } from './sdp';

/**
 * Builds the answer `status` to the transaction `tid` of a call, lets `fill`
 * complete it (headers, body, reason) and sends it. Throws what `fill` or
 * eXosip refuse (the answer is freed when `fill` throws; eXosip spends it
 * when sent); with `udp`, RangeError `ERR_MESSAGE_TOO_LARGE` for an answer
 * larger than one datagram (nothing sent).
 */
export function sendCallAnswer(n: NativeContext, tid: number, status: number, fill: ((answer: Message) => void) | null, udp = false): void {
  n.lock();
  try {
    const [code, handle] = n.callBuildAnswer(tid, status);
    if (code < 0 || handle === null) throw osipError(code < 0 ? code : -1, 'eXosip_call_build_answer', `status ${status}`);
    const answer = new Message(handle);
    try {
      fill?.(answer);
      if (udp) assertFitsDatagram(answer, `${status} answer`);
    } catch (error) {
      answer.dispose();
      throw error;
    }
    check(n.callSendAnswer(tid, status, handle), 'eXosip_call_send_answer', `status ${status}`);
  } finally {
    n.unlock();
  }
}

/**
 * ACKs the 2xx of the INVITE transaction `tid` (an initial INVITE or a
 * re-INVITE: eXosip 5.3.0 leaves both to the application, RFC 3261
 * §13.2.2.4); eXosip keeps the ACK to answer the 2xx's retransmissions.
 * `sdp`: the answer the ACK carries (an offerless INVITE whose 2xx held
 * the offer, RFC 3264 §4), or none.
 */
export function sendAck(n: NativeContext, tid: number, sdp: string | null = null): void {
  n.lock();
  try {
    const [code, ack] = n.callBuildAck(tid);
    if (code >= 0 && ack !== null) addSdp(new Message(ack), sdp, undefined);
    n.callSendAck(tid, code < 0 ? null : ack);
  } finally {
    n.unlock();
  }
}

/**
 * Sends the 200 of an offered INVITE (`answer()`), completed by `fill`
 * (SDP, headers). What the options make fail (a header refused, over UDP a
 * 200 larger than one datagram: `ERR_MESSAGE_TOO_LARGE`) is thrown as it is,
 * as `call.request()` throws it; what eXosip refuses becomes a CallError
 * `ERR_CALL_NOT_SENT` with the SipError as `cause`.
 */
export function sendAnswer200(n: NativeContext, tid: number, fill: (answer: Message) => void, udp: boolean): void {
  let refused: unknown = null;
  try {
    sendCallAnswer(n, tid, 200, (answer) => {
      try {
        fill(answer);
        if (udp) assertFitsDatagram(answer, '200 answer');
      } catch (error) {
        refused = error;
        throw error;
      }
    });
  } catch (error) {
    if (error === refused) throw error;
    throw callError('ERR_CALL_NOT_SENT', `The 200 was not sent: ${(error as Error).message}`, { reason: (error as { code?: string }).code ?? 'error', cause: error });
  }
}

/**
 * A 401/407 to the BYE of `hangup()` (`event`, an
 * `EXOSIP_CALL_MESSAGE_REQUESTFAILURE`): sent again with the context's
 * credentials (`eXosip_default_action`). eXosip 5.3.0's
 * `eXosip_automatic_action` retries only requests of a dialog still up, and
 * `eXosip_call_terminate` frees the dialog as the BYE goes; eXosip bounds
 * the retries (`c_retry < 3`, shared with the INVITE's).
 */
export function answerByeChallenge(n: NativeContext, event: AnyExosipEvent): void {
  const { request, response } = event;
  const status = response?.statusCode ?? 0;
  if (request === null || response === null || request.method !== 'BYE' || (status !== 401 && status !== 407)) return;
  n.defaultAction(event.typeId, 0, event.tid, event.did, event.cid, 0, 0, native(response), native(request));
}
