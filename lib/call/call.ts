/**
 * A call set up (a confirmed INVITE dialog, RFC 3261 §13): what
 * `ctx.invite()` and `IncomingCall.answer()` resolve with.
 * @module
 */
import { EventEmitter } from 'node:events';
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
 * ```ts
 * const call = await ctx.invite({ to: 'sip:bob@127.0.0.1:5062', from: 'sip:alice@127.0.0.1', sdp: offer });
 * call.on('ended', ({ by, reason }) => console.log(`ended by ${by}: ${reason}`));
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
   * handles the BYE's transaction (its answer is not waited for). Does
   * nothing once the call has ended. Rejects with a SipError when eXosip
   * refuses (the call then stays as it was).
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
