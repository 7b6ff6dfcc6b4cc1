/**
 * Requests received inside a call (`EXOSIP_CALL_MESSAGE_NEW`,
 * `EXOSIP_CALL_REINVITE`): each becomes an {@link IncomingRequest} emitted
 * as the Call's `'request'`, and one nobody answered within
 * `defaultAnswerMs` gets the default answer below, so no server transaction
 * of a call sits in eXosip unanswered.
 *
 * | Request | Default answer | Why |
 * | --- | --- | --- |
 * | OPTIONS | 200 with Allow, Accept `application/sdp`, empty Supported | RFC 3261 §11.2 |
 * | INFO without Info-Package | 200 | legacy INFO (RFC 6086 §2), what most UAs answer |
 * | INFO with Info-Package | 469 Bad Info Package, empty Recv-Info | no package is supported (RFC 6086 §4.2.2) |
 * | INVITE (re-INVITE) | 488 Not Acceptable Here | RFC 3261 §14.2: the peer's change is refused, the call stays as it was |
 * | UPDATE with a body | 488 Not Acceptable Here | RFC 3311 §5.2: the offer is refused, the session stays |
 * | UPDATE without a body | 200 | nothing to change (e.g. a session refresh, RFC 4028) |
 * | REFER | 603 Decline | RFC 3515 §2.4.2: the transfer is refused, the call stays |
 * | NOTIFY, PRACK | 481 Call/Transaction Does Not Exist | no subscription (RFC 6665 §4.1.3) / no reliable 1xx was sent (RFC 3262 §3) |
 * | anything else (MESSAGE, ...) | 501 Not Implemented | RFC 3261 §8.2.1 |
 * | BYE | never: eXosip answers 200 itself and the call ends | `EXOSIP_OPT_AUTOANSWER_BYE` |
 *
 * A NOTIFY with `Event: refer` in a call that sent a REFER (`call.refer()`)
 * is not emitted as `'request'`: it is answered 200 at once (400 when its
 * body has no sipfrag status line, RFC 3420) and emitted as the Call's
 * `'referProgress'` (RFC 3515 §2.4.5). A re-INVITE answered 2xx with an SDP
 * body by `respond()` updates the Call's `localSdp`/`remoteSdp`.
 *
 * A request arriving before the Call exists (in the early dialog of an
 * INVITE sent or offered) is emitted nowhere and gets its default answer
 * after `defaultAnswerMs` too (a compat answer call may still answer it).
 * @internal
 * @module
 */
import type { NativeContext } from '../../binding';
import type { AnyExosipEvent } from '../events';
import * as v from '../internal/validate';
import { type Message, native } from '../message';
import { addHeaders, setBody } from '../message/answers';
import { IncomingRequest } from '../message/incoming';
import { PendingAnswers } from '../message/pending';
import type { HeaderList, RespondOptions } from '../message/types';
import type { Call } from './call';
import { sdpOf } from './sdp';
import { sendCallAnswer } from './send';
import { RESPOND_OPTIONS } from '../internal/option-keys';

/** What a call's OPTIONS 200 lists in Allow: the methods eXosip and this API handle in a call. */
const ALLOW_IN_CALL = 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE';

/** The default final answer of one request inside a call (the table of this module). */
export function defaultAnswerOf(request: IncomingRequest): { status: number; headers: HeaderList } {
  const hasBody = request.body !== null && request.body.length > 0;
  switch (request.method) {
    case 'OPTIONS':
      return { status: 200, headers: [['Allow', ALLOW_IN_CALL], ['Accept', 'application/sdp'], ['Supported', '']] };
    case 'INFO':
      return request.request.getHeader('info-package') === undefined ? { status: 200, headers: [] } : { status: 469, headers: [['Recv-Info', '']] };
    case 'INVITE':
      return { status: 488, headers: [] };
    case 'UPDATE':
      return { status: hasBody ? 488 : 200, headers: [] };
    case 'REFER':
      return { status: 603, headers: [] };
    case 'NOTIFY':
    case 'PRACK':
      return { status: 481, headers: [] };
    default:
      return { status: 501, headers: [] };
  }
}

/** @internal One context's requests inside its calls, by tid, until answered. */
export class CallRequests {
  #native: NativeContext;
  #pending: PendingAnswers;
  #referring: (cid: number) => boolean;
  #callOf: (cid: number) => Call | null;
  #udp: () => boolean;

  /**
   * @param afterMs the default answer's delay (`ContextOptions.defaultAnswerMs`); null: never.
   * @param referring whether call `cid` sent a REFER (its NOTIFYs are progress)
   * @param callOf the Call of a cid, null while none exists
   * @param udp whether the context listens over UDP (an answer larger than one datagram is refused: `ERR_MESSAGE_TOO_LARGE`)
   */
  constructor(n: NativeContext, afterMs: number | null, referring: (cid: number) => boolean, callOf: (cid: number) => Call | null, udp: () => boolean) {
    this.#udp = udp;
    this.#native = n;
    this.#pending = new PendingAnswers(afterMs);
    this.#referring = referring;
    this.#callOf = callOf;
  }

  /** `EXOSIP_CALL_MESSAGE_NEW` / `EXOSIP_CALL_REINVITE` of a cid. */
  handle(event: AnyExosipEvent): void {
    const call = this.#callOf(event.cid);
    if (event.request === null || event.tid <= 0 || this.#pending.has(event.tid)) return;
    // BYE: already answered 200 by eXosip (EXOSIP_CALL_CLOSED follows).
    if (event.request.method === 'BYE' || event.request.method === 'ACK') return;
    if (call !== null && event.request.method === 'NOTIFY' && /^\s*refer\s*(;|$)/i.test(event.request.getHeader('event') ?? '') && this.#referring(call.cid)) {
      this.#referProgress(event.tid, event.request, call);
      return;
    }
    const kind = event.type === 'EXOSIP_CALL_REINVITE' ? 'EXOSIP_CALL_REINVITE' : 'EXOSIP_CALL_MESSAGE_NEW';
    const request = new IncomingRequest(kind, event.tid, event.request, { send: (r, s, o) => this.#send(r, s, o, this.#callOf(event.cid)) });
    this.#pending.add(request);
    if (call !== null && call.listenerCount('request') > 0) {
      this.#deliver(request, call);
      return;
    }
    // A request can reach a Call before the code awaiting answer()/invite()
    // has run and added its 'request' listener (that code may not have
    // resumed yet): without a listener yet, the request is emitted on the
    // next turn of the event loop, to the Call as it is then (or the one it
    // arrived in, when that ended meanwhile).
    setImmediate(() => {
      if (this.#pending.has(request.tid)) this.#deliver(request, this.#callOf(event.cid) ?? call);
    });
  }

  /** Emits `'request'` on `call` (when there is one), then arms the default answer. */
  #deliver(request: IncomingRequest, call: Call | null): void {
    this.#pending.emitThenArm(request, () => call?.emit('request', request), (r) => this.#defaultAnswer(r));
  }

  /** How many requests wait for an answer. */
  get waiting(): number {
    return this.#pending.size;
  }

  /** `tid` was answered (by respond() or a compat call): its default answer is off. */
  answered(tid: number): void {
    this.#pending.answered(tid);
  }

  /** The context closes: no default answer will be sent. */
  close(): void {
    this.#pending.close();
  }

  #defaultAnswer(request: IncomingRequest): void {
    this.answered(request.tid);
    if (request.answered) return;
    request.markDefault();
    const { status, headers } = defaultAnswerOf(request);
    try {
      this.#answer(request.tid, status, { headers });
    } catch {
      // OSIP_WRONG_STATE / OSIP_NOTFOUND: answered through compat, or the call is gone.
    }
  }

  #send(request: IncomingRequest, status: number, options: RespondOptions | undefined, call: Call | null): void {
    const o = v.options<RespondOptions>('options', options, RESPOND_OPTIONS);
    v.integer('status', status, 200, 699);
    this.#answer(request.tid, status, o);
    this.answered(request.tid);
    // A re-INVITE accepted with an SDP answer: the offer/answer exchange is done (RFC 3264 §8).
    const answer = o.body !== undefined && o.body !== null && typeof o.contentType === 'string' && /^application\/sdp\b/i.test(o.contentType.trim()) ? o.body.toString() : null;
    if (call !== null && request.kind === 'EXOSIP_CALL_REINVITE' && status < 300 && answer !== null) call.updateSdp(answer, sdpOf(request.request) ?? call.remoteSdp);
  }

  /** A NOTIFY about a REFER `call` sent: 200 (400 without a sipfrag status line), then `'referProgress'`. */
  #referProgress(tid: number, notify: Message, call: Call): void {
    const match = /^SIP\/2\.0[ \t]+(\d{3})[ \t]*([^\r\n]*)/.exec(notify.body?.toString('utf8') ?? '');
    try {
      this.#answer(tid, match === null ? 400 : 200, {});
    } catch {
      // OSIP_NOTFOUND: the call is gone.
    }
    if (match === null) return;
    const state = (notify.getHeader('subscription-state') ?? '').split(';')[0]!.trim().toLowerCase();
    call.emit('referProgress', Object.freeze({ statusCode: Number(match[1]), reason: match[2]!.trim(), state, request: notify }));
  }

  /** `eXosip_call_build_answer` + `eXosip_call_send_answer` for `tid`; throws what eXosip or the options refuse. */
  #answer(tid: number, status: number, o: Partial<RespondOptions>): void {
    const reason = o.reason === undefined ? null : v.sipText('options.reason', o.reason);
    sendCallAnswer(this.#native, tid, status, (answer) => {
      addHeaders(answer, o.headers, 'options');
      setBody(answer, o.body, o.contentType, 'options', 'text/plain');
      if (reason !== null) native(answer).setReasonPhrase(reason);
    }, this.#udp());
  }
}
