/**
 * An INVITE received (`EXOSIP_CALL_INVITE`), as `ctx.on('call')` gives it,
 * and its answer: ringing, answered with SDP, or rejected.
 * @module
 */
import { EventEmitter } from 'node:events';
import { type CallError, callError, stateError } from '../errors';
import type { Message } from '../message';
import type { Call } from './call';
import type { AnswerOptions, IncomingCallCancel, IncomingCallEventMap, IncomingCallState, RejectOptions, RING_TIMEOUT_MS } from './types';

/** @internal What an IncomingCall asks its context's call table to do. */
export interface IncomingDriver {
  /** Sends a 1xx (`eXosip_call_send_answer`); throws what eXosip refuses. */
  provisional(call: IncomingCall, status: number): void;
  /** Sends the 200 with the SDP answer (throws if it cannot) and returns the wait for the ACK (`EXOSIP_CALL_ACK`). */
  answer(call: IncomingCall, options: AnswerOptions | undefined): Promise<Call>;
  /** Sends a final 3xx-6xx; throws for a bad status or options, or what eXosip refuses. */
  reject(call: IncomingCall, status: number, options: RejectOptions): void;
}

/**
 * A new call offered to this context (an INVITE outside of a dialog,
 * `EXOSIP_CALL_INVITE`), emitted as `ctx.on('call')`. Ring with
 * {@link ringing}, then {@link answer} or {@link reject} it once. While a
 * `'call'` listener is registered, INVITEs come here instead of
 * `ctx.on('request')`.
 *
 * Default answer: an IncomingCall neither rung, answered nor rejected within
 * `ContextOptions.defaultAnswerMs` (default 2000 ms) is refused with 480
 * Temporarily Unavailable (RFC 3261 §21.4.18); once {@link ringing} was
 * sent the application owns it, but one still unanswered
 * {@link RING_TIMEOUT_MS} (3 minutes, Timer C) after its last ringing() gets
 * the 480 too. `defaultAnswerMs: null` turns both off (eXosip's behaviour:
 * the INVITE waits up to 3 minutes in eXosip). After the default answer
 * {@link answered} is true, {@link state} `'rejected'`,
 * {@link answeredByDefault} 480, and ringing()/answer()/reject() throw
 * `ERR_CALL_ANSWERED`.
 *
 * Cancelled: when the caller sends CANCEL before a final answer (RFC 3261
 * §9.2; `EXOSIP_CALL_CANCELLED`: eXosip has already answered the INVITE 487
 * Request Terminated and the CANCEL 200), when eXosip drops the INVITE's
 * transaction before a final answer (`EXOSIP_CALL_CLOSED` /
 * `EXOSIP_CALL_RELEASED`, e.g. its 3-minute sweep with `defaultAnswerMs:
 * null`) or when the context closes, {@link state} becomes `'cancelled'`,
 * {@link cancelledWith} says how ({@link IncomingCallCancel}: the CANCEL's
 * RFC 3326 Reason header, e.g. `SIP ;cause=200 ;text="Call completed
 * elsewhere"`, and its cause as `statusCode`) and `'cancelled'` is emitted
 * once: stop ringing. ringing() and reject() then throw, and answer()
 * rejects with, a CallError `ERR_CALL_CANCELLED` (`ERR_CONTEXT_CLOSED` when
 * the context closed). An IncomingCall cancelled in the JS task that
 * offered it with no `'cancelled'` listener yet (code of that task
 * cancelling it; each event is its own task, docs/threads.md) emits on the
 * next turn of the event loop, as `Call`'s `'ended'` does; {@link state}
 * changes at once. A CANCEL that crosses the 200 of {@link answer} cancels
 * nothing (RFC 3261 §9.2):
 * the call goes on and the ACK comes. The caller's INVITE timing out without
 * a CANCEL is not seen here (no message reaches this side) until eXosip
 * drops it.
 *
 * Extensions: an INVITE whose Require lists an option tag other than
 * `timer` (RFC 3261 §8.2.2.3) is refused with 420 Bad Extension and an
 * Unsupported header listing them before it is offered (no `'call'`): in
 * particular `Require: 100rel`, since eXosip 5.3.0 cannot send reliable
 * provisional responses (RFC 3262: no RSeq, no retransmission, no PRACK
 * matching). {@link ringing} always sends an unreliable 180, which RFC
 * 3262 allows when the caller only supports 100rel. Session timers (RFC
 * 4028) are on only when the 200 says `Supported: timer` (`answer({
 * headers: [['Supported', 'timer']] })`; `eXosip_call_send_answer` looks for
 * it): to an INVITE with Session-Expires eXosip then copies Session-Expires
 * into the 200 (adding `refresher=uas` when the caller named none: this side
 * then refreshes half-way through, as `InviteOptions` describes) and adds
 * `Require: timer` when the caller supports timer.
 *
 * Requests in the early dialog (after {@link ringing}, before the ACK: an
 * INFO, an UPDATE, a PRACK) reach `ctx.on('event')`
 * (`EXOSIP_CALL_MESSAGE_NEW`) but no Call yet: they get the default answer
 * listed in {@link Call} after `defaultAnswerMs` (INFO 200, UPDATE with SDP
 * 488 Not Acceptable Here, PRACK 481, ...), unless a compat
 * `eXosip_call_send_answer` answers them first; the call's SDP stays the
 * INVITE's.
 *
 * ```ts
 * ctx.on('call', async (incoming) => {
 *   incoming.ringing();
 *   const call = await incoming.answer({ sdp: myAnswer });
 *   call.on('ended', (end) => console.log(end));
 * });
 * ```
 */
export class IncomingCall extends EventEmitter<IncomingCallEventMap> {
  /** eXosip's call id (`event->cid`). */
  readonly cid: number;
  /** eXosip's dialog id (`event->did`). */
  readonly did: number;
  /** eXosip's transaction id of the INVITE (`event->tid`), the key of its answers. */
  readonly tid: number;
  /** The From header value (the caller). */
  readonly from: string;
  /** The To header value. */
  readonly to: string;
  /** The SDP offer of the INVITE (Content-Type `application/sdp`), or null (the offer then comes in the ACK). */
  readonly remoteSdp: string | null;
  /** The whole INVITE (the event's copy). */
  readonly request: Message;
  #state: IncomingCallState = 'offered';
  #defaultStatus = 0;
  #cancel: IncomingCallCancel | null = null;
  #driver: IncomingDriver;
  /** True until the JS task that offered this call is over (see {@link cancelled}). */
  #fresh = true;

  /** @internal Made by the context's call table when the INVITE arrives. */
  constructor(ids: { cid: number; did: number; tid: number }, request: Message, remoteSdp: string | null, driver: IncomingDriver) {
    super();
    this.cid = ids.cid;
    this.did = ids.did;
    this.tid = ids.tid;
    this.request = request;
    this.from = request.getHeader('from') ?? '';
    this.to = request.getHeader('to') ?? '';
    this.remoteSdp = remoteSdp;
    this.#driver = driver;
    setImmediate(() => {
      this.#fresh = false;
    });
  }

  /**
   * Where the INVITE stands: `'offered'` (nothing sent yet), `'ringing'`
   * (a 180 went), `'answered'` (the 200 of {@link answer} went), `'rejected'`
   * (a final 3xx-6xx went: {@link reject} or the default 480) or
   * `'cancelled'` (see {@link cancelledWith}).
   */
  get state(): IncomingCallState {
    return this.#state;
  }

  /** True once a final answer went: {@link answer}, {@link reject} or the default answer (state `'answered'` or `'rejected'`). */
  get answered(): boolean {
    return this.#state === 'answered' || this.#state === 'rejected';
  }

  /** How the call was cancelled (the `'cancelled'` event's value) once it was; null before. */
  get cancelledWith(): IncomingCallCancel | null {
    return this.#cancel;
  }

  /** The status of the context's default answer (480) when it answered this call, else 0. */
  get answeredByDefault(): number {
    return this.#defaultStatus;
  }

  /** @internal The call table refused it by default with `status`. */
  markDefault(status: number): void {
    this.#state = 'rejected';
    this.#defaultStatus = status;
  }

  /**
   * @internal The INVITE ended before a final answer from this side
   * (CANCEL, released by eXosip, context closed): state `'cancelled'` and
   * `'cancelled'` emitted once (on the next turn when it is still fresh and
   * has no listener). Nothing when a final answer already went.
   */
  cancelled(cancel: IncomingCallCancel): void {
    if (this.#state !== 'offered' && this.#state !== 'ringing') return;
    this.#state = 'cancelled';
    const value = Object.freeze({ ...cancel });
    this.#cancel = value;
    if (this.#fresh && this.listenerCount('cancelled') === 0) setImmediate(() => this.emit('cancelled', value));
    else this.emit('cancelled', value);
  }

  /**
   * Sends 180 Ringing (`eXosip_call_send_answer`, RFC 3261 §13.3.1.1); may be
   * called more than once. Throws `ERR_CALL_ANSWERED` once answered or
   * rejected, a CallError `ERR_CALL_CANCELLED` (or `ERR_CONTEXT_CLOSED`)
   * once cancelled, a SipError when eXosip refuses (`OSIP_WRONG_STATE` /
   * `OSIP_NOTFOUND`: the INVITE was cancelled and the event is still on its
   * way).
   */
  ringing(): void {
    this.#assertOffered();
    this.#driver.provisional(this, 180);
    this.#state = 'ringing';
  }

  /**
   * Accepts the call: a 200 carrying `options.sdp` (`eXosip_call_build_answer`
   * / `eXosip_call_send_answer`), then resolves with the {@link Call} when the
   * ACK comes (`EXOSIP_CALL_ACK`). Rejects with `ERR_CALL_ANSWERED` when
   * already answered or rejected, a CallError `ERR_CALL_NOT_SENT` when eXosip
   * refuses the 200, `ERR_CALL_CANCELLED` (cancelled or closed before the
   * ACK), `ERR_CALL_TIMEOUT` (no ACK within `options.timeoutMs`) or
   * `ERR_CONTEXT_CLOSED`. Bad options reject before anything is sent, as
   * `Call.request()`'s do: TypeError `ERR_INVALID_ARG_TYPE` /
   * `ERR_INVALID_ARG_VALUE` (a header name refused, an `sdp` libosip2's
   * `sdp_message_parse` cannot parse), RangeError `ERR_OUT_OF_RANGE`
   * (`timeoutMs`), RangeError `ERR_MESSAGE_TOO_LARGE` (over UDP, a 200
   * larger than one datagram). When the 200 could not be sent the call is
   * still offered (reject it).
   */
  async answer(options?: AnswerOptions): Promise<Call> {
    this.#assertOffered();
    // Throws before anything is sent (bad options, 200 refused): still offered.
    const acked = this.#driver.answer(this, options);
    this.#state = 'answered';
    return acked;
  }

  /**
   * Refuses the call with a final `status` (300..699, e.g. 486 Busy Here,
   * 603 Decline) and an optional reason phrase, or {@link RejectOptions}
   * with headers too (a 3xx's Contact, RFC 3261 §21.3; a 486's or 503's
   * Retry-After, §20.33) (`eXosip_call_build_answer` +
   * `eXosip_call_send_answer`).
   * Throws `ERR_CALL_ANSWERED` once answered or rejected, a CallError
   * `ERR_CALL_CANCELLED` (or `ERR_CONTEXT_CLOSED`) once cancelled, TypeError
   * `ERR_INVALID_ARG_TYPE` for a status that is not a number (or a reason
   * that is not a string), RangeError `ERR_OUT_OF_RANGE` for one out of
   * range, TypeError `ERR_INVALID_ARG_VALUE` for a reason or header with CR,
   * LF or NUL (or a header eXosip writes itself: Via, From, To, Call-ID,
   * CSeq, Content-Length), SipError when eXosip refuses.
   *
   * ```ts
   * incoming.reject(302, { headers: { Contact: '<sip:bob@192.0.2.7>' } });
   * ```
   */
  reject(status: number, reason?: string | RejectOptions): void {
    this.#assertOffered();
    this.#driver.reject(this, status, typeof reason === 'string' || reason === undefined ? { reason } : reason);
    this.#state = 'rejected';
  }

  #assertOffered(): void {
    if (this.#state === 'cancelled') throw this.cancelError();
    if (this.#state === 'rejected' && this.#defaultStatus !== 0) {
      throw stateError('ERR_CALL_ANSWERED', `This call (cid ${this.cid}) was already refused with ${this.#defaultStatus} by the default answer (not rung, answered or rejected within defaultAnswerMs, or not answered within RING_TIMEOUT_MS of ringing())`);
    }
    if (this.answered) throw stateError('ERR_CALL_ANSWERED', `This call (cid ${this.cid}) was already answered or rejected`);
  }

  /** @internal The CallError ringing()/answer()/reject() give once cancelled: `ERR_CALL_CANCELLED`, or `ERR_CONTEXT_CLOSED`. */
  cancelError(): CallError {
    const cancel = this.#cancel;
    if (cancel?.by === 'local') return callError('ERR_CONTEXT_CLOSED', `The context was closed before this call (cid ${this.cid}) was answered`, { reason: 'closed' });
    return callError('ERR_CALL_CANCELLED', `This call (cid ${this.cid}) was cancelled by the caller before a final answer (${cancel?.reason ?? 'cancelled'})`, { reason: cancel?.reason ?? 'cancelled', statusCode: cancel?.statusCode ?? 0 });
  }
}
