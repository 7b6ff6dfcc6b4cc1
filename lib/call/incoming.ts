/**
 * An INVITE received (`EXOSIP_CALL_INVITE`), as `ctx.on('call')` gives it,
 * and its answer: ringing, answered with SDP, or rejected.
 * @module
 */
import { stateError } from '../errors';
import type { Message } from '../message';
import type { Call } from './call';
import type { AnswerOptions, RING_TIMEOUT_MS } from './types';

/** @internal What an IncomingCall asks its context's call table to do. */
export interface IncomingDriver {
  /** Sends a 1xx (`eXosip_call_send_answer`); throws what eXosip refuses. */
  provisional(call: IncomingCall, status: number): void;
  /** Sends the 200 with the SDP answer (throws if it cannot) and returns the wait for the ACK (`EXOSIP_CALL_ACK`). */
  answer(call: IncomingCall, options: AnswerOptions | undefined): Promise<Call>;
  /** Sends a final 3xx-6xx; throws for a bad status or what eXosip refuses. */
  reject(call: IncomingCall, status: number, reason: string | undefined): void;
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
 * {@link answered} is true, {@link answeredByDefault} is 480, and
 * ringing()/answer()/reject() throw `ERR_CALL_ANSWERED`.
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
export class IncomingCall {
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
  #state: 'offered' | 'done' | 'default' = 'offered';
  #defaultStatus = 0;
  #driver: IncomingDriver;

  /** @internal Made by the context's call table when the INVITE arrives. */
  constructor(ids: { cid: number; did: number; tid: number }, request: Message, remoteSdp: string | null, driver: IncomingDriver) {
    this.cid = ids.cid;
    this.did = ids.did;
    this.tid = ids.tid;
    this.request = request;
    this.from = request.getHeader('from') ?? '';
    this.to = request.getHeader('to') ?? '';
    this.remoteSdp = remoteSdp;
    this.#driver = driver;
  }

  /** True once {@link answer} or {@link reject} was called, or the default answer went. */
  get answered(): boolean {
    return this.#state !== 'offered';
  }

  /** The status of the context's default answer (480) when it answered this call, else 0. */
  get answeredByDefault(): number {
    return this.#defaultStatus;
  }

  /** @internal The call table refused it by default with `status`. */
  markDefault(status: number): void {
    this.#state = 'default';
    this.#defaultStatus = status;
  }

  /**
   * Sends 180 Ringing (`eXosip_call_send_answer`, RFC 3261 §13.3.1.1); may be
   * called more than once. Throws `ERR_CALL_ANSWERED` once answered or
   * rejected, a SipError when eXosip refuses (`OSIP_NOTFOUND`: the call is gone).
   */
  ringing(): void {
    this.#assertOffered();
    this.#driver.provisional(this, 180);
  }

  /**
   * Accepts the call: a 200 carrying `options.sdp` (`eXosip_call_build_answer`
   * / `eXosip_call_send_answer`), then resolves with the {@link Call} when the
   * ACK comes (`EXOSIP_CALL_ACK`). Rejects with `ERR_CALL_ANSWERED` when
   * already answered or rejected, a CallError `ERR_CALL_NOT_SENT` when eXosip
   * refuses the 200, `ERR_CALL_CANCELLED` (cancelled or closed before the
   * ACK), `ERR_CALL_TIMEOUT` (no ACK within `options.timeoutMs`) or
   * `ERR_CONTEXT_CLOSED`. When the 200 could not be sent the call is still
   * offered (reject it).
   */
  async answer(options?: AnswerOptions): Promise<Call> {
    this.#assertOffered();
    // Throws before anything is sent (bad options, 200 refused): still offered.
    const acked = this.#driver.answer(this, options);
    this.#state = 'done';
    return acked;
  }

  /**
   * Refuses the call with a final `status` (300..699, e.g. 486 Busy Here,
   * 603 Decline) and an optional reason phrase (`eXosip_call_send_answer`).
   * Throws `ERR_CALL_ANSWERED` once answered or rejected, RangeError for a
   * status out of range, SipError when eXosip refuses.
   */
  reject(status: number, reason?: string): void {
    this.#assertOffered();
    this.#driver.reject(this, status, reason);
    this.#state = 'done';
  }

  #assertOffered(): void {
    if (this.#state === 'default') {
      throw stateError('ERR_CALL_ANSWERED', `This call (cid ${this.cid}) was already refused with ${this.#defaultStatus} by the default answer (not rung, answered or rejected within defaultAnswerMs, or not answered within RING_TIMEOUT_MS of ringing())`);
    }
    if (this.#state !== 'offered') throw stateError('ERR_CALL_ANSWERED', `This call (cid ${this.cid}) was already answered or rejected`);
  }
}
