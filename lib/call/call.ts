/**
 * A call set up (a confirmed INVITE dialog, RFC 3261 §13): what
 * `ctx.invite()` and `IncomingCall.answer()` resolve with.
 * @module
 */
import { EventEmitter } from 'node:events';
import type { IncomingRequest } from '../message/incoming';
import type { RequestResult } from '../message/types';
import { infoOf, type Outgoing, referOf, reinviteOf, requestOf } from './outgoing';
import type { CallEnd, CallEventMap, CallRequestOptions, CallState, InDialogOptions, InfoOptions, ReferOptions, ReinviteOptions } from './types';

/** @internal What a Call asks its context's call table to do. */
export interface CallDriver {
  /** `eXosip_call_terminate(cid, did)`: sends the BYE; throws the SipError eXosip returns. */
  terminate(call: Call): void;
  /** Sends one request in the call's dialog and waits for its final answer (lib/call/outgoing.ts). */
  send(call: Call, out: Outgoing): Promise<RequestResult>;
}

/**
 * One call, from the ACK on (`state` `'confirmed'`) until it ends: by
 * {@link hangup}, by the peer's BYE (`EXOSIP_CALL_CLOSED`) or when the
 * context closes. `'ended'` ({@link CallEnd}) is emitted exactly once:
 * synchronously, except for a Call that ends in the JS task that made it
 * (the peer's ACK and BYE delivered together) while it has no `'ended'`
 * listener yet: then on the next turn of the event loop, so that the
 * listener added right after `await incoming.answer()` / `await
 * ctx.invite()` still gets it. {@link state} and {@link endedWith} change
 * at once in every case.
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
 * A late `respond()` then rejects with `ERR_REQUEST_ANSWERED`. Answering a
 * re-INVITE 2xx with an SDP body (`{ body: sdp, contentType:
 * 'application/sdp' }`) updates {@link localSdp} and {@link remoteSdp}.
 *
 * Requests this side sends in the call (`eXosip_call_build_request` /
 * `eXosip_call_send_request` by did): {@link request} (any method but BYE,
 * CANCEL, ACK, INVITE, PRACK), {@link info} (INFO, e.g. DTMF),
 * {@link reinvite} (a new SDP offer: hold/resume; the binding ACKs its 2xx)
 * and {@link refer} (a transfer, RFC 3515, whose NOTIFYs come as
 * `'referProgress'`, answered 200 by the call). Each resolves with the final
 * 2xx (a `RequestResult`: `statusCode`, `reason`, `body`, `contentType`,
 * `response`) or rejects with a `RequestError` (see {@link request}). A
 * 401/407 is answered with the context's credentials by eXosip
 * (`eXosip_automatic_action`, at most 3 times in a row per dialog): the wait
 * goes on. eXosip sends one request per method at a time in a dialog:
 * another of the same method while one waits rejects with
 * `ERR_REQUEST_NOT_SENT` (`OSIP_WRONG_STATE`). A 3xx is final here (eXosip
 * 5.3.0 may still resend the request to its Contact; that outcome is not
 * reported).
 *
 * ```ts
 * const call = await ctx.invite({ to: 'sip:bob@127.0.0.1:5062', from: 'sip:alice@127.0.0.1', sdp: offer });
 * call.on('ended', ({ by, reason }) => console.log(`ended by ${by}: ${reason}`));
 * call.on('request', (req) => {
 *   if (req.method === 'INFO') void req.respond(200, { body: 'ok', contentType: 'text/plain' });
 * });
 * await call.info({ contentType: 'application/dtmf-relay', body: 'Signal=5\r\nDuration=160\r\n' });
 * await call.reinvite({ sdp: offer.replace('a=sendrecv', 'a=sendonly') }); // hold
 * call.on('referProgress', ({ statusCode, reason }) => console.log(`transfer: ${statusCode} ${reason}`));
 * await call.refer('sip:carol@example.com'); // 202 Accepted
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
  #localSdp: string | null;
  #remoteSdp: string | null;
  #state: CallState = 'confirmed';
  #end: CallEnd | null = null;
  #driver: CallDriver;
  /** True until the JS task that made this Call is over (see {@link end}). */
  #fresh = true;

  /** @internal Made by the context's call table once the call is confirmed. */
  constructor(init: { cid: number; did: number; direction: 'outgoing' | 'incoming'; localSdp: string | null; remoteSdp: string | null }, driver: CallDriver) {
    super();
    this.cid = init.cid;
    this.did = init.did;
    this.direction = init.direction;
    this.#localSdp = init.localSdp;
    this.#remoteSdp = init.remoteSdp;
    this.#driver = driver;
    setImmediate(() => {
      this.#fresh = false;
    });
  }

  /**
   * The SDP this side sent last (offer or answer, RFC 3264), or null: the
   * INVITE's or 200's, then the offer of each {@link reinvite} that got a 2xx,
   * or the answer of each re-INVITE this side answered 2xx with SDP.
   */
  get localSdp(): string | null {
    return this.#localSdp;
  }

  /**
   * The SDP the peer sent last, or null: its answer in the 2xx or its offer
   * in the INVITE, then the answer in the 2xx to each {@link reinvite}
   * (unchanged when that 2xx has no SDP), or the offer of each re-INVITE
   * this side answered 2xx.
   */
  get remoteSdp(): string | null {
    return this.#remoteSdp;
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
   * emits `'ended'` (`by: 'local'`, `reason: 'hangup'`) at once (on the next
   * turn when called in the task that made the Call, before any `'ended'`
   * listener was added: see the class); eXosip
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

  /**
   * Sends one request inside the call's dialog (`eXosip_call_build_request(did,
   * method)` + `eXosip_call_send_request`, RFC 3261 §12.2.1.1) and resolves
   * with its final 2xx. A 401/407 is answered by eXosip with the context's
   * credentials (the wait goes on, at most 3 times in a row in the dialog;
   * without credentials that answer it, it is final at once, its message
   * naming what is missing); 1xx are skipped.
   *
   * Rejects with a TypeError/RangeError before anything is sent for bad
   * options: `ERR_INVALID_ARG_VALUE` for a method that is not a token or is
   * BYE, CANCEL, ACK, INVITE or PRACK (use {@link hangup} and
   * {@link reinvite}; eXosip sends ACK and PRACK itself) or a header it
   * refuses, `ERR_INVALID_ARG_TYPE`, `ERR_OUT_OF_RANGE` (`timeoutMs`),
   * RangeError `ERR_MESSAGE_TOO_LARGE` (over UDP, a request larger than one
   * datagram: see `CallRequestOptions.body`; `reinvite()`: also TypeError
   * `ERR_INVALID_ARG_VALUE` for an SDP libosip2 cannot parse). Then
   * with a `RequestError`: `ERR_REQUEST_REJECTED` (a final 3xx-6xx:
   * `statusCode`, `reason`, `response`), `ERR_REQUEST_NO_RESPONSE` (Timer F,
   * 32 s, or a transport error), `ERR_REQUEST_TIMEOUT` (`timeoutMs`, default
   * 64,000 ms), `ERR_REQUEST_NOT_SENT` (eXosip refused; `OSIP_WRONG_STATE`
   * while a request of the same method waits in this call),
   * `ERR_CALL_ENDED` (the call had ended, or ended before the answer),
   * `ERR_CONTEXT_CLOSED`, `ABORT_ERR`.
   */
  async request(options: CallRequestOptions): Promise<RequestResult> {
    return this.#driver.send(this, requestOf(options));
  }

  /**
   * Sends an INFO (`eXosip_call_build_info`, RFC 6086; legacy INFO without
   * Info-Package, as most UAs take DTMF: `contentType:
   * 'application/dtmf-relay'`, `body: 'Signal=5\r\nDuration=160\r\n'`)
   * and resolves with its final 2xx. Rejects as {@link request}.
   */
  async info(options?: InfoOptions): Promise<RequestResult> {
    return this.#driver.send(this, infoOf(options));
  }

  /**
   * Sends a re-INVITE carrying the new SDP offer `options.sdp` (RFC 3261
   * §14.1; hold and resume: RFC 3264 §8.4, `a=sendonly` / `a=sendrecv`) and
   * resolves with its 2xx once the binding has ACKed it
   * (`eXosip_call_build_ack` / `eXosip_call_send_ack`): {@link localSdp} is
   * then the offer and {@link remoteSdp} the 2xx's SDP. A refusal rejects
   * with a `RequestError` `ERR_REQUEST_REJECTED` and leaves the call and its
   * SDPs as they were: 488 (offer not acceptable), 491 Request Pending
   * (glare: both sides re-INVITEd at once). reinvite() does not retry: RFC
   * 3261 §14.1 has the side that owns the Call-ID (the caller,
   * `direction: 'outgoing'`) retry after a random 2.1-4 s and the other
   * after 0-2 s, which is left to the application. A re-INVITE the peer
   * sends while this one waits is answered 491 by eXosip itself (udp.c) and
   * is not emitted as `'request'`. Other rejections as {@link request}.
   *
   * eXosip may send re-INVITEs of its own: a session refresh (RFC 4028,
   * see `InviteOptions`); the binding ACKs their 2xx too, and an SDP offer
   * in it becomes {@link remoteSdp} (answered with {@link localSdp}).
   */
  async reinvite(options: ReinviteOptions): Promise<RequestResult> {
    return this.#driver.send(
      this,
      reinviteOf(options, (offer, answer) => this.updateSdp(offer, answer ?? this.#remoteSdp)),
    );
  }

  /**
   * Asks the peer to call `target` (a SIP URI or name-addr, the Refer-To;
   * RFC 3515, `eXosip_call_build_refer`) and resolves with the 2xx (202
   * Accepted). The peer then reports with NOTIFYs (`Event: refer`, a
   * `message/sipfrag` body such as `SIP/2.0 200 OK`): the call answers each
   * 200 and emits it as `'referProgress'` ({@link ReferProgress}: its
   * `statusCode`, `reason`, Subscription-State). Rejects as {@link request}
   * (e.g. 603 Decline: the peer refuses the transfer).
   */
  async refer(target: string, options?: ReferOptions): Promise<RequestResult> {
    return this.#driver.send(this, referOf(target, options as InDialogOptions | undefined));
  }

  /** @internal An offer/answer exchange in a re-INVITE succeeded: the SDPs it settled. */
  updateSdp(local: string | null, remote: string | null): void {
    this.#localSdp = local;
    this.#remoteSdp = remote;
  }

  /**
   * @internal The call ended: state `'ended'` and {@link endedWith} at once,
   * `'ended'` emitted once. A Call can end in the task that made it, before
   * the code awaiting `answer()`/`invite()` has added its listener (code of
   * that task ending it; before issue #15 also the peer's ACK and BYE, which
   * reached JS in one batch, docs/threads.md): a Call that ends in the task
   * that made it, with no `'ended'` listener yet, emits on the next turn of
   * the event loop (setImmediate), to the listeners it has then.
   */
  end(end: CallEnd): void {
    if (this.#state === 'ended') return;
    this.#state = 'ended';
    const value = Object.freeze({ ...end });
    this.#end = value;
    if (this.#fresh && this.listenerCount('ended') === 0) setImmediate(() => this.emit('ended', value));
    else this.emit('ended', value);
  }
}
