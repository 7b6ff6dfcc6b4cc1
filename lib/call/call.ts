/**
 * A call set up (a confirmed INVITE dialog, RFC 3261 §13): what
 * `ctx.invite()` and `IncomingCall.answer()` resolve with.
 * @module
 */
import { EventEmitter } from 'node:events';
import type { IncomingRequest } from '../message/incoming';
import type { CallEnd, CallEventMap, CallState } from './types';

/** @internal What a Call asks its context's call table to do. */
export interface CallDriver {
  /** `eXosip_call_terminate(cid, did)`: sends the BYE; throws the SipError eXosip returns. */
  terminate(call: Call): void;
}

/**
 * One call, from the ACK on (`state` `'confirmed'`) until it ends: by
 * {@link hangup}, by the peer's BYE (`EXOSIP_CALL_CLOSED`) or when the
 * context closes. `'ended'` ({@link CallEnd}) is emitted exactly once.
 *
 * Requests the peer sends inside the call (`EXOSIP_CALL_MESSAGE_NEW`,
 * `EXOSIP_CALL_REINVITE`) are emitted as `'request'` (an
 * {@link IncomingRequest}); answer each once with `req.respond(status, {
 * body?, contentType?, headers? })` (`eXosip_call_build_answer` /
 * `eXosip_call_send_answer` by tid). One nobody answered within
 * `ContextOptions.defaultAnswerMs` (default 2000 ms; null: never) gets a
 * default answer (also sent when there is no listener):
 *
 * | Request | Default answer | Why |
 * | --- | --- | --- |
 * | OPTIONS | 200 with Allow, Accept `application/sdp`, empty Supported | RFC 3261 §11.2 |
 * | INFO without Info-Package | 200 | legacy INFO (RFC 6086 §2), what most UAs answer |
 * | INFO with Info-Package | 469 Bad Info Package, empty Recv-Info | no package is supported (RFC 6086 §4.2.2) |
 * | re-INVITE | 488 Not Acceptable Here | RFC 3261 §14.2: the change is refused, the call stays as it was |
 * | UPDATE with a body | 488 Not Acceptable Here | RFC 3311 §5.2: the offer is refused, the session stays |
 * | UPDATE without a body | 200 | nothing to change (a session refresh, RFC 4028) |
 * | REFER | 603 Decline | RFC 3515 §2.4.2: the transfer is refused, the call stays |
 * | NOTIFY, PRACK | 481 Call/Transaction Does Not Exist | no subscription (RFC 6665 §4.1.3) / no reliable 1xx sent (RFC 3262 §3) |
 * | anything else (MESSAGE, ...) | 501 Not Implemented | RFC 3261 §8.2.1 |
 * | BYE | none: eXosip answers 200 itself, the call ends | `EXOSIP_OPT_AUTOANSWER_BYE` |
 *
 * A late `respond()` then rejects with `ERR_REQUEST_ANSWERED`.
 *
 * ```ts
 * const call = await ctx.invite({ to: 'sip:bob@127.0.0.1:5062', from: 'sip:alice@127.0.0.1', sdp: offer });
 * call.on('ended', ({ by, reason }) => console.log(`ended by ${by}: ${reason}`));
 * call.on('request', (req) => {
 *   if (req.method === 'INFO') void req.respond(200, { body: 'ok', contentType: 'text/plain' });
 * });
 * await call.hangup();
 * ```
 */
export class Call extends EventEmitter<CallEventMap> {
  /** eXosip's call id (`event->cid`). */
  readonly cid: number;
  /** eXosip's dialog id (`event->did`), the key of requests inside the call. */
  readonly did: number;
  /** `'outgoing'` (placed by `ctx.invite()`) or `'incoming'` (answered with `IncomingCall.answer()`). */
  readonly direction: 'outgoing' | 'incoming';
  /** The SDP this side sent (offer or answer), or null. */
  readonly localSdp: string | null;
  /** The SDP the peer sent (its answer in the 2xx, or its offer in the INVITE), or null. */
  readonly remoteSdp: string | null;
  #state: CallState = 'confirmed';
  #end: CallEnd | null = null;
  #driver: CallDriver;

  /** @internal Made by the context's call table once the call is confirmed. */
  constructor(init: { cid: number; did: number; direction: 'outgoing' | 'incoming'; localSdp: string | null; remoteSdp: string | null }, driver: CallDriver) {
    super();
    this.cid = init.cid;
    this.did = init.did;
    this.direction = init.direction;
    this.localSdp = init.localSdp;
    this.remoteSdp = init.remoteSdp;
    this.#driver = driver;
  }

  /** `'confirmed'`, then `'ended'`. */
  get state(): CallState {
    return this.#state;
  }

  /** How it ended (the `'ended'` event's value) once it has; null before. */
  get endedWith(): CallEnd | null {
    return this.#end;
  }

  /**
   * Ends the call with a BYE (`eXosip_call_terminate`, RFC 3261 §15.1.1) and
   * emits `'ended'` (`by: 'local'`, `reason: 'hangup'`) at once; eXosip
   * handles the BYE's transaction (its answer is not waited for: a peer that
   * never answers gets the BYE retransmitted until Timer F, 32 s over UDP).
   * A 401/407 to the BYE is answered with the context's credentials
   * (`eXosip_default_action`; eXosip answers at most 3 challenges per call,
   * the INVITE's included). Does nothing once the call has ended. Rejects
   * with a SipError when eXosip refuses (the call then stays as it was).
   */
  async hangup(): Promise<void> {
    if (this.#state === 'ended') return;
    this.#driver.terminate(this);
    this.end({ by: 'local', reason: 'hangup', statusCode: 0 });
  }

  /** @internal The call ended: state `'ended'`, `'ended'` emitted (once). */
  end(end: CallEnd): void {
    if (this.#state === 'ended') return;
    this.#state = 'ended';
    this.#end = Object.freeze({ ...end });
    this.emit('ended', this.#end);
  }
}
