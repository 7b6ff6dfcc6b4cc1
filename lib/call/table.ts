/**
 * One context's calls (eX_call.h) by eXosip's cid: INVITEs sent and waiting
 * for their answer, INVITEs received and offered to `ctx.on('call')`, and the
 * calls set up. The `EXOSIP_CALL_*` events of a cid settle them, as
 * eXosip's how-to (ht1-callcontrol.dox) drives a call by hand.
 * @internal
 * @module
 */
import type { NativeContext } from '../../binding';
import { type CallError, callError, check } from '../errors';
import type { AnyExosipEvent } from '../events';
import * as v from '../internal/validate';
import { native } from '../message';
import { addHeaders } from '../message/answers';
import type { HeaderList } from '../message/types';
import { Call, type CallDriver } from './call';
import { IncomingCall, type IncomingDriver } from './incoming';
import { CallSender } from './outgoing';
import { CallRequests } from './requests';
import { ackRefresh, afterFailure, answersInitialInvite, MAX_REDIRECTS, noAnswer, type PendingInvite, reliableRSeq, unsupportedRequire } from './early';
import { answeredSdp, prackReliable } from './late-offer';
import { CLOSED_CANCEL, cancelOf } from './cancel';
import { addSdp, checkSdp, sdpOf } from './sdp';
import { answerByeChallenge, sendAck, sendAnswer200, sendCallAnswer } from './send';
import { type AnswerOptions, type CallEnd, type RejectOptions, RING_TIMEOUT_MS } from './types';
import { ANSWER_OPTIONS, REJECT_OPTIONS } from '../internal/option-keys';

/** Default `AnswerOptions.timeoutMs`: 64 × T1, RFC 3261 §13.3.1.4. */
const ACK_TIMEOUT_MS = 32_000;

/** An INVITE received and offered, until its ACK. */
interface Offered {
  incoming: IncomingCall;
  settle: ((outcome: Call | CallError) => void) | null;
  /** Until the default 480: `defaultAnswerMs` from the offer, {@link RING_TIMEOUT_MS} from the last ringing(); off once answered. */
  timer: NodeJS.Timeout | null;
}

/** The default final answer to an INVITE nobody answered: 480 Temporarily Unavailable (RFC 3261 §21.4.18). */
const DEFAULT_INVITE_STATUS = 480;

/** The calls of one context, by cid. */
export class CallTable {
  #native: NativeContext;
  #emit: (incoming: IncomingCall) => void;
  #hasListener: () => boolean;
  #afterMs: number | null;
  #udp: () => boolean;
  #requests: CallRequests;
  #outgoing = new Map<number, PendingInvite>();
  #offered = new Map<number, Offered>();
  #calls = new Map<number, Call>();
  /** The SDP each answered IncomingCall sent in its 200. */
  #answeredSdp = new WeakMap<IncomingCall, string | null>();
  #sender: CallSender;
  /** cids whose BYE `hangup()` sent, until eXosip releases the call (`EXOSIP_CALL_RELEASED`): see `answerByeChallenge` (send.ts). */
  #hungUp = new Set<number>();
  /** cids of invite()s given up once their CANCEL went (a 2xx crossing the CANCEL is still ACKed then BYEd), and of answer()s that timed out (a late ACK gets a BYE), until `EXOSIP_CALL_RELEASED`. */
  #givenUp = new Set<number>();
  /** close() ran: the native context is closed (set before the waits are rejected, for code they run). */
  #closed = false;
  readonly #callDriver: CallDriver = {
    terminate: (call) => this.#terminate(call),
    send: (call, out) => this.#sender.send(call, out),
  };
  readonly #incomingDriver: IncomingDriver = {
    provisional: (call, status) => {
      this.#respond(call, status, undefined);
      // Rung: the application owns the call, bounded by RING_TIMEOUT_MS.
      const offered = this.#offered.get(call.cid);
      if (offered !== undefined && this.#afterMs !== null) this.#arm(offered, RING_TIMEOUT_MS);
    },
    answer: (call, options) => this.#answer(call, options),
    reject: (call, status, options) => {
      v.integer('status', status, 300, 699);
      const o = v.options<RejectOptions>('options', options, REJECT_OPTIONS);
      const phrase = o.reason === undefined ? undefined : v.sipText('reason', o.reason);
      this.#respond(call, status, phrase, o.headers);
      this.#dropOffered(call.cid);
    },
  };

  /**
   * @param emit emits `'call'` on the context
   * @param hasListener whether the context has a `'call'` listener (else INVITEs go to the IncomingDesk)
   * @param afterMs `ContextOptions.defaultAnswerMs`: an offered INVITE's wait for ringing/answer/reject, and a request's inside a call for respond(); null: never
   * @param udp whether the context listens over UDP (every message then must fit one datagram: `ERR_MESSAGE_TOO_LARGE`)
   */
  constructor(n: NativeContext, emit: (incoming: IncomingCall) => void, hasListener: () => boolean, afterMs: number | null, udp: () => boolean) {
    this.#native = n;
    this.#emit = emit;
    this.#hasListener = hasListener;
    this.#afterMs = afterMs;
    this.#udp = udp;
    this.#sender = new CallSender(n, udp);
    this.#requests = new CallRequests(n, afterMs, (cid) => this.#sender.referring(cid), (cid) => this.#calls.get(cid) ?? null, udp);
  }

  /** Whether the context listens over UDP now (a message must fit one datagram). */
  get udp(): boolean {
    return this.#udp();
  }

  /** The calls set up and not ended, by cid. */
  get calls(): ReadonlyMap<number, Call> {
    return this.#calls;
  }

  /**
   * @internal What the table holds now (tests: nothing is left once every
   * call ended and eXosip released it): INVITEs sent and waiting, INVITEs
   * offered, calls up, hung-up calls not yet released, requests received
   * waiting for an answer, calls with requests sent.
   */
  sizes(): { outgoing: number; offered: number; calls: number; hungUp: number; requests: number; dialogs: number } {
    return { outgoing: this.#outgoing.size, offered: this.#offered.size, calls: this.#calls.size, hungUp: this.#hungUp.size, requests: this.#requests.waiting, dialogs: this.#sender.dialogs };
  }

  /** @internal Starts following the INVITE just sent as `cid`. */
  add(pending: PendingInvite): void {
    this.#outgoing.set(pending.cid, pending);
  }

  /** @internal Gives up the wait of `pending` (abort, timeout): cancels the INVITE now or as soon as eXosip can. */
  abandon(pending: PendingInvite): void {
    pending.abandoned = true;
    // OSIP_WRONG_STATE before any 1xx (RFC 3261 §9.1): retried on the 1xx.
    if (this.#native.callTerminate(pending.cid, 0, null, null) < 0) return;
    this.#outgoing.delete(pending.cid);
    this.#givenUp.add(pending.cid);
  }

  /** `EXOSIP_CALL_INVITE`: offers the call to `'call'` listeners → false when there are none (the IncomingDesk answers it). */
  offer(event: AnyExosipEvent): boolean {
    if (!this.#hasListener()) return false;
    if (event.request === null || event.tid <= 0 || this.#offered.has(event.cid)) return true;
    const unsupported = unsupportedRequire(event.request);
    if (unsupported.length > 0) {
      // RFC 3261 §8.2.2.3: eXosip cannot send reliable 1xx (100rel) nor any other extension required.
      sendCallAnswer(this.#native, event.tid, 420, (answer) => answer.setHeader('Unsupported', unsupported.join(', ')), this.#udp());
      return true;
    }
    const incoming = new IncomingCall({ cid: event.cid, did: event.did, tid: event.tid }, event.request, sdpOf(event.request), this.#incomingDriver);
    const offered: Offered = { incoming, settle: null, timer: null };
    this.#offered.set(event.cid, offered);
    try {
      this.#emit(incoming);
    } finally {
      // Also when a listener threw (raised again after this): the INVITE still gets its default answer.
      this.#armDefault(event.cid, offered);
    }
    return true;
  }

  /** Arms the default answer of an offered INVITE nobody answered (yet) after `'call'`. */
  #armDefault(cid: number, offered: Offered): void {
    if (this.#afterMs === null || offered.incoming.answered || offered.timer !== null || this.#offered.get(cid) !== offered) return;
    if (this.#afterMs === 0) this.#defaultAnswer(offered);
    else this.#arm(offered, this.#afterMs);
  }

  /** A compat answer call answered `tid`: a request's default answer is off (an offered INVITE's too). */
  answered(tid: number): void {
    this.#requests.answered(tid);
    for (const offered of this.#offered.values()) {
      if (offered.incoming.tid === tid && offered.timer !== null) {
        clearTimeout(offered.timer);
        offered.timer = null;
      }
    }
  }

  /** Every other `EXOSIP_CALL_*` event, by cid. */
  handle(event: AnyExosipEvent): void {
    if (this.#hungUp.has(event.cid)) {
      if (event.type === 'EXOSIP_CALL_RELEASED') this.#hungUp.delete(event.cid);
      else if (event.type === 'EXOSIP_CALL_MESSAGE_REQUESTFAILURE') answerByeChallenge(this.#native, event);
    }
    if (event.type === 'EXOSIP_CALL_MESSAGE_NEW' || event.type === 'EXOSIP_CALL_REINVITE') {
      this.#requests.handle(event);
      return;
    }
    const pending = this.#outgoing.get(event.cid);
    if (pending !== undefined) return this.#outgoingEvent(pending, event);
    const offered = this.#offered.get(event.cid);
    if (offered !== undefined) return this.#offeredEvent(offered, event);
    const call = this.#calls.get(event.cid);
    if (event.type === 'EXOSIP_CALL_RELEASED') this.#givenUp.delete(event.cid);
    const ours = call !== undefined || this.#givenUp.has(event.cid); // not an INVITE sent through compat
    if (event.type === 'EXOSIP_CALL_ANSWERED' && ours && event.did !== call?.did && answersInitialInvite(event)) {
      // A 2xx to an INVITE given up (its CANCEL crossed it, RFC 3261 §9.1) or to another branch of a fork eXosip passed up
      // (RFC 3261 §13.2.2.4; eXosip ACKs and BYEs most of those itself, udp.c): ACK, then BYE.
      sendAck(this.#native, event.tid);
      this.#native.callTerminate(event.cid, event.did, null, null);
      return;
    }
    if (event.type === 'EXOSIP_CALL_ACK' && call === undefined && this.#givenUp.has(event.cid)) {
      // The ACK of a 200 whose answer() timed out: the caller has a call nobody here holds. BYE now (RFC 3261 §15: not before the ACK).
      this.#native.callTerminate(event.cid, event.did, null, null);
      return;
    }
    if (call === undefined || this.#sender.handle(event, call)) return;
    if (event.type === 'EXOSIP_CALL_ANSWERED' && ackRefresh(this.#native, event, call)) return;
    if (event.type === 'EXOSIP_CALL_CLOSED' || event.type === 'EXOSIP_CALL_RELEASED') {
      const reason = event.type === 'EXOSIP_CALL_CLOSED' ? (event.request?.getHeader('reason') ?? 'BYE') : 'released';
      this.#end(call, { by: 'remote', reason, statusCode: 0 });
    }
  }

  /** The context closes: waits reject with `ERR_CONTEXT_CLOSED`, calls end (`by: 'local'`, `reason: 'closed'`); nothing is sent. */
  close(): void {
    this.#closed = true;
    const closed = (): CallError => callError('ERR_CONTEXT_CLOSED', 'The context was closed before the call was set up', { reason: 'closed' });
    for (const pending of [...this.#outgoing.values()]) pending.settle(closed());
    for (const offered of [...this.#offered.values()]) {
      if (offered.timer !== null) clearTimeout(offered.timer);
      offered.settle?.(closed());
      offered.incoming.cancelled(CLOSED_CANCEL);
    }
    this.#requests.close();
    this.#hungUp.clear();
    this.#givenUp.clear();
    for (const call of [...this.#calls.values()]) this.#end(call, { by: 'local', reason: 'closed', statusCode: 0 });
    this.#outgoing.clear();
    this.#offered.clear();
  }

  #outgoingEvent(pending: PendingInvite, event: AnyExosipEvent): void {
    const response = event.response;
    const status = response?.statusCode ?? 0;
    switch (event.type) {
      case 'EXOSIP_CALL_PROCEEDING':
      case 'EXOSIP_CALL_RINGING':
        if (pending.abandoned) {
          this.abandon(pending);
          return;
        }
        if (response === null || status <= 100) return;
        if (reliableRSeq(response) !== null) {
          // RFC 3262 §4: eXosip never PRACKs by itself; a retransmission (same RSeq) is PRACKed again but not reported.
          const outcome = prackReliable(this.#native, pending, event.tid, response, reliableRSeq(response)!, () => this.#closed);
          if (outcome === 'retransmission' || outcome === 'closed') return;
          if (outcome instanceof Error) {
            // The offer of a late offer not answered: the INVITE is given up (CANCEL).
            pending.settle(outcome);
            if (!pending.abandoned) this.abandon(pending);
            return;
          }
          if (pending.abandoned) return; // aborted inside answerOffer: cancelled already
        }
        pending.onProgress?.(Object.freeze({ statusCode: status, reason: response.reasonPhrase ?? '', sdp: sdpOf(response), response }));
        return;
      case 'EXOSIP_CALL_ANSWERED': {
        // answerOffer (the application's code) runs while the wait is pending: a close() or an abort inside it settles the wait.
        const sdp = pending.abandoned ? null : answeredSdp(pending, response);
        if (this.#closed) return; // the wait rejected ERR_CONTEXT_CLOSED; nothing can be sent any more
        this.#outgoing.delete(pending.cid);
        sendAck(this.#native, event.tid, sdp === null || sdp instanceof Error ? null : sdp.ackSdp);
        if (sdp === null || sdp instanceof Error || pending.abandoned) {
          // Answered after the wait gave up, or a late offer not answered: the ACK went, now the BYE.
          this.#native.callTerminate(event.cid, event.did, null, null);
          if (sdp instanceof Error) pending.settle(sdp);
          return;
        }
        const call = new Call({ cid: event.cid, did: event.did, direction: 'outgoing', localSdp: sdp.localSdp, remoteSdp: sdp.remoteSdp }, this.#callDriver);
        this.#calls.set(call.cid, call);
        pending.settle(call);
        return;
      }
      case 'EXOSIP_CALL_REQUESTFAILURE':
      case 'EXOSIP_CALL_SERVERFAILURE':
      case 'EXOSIP_CALL_GLOBALFAILURE':
      case 'EXOSIP_CALL_REDIRECTED':
        switch (response === null ? 'final' : afterFailure(pending, event.request, response)) {
          case 'wait':
            return;
          case 'redirect-limit':
            // Past MAX_REDIRECTS: the INVITE eXosip already resent to the Contact is cancelled.
            pending.settle(callError('ERR_CALL_REJECTED', `Redirected with ${status} ${response!.reasonPhrase ?? ''} more than ${MAX_REDIRECTS} times`, { statusCode: status, reason: response!.reasonPhrase ?? '', response }));
            this.abandon(pending);
            return;
          default:
            break;
        }
        this.#outgoing.delete(pending.cid);
        if (response === null) pending.settle(noAnswer(pending, event.textinfo));
        else pending.settle(callError('ERR_CALL_REJECTED', `Rejected with ${status} ${response.reasonPhrase ?? ''}`, { statusCode: status, reason: response.reasonPhrase ?? '', response }));
        return;
      case 'EXOSIP_CALL_NOANSWER':
      case 'EXOSIP_CALL_CLOSED':
      case 'EXOSIP_CALL_RELEASED':
        this.#outgoing.delete(pending.cid);
        pending.settle(noAnswer(pending, event.textinfo));
        return;
      default:
        return;
    }
  }

  #offeredEvent(offered: Offered, event: AnyExosipEvent): void {
    switch (event.type) {
      case 'EXOSIP_CALL_ACK': {
        this.#dropOffered(event.cid);
        const incoming = offered.incoming;
        const localSdp = this.#answeredSdp.get(incoming) ?? null;
        const remoteSdp = incoming.remoteSdp ?? (event.ack === null ? null : sdpOf(event.ack));
        const call = new Call({ cid: incoming.cid, did: event.did > 0 ? event.did : incoming.did, direction: 'incoming', localSdp, remoteSdp }, this.#callDriver);
        this.#calls.set(call.cid, call);
        offered.settle?.(call);
        return;
      }
      case 'EXOSIP_CALL_CANCELLED':
      case 'EXOSIP_CALL_CLOSED':
      case 'EXOSIP_CALL_RELEASED':
        this.#dropOffered(event.cid);
        offered.settle?.(callError('ERR_CALL_CANCELLED', `The call was ${event.type === 'EXOSIP_CALL_CANCELLED' ? 'cancelled' : 'closed'} before its ACK`, { reason: event.type === 'EXOSIP_CALL_CANCELLED' ? 'cancelled' : 'closed' }));
        offered.incoming.cancelled(cancelOf(event));
        return;
      default:
        return;
    }
  }

  #answer(incoming: IncomingCall, options: AnswerOptions | undefined): Promise<Call> {
    const o = v.options<AnswerOptions>('options', options, ANSWER_OPTIONS);
    const sdp = o.sdp === undefined ? null : checkSdp('options.sdp', o.sdp);
    const timeoutMs = o.timeoutMs === undefined ? ACK_TIMEOUT_MS : v.integer('options.timeoutMs', o.timeoutMs, 1, 2 ** 31 - 1);
    const offered = this.#offered.get(incoming.cid);
    if (offered === undefined) return Promise.reject(callError('ERR_CALL_CANCELLED', 'The call was cancelled or closed before the answer', { reason: 'gone' }));
    sendAnswer200(this.#native, incoming.tid, (answer) => addSdp(answer, sdp, o.headers), this.#udp());
    this.#answeredSdp.set(incoming, sdp);
    if (offered.timer !== null) clearTimeout(offered.timer);
    offered.timer = null;
    return new Promise<Call>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#dropOffered(incoming.cid);
        // Our 200 stands: an ACK that still comes gets a BYE (route); none, and eXosip ends the call itself.
        this.#givenUp.add(incoming.cid);
        offered.settle?.(callError('ERR_CALL_TIMEOUT', `No ACK within ${timeoutMs} ms`, { reason: 'timeout' }));
      }, timeoutMs);
      timer.unref();
      offered.settle = (outcome) => {
        offered.settle = null;
        clearTimeout(timer);
        if (outcome instanceof Call) resolve(outcome);
        else reject(outcome);
      };
    });
  }

  /** (Re)starts the default-480 timer of `offered`. */
  #arm(offered: Offered, ms: number): void {
    if (offered.timer !== null) clearTimeout(offered.timer);
    offered.timer = setTimeout(() => this.#defaultAnswer(offered), ms);
    offered.timer.unref();
  }

  /** Nobody answered the offered INVITE in time: 480, and a late answer()/reject() throws `ERR_CALL_ANSWERED`. */
  #defaultAnswer(offered: Offered): void {
    const incoming = offered.incoming;
    if (incoming.answered || this.#offered.get(incoming.cid) !== offered) return;
    this.#dropOffered(incoming.cid);
    incoming.markDefault(DEFAULT_INVITE_STATUS);
    try {
      this.#respond(incoming, DEFAULT_INVITE_STATUS, undefined);
    } catch {
      // OSIP_WRONG_STATE / OSIP_NOTFOUND: answered through compat, or cancelled meanwhile.
    }
  }

  /** Forgets an offered INVITE (answered, rejected, ACKed, cancelled) and stops its default-answer timer. */
  #dropOffered(cid: number): void {
    const offered = this.#offered.get(cid);
    if (offered?.timer != null) clearTimeout(offered.timer);
    if (offered !== undefined) offered.timer = null;
    this.#offered.delete(cid);
  }

  /** Builds, completes and sends one answer without body to the INVITE of `incoming`; throws what eXosip or the options refuse. */
  #respond(incoming: IncomingCall, status: number, reason: string | undefined, headers?: HeaderList): void {
    sendCallAnswer(this.#native, incoming.tid, status, (answer) => {
      addHeaders(answer, headers, 'options');
      if (reason !== undefined) native(answer).setReasonPhrase(reason);
    }, this.#udp());
  }

  /** hangup(): the BYE (the Call then ends itself, and its requests in flight reject with `ERR_CALL_ENDED`). */
  #terminate(call: Call): void {
    const n = this.#native;
    n.lock();
    try {
      check(n.callTerminate(call.cid, call.did, null, null), 'eXosip_call_terminate', `cid ${call.cid}, did ${call.did}`);
    } finally {
      n.unlock();
    }
    this.#calls.delete(call.cid);
    this.#hungUp.add(call.cid);
    queueMicrotask(() => this.#sender.ended(call, false));
  }

  #end(call: Call, end: CallEnd): void {
    this.#calls.delete(call.cid);
    call.end(end);
    this.#sender.ended(call, end.reason === 'closed');
  }
}
