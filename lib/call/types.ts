/**
 * The shapes of calls (eX_call.h): what `ctx.invite()` takes, what a
 * {@link Call} reports, and how an {@link IncomingCall} is answered.
 * @module
 */
import type { Message } from '../message';
import type { IncomingRequest } from '../message/incoming';
import type { HeaderList } from '../message/types';

/**
 * Options every request a {@link Call} sends shares (`call.request()`,
 * `call.info()`, `call.reinvite()`, `call.refer()`).
 */
export interface InDialogOptions {
  /** Headers added to the request eXosip built (`eXosip_call_build_request` fills Call-ID, tags, CSeq, Route set, Contact). */
  headers?: HeaderList;
  /**
   * Rejects with `ERR_REQUEST_TIMEOUT` after this many milliseconds without a final answer; default 64,000 (past
   * eXosip's own 32 s Timer F/B). The transaction runs on in eXosip, as after `signal`.
   */
  timeoutMs?: number;
  /**
   * Rejects with an AbortError (`code: 'ABORT_ERR'`) when it aborts; the transaction runs on in eXosip (a re-INVITE's
   * 2xx is still acknowledged). eXosip sends one request of a method at a time in a dialog: until that transaction
   * ends (Timer F, 32 s over UDP), another of the same method rejects with `ERR_REQUEST_NOT_SENT` (`reason`
   * `'OSIP_WRONG_STATE'`), as it does while a request of that method the peer sent waits for its answer.
   */
  signal?: AbortSignal;
}

/**
 * Options of `call.request()`: one request inside the call's dialog
 * (`eXosip_call_build_request(did, method)` + `eXosip_call_send_request`,
 * RFC 3261 §12.2.1.1).
 */
export interface CallRequestOptions extends InDialogOptions {
  /**
   * The method token, e.g. `'INFO'`, `'OPTIONS'`, `'UPDATE'`, `'MESSAGE'`,
   * `'NOTIFY'`, `'REFER'` (RFC 3261 §25.1 `token`). BYE, CANCEL, ACK,
   * INVITE and PRACK throw `ERR_INVALID_ARG_VALUE`: `hangup()` and
   * `reinvite()` send those eXosip handles by itself.
   */
  method: string;
  /** Body: a string (UTF-8) or exact bytes. Over UDP the whole message must fit one datagram (65,507 bytes, else RangeError `ERR_MESSAGE_TOO_LARGE` before sending) and a peer built on eXosip receives at most 8,000 bytes (eXosip's `SIP_MESSAGE_MAX_LENGTH`; larger ones are dropped unanswered): use TCP for big bodies. */
  body?: string | Buffer;
  /** Content-Type of `body`; default `'text/plain'` when a body is given. */
  contentType?: string;
}

/** Options of `call.info()`: an INFO (`eXosip_call_build_info`, RFC 6086), e.g. DTMF as `application/dtmf-relay`. */
export interface InfoOptions extends InDialogOptions {
  /** Content-Type of `body`, e.g. `'application/dtmf-relay'`; default `'text/plain'` when a body is given. */
  contentType?: string;
  /** Body: a string (UTF-8, e.g. `'Signal=5\r\nDuration=160\r\n'`) or exact bytes; default none. Over UDP the whole message must fit one datagram (65,507 bytes, else RangeError `ERR_MESSAGE_TOO_LARGE` before sending) and a peer built on eXosip receives at most 8,000 bytes (eXosip's `SIP_MESSAGE_MAX_LENGTH`; larger ones are dropped unanswered): use TCP for big bodies. */
  body?: string | Buffer;
}

/** Options of `call.reinvite()`: a re-INVITE with a new SDP offer (RFC 3261 §14.1, RFC 3264 §8; hold: RFC 3264 §8.4). */
export interface ReinviteOptions extends InDialogOptions {
  /** The new SDP offer (e.g. the old one with `a=sendonly` to hold, `a=sendrecv` to resume), sent with Content-Type `application/sdp`. Checked once with libosip2's `sdp_message_parse` (TypeError `ERR_INVALID_ARG_VALUE` when it cannot parse it). Over UDP the whole message must fit one datagram (65,507 bytes, else RangeError `ERR_MESSAGE_TOO_LARGE` before sending) and a peer built on eXosip receives at most 8,000 bytes (eXosip's `SIP_MESSAGE_MAX_LENGTH`; larger ones are dropped unanswered): use TCP for big bodies. */
  sdp: string;
}

/** Options of `call.refer()` (RFC 3515). */
export type ReferOptions = InDialogOptions;

/**
 * One NOTIFY of the implicit subscription a REFER this call sent created
 * (RFC 3515 §2.4.4), as `'referProgress'` gives it: the status line of its
 * `message/sipfrag` body (RFC 3420) says how the transfer goes.
 */
export interface ReferProgress {
  /** The status of the sipfrag, e.g. 100 (Trying), 180, 200 (the transfer worked) or 486/603 (it failed). */
  readonly statusCode: number;
  /** Its reason phrase, e.g. `'Trying'`. */
  readonly reason: string;
  /** The Subscription-State of the NOTIFY (`'active'`, `'pending'`, `'terminated'`; RFC 6665 §8.2.3), without parameters. */
  readonly state: string;
  /** The whole NOTIFY (the event's copy). */
  readonly request: Message;
}

/** Default `InviteOptions.timeoutMs`: 3 minutes, RFC 3261's bound on a proxy's INVITE (Timer C, §16.6). */
export const DEFAULT_INVITE_TIMEOUT_MS = 180_000;

/**
 * How long an {@link IncomingCall} that rang (`ringing()`) may stay
 * unanswered before the context answers 480 Temporarily Unavailable: 3
 * minutes, RFC 3261's Timer C (§16.6), the caller's own bound. eXosip 5.3.0
 * has no ring timeout of its own (it only drops such a call after 180 s
 * without answering anything).
 */
export const RING_TIMEOUT_MS = 180_000;

/** A provisional answer (101..199) to an INVITE sent by `ctx.invite()`: `EXOSIP_CALL_RINGING` (180) or `EXOSIP_CALL_PROCEEDING`. */
export interface CallProgress {
  /** The status, e.g. 180 (Ringing) or 183 (Session Progress). */
  readonly statusCode: number;
  /** Its reason phrase. */
  readonly reason: string;
  /** The early SDP it carries (Content-Type `application/sdp`), or null. */
  readonly sdp: string | null;
  /** The whole response. */
  readonly response: Message;
}

/**
 * Options of `ctx.invite()`: one call placed (`eXosip_call_build_initial_invite`, RFC 3261 §13.2.1).
 *
 * Before the final answer, eXosip 5.3.0 does some things itself and leaves
 * others out; `ctx.invite()` follows it and fills the gaps:
 *
 * - 401/407: eXosip resends the INVITE with the context's credentials
 *   (`eXosip_automatic_action`); the wait goes on, at most 3 times (401,
 *   407 and 422 together, eXosip's `c_retry < 3`).
 * - Reliable provisional responses (RFC 3262): the INVITE says
 *   `Supported: 100rel` (unless `headers` already list it) and each 1xx with
 *   `Require: 100rel` and an RSeq is PRACKed (`eXosip_call_build_prack` /
 *   `eXosip_call_send_prack`; eXosip never PRACKs by itself). A
 *   retransmitted one (same RSeq) is PRACKed again but reaches
 *   {@link onProgress} once.
 * - 3xx: eXosip resends the INVITE to the 3xx's first `sip:`/`sips:`/`tel:`
 *   Contact by itself (RFC 3261 §8.1.3.4) and the wait goes on with that
 *   target's answer, for at most 3 redirects in a row. eXosip 5.3.0 would
 *   crash on a Contact without a SIP host (`tel:`, eXtl_udp.c), so the
 *   binding lets it follow a 3xx only when every such Contact is a
 *   `sip:`/`sips:` URI with a host; a 3xx with a `tel:` Contact is final.
 *   The 4th (or a 3xx without a Contact eXosip follows) rejects with
 *   `ERR_CALL_REJECTED` carrying the 3xx as it came (`statusCode`,
 *   `response.contacts`: reach a `tel:` one through a proxy, `route`); the INVITE eXosip has already
 *   sent to that Contact is then cancelled (CANCEL after its 1xx; a 2xx is
 *   ACKed then ended with BYE; eXosip 5.3.0 itself has no bound, so a 3xx
 *   to that INVITE is still followed by eXosip, unreported).
 * - Forked 2xx (RFC 3261 §13.2.2.4): the first 2xx makes the Call; eXosip
 *   ACKs a 2xx with another To tag and ends that dialog with BYE itself. A
 *   2xx arriving after the wait gave up (`signal`, `timeoutMs`: its CANCEL
 *   crossed the 2xx, RFC 3261 §9.1) is ACKed then ended with BYE.
 * - Requests the callee sends in the early dialog (after its 1xx, before
 *   the 2xx) reach `ctx.on('event')` (`EXOSIP_CALL_MESSAGE_NEW`) but no
 *   Call yet: they get the default answers listed in {@link Call} after
 *   `ContextOptions.defaultAnswerMs` (INFO 200, UPDATE with SDP 488, ...)
 *   unless a compat `eXosip_call_send_answer` answers them first.
 *
 * Session timers (RFC 4028) are eXosip's, and only on request: put
 * `Session-Expires` (seconds, e.g. `['Session-Expires', '1800']`) and
 * `['Supported', 'timer']` in {@link headers}. A 422 with Min-SE is then
 * answered by eXosip with the INVITE again, Session-Expires raised to the
 * Min-SE (the wait goes on). When the 2xx makes this side the refresher
 * (`refresher=uac`, or no refresher), eXosip sends a refresh half-way
 * through the interval (at least 90 s): an UPDATE when the peer's Allow
 * lists UPDATE, else a re-INVITE without SDP, whose 2xx the binding ACKs
 * (its SDP offer answered with the Call's `localSdp`, and kept as
 * `remoteSdp`). eXosip never ends a call whose session expired (no BYE at
 * the end of the interval); without Session-Expires in the INVITE there is
 * no session timer unless the peer's 2xx sets one and
 * `EXOSIP_OPT_SET_SESSIONTIMERS_FORCE` is on.
 */
export interface InviteOptions {
  /**
   * The callee: a SIP URI (`sip:bob@example.com`) or a name-addr; Request-URI
   * and To. Without `route` it is where the INVITE goes: a `sip:`/`sips:` URI
   * with a host (its IP literal of the context's family), else TypeError
   * `ERR_INVALID_ARG_VALUE` (eXosip 5.3.0 would crash on a `tel:` one).
   */
  to: string;
  /** The caller: a SIP URI or a name-addr for From. */
  from: string;
  /**
   * A Route (`sip:proxy.example.com;lr`): where the INVITE goes, so a
   * `sip:`/`sips:` URI with a host (then `to` may be `tel:+15551234`, RFC
   * 3261 §19.1.6); default: none, sent to the Request-URI. A bare URI is
   * taken as `<URI>` (a Route is a name-addr, RFC 3261 §20.34; bare,
   * libosip2 would read `;lr` as a header parameter and eXosip route strictly).
   */
  route?: string;
  /** A Subject header; default none. */
  subject?: string;
  /** The SDP offer (RFC 3264), sent as the body with Content-Type `application/sdp`; default: no body, a late offer: the 2xx then carries the callee's offer, answered in the ACK by {@link answerOffer} (RFC 3264 §5; without `answerOffer` the ACK goes without a body). Checked once with libosip2's `sdp_message_parse` (TypeError `ERR_INVALID_ARG_VALUE` when it cannot parse it). Over UDP the whole message must fit one datagram (65,507 bytes, else RangeError `ERR_MESSAGE_TOO_LARGE` before sending) and a peer built on eXosip receives at most 8,000 bytes (eXosip's `SIP_MESSAGE_MAX_LENGTH`; larger ones are dropped unanswered): use TCP for big bodies. */
  sdp?: string;
  /**
   * For an INVITE without `sdp` (a late offer, RFC 3264 §5): called once,
   * with the callee's SDP offer and the response that carried it, which is
   * the first reliable 1xx with SDP (RFC 3262 §5: the answer goes in its
   * PRACK) or else the 2xx (the answer goes in the ACK,
   * `eXosip_call_build_ack` then the body); returns the SDP answer, kept as
   * the Call's `localSdp` (the offer is its `remoteSdp`). Synchronous: the
   * PRACK or ACK goes as the response arrives. When the 2xx has no SDP offer
   * (and no reliable 1xx had one), or `answerOffer` throws or returns what
   * libosip2's `sdp_message_parse` refuses, `invite()` rejects with CallError
   * `ERR_CALL_OFFER_UNANSWERED` (`cause`: what it threw): a 2xx is ACKed
   * without a body, then the call ended with BYE; a reliable 1xx is PRACKed
   * without a body, then the INVITE cancelled. A `close()` or an abort
   * inside `answerOffer` acts as it would anywhere else. Given with `sdp`:
   * TypeError `ERR_INVALID_ARG_VALUE` (the 2xx then carries the answer).
   */
  answerOffer?: (offer: string, response: Message) => string;
  /** Headers added to the INVITE eXosip built. */
  headers?: HeaderList;
  /** Called for every provisional answer 101..199 (180 Ringing, 183 Session Progress with early SDP, ...), in order. */
  onProgress?: (progress: CallProgress) => void;
  /**
   * Rejects with a CallError named `'AbortError'` (`code: 'ABORT_ERR'`) when
   * it aborts before the answer; the INVITE is then cancelled (CANCEL after
   * a 1xx, RFC 3261 §9.1; a 2xx arriving anyway is acknowledged then ended
   * with BYE).
   */
  signal?: AbortSignal;
  /** Rejects with `ERR_CALL_TIMEOUT` (and cancels as `signal` does) after this many milliseconds without a final answer; default 180,000. */
  timeoutMs?: number;
}

/** What a {@link Call} is: `'confirmed'` once the ACK went (or came), `'ended'` once it ended. */
export type CallState = 'confirmed' | 'ended';

/** How a {@link Call} ended, as its `'ended'` event gives it. */
export interface CallEnd {
  /** `'local'`: `hangup()` or the context closed; `'remote'`: the peer sent BYE (`EXOSIP_CALL_CLOSED`). */
  readonly by: 'local' | 'remote';
  /** `'hangup'`, `'closed'` (the context closed: nothing was sent), or for a BYE received its Reason header (RFC 3326) or `'BYE'`. */
  readonly reason: string;
  /** A SIP status when one ended the call, else 0 (a BYE carries none). */
  readonly statusCode: number;
}

/** The events of a {@link Call}. */
export interface CallEventMap {
  /** The call ended; emitted exactly once, however it ends (deferred to the next turn for a Call ending in the task that made it with no listener yet: see `Call`). */
  ended: [end: CallEnd];
  /**
   * A request inside the call (INFO, OPTIONS, UPDATE, REFER, NOTIFY,
   * MESSAGE, a re-INVITE, ...; not BYE): answer it once with
   * {@link IncomingRequest.respond}, else the default answer of the
   * {@link Call} table goes after `defaultAnswerMs`.
   */
  request: [request: IncomingRequest];
  /**
   * A NOTIFY (`Event: refer`) reporting on a REFER this call sent with
   * `refer()`: eXosip passes it up as `EXOSIP_CALL_MESSAGE_NEW`, the call
   * answers it 200 at once (400 when its body is no `message/sipfrag` status
   * line) and emits it here instead of `'request'`.
   */
  referProgress: [progress: ReferProgress];
}

/**
 * Where an {@link IncomingCall} stands: `'offered'` (nothing sent), `'ringing'`
 * (a 180 went), `'answered'` (the 200 went), `'rejected'` (a final 3xx-6xx
 * went: `reject()` or the default 480) or `'cancelled'` (the INVITE ended
 * before a final answer from this side).
 */
export type IncomingCallState = 'offered' | 'ringing' | 'answered' | 'rejected' | 'cancelled';

/** How an {@link IncomingCall} was cancelled, as its `'cancelled'` event gives it. */
export interface IncomingCallCancel {
  /** `'remote'`: the caller's CANCEL, or eXosip dropped the INVITE; `'local'`: this context closed (nothing was sent). */
  readonly by: 'remote' | 'local';
  /**
   * The CANCEL's Reason header as sent (RFC 3326, e.g. `SIP ;cause=200
   * ;text="Call completed elsewhere"`), else `'CANCEL'`; `'released'` when
   * eXosip dropped the INVITE without a CANCEL (`EXOSIP_CALL_CLOSED` /
   * `EXOSIP_CALL_RELEASED`); `'closed'` when the context closed.
   */
  readonly reason: string;
  /** The `cause` of a Reason with protocol `SIP` (RFC 3326 §2: 200 completed elsewhere, 603 declined elsewhere, ...), else 0. */
  readonly statusCode: number;
  /** The CANCEL (the event's copy; eXosip has answered it 200 and the INVITE 487), or null when none came. */
  readonly request: Message | null;
}

/** The events of an {@link IncomingCall}. */
export interface IncomingCallEventMap {
  /** The INVITE ended before a final answer from this side (stop ringing); emitted at most once (deferred to the next turn for a call cancelled in the task that offered it with no listener yet). */
  cancelled: [cancel: IncomingCallCancel];
}

/** Options of {@link IncomingCall.reject}. */
export interface RejectOptions {
  /** Reason phrase; default: RFC 3261's for the status. */
  reason?: string;
  /** Headers added to the answer eXosip built (e.g. `Contact` of a 3xx, `Retry-After`). */
  headers?: HeaderList;
}

/** Options of {@link IncomingCall.answer}. */
export interface AnswerOptions {
  /** The SDP (RFC 3264), sent with Content-Type `application/sdp`: the answer to the INVITE's offer, or, for an INVITE without one (a late offer), the offer, which RFC 3264 §5 then requires (not enforced); the caller's answer comes in the ACK and becomes the Call's `remoteSdp`. Checked once with libosip2's `sdp_message_parse` (TypeError `ERR_INVALID_ARG_VALUE` when it cannot parse it). Over UDP the whole message must fit one datagram (65,507 bytes, else RangeError `ERR_MESSAGE_TOO_LARGE` before sending) and a peer built on eXosip receives at most 8,000 bytes (eXosip's `SIP_MESSAGE_MAX_LENGTH`; larger ones are dropped unanswered): use TCP for big bodies. */
  sdp?: string;
  /** Headers added to the 200 eXosip built. */
  headers?: HeaderList;
  /**
   * Rejects with `ERR_CALL_TIMEOUT` when no ACK came within this many milliseconds; default 32,000 (64 × T1, RFC 3261
   * §13.3.1.4). The 200 was sent: eXosip keeps retransmitting it, an ACK that comes later gets a BYE at once (RFC 3261
   * §15), and with none eXosip ends the dialog itself (its BYE about 32 s after the 200).
   */
  timeoutMs?: number;
}
