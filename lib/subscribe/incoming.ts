/**
 * One subscription another agent made to this context (the notifier's side
 * of eX_subscribe.h, RFC 6665): accepting or rejecting its SUBSCRIBE,
 * sending its NOTIFYs, its refreshes, its end.
 * @module
 */
import { EventEmitter } from 'node:events';
import { abortError, requestError, stateError, typeError } from '../errors';
import type { AnyExosipEvent } from '../events';
import { ACCEPT_SUBSCRIPTION_OPTIONS, NOTIFY_OPTIONS, RESPOND_OPTIONS } from '../internal/option-keys';
import * as v from '../internal/validate';
import { Outcome } from '../internal/wait';
import type { Message } from '../message';
import type { HeaderList, RespondOptions } from '../message/types';
import type { IncomingSubscriptionEnd, IncomingSubscriptionEventMap, IncomingSubscriptionState, NotifyOptions, SubscriptionTerminationReason } from './notifier-types';
import { DEFAULT_SUBSCRIBE_TIMEOUT_MS } from './types';

/** @internal What an IncomingSubscription asks its context's notifier table to do. */
export interface NotifierDriver {
  /** Builds and sends the answer to SUBSCRIBE `tid` (`eXosip_insubscription_build_answer` / `_send_answer`); throws what eXosip or the options refuse. */
  answer(tid: number, status: number, options: { headers?: HeaderList; reason?: string }): void;
  /**
   * Builds and sends a NOTIFY in dialog `did` (`eXosip_insubscription_build_notify`
   * / `_send_request`) with Event `event` → eXosip's code; throws for bad options (nothing sent).
   */
  notify(did: number, event: string, state: 'pending' | 'active' | 'terminated', reason: SubscriptionTerminationReason, options: Pick<NotifyOptions, 'body' | 'contentType' | 'headers'>): number;
  /** `eXosip_insubscription_remove(did)`: eXosip forgets it; nothing is sent. */
  remove(did: number): void;
  /** No more events for this subscription. */
  forget(subscription: IncomingSubscription): void;
}

/** eXosip's Expires for a SUBSCRIBE without one (`_eXosip_notify_set_refresh_interval`, jnotify.c:149). */
const EXOSIP_DEFAULT_EXPIRES = 600;

/** 401/407 to a NOTIFY that eXosip answers itself with credentials (`jd->d_retry < 3`, eXosip.c:975). */
const MAX_RETRIES = 3;

/** Subscription-State reasons (RFC 6665 §4.2.2; eXosip_ss_reason). */
const REASONS: readonly SubscriptionTerminationReason[] = ['deactivated', 'probation', 'rejected', 'timeout', 'giveup', 'noresource'];

/** How long an ended subscription still takes the answer to its last NOTIFY: 32 s (Timer F). */
const LINGER_MS = 32_000;

/** Seconds a SUBSCRIBE asks for (its Expires, else eXosip's default). */
export function askedExpires(request: Message): number {
  const expires = request.expires;
  return expires === null || expires < 0 ? EXOSIP_DEFAULT_EXPIRES : expires;
}

/**
 * A SUBSCRIBE to this context (`ctx.on('subscription')`), for an event
 * package such as `presence`, `message-summary` or `dialog` (RFC 6665).
 * Answer it once, {@link accept} or {@link reject}, then send the state of
 * the resource with {@link notify} right away (RFC 6665 §4.2.1.2) and
 * whenever it changes. eXosip answers nothing by itself; this object
 * answers the subscriber's refreshes 200 (`'refresh'`), its unsubscribe with
 * 200 and a final NOTIFY (`'unsubscribe'`), and ends the subscription with a
 * terminated NOTIFY (reason `timeout`) when it expires unrefreshed. An offer
 * neither accepted nor rejected within the context's `defaultAnswerMs` is
 * rejected 480.
 *
 * ```ts
 * ctx.on('subscription', async (sub) => {
 *   if (sub.event !== 'presence') return sub.reject(489);
 *   await sub.accept();
 *   await sub.notify({ state: 'active', body: pidf, contentType: 'application/pidf+xml' });
 * });
 * ```
 */
export class IncomingSubscription extends EventEmitter<IncomingSubscriptionEventMap> {
  /** eXosip's id of the subscription (`nid` of its `EXOSIP_IN_SUBSCRIPTION_NEW` and `EXOSIP_NOTIFICATION_*` events). */
  readonly nid: number;
  /** Its dialog (`did`), the key of every NOTIFY. */
  readonly did: number;
  /** The transaction of the initial SUBSCRIBE, answered by accept() or reject(). */
  readonly tid: number;
  /** The event package (the Event header, parameters included). */
  readonly event: string;
  /** The subscriber (From). */
  readonly from: string;
  /** The resource (To). */
  readonly to: string;
  /** The initial SUBSCRIBE. */
  readonly request: Message;

  #driver: NotifierDriver;
  #state: IncomingSubscriptionState = 'offered';
  #expires: number;
  #expiry: NodeJS.Timeout | null = null;
  #end: IncomingSubscriptionEnd | null = null;
  /** How the subscription ends once its final NOTIFY is sent (an unsubscribe: by remote). */
  #endAs: IncomingSubscriptionEnd | null = null;
  /** A terminated NOTIFY is queued or sent: no other may follow. */
  #final = false;
  /**
   * The NOTIFY in flight: its caller's wait (which may give up first), the
   * retries eXosip made for it, and `finished` when its transaction ended.
   */
  #inflight: { outcome: Outcome<Message>; retries: number; finished(): void } | null = null;
  /**
   * NOTIFYs go one at a time, each once the one before had its final answer
   * (or none within 32 s), not when its caller stopped waiting: eXosip
   * refuses one while another is in flight (OSIP_WRONG_STATE).
   */
  #queue: Promise<unknown> = Promise.resolve();
  #forgotten = false;

  /** @internal Made by the context's notifier table when the SUBSCRIBE arrives. */
  constructor(ids: { nid: number; did: number; tid: number }, request: Message, driver: NotifierDriver) {
    super();
    this.nid = ids.nid;
    this.did = ids.did;
    this.tid = ids.tid;
    this.request = request;
    this.event = request.getHeader('event') ?? '';
    this.from = request.getHeader('from') ?? '';
    this.to = request.getHeader('to') ?? '';
    this.#expires = askedExpires(request);
    this.#driver = driver;
  }

  /** `'offered'`, `'pending'`, `'active'` or `'terminated'`. */
  get state(): IncomingSubscriptionState {
    return this.#state;
  }

  /** True once accepted or rejected (also by the default answer). */
  get answered(): boolean {
    return this.#state !== 'offered';
  }

  /** Seconds the subscription lasts from its last (re)subscription: what the subscriber asked (eXosip grants it as asked). */
  get expires(): number {
    return this.#expires;
  }

  /** How it ended, or null while it lasts. */
  get endedWith(): IncomingSubscriptionEnd | null {
    return this.#end;
  }

  /**
   * Accepts the SUBSCRIBE with a 2xx carrying Expires (`eXosip_insubscription_build_answer`
   * / `_send_answer`); state `'pending'` until a NOTIFY says otherwise. Send
   * the first NOTIFY right after (RFC 6665 §4.2.1.2). Rejects with
   * `ERR_REQUEST_ANSWERED` when already answered, TypeError/RangeError for
   * bad options, SipError when eXosip refuses.
   */
  async accept(options?: { status?: 200 | 202; headers?: HeaderList }): Promise<void> {
    const o = v.options<{ status?: number; headers?: HeaderList }>('options', options, ACCEPT_SUBSCRIPTION_OPTIONS);
    const status = o.status ?? 200;
    if (status !== 200 && status !== 202) throw typeError('ERR_INVALID_ARG_VALUE', `options.status must be 200 or 202, got ${String(status)}`);
    this.#assertOffered();
    this.#driver.answer(this.tid, status, { headers: o.headers });
    this.#state = 'pending';
    this.#armExpiry();
  }

  /**
   * Refuses the SUBSCRIBE (300..699, e.g. 489 Bad Event, 403, 603); the
   * subscription ends (`'terminated'`, `by: 'local'`, reason `'rejected'`).
   * Rejects as {@link accept}; RangeError `ERR_OUT_OF_RANGE` for another status.
   */
  async reject(status: number, options?: Pick<RespondOptions, 'reason' | 'headers'>): Promise<void> {
    const o = v.options<RespondOptions>('options', options, RESPOND_OPTIONS);
    v.integer('status', status, 300, 699);
    this.#assertOffered();
    this.#driver.answer(this.tid, status, { headers: o.headers, reason: o.reason });
    this.#terminate({ by: 'local', reason: 'rejected', statusCode: status });
  }

  /**
   * Sends a NOTIFY with `state` (and `reason` when terminated) as its
   * Subscription-State, eXosip adding `expires` (the seconds left), the
   * subscription's Event header (RFC 6665 §8.2.1; eXosip's
   * `eXosip_insubscription_build_notify` writes none, C code adds it), and
   * the package's document as body; resolves with its 2xx. NOTIFYs go one at a
   * time, in call order (RFC 6665 §4.2.2). A terminated NOTIFY ends the
   * subscription as it is sent (`'terminated'`, `by: 'local'`). Rejects with
   * a RequestError `ERR_REQUEST_REJECTED` (the subscription then ends: eXosip
   * drops it on any failed NOTIFY), `ERR_REQUEST_NO_RESPONSE` (likewise),
   * `ERR_REQUEST_TIMEOUT`, `ABORT_ERR`, `ERR_REQUEST_NOT_SENT` (eXosip refused
   * it: the SipError is its cause); with `ERR_SUBSCRIPTION_ENDED` once it
   * ended or its final NOTIFY was queued; TypeError/RangeError for bad options.
   */
  notify(options: NotifyOptions): Promise<Message> {
    try {
      return this.#notify(options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #notify(options: NotifyOptions): Promise<Message> {
    const o = v.options<NotifyOptions>('options', options, NOTIFY_OPTIONS);
    if (options === undefined) throw typeError('ERR_INVALID_ARG_TYPE', 'options must be an object');
    const state = v.oneOf('options.state', o.state, ['pending', 'active', 'terminated'] as const);
    const reason = o.reason === undefined ? 'noresource' : v.oneOf('options.reason', o.reason, REASONS);
    if (o.reason !== undefined && state !== 'terminated') throw typeError('ERR_INVALID_ARG_VALUE', `options.reason goes with state 'terminated' only (RFC 6665 §4.1.3), got state '${state}'`);
    const timeoutMs = o.timeoutMs === undefined ? DEFAULT_SUBSCRIBE_TIMEOUT_MS : v.integer('options.timeoutMs', o.timeoutMs, 1, 2 ** 31 - 1);
    const signal = v.abortSignal('options.signal', o.signal);
    if (this.#end !== null || this.#final) return Promise.reject(this.#endedError());
    if (state === 'terminated') this.#final = true;
    let finished = (): void => undefined;
    const transaction = new Promise<void>((resolve) => (finished = resolve));
    const sent = this.#queue.then(() => this.#send(state, reason, o, timeoutMs, signal, finished));
    // The next one waits for this one's transaction to end (or for it not to leave).
    this.#queue = transaction;
    return sent;
  }

  /** Forgets the subscription locally (`eXosip_insubscription_remove`), sending nothing; `'terminated'` (`reason: 'removed'`). Idempotent. */
  remove(): void {
    if (this.#end !== null) return;
    this.#driver.remove(this.did);
    this.#terminate({ by: 'local', reason: 'removed', statusCode: 0 }, 'now');
  }

  /** @internal The default answer: unanswered after defaultAnswerMs, 480. */
  defaultAnswer(): void {
    if (this.#state !== 'offered') return;
    try {
      this.#driver.answer(this.tid, 480, {});
    } catch {
      // Gone meanwhile (OSIP_NOTFOUND), or answered through the compat calls.
    }
    this.#terminate({ by: 'local', reason: 'rejected', statusCode: 480 });
  }

  /** @internal A SUBSCRIBE inside its dialog (`EXOSIP_IN_SUBSCRIPTION_NEW` with its nid): a refresh or an unsubscribe. */
  resubscribed(event: AnyExosipEvent): void {
    const request = event.request;
    if (request === null || event.tid <= 0) return;
    if (this.#end !== null || this.#final || this.#state === 'offered') {
      // RFC 6665 §4.2.1.2: no subscription (any more) in this dialog.
      this.#answerQuietly(event.tid, 481);
      return;
    }
    const expires = askedExpires(request);
    this.#answerQuietly(event.tid, 200);
    if (expires > 0) {
      this.#expires = expires;
      this.#armExpiry();
      this.emit('refresh', expires, request);
      return;
    }
    // RFC 6665 §4.1.2.3: unsubscribed; the final NOTIFY follows.
    this.#endAs = Object.freeze({ by: 'remote', reason: 'unsubscribed', statusCode: 0 });
    try {
      this.emit('unsubscribe', request);
    } finally {
      if (!this.#final) this.notify({ state: 'terminated', reason: 'timeout' }).catch(() => undefined);
    }
  }

  /** @internal An `EXOSIP_NOTIFICATION_*` event: the answer to the NOTIFY in flight. */
  notifyAnswered(event: AnyExosipEvent): void {
    const inflight = this.#inflight;
    if (inflight === null || event.type === 'EXOSIP_NOTIFICATION_PROCEEDING') return;
    const response = event.response;
    const status = response?.statusCode ?? 0;
    if (event.type === 'EXOSIP_NOTIFICATION_ANSWERED' && response !== null) {
      this.#inflight = null;
      inflight.finished();
      inflight.outcome.resolve(response);
      if (this.#end !== null) this.#forget(true);
      return;
    }
    if ((status === 401 || status === 407) && inflight.retries < MAX_RETRIES) {
      inflight.retries++;
      return;
    }
    this.#inflight = null;
    inflight.finished();
    const reason = response?.reasonPhrase ?? 'no answer';
    inflight.outcome.reject(
      status === 0
        ? requestError('ERR_REQUEST_NO_RESPONSE', `The NOTIFY got no final answer (${event.textinfo || 'no answer'})`, { reason })
        : requestError('ERR_REQUEST_REJECTED', `The NOTIFY was rejected with ${status} ${reason}`, { statusCode: status, reason, response }),
    );
    // eXosip drops the subscription on a failed NOTIFY (jcallback.c:290-310),
    // once the transaction ends (Timer K: 5 s over UDP); it goes at once here.
    this.#forget(true);
    this.#terminate({ by: 'remote', reason, statusCode: status }, 'now');
  }

  /** @internal The context is closing: a NOTIFY waiting rejects, `'terminated'` (`reason: 'closed'`); nothing is sent. */
  closed(): void {
    const inflight = this.#inflight;
    this.#inflight = null;
    inflight?.finished();
    inflight?.outcome.reject(requestError('ERR_CONTEXT_CLOSED', 'The context was closed', { reason: 'closed' }));
    this.#terminate({ by: 'local', reason: 'closed', statusCode: 0 }, 'quiet');
    // Also one that ended before and lingers: its timers ask nothing of a closed context.
    this.#forget(false);
  }

  async #send(
    state: NotifyOptions['state'],
    reason: SubscriptionTerminationReason,
    o: Pick<NotifyOptions, 'body' | 'contentType' | 'headers'>,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    finished: () => void,
  ): Promise<Message> {
    let code: number;
    try {
      if (this.#end !== null) throw this.#endedError();
      if (signal?.aborted) throw requestError('ABORT_ERR', abortError(signal).message, { reason: 'aborted', cause: signal.reason });
      code = this.#driver.notify(this.did, this.event, state, reason, o);
      if (code < 0) throw requestError('ERR_REQUEST_NOT_SENT', `eXosip_insubscription_send_request returned ${code}`, { reason: String(code) });
    } catch (error) {
      finished();
      throw error;
    }
    // The caller may stop waiting first; the transaction is still followed to its end.
    const outcome = new Outcome<Message>(timeoutMs, signal, {
      timeout: () => requestError('ERR_REQUEST_TIMEOUT', `No final answer to the NOTIFY within ${timeoutMs} ms`, { reason: 'timeout' }),
      abort: () => requestError('ABORT_ERR', abortError(signal!).message, { reason: 'aborted', cause: signal!.reason }),
    });
    const inflight = { outcome, retries: 0, finished };
    this.#inflight = inflight;
    // Bounded: no answer event within Timer F is not waited for longer.
    setTimeout(() => {
      if (this.#inflight !== inflight) return;
      this.#inflight = null;
      finished();
      if (this.#end !== null) this.#forget(true);
    }, LINGER_MS).unref();
    if (state === 'terminated') this.#terminate(this.#endAs ?? { by: 'local', reason, statusCode: 0 });
    else this.#state = state;
    return outcome.promise;
  }

  #assertOffered(): void {
    if (this.#state === 'offered') return;
    const by = this.#end?.statusCode === 480 && this.#end.reason === 'rejected' ? 'by the default answer (480 after defaultAnswerMs)' : 'already';
    throw stateError('ERR_REQUEST_ANSWERED', `This SUBSCRIBE (tid ${this.tid}) was answered ${by}`);
  }

  #answerQuietly(tid: number, status: number): void {
    try {
      this.#driver.answer(tid, status, {});
    } catch {
      // Answered or gone meanwhile: nothing to do.
    }
  }

  #armExpiry(): void {
    if (this.#expiry !== null) clearTimeout(this.#expiry);
    this.#expiry = setTimeout(() => {
      this.#expiry = null;
      // RFC 6665 §4.2.2: not refreshed in time; the subscription ends with a terminated NOTIFY.
      if (this.#end === null && !this.#final) this.notify({ state: 'terminated', reason: 'timeout' }).catch(() => undefined);
    }, this.#expires * 1000);
    this.#expiry.unref();
  }

  #endedError(): Error {
    if (this.#end?.reason === 'closed' && this.#end.by === 'local') return requestError('ERR_CONTEXT_CLOSED', 'The context was closed', { reason: 'closed' });
    return stateError('ERR_SUBSCRIPTION_ENDED', `Incoming subscription ${this.nid} ended${this.#end === null ? ' (its final NOTIFY is queued)' : ` (${this.#end.reason})`}`);
  }

  /**
   * Ends it once: state `'terminated'`, `'terminated'` emitted. `forget`:
   * `'now'` (removed already, or eXosip dropped it), `'quiet'` (the context
   * closes: nothing more is asked of eXosip), `'linger'` (a NOTIFY or an
   * answer is still on its way: eXosip forgets it once the NOTIFY is
   * answered, or after 32 s).
   */
  #terminate(end: IncomingSubscriptionEnd, forget: 'now' | 'quiet' | 'linger' = 'linger'): void {
    if (this.#end !== null) return;
    this.#end = Object.freeze({ ...end });
    this.#state = 'terminated';
    this.#final = true;
    if (this.#expiry !== null) clearTimeout(this.#expiry);
    this.#expiry = null;
    if (forget !== 'linger') this.#forget(false);
    else if (this.#inflight === null) setTimeout(() => this.#forget(true), LINGER_MS).unref();
    this.emit('terminated', this.#end);
  }

  /**
   * No more events for it; with `remove`, eXosip forgets it too
   * (`eXosip_insubscription_remove`: eXosip frees one after a terminated
   * NOTIFY only when the subscriber unsubscribed, jcallback.c:312). Once.
   */
  #forget(remove: boolean): void {
    if (this.#forgotten) return;
    this.#forgotten = true;
    if (remove) this.#driver.remove(this.did);
    this.#driver.forget(this);
  }
}

