/**
 * The requests a context receives outside of a dialog: each becomes an
 * {@link IncomingRequest} emitted as `'request'`, and one nobody answered
 * within `defaultAnswerMs` gets a default answer, so no server transaction
 * sits in eXosip (for 3 minutes, eXosip's own bound, in C).
 * @internal
 * @module
 */
import type { NativeContext, NativeMessage } from '../../binding';
import { check, osipError, rangeError, typeError } from '../errors';
import type { AnyExosipEvent } from '../events';
import * as v from '../internal/validate';
import { Message, native } from '../message';
import { IncomingRequest } from './incoming';
import { assertFitsDatagram } from './datagram';
import { PendingAnswers } from './pending';
import type { HeaderList, IncomingKind, RespondOptions } from './types';
import { RESPOND_OPTIONS } from '../internal/option-keys';

/** Default `ContextOptions.defaultAnswerMs`: how long a request waits for `respond()` before its default answer. */
export const DEFAULT_ANSWER_MS = 2000;

/**
 * What a context's default 405 and OPTIONS 200 list in Allow (RFC 3261 §11.2):
 * OPTIONS; with a `'call'` listener the methods of a call (eXosip and the Call
 * API handle them: lib/call/requests.ts); with a `'request'` listener what
 * the application may answer outside of a dialog.
 */
function allowed(listens: (name: ListenedEvent) => boolean): string {
  return [
    'OPTIONS',
    ...(listens('call') ? ['INVITE', 'ACK', 'CANCEL', 'BYE', 'INFO', 'UPDATE'] : []),
    ...(listens('request') ? ['MESSAGE', 'NOTIFY', 'PUBLISH'] : []),
    ...(listens('subscription') ? ['SUBSCRIBE'] : []),
  ].join(', ');
}

/** The context events that take requests outside of a dialog. */
export type ListenedEvent = 'request' | 'call' | 'subscription';

/** Whether the To header of `request` has a tag parameter (outside its URI): the request is inside a dialog (RFC 3261 §12.2). */
function hasToTag(request: Message): boolean {
  return /;\s*tag\s*=/i.test(v.headerParamsOf(request.getHeader('to') ?? ''));
}

/** The eX_*.h answer calls of one kind of incoming request. */
interface AnswerCalls {
  build(n: NativeContext, tid: number, status: number): [number, NativeMessage | null];
  send(n: NativeContext, tid: number, status: number, answer: NativeMessage | null): number;
  names: [build: string, send: string];
}

const CALLS: Record<Exclude<IncomingKind, 'EXOSIP_CALL_MESSAGE_NEW' | 'EXOSIP_CALL_REINVITE'> | 'OPTIONS', AnswerCalls> = {
  EXOSIP_MESSAGE_NEW: {
    build: (n, t, s) => n.messageBuildAnswer(t, s),
    send: (n, t, s, a) => n.messageSendAnswer(t, s, a),
    names: ['eXosip_message_build_answer', 'eXosip_message_send_answer'],
  },
  OPTIONS: {
    build: (n, t, s) => n.optionsBuildAnswer(t, s),
    send: (n, t, s, a) => n.optionsSendAnswer(t, s, a),
    names: ['eXosip_options_build_answer', 'eXosip_options_send_answer'],
  },
  EXOSIP_CALL_INVITE: {
    build: (n, t, s) => n.callBuildAnswer(t, s),
    send: (n, t, s, a) => n.callSendAnswer(t, s, a),
    names: ['eXosip_call_build_answer', 'eXosip_call_send_answer'],
  },
  EXOSIP_IN_SUBSCRIPTION_NEW: {
    build: (n, t, s) => n.insubscriptionBuildAnswer(t, s),
    send: (n, t, s, a) => n.insubscriptionSendAnswer(t, s, a),
    names: ['eXosip_insubscription_build_answer', 'eXosip_insubscription_send_answer'],
  },
};

/**
 * Header fields that appear once (RFC 3261 §7.3: not a comma-separated list)
 * and that eXosip may have written already (Max-Forwards 70, the context's
 * User-Agent, a SUBSCRIBE's Expires and Event, ...), by lower-case full name
 * (compact forms mapped to theirs, RFC 3261 §7.3.3).
 */
const SINGLE_VALUED: ReadonlyMap<string, string> = new Map([
  ...['Max-Forwards', 'User-Agent', 'Server', 'Subject', 'Expires', 'Min-Expires', 'Session-Expires', 'Min-SE', 'Date', 'Timestamp', 'Organization', 'Priority', 'Retry-After', 'MIME-Version', 'Event', 'Refer-To', 'Subscription-State'].map((n) => [n.toLowerCase(), n] as const),
  ['s', 'Subject'], ['x', 'Session-Expires'], ['o', 'Event'], ['r', 'Refer-To'],
]);

/**
 * @internal Adds one extra header to a message being built: a single-valued
 * one (Max-Forwards, User-Agent, Subject, Expires, ...) replaces the one eXosip
 * wrote (two would make the message invalid), any other is appended.
 */
export function putHeader(message: Message, name: string, value: string): void {
  const single = SINGLE_VALUED.get(name.toLowerCase());
  if (single === undefined) message.addHeader(name, value);
  // Written as given (a peer may match names case-sensitively); a compact form as its full name.
  else message.setHeader(name.length === 1 ? single : name, value);
}

/** @internal Adds `headers` to `message` with {@link putHeader} (TypeError for CR/LF, SipError for a value libosip2 refuses). */
export function addHeaders(message: Message, headers: HeaderList | undefined, what: string): void {
  if (headers === undefined) return;
  if (headers === null || typeof headers !== 'object') throw typeError('ERR_INVALID_ARG_TYPE', `${what}.headers must be an object or an array of [name, value] pairs`);
  const pairs = Array.isArray(headers) ? headers : Object.entries(headers);
  for (const pair of pairs as Array<readonly [string, string]>) {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[1] !== 'string') {
      throw typeError('ERR_INVALID_ARG_TYPE', `${what}.headers: each header must be a [name, value] pair of strings`);
    }
    v.extraHeaderName(`${what}.headers name`, pair[0]);
    putHeader(message, pair[0], pair[1]);
  }
}

/** @internal Sets body and Content-Type of a message being built (`defaultType` when a body has none). */
export function setBody(message: Message, body: unknown, contentType: unknown, what: string, defaultType: string | null): void {
  if (body !== undefined && body !== null && typeof body !== 'string' && !Buffer.isBuffer(body)) {
    throw typeError('ERR_INVALID_ARG_TYPE', `${what}.body must be a string or a Buffer`);
  }
  const type = contentType === undefined ? null : v.sipText(`${what}.contentType`, contentType);
  if (body === undefined || body === null) {
    if (type !== null) message.contentType = type;
    return;
  }
  message.body = body as string | Buffer;
  // A Content-Type given among the headers counts as the contentType option.
  const chosen = type ?? message.contentType ?? defaultType;
  if (chosen !== null) message.contentType = chosen;
}

/** One context's incoming requests: pending answers and their default-answer timers, by tid. */
export class IncomingDesk {
  #native: NativeContext;
  #emit: (request: IncomingRequest) => boolean;
  #listens: (name: ListenedEvent) => boolean;
  #pending: PendingAnswers;
  #udp: () => boolean;

  /**
   * @param emit emits `'request'` on the context
   * @param listens whether the context has a listener for `'request'`, `'call'` or `'subscription'`
   * @param afterMs the default answer's delay; null: never (C's behaviour)
   * @param udp whether the context listens over UDP (an answer larger than one datagram is refused: `ERR_MESSAGE_TOO_LARGE`)
   */
  constructor(n: NativeContext, emit: (request: IncomingRequest) => boolean, listens: (name: ListenedEvent) => boolean, afterMs: number | null, udp: () => boolean) {
    this.#native = n;
    this.#udp = udp;
    this.#emit = emit;
    this.#listens = listens;
    this.#pending = new PendingAnswers(afterMs);
  }

  /** How many received requests wait for an answer. */
  get pending(): number {
    return this.#pending.size;
  }

  /** One eXosip event that may carry a new request. */
  handle(event: AnyExosipEvent): void {
    if (event.type !== 'EXOSIP_MESSAGE_NEW' && event.type !== 'EXOSIP_CALL_INVITE' && event.type !== 'EXOSIP_IN_SUBSCRIPTION_NEW') return;
    if (event.request === null || event.tid <= 0 || this.#pending.has(event.tid)) return;
    if (event.type === 'EXOSIP_MESSAGE_NEW') {
      const method = event.request.method;
      // eXosip answered these itself before reporting them: an INFO or a BYE
      // with no call to go to 481 (udp.c:1157, :1167), a second BYE 500
      // (udp.c:1135). Emitted, respond() could only fail.
      if (method === 'INFO' || method === 'BYE') return;
    }
    const request = new IncomingRequest(event.type, event.tid, event.request, { send: (r, s, o) => this.#send(r, s, o) });
    this.#pending.add(request);
    // A To tag: a request inside a dialog that no call of this context is
    // (eXosip answered 481 the ones of a call it is ending: udp.c:1085).
    // Not emitted: its default answer is 481 (RFC 3261 §12.2.2), unless a
    // compat call answers it first (C leaves it to the application).
    if (event.type === 'EXOSIP_MESSAGE_NEW' && hasToTag(event.request)) {
      this.#pending.arm(request, (r) => this.#defaultAnswer(r, true));
      return;
    }
    this.#pending.emitThenArm(request, () => this.#emit(request), (r) => this.#defaultAnswer(r));
  }

  /** A compat call answered `tid` itself: its default answer is off. */
  answered(tid: number): void {
    this.#pending.answered(tid);
  }

  /** The context closes: no default answer will be sent. */
  close(): void {
    this.#pending.close();
  }

  /**
   * The default answer: OPTIONS 200 (Allow, Accept, Supported); anything else 405 with Allow, as eXosip's sip_reg
   * tool; 481 for a request of no dialog we have (`noDialog`).
   */
  #defaultAnswer(request: IncomingRequest, noDialog = false): void {
    this.answered(request.tid);
    if (request.answered) return;
    request.markDefault();
    if (noDialog) {
      try {
        this.#answer(request, 481, {});
      } catch {
        // OSIP_WRONG_STATE: eXosip answered it 481 itself (a call it is ending).
      }
      return;
    }
    const allow = allowed(this.#listens);
    const options = request.method === 'OPTIONS' && request.kind === 'EXOSIP_MESSAGE_NEW';
    // Supported is empty (RFC 3261 §20.37 allows it): no option tag is offered.
    const headers: Array<[string, string]> = options ? [['Allow', allow], ['Accept', '*/*'], ['Supported', '']] : [['Allow', allow]];
    try {
      this.#answer(request, options ? 200 : 405, { headers });
    } catch {
      // OSIP_WRONG_STATE / OSIP_NOTFOUND: answered through the native calls
      // directly (a Registrar, compat) or already gone: nothing to do.
    }
  }

  #send(request: IncomingRequest, status: number, options: RespondOptions | undefined): void {
    const o = v.options<RespondOptions>('options', options, RESPOND_OPTIONS);
    const min = request.kind === 'EXOSIP_MESSAGE_NEW' ? 200 : 300;
    if (typeof status !== 'number') throw typeError('ERR_INVALID_ARG_TYPE', `status must be a number, got ${typeof status}`);
    if (!Number.isInteger(status) || status < min || status > 699) {
      throw rangeError(`status must be an integer from ${min} to 699 for ${request.method}${min === 300 ? ` (refuse it here; to accept it listen for ${request.kind === 'EXOSIP_CALL_INVITE' ? "ctx.on('call')" : "ctx.on('subscription')"})` : ''}, got ${String(status)}`);
    }
    this.#answer(request, status, o);
    this.answered(request.tid);
  }

  /** Builds, completes and sends one answer; throws what eXosip or the options refuse. */
  #answer(request: IncomingRequest, status: number, o: Partial<RespondOptions>): void {
    const kind = request.kind === 'EXOSIP_CALL_MESSAGE_NEW' || request.kind === 'EXOSIP_CALL_REINVITE' ? 'EXOSIP_CALL_INVITE' : request.kind;
    const calls = kind === 'EXOSIP_MESSAGE_NEW' && request.method === 'OPTIONS' ? CALLS.OPTIONS : CALLS[kind];
    const reason = o.reason === undefined ? null : v.sipText('options.reason', o.reason);
    const n = this.#native;
    n.lock();
    try {
      const [code, handle] = calls.build(n, request.tid, status);
      if (code < 0 || handle === null) throw osipError(code < 0 ? code : -1, calls.names[0], `status ${status}`);
      const answer = new Message(handle);
      try {
        addHeaders(answer, o.headers, 'options');
        setBody(answer, o.body, o.contentType, 'options', 'text/plain');
        if (reason !== null) native(answer).setReasonPhrase(reason);
        if (this.#udp()) assertFitsDatagram(answer, `${status} answer`);
      } catch (error) {
        answer.dispose();
        throw error;
      }
      check(calls.send(n, request.tid, status, handle), calls.names[1], `status ${status}`);
    } finally {
      n.unlock();
    }
  }
}
