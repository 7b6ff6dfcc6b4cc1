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
import { check, osipError } from '../errors';
import { Message } from '../message';

/**
 * Builds the answer `status` to the transaction `tid` of a call, lets `fill`
 * complete it (headers, body, reason) and sends it. Throws what `fill` or
 * eXosip refuse (the answer is freed when `fill` throws; eXosip spends it
 * when sent).
 */
export function sendCallAnswer(n: NativeContext, tid: number, status: number, fill: ((answer: Message) => void) | null): void {
  n.lock();
  try {
    const [code, handle] = n.callBuildAnswer(tid, status);
    if (code < 0 || handle === null) throw osipError(code < 0 ? code : -1, 'eXosip_call_build_answer', `status ${status}`);
    const answer = new Message(handle);
    try {
      fill?.(answer);
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
    if (code >= 0 && ack !== null && sdp !== null) {
      const message = new Message(ack);
      message.body = sdp;
      message.contentType = 'application/sdp';
    }
    n.callSendAck(tid, code < 0 ? null : ack);
  } finally {
    n.unlock();
  }
}
