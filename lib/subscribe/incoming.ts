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
import type { AcceptSubscriptionOptions, IncomingSubscriptionEnd, IncomingSubscriptionEventMap, IncomingSubscriptionState, NotifyOptions, SubscriptionTerminationReason } from './notifier-types';
import { NOTIFY_GIVE_UP_MS, type NotifyJob, NotifyQueue } from './notify-queue';

/** @internal What an IncomingSubscription asks its context's notifier table to do. */
export interface NotifierDriver {
  /** Builds and sends the answer to SUBSCRIBE `tid` (`eXosip_insubscription_build_answer` / `_send_answer`); throws what eXosip or the options refuse. */
  answer(tid: number, status: number, options: { headers?: HeaderList; reason?: string; expires?: number }): void;
  /**
   * Builds and sends a NOTIFY in dialog `did` (`eXosip_insubscription_build_notify`
   * / `_send_request`) with Event `event` and Subscription-State `state`;
   * throws for bad options (nothing sent).
   */
  notify(did: number, event: string, state: string, job: NotifyJob): { code: number; fn: string; cseq: string | null };
  /** `eXosip_insubscription_remove(did)`: eXosip forgets it; nothing is sent. */
  remove(did: number): void;
  /** No more events for this subscription. */
  forget(subscription: IncomingSubscription): void;
}

/** eXosip's Expires for a SUBSCRIBE without one (`_eXosip_notify_set_refresh_interval`, jnotify.c:149). */
const EXOSIP_DEFAULT_EXPIRES = 600;

/** Subscription-State reasons (RFC 6665 §4.2.2; eXosip_ss_reason). */
const REASONS: readonly SubscriptionTerminationReason[] = ['deactivated', 'probation', 'rejected', 'timeout', 'giveup', 'noresource'];

/** How long an ended subscription still takes answers before eXosip forgets it: 32 s (Timer F). */
const LINGER_MS = 32_000;

/** The longest setTimeout (ms); a longer expiry is waited for in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Seconds a SUBSCRIBE asks for (its Expires, else eXosip's default). */
function askedExpires(request: Message): number {
  const expires = request.expires;
  return expires === null || expires < 0 ? EXOSIP_DEFAULT_EXPIRES : expires;
}

/**
 * A SUBSCRIBE to this context (`ctx.on('subscription')`), for an event
 * package such as `presence`, `message-summary` or `dialog` (RFC 6665).
 * Answer it once, {@link accept} or {@link reject}, then send the state of
 * the resource with {@link notify} right away (RFC 6665 §4.2.1.2) and
 * whenever it changes. This object answers the subscriber's refreshes 200
 * (`'refresh'`), its unsubscribe with 200 and a final NOTIFY
 * (`'unsubscribe'`), and ends the subscription with a terminated NOTIFY
 * (reason `timeout`) when it expires unrefreshed. An offer neither accepted
 * nor rejected within the context's `defaultAnswerMs` is rejected 480.
 *
 * ```ts
 * ctx.on('subscription', async (sub) => {
 *   if (sub.event !== 'presence') return void sub.reject(489);
 *   try {
 *     await sub.accept();
 *     await sub.notify({ state: 'active', body: pidf, contentType: 'application/pidf+xml' });
 *   } catch (error) {
 *     console.error(error); // a NOTIFY the subscriber refused ends the subscription
 *   }
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
  /** The event package (the Event header, parameters included; `''` without one). */
  readonly event: string;
  /** The subscriber (From). */
  readonly from: string;
  /** The resource (To). */
  readonly to: string;
  /** The initial SUBSCRIBE. */
  readonly request: Message;
  /** @internal The Call-ID of its dialog. */
  readonly callId: string;

  #driver: NotifierDriver;
  #state: IncomingSubscriptionState = 'offered';
  #expires: number;
  /** accept()'s `expires`: the most granted to each (re)subscription. */
  #cap = Infinity;
  /** When the subscription runs out (epoch ms), 0 before accept(). */
  #deadline = 0;
  #expiry: NodeJS.Timeout | null = null;
  #end: IncomingSubscriptionEnd | null = null;
  /** How the subscription ends once its final NOTIFY is sent (an unsubscribe: by remote). */
  #endAs: IncomingSubscriptionEnd | null = null;
  /** A terminated NOTIFY is queued or sent: no other may follow. */
  #final = false;
  #byDefault = false;
  #forgotten = false;
  #queue: NotifyQueue;

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
    this.callId = request.getHeader('call-id') ?? '';
    this.#expires = askedExpires(request);
    this.#driver = driver;
    this.#queue = new NotifyQueue({
      send: (job) => this.#driver.notify(this.did, this.event, this.#subscriptionState(job), job),
      ended: () => (this.#end === null ? null : this.#endedError()),
      sent: (job) => {
        if (job.state === 'terminated') this.#terminate(this.#endAs ?? { by: 'local', reason: job.reason, statusCode: 0 });
        else this.#state = job.state;
      },
      // A final NOTIFY that could not leave: another may be tried.
      unsent: (job) => {
        if (job.state === 'terminated' && this.#end === null) this.#final = false;
      },
      lost: (status, reason) => this.#lost(status, reason),
    });
  }

  /** `'offered'`, `'pending'`, `'active'` or `'terminated'`. */
  get state(): IncomingSubscriptionState {
    return this.#state;
  }

  /** True once accepted or rejected (also by the default answer). */
  get answered(): boolean {
    return this.#state !== 'offered';
  }

  /** Seconds granted to the last (re)subscription: what the subscriber asked, at most accept()'s `expires`. */
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
   * bad options (RangeError `ERR_MESSAGE_TOO_LARGE` over UDP past one
   * datagram), SipError when eXosip refuses.
   */
  async accept(options?: AcceptSubscriptionOptions): Promise<void> {
    const o = v.options<AcceptSubscriptionOptions>('options', options, ACCEPT_SUBSCRIPTION_OPTIONS);
    const status = o.status ?? 200;
    if (status !== 200 && status !== 202) throw typeError('ERR_INVALID_ARG_VALUE', `options.status must be 200 or 202, got ${String(status)}`);
    const cap = o.expires === undefined ? Infinity : v.integer('options.expires', o.expires, 1, 2 ** 31 - 1);
    this.#assertOffered();
    const granted = Math.min(this.#expires, cap);
    this.#driver.answer(this.tid, status, { headers: o.headers, expires: granted });
    this.#cap = cap;
    this.#state = 'pending';
    this.#grant(granted);
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
   * Subscription-State (with `expires`: the seconds left), the
   * subscription's Event header (RFC 6665 §8.2.1; eXosip's
   * `eXosip_insubscription_build_notify` writes none, C code adds it), and
   * the package's document as body; resolves with its 2xx. NOTIFYs go one at
   * a time, in call order (RFC 6665 §4.2.2). A terminated NOTIFY ends the
   * subscription as it is sent (`'terminated'`, `by: 'local'`). Rejects with
   * a RequestError `ERR_REQUEST_REJECTED` (the subscription then ends: eXosip
   * drops it on a failed NOTIFY, but for a 401/407 the context has no
   * credentials for), `ERR_REQUEST_NO_RESPONSE` (likewise), `ERR_REQUEST_TIMEOUT`,
   * `ABORT_ERR`, `ERR_REQUEST_NOT_SENT` (eXosip refused it: the SipError is
   * its `cause`), `ERR_CONTEXT_CLOSED`; with an Error `ERR_SUBSCRIPTION_NOT_ACCEPTED`
   * before accept(), `ERR_SUBSCRIPTION_ENDED` once it ended or its final NOTIFY
   * was queued; TypeError/RangeError for bad options (`ERR_MESSAGE_TOO_LARGE`
   * over UDP past one datagram).
   */
  notify(options: NotifyOptions): Promise<Message> {
    let job: NotifyJob;
    try {
      job = this.#job(options);
    } catch (error) {
      return Promise.reject(error);
    }
    this.#queue.push(job);
    return job.outcome.promise;
  }

  /** Forgets the subscription locally (`eXosip_insubscription_remove`), sending nothing; `'terminated'` (`reason: 'removed'`); a NOTIFY waiting rejects `ERR_SUBSCRIPTION_ENDED`. Idempotent. */
  remove(): void {
    if (this.#end !== null) return;
    this.#terminate({ by: 'local', reason: 'removed', statusCode: 0 });
    this.#queue.rejectAll(this.#endedError());
    this.#forget(true);
  }

  /** @internal The default answer: unanswered after defaultAnswerMs, 480. */
  defaultAnswer(): void {
    if (this.#state !== 'offered') return;
    this.#byDefault = true;
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
    const granted = Math.min(askedExpires(request), this.#cap);
    this.#answerQuietly(event.tid, 200, granted);
    if (granted > 0) {
      this.#grant(granted);
      this.emit('refresh', granted, request);
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

  /** @internal An answer to one of its NOTIFYs: `EXOSIP_NOTIFICATION_*`, or `EXOSIP_MESSAGE_*` once eXosip freed the subscription (`byCSeq`). */
  notifyAnswered(event: AnyExosipEvent, byCSeq = false): void {
    this.#queue.answered(event, byCSeq);
    // The last answer came: eXosip may forget it now.
    if (this.#end !== null && !this.#queue.busy) this.#forget(true);
  }

  /** @internal The context is closing: the NOTIFYs waiting reject, `'terminated'` (`reason: 'closed'`); nothing is sent. */
  closed(): void {
    this.#terminate({ by: 'local', reason: 'closed', statusCode: 0 });
    this.#queue.rejectAll(requestError('ERR_CONTEXT_CLOSED', 'The context was closed', { reason: 'closed' }));
    // Also one that ended before and lingers: its timers ask nothing of a closed context.
    this.#forget(false);
  }

  /** Checks one notify() call's options and makes its job. */
  #job(options: NotifyOptions): NotifyJob {
    const o = v.options<NotifyOptions>('options', options, NOTIFY_OPTIONS);
    if (options === undefined) throw typeError('ERR_INVALID_ARG_TYPE', 'options must be an object');
    const state = v.oneOf('options.state', o.state, ['pending', 'active', 'terminated'] as const);
    const reason = o.reason === undefined ? 'noresource' : v.oneOf('options.reason', o.reason, REASONS);
    if (o.reason !== undefined && state !== 'terminated') throw typeError('ERR_INVALID_ARG_VALUE', `options.reason goes with state 'terminated' only (RFC 6665 §4.1.3), got state '${state}'`);
    const timeoutMs = o.timeoutMs === undefined ? NOTIFY_GIVE_UP_MS : v.integer('options.timeoutMs', o.timeoutMs, 1, 2 ** 31 - 1);
    const signal = v.abortSignal('options.signal', o.signal);
    if (this.#state === 'offered') throw stateError('ERR_SUBSCRIPTION_NOT_ACCEPTED', `Incoming subscription ${this.nid}: accept() it before notify() (RFC 6665 §4.2.1.2)`);
    if (this.#end !== null || this.#final) throw this.#endedError();
    if (signal?.aborted) throw requestError('ABORT_ERR', abortError(signal).message, { reason: 'aborted', cause: signal.reason });
    if (state === 'terminated') this.#final = true;
    const outcome = new Outcome<Message>(timeoutMs, signal, {
      timeout: () => requestError('ERR_REQUEST_TIMEOUT', `No final answer to the NOTIFY within ${timeoutMs} ms`, { reason: 'timeout' }),
      abort: () => requestError('ABORT_ERR', abortError(signal!).message, { reason: 'aborted', cause: signal!.reason }),
    });
    return { state, reason, options: { body: o.body, contentType: o.contentType, headers: o.headers }, outcome };
  }

  /** The Subscription-State of a NOTIFY about to leave: the seconds left by this binding's deadline (eXosip would say what was asked). */
  #subscriptionState(job: NotifyJob): string {
    if (job.state === 'terminated') return `terminated;reason=${job.reason}`;
    return `${job.state};expires=${Math.max(0, Math.round((this.#deadline - Date.now()) / 1000))}`;
  }

  #assertOffered(): void {
    if (this.#state === 'offered') return;
    const by = this.#byDefault ? 'by the default answer (480 after defaultAnswerMs)' : 'already';
    throw stateError('ERR_REQUEST_ANSWERED', `This SUBSCRIBE (tid ${this.tid}) was answered ${by}`);
  }

  #answerQuietly(tid: number, status: number, expires?: number): void {
    try {
      this.#driver.answer(tid, status, { expires });
    } catch {
      // Answered or gone meanwhile: nothing to do.
    }
  }

  /** `seconds` granted from now: the expiry timer (in steps past setTimeout's range). */
  #grant(seconds: number): void {
    this.#expires = seconds;
    this.#deadline = Date.now() + seconds * 1000;
    this.#armExpiry();
  }

  #armExpiry(): void {
    if (this.#expiry !== null) clearTimeout(this.#expiry);
    this.#expiry = setTimeout(() => {
      this.#expiry = null;
      if (Date.now() < this.#deadline) return this.#armExpiry();
      // RFC 6665 §4.2.2: not refreshed in time; the subscription ends with a terminated NOTIFY.
      if (this.#end === null && !this.#final) this.notify({ state: 'terminated', reason: 'timeout' }).catch(() => undefined);
    }, Math.min(Math.max(this.#deadline - Date.now(), 0), MAX_TIMER_MS));
    this.#expiry.unref();
  }

  /** eXosip dropped the subscription (a failed NOTIFY, or after an unsubscribe): it ends here too. */
  #lost(status: number, reason: string): void {
    this.#forget(true);
    this.#terminate(this.#endAs ?? { by: 'remote', reason, statusCode: status });
    this.#queue.rejectAll(this.#endedError());
  }

  #endedError(): Error {
    if (this.#end?.reason === 'closed' && this.#end.by === 'local') return requestError('ERR_CONTEXT_CLOSED', 'The context was closed', { reason: 'closed' });
    return stateError('ERR_SUBSCRIPTION_ENDED', `Incoming subscription ${this.nid} ended${this.#end === null ? ' (its final NOTIFY is queued)' : ` (${this.#end.reason})`}`);
  }

  /**
   * Ends it once: state `'terminated'`, `'terminated'` emitted. eXosip
   * forgets it once no NOTIFY of it waits for an answer, or after 32 s (an
   * answer to the SUBSCRIBE may still be on its way).
   */
  #terminate(end: IncomingSubscriptionEnd): void {
    if (this.#end !== null) return;
    this.#end = Object.freeze({ ...end });
    this.#state = 'terminated';
    this.#final = true;
    if (this.#expiry !== null) clearTimeout(this.#expiry);
    this.#expiry = null;
    setTimeout(() => this.#forget(true), this.#queue.busy ? NOTIFY_GIVE_UP_MS : LINGER_MS).unref();
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
