/**
 * Requests outside of a dialog (eX_message.h, eX_options.h): building and
 * sending one, and settling its promise from the `EXOSIP_MESSAGE_*` events of
 * its transaction. A 401/407 is answered with the context's credentials
 * (`eXosip_default_action`), whose new transaction is found again by the
 * request's Call-ID.
 * @internal
 * @module
 */
import type { NativeContext } from '../../binding';
import { abortError, osipError, RequestError, requestError, stateError, typeError } from '../errors';
import type { TlsFailureLog } from '../context/tls';
import type { AnyExosipEvent } from '../events';
import * as v from '../internal/validate';
import { Message, native } from '../message';
import { addHeaders, setBody } from './answers';
import { assertFitsDatagram } from './datagram';
import type { PublishOptions, PublishResult, RequestOptions, RequestResult } from './types';
import { listenAbort } from '../internal/abort';
import { noAnswerReason } from '../internal/no-answer';
import { requestTarget } from '../internal/target';

export { assertFitsDatagram, MAX_UDP_MESSAGE } from './datagram';
/** Default `timeoutMs`: past eXosip's own give-up (Timer F, 64 × T1 = 32 s) with room. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 64_000;
/** How many 401/407 challenges one request answers before the last one is its failure. */
const MAX_CHALLENGES = 3;
/** RFC 3261 §25.1 `token`. */
const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
/** An Event header value: a package token, with parameters (RFC 6665 §8.2.1). */
const EVENT = /^[A-Za-z0-9\-.!%*_+`'~]+(\s*;\s*[^;\s]+)*$/;

interface Pending {
  callId: string;
  tid: number;
  /** The context's TLS failure count when the request was sent. */
  tlsSeq: number;
  challenges: number;
  /** A PUBLISH: eXosip answers 401/407 (and 412, 423) itself (eXosip_automatic_action, `p_retry < 3`). */
  retriedByExosip: boolean;
  /** The next hop's URI (the route, else the Request-URI) and the transport, for a no-answer reason. */
  hop: string;
  transport: string;
  sentAt: number;
  settle(result: RequestResult | RequestError): void;
}

/** One context's requests in flight, by tid and by Call-ID (a retry with credentials has a new tid). */
export class RequestTable {
  #byTid = new Map<number, Pending>();
  #byCallId = new Map<string, Pending>();
  #native: NativeContext;
  #tls: TlsFailureLog;

  constructor(n: NativeContext, tls: TlsFailureLog) {
    this.#native = n;
    this.#tls = tls;
  }

  /** How many requests wait for their final answer. */
  get size(): number {
    return this.#byCallId.size;
  }

  /** One `EXOSIP_MESSAGE_*` event of an outgoing request. */
  handle(event: AnyExosipEvent): void {
    if (!event.type.startsWith('EXOSIP_MESSAGE_') || event.type === 'EXOSIP_MESSAGE_NEW') return;
    let pending = this.#byTid.get(event.tid);
    if (pending === undefined) {
      pending = this.#byCallId.get(event.request?.getHeader('call-id') ?? '');
      if (pending === undefined) return;
      this.#byTid.delete(pending.tid);
      pending.tid = event.tid;
      this.#byTid.set(event.tid, pending);
    }
    const response = event.response;
    const status = response?.statusCode ?? 0;
    if (event.type === 'EXOSIP_MESSAGE_PROCEEDING') return;
    if (event.type === 'EXOSIP_MESSAGE_ANSWERED' && response !== null) {
      pending.settle(Object.freeze({ statusCode: status, reason: response.reasonPhrase ?? '', body: response.body, contentType: response.contentType, response }));
      return;
    }
    if (pending.retriedByExosip && [401, 407, 412, 423].includes(status) && pending.challenges < MAX_CHALLENGES) {
      pending.challenges++;
      return;
    }
    if (!pending.retriedByExosip && (status === 401 || status === 407) && pending.challenges < MAX_CHALLENGES && event.request !== null && response !== null) {
      pending.challenges++;
      const code = this.#native.defaultAction(event.typeId, 0, event.tid, 0, 0, 0, 0, native(response), native(event.request));
      if (code === 0) return;
    }
    const tls = response === null ? this.#tls.after(pending.tlsSeq) : null;
    if (tls !== null) {
      const reason = `the server's TLS certificate was not verified: ${tls.reason}${tls.subject ? ` (${tls.subject})` : ''}`;
      pending.settle(requestError('ERR_TLS_CERT_NOT_VERIFIED', `No final answer: ${reason}`, { reason }));
      return;
    }
    if (response === null) {
      const reason = noAnswerReason(pending.hop, pending.transport, Date.now() - pending.sentAt);
      pending.settle(requestError('ERR_REQUEST_NO_RESPONSE', `The request got no final answer: ${reason}`, { reason }));
      return;
    }
    const reason = response.reasonPhrase ?? '';
    pending.settle(requestError('ERR_REQUEST_REJECTED', `Rejected with ${status} ${reason}`, { statusCode: status, reason, response }));
  }

  /** Builds and sends `o` from the context listening as `listening` (null: not listening), then waits for its outcome. */
  send(o: Required<Pick<RequestOptions, 'method' | 'to' | 'from'>> & RequestOptions, listening: { transport: string; family: 4 | 6 } | null, assertOpen: () => void): Promise<RequestResult> {
    const method = v.sipText('options.method', o.method);
    if (!TOKEN.test(method)) throw typeError('ERR_INVALID_ARG_VALUE', `options.method must be a SIP token (RFC 3261 §25.1: letters, digits, -.!%*_+\`'~), got ${JSON.stringify(method)}`);
    if (['INVITE', 'ACK', 'CANCEL', 'BYE', 'REGISTER', 'SUBSCRIBE', 'PRACK', 'UPDATE'].includes(method.toUpperCase())) {
      throw typeError('ERR_INVALID_ARG_VALUE', `options.method ${method} needs a dialog or its own API (register(), calls): not a request outside of a dialog`);
    }
    const to = v.uriText('options.to', o.to);
    v.noTag('options.to', to);
    const from = v.fromText('options.from', o.from);
    const route = o.route === undefined ? null : v.routeText('options.route', o.route);
    requestTarget('options', to, route, listening?.family ?? null, listening?.transport ?? null);
    const udp = listening?.transport === 'udp';
    const timeoutMs = o.timeoutMs === undefined ? DEFAULT_REQUEST_TIMEOUT_MS : v.integer('options.timeoutMs', o.timeoutMs, 1, 2 ** 31 - 1);
    const signal = v.abortSignal('options.signal', o.signal);
    assertOpen();
    if (listening === null) throw stateError('ERR_NOT_LISTENING', `Call listen() before sending a ${method}: eXosip needs a transport`);
    if (signal?.aborted) return Promise.reject(abortRequestError(signal));
    const n = this.#native;
    const tlsSeq = this.#tls.seq;
    const options = method.toUpperCase() === 'OPTIONS';
    const what = options ? 'eXosip_options_build_request' : 'eXosip_message_build_request';
    n.lock();
    let tid: number;
    let callId: string;
    let sentAt: number;
    try {
      const [code, handle] = options ? n.optionsBuildRequest(to, from, route) : n.messageBuildRequest(method, to, from, route);
      if (code < 0 || handle === null) {
        const cause = osipError(code < 0 ? code : -1, what, `to ${to}, from ${from}`);
        return Promise.reject(requestError('ERR_REQUEST_NOT_SENT', cause.message, { reason: cause.code, cause }));
      }
      const request = new Message(handle);
      try {
        addHeaders(request, o.headers, 'options');
        setBody(request, o.body, o.contentType, 'options', 'text/plain');
        if (udp) assertFitsDatagram(request, method);
      } catch (error) {
        request.dispose();
        throw error;
      }
      callId = request.getHeader('call-id') ?? '';
      sentAt = Date.now();
      tid = options ? n.optionsSendRequest(handle) : n.messageSendRequest(handle);
    } finally {
      n.unlock();
    }
    if (tid < 0) {
      const cause = osipError(tid, options ? 'eXosip_options_send_request' : 'eXosip_message_send_request');
      return Promise.reject(requestError('ERR_REQUEST_NOT_SENT', cause.message, { reason: cause.code, cause }));
    }
    return this.track({ method, tid, callId, tlsSeq, sentAt, hop: v.uriOf(route ?? to), transport: listening.transport, timeoutMs, signal, retriedByExosip: false });
  }

  /** Builds and sends the PUBLISH `o` describes (`eXosip_build_publish`, `eXosip_publish`), then waits for its outcome; see {@link PublishOptions}. */
  async publish(o: PublishOptions, listening: { transport: string; family: 4 | 6 } | null, assertOpen: () => void): Promise<PublishResult> {
    const to = v.uriText('options.to', o.to);
    v.noTag('options.to', to);
    const from = v.fromText('options.from', o.from);
    const event = v.sipText('options.event', o.event);
    if (!EVENT.test(event)) throw typeError('ERR_INVALID_ARG_VALUE', `options.event must be an event package such as "presence" (RFC 3903 §4.1), got ${JSON.stringify(event)}`);
    const expires = o.expires === undefined ? 3600 : v.integer('options.expires', o.expires, 0, 99_999_999);
    if (o.body !== undefined && o.contentType === undefined) throw typeError('ERR_INVALID_ARG_VALUE', 'options.contentType: a PUBLISH body needs its Content-Type (the event package says which)');
    const route = o.route === undefined ? null : v.routeText('options.route', o.route);
    requestTarget('options', to, route, listening?.family ?? null, listening?.transport ?? null);
    const timeoutMs = o.timeoutMs === undefined ? DEFAULT_REQUEST_TIMEOUT_MS : v.integer('options.timeoutMs', o.timeoutMs, 1, 2 ** 31 - 1);
    const signal = v.abortSignal('options.signal', o.signal);
    assertOpen();
    if (listening === null) throw stateError('ERR_NOT_LISTENING', 'Call listen() before publish(): eXosip needs a transport');
    if (signal?.aborted) throw abortRequestError(signal);
    const n = this.#native;
    const tlsSeq = this.#tls.seq;
    let tid: number;
    let callId: string;
    n.lock();
    try {
      // Body and type set after the build: eXosip_build_publish takes a C string (no NUL byte, no Buffer).
      const [code, handle] = n.buildPublish(to, from, route, event, String(expires), null, null);
      if (code < 0 || handle === null) {
        const cause = osipError(code < 0 ? code : -1, 'eXosip_build_publish', `to ${to}, from ${from}`);
        throw requestError('ERR_REQUEST_NOT_SENT', cause.message, { reason: cause.code, cause });
      }
      const request = new Message(handle);
      try {
        addHeaders(request, o.headers, 'options');
        setBody(request, o.body, o.contentType, 'options', null);
        if (listening.transport === 'udp') assertFitsDatagram(request, 'PUBLISH');
      } catch (error) {
        request.dispose();
        throw error;
      }
      callId = request.getHeader('call-id') ?? '';
      tid = n.publish(handle, to);
    } finally {
      n.unlock();
    }
    if (tid < 0) {
      const cause = osipError(tid, 'eXosip_publish');
      throw requestError('ERR_REQUEST_NOT_SENT', cause.message, { reason: cause.code, cause });
    }
    const result = await this.track({ method: 'PUBLISH', tid, callId, tlsSeq, sentAt: Date.now(), hop: v.uriOf(route ?? to), transport: listening.transport, timeoutMs, signal, retriedByExosip: true });
    const granted = Number(result.response.getHeader('expires'));
    return Object.freeze({ ...result, etag: result.response.getHeader('sip-etag') ?? null, expires: Number.isInteger(granted) && granted >= 0 ? granted : null });
  }

  /**
   * Waits for the final answer of request `t.tid` (Call-ID `t.callId`: a
   * retry with credentials has a new tid), sent at `t.sentAt` (epoch ms).
   */
  track(t: { method: string; tid: number; callId: string; tlsSeq: number; sentAt: number; hop: string; transport: string; timeoutMs: number; signal: AbortSignal | undefined; retriedByExosip: boolean }): Promise<RequestResult> {
    const { callId, signal } = t;
    return new Promise<RequestResult>((resolve, reject) => {
      const timer = setTimeout(() => pending.settle(requestError('ERR_REQUEST_TIMEOUT', `No final answer to the ${t.method} within ${t.timeoutMs} ms`, { reason: 'timeout' })), t.timeoutMs);
      timer.unref();
      const onAbort = (): void => pending.settle(abortRequestError(signal!));
      const unlisten = listenAbort(signal, onAbort);
      const pending: Pending = {
        callId,
        tid: t.tid,
        tlsSeq: t.tlsSeq,
        challenges: 0,
        retriedByExosip: t.retriedByExosip,
        hop: t.hop,
        transport: t.transport,
        sentAt: t.sentAt,
        settle: (outcome) => {
          if (this.#byCallId.get(callId) !== pending) return;
          this.#byCallId.delete(callId);
          this.#byTid.delete(pending.tid);
          clearTimeout(timer);
          unlisten();
          if (outcome instanceof RequestError) reject(outcome);
          else resolve(outcome);
        },
      };
      this.#byTid.set(t.tid, pending);
      this.#byCallId.set(callId, pending);
    });
  }

  /** The context closes: every pending request rejects with `ERR_CONTEXT_CLOSED`. */
  close(): void {
    for (const pending of [...this.#byCallId.values()]) {
      pending.settle(requestError('ERR_CONTEXT_CLOSED', 'The context was closed before a final answer', { reason: 'closed' }));
    }
  }
}

function abortRequestError(signal: AbortSignal): RequestError {
  const base = abortError(signal);
  return requestError('ABORT_ERR', base.message, { reason: 'aborted', cause: signal.reason });
}
