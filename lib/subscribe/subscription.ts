/**
 * One subscription this context made (eX_subscribe.h, RFC 6665): its `sid`,
 * its dialog, the NOTIFYs eXosip answered for it, its refreshes.
 * @module
 */
import { EventEmitter } from 'node:events';
import { abortError, osipCodeName, osipError, requestError, stateError } from '../errors';
import type { AnyExosipEvent } from '../events';
import { SUBSCRIPTION_REFRESH_OPTIONS, WAIT_OPTIONS } from '../internal/option-keys';
import * as v from '../internal/validate';
import { Outcome } from '../internal/wait';
import { DEFAULT_SUBSCRIBE_TIMEOUT_MS, MIN_SUBSCRIBE_EXPIRES, type SubscriptionEnd, type SubscriptionEventMap, type SubscriptionNotify, type SubscriptionRefreshOptions, type SubscriptionState } from './types';

/** @internal What a Subscription asks its context's subscription table to do. */
export interface SubscriptionDriver {
  /** `eXosip_subscription_build_refresh_request` with Expires `expires`, then `_send_refresh_request` → eXosip's code. */
  refresh(did: number, expires: number): number;
  /** `eXosip_subscription_remove(did)`: eXosip forgets it; nothing is sent. */
  remove(did: number): void;
  /** No more events for this subscription. */
  forget(subscription: Subscription): void;
}

/** 401/407/423 answered by eXosip itself before one is final (`eXosip_automatic_action`, `js->s_retry < 3`). */
const MAX_RETRIES = 3;

/** How long a subscription ended locally still takes its last NOTIFYs before it is forgotten: 32 s (Timer F). */
const LINGER_MS = 32_000;

/** The awaited final answer of a SUBSCRIBE (the initial one, a refresh or an unsubscribe). */
interface Wait {
  readonly kind: 'subscribe' | 'refresh' | 'unsubscribe';
  settle(error: Error | null): void;
}

/** `state;expires=N;reason=R` of a Subscription-State header. */
function subscriptionState(value: string | undefined): { state: SubscriptionState; reason: string | null; expires: number | null } {
  const [head = '', ...params] = (value ?? '').split(';').map((p) => p.trim());
  const param = (name: string): string | null => params.find((p) => p.toLowerCase().startsWith(`${name}=`))?.slice(name.length + 1) ?? null;
  const state = head.toLowerCase();
  const expires = param('expires');
  return {
    state: state === 'active' || state === 'terminated' ? state : 'pending',
    reason: param('reason'),
    expires: expires !== null && /^\d+$/.test(expires) ? Number(expires) : null,
  };
}

/**
 * A subscription to an event package (`presence`, `message-summary`,
 * `dialog`, ...) at a notifier, from {@link Context.subscribe}. eXosip
 * answers each NOTIFY 200 by itself and refreshes the subscription before it
 * expires; this object emits each NOTIFY as `'notify'`
 * ({@link SubscriptionNotify}) and `'terminated'` once
 * ({@link SubscriptionEnd}): on a terminated NOTIFY, on a refresh the
 * notifier refuses, on {@link unsubscribe} or {@link remove}, or when the
 * context closes. The first NOTIFY often comes with the 2xx, before
 * `await ctx.subscribe()` returns: read {@link lastNotify}, {@link state} and
 * {@link endedWith} after the await rather than wait for events that passed.
 */
export class Subscription extends EventEmitter<SubscriptionEventMap> {
  /** eXosip's subscription id (`sid` of its `EXOSIP_SUBSCRIPTION_*` events). */
  readonly sid: number;
  /** The event package. */
  readonly event: string;
  /** The resource (To). */
  readonly to: string;
  /** The subscriber (From). */
  readonly from: string;

  #driver: SubscriptionDriver;
  #did = 0;
  #state: SubscriptionState = 'pending';
  #requested: number;
  #expires = 0;
  #retries = 0;
  #wait: Wait | null = null;
  /** The initial wait gave up: a 2xx that comes anyway is answered by unsubscribing. */
  #abandoned = false;
  /**
   * Settles when the initial SUBSCRIBE had its final answer: a NOTIFY may
   * confirm the subscription before it (RFC 6665 §4.1.2.4), and eXosip
   * refuses a refresh while that transaction runs (OSIP_WRONG_STATE).
   */
  #initialAnswered: Promise<void>;
  #initialDone: () => void = () => undefined;
  #end: SubscriptionEnd | null = null;
  #lastNotify: SubscriptionNotify | null = null;

  /** @internal Made by the context's subscription table once eXosip took the SUBSCRIBE. */
  constructor(init: { sid: number; event: string; to: string; from: string; expires: number }, driver: SubscriptionDriver) {
    super();
    this.sid = init.sid;
    this.event = init.event;
    this.to = init.to;
    this.from = init.from;
    this.#requested = init.expires;
    this.#driver = driver;
    this.#initialAnswered = new Promise<void>((resolve) => (this.#initialDone = resolve));
  }

  /** `'pending'`, `'active'` (per the last NOTIFY) or `'terminated'`. */
  get state(): SubscriptionState {
    return this.#state;
  }

  /** The subscription's dialog id (`did`), 0 until the first 2xx or NOTIFY. */
  get did(): number {
    return this.#did;
  }

  /** Seconds the notifier granted: the 2xx's Expires, or a NOTIFY's `expires` parameter; 0 until known. */
  get expires(): number {
    return this.#expires;
  }

  /** The last NOTIFY (also one emitted before a listener was added: the first may come with the 2xx), or null. */
  get lastNotify(): SubscriptionNotify | null {
    return this.#lastNotify;
  }

  /** How it ended, or null while it lasts. */
  get endedWith(): SubscriptionEnd | null {
    return this.#end;
  }

  /**
   * Sends a refresh SUBSCRIBE in the subscription's dialog
   * (`eXosip_subscription_build_refresh_request` / `_send_refresh_request`)
   * asking for `expires` seconds (default: as before) and resolves on its
   * 2xx. Rejects with a RequestError: `ERR_REQUEST_REJECTED` (the
   * subscription then ends: RFC 6665 §4.1.2.2), `ERR_REQUEST_NO_RESPONSE`,
   * `ERR_REQUEST_TIMEOUT`, `ABORT_ERR`, `ERR_REQUEST_NOT_SENT` (eXosip
   * refused: `OSIP_WRONG_STATE` while a SUBSCRIBE of it is in flight, e.g.
   * eXosip's own refresh), `ERR_CONTEXT_CLOSED`; rejects with an Error
   * `ERR_SUBSCRIPTION_ENDED` once it ended (also when it ends while this
   * waits: a terminated NOTIFY, remove()).
   */
  refresh(options?: SubscriptionRefreshOptions): Promise<void> {
    return this.#send('refresh', options);
  }

  /**
   * Unsubscribes (RFC 6665 §4.1.2.3): a refresh with `Expires: 0`. On its 2xx
   * the subscription ends (`'terminated'`, `by: 'local'`, reason
   * `'unsubscribed'`); the notifier's last NOTIFY is still emitted as
   * `'notify'` within 32 s. Rejects and throws as {@link refresh}.
   */
  unsubscribe(options?: Omit<SubscriptionRefreshOptions, 'expires'>): Promise<void> {
    return this.#send('unsubscribe', options);
  }

  /** Forgets the subscription locally (`eXosip_subscription_remove`), sending nothing; `'terminated'` (`reason: 'removed'`). Idempotent. */
  remove(): void {
    if (this.#end !== null) return;
    if (this.#did > 0) this.#driver.remove(this.#did);
    this.#terminate({ by: 'local', reason: 'removed', statusCode: 0 }, 0);
  }

  /** @internal Waits for the initial SUBSCRIBE's 2xx or first NOTIFY (Context.subscribe). */
  begin(timeoutMs: number, signal: AbortSignal | undefined): Promise<void> {
    return this.#await('subscribe', timeoutMs, signal);
  }

  /** @internal One `EXOSIP_SUBSCRIPTION_*` event with this sid. */
  handle(event: AnyExosipEvent): void {
    if (event.did > 0 && this.#did === 0) this.#did = event.did;
    const response = event.response;
    const status = response?.statusCode ?? 0;
    switch (event.type) {
      case 'EXOSIP_SUBSCRIPTION_PROCEEDING':
        return;
      case 'EXOSIP_SUBSCRIPTION_ANSWERED': {
        this.#initialDone();
        this.#retries = 0;
        const granted = Number(response?.getHeader('expires'));
        if (Number.isInteger(granted) && granted >= 0) this.#expires = granted;
        if (this.#abandoned && this.#end === null) {
          // Given up before this 2xx: the subscription exists at the notifier; end it there.
          this.#driver.refresh(this.#did, 0);
          this.#terminate({ by: 'local', reason: 'unsubscribed', statusCode: 0 });
          return;
        }
        const wait = this.#wait;
        this.#wait = null;
        wait?.settle(null);
        if (wait?.kind === 'unsubscribe') this.#terminate({ by: 'local', reason: 'unsubscribed', statusCode: 0 });
        return;
      }
      case 'EXOSIP_SUBSCRIPTION_NOTIFY': {
        if (event.request === null) return;
        const s = subscriptionState(event.request.getHeader('subscription-state'));
        if (s.expires !== null) this.#expires = s.expires;
        if (this.#end === null) this.#state = s.state;
        const notify: SubscriptionNotify = Object.freeze({ ...s, body: event.request.body, contentType: event.request.contentType, request: event.request });
        this.#lastNotify = notify;
        // RFC 6665 §4.1.2.4: a NOTIFY may come before the 2xx; it confirms the subscription as well.
        if (this.#wait?.kind === 'subscribe') {
          const wait = this.#wait;
          this.#wait = null;
          wait.settle(null);
        }
        // The notifier's final NOTIFY may come before the 2xx to our unsubscribe: that unsubscribe worked.
        const unsubscribing = s.state === 'terminated' && this.#wait?.kind === 'unsubscribe' ? this.#wait : null;
        if (unsubscribing !== null) {
          this.#wait = null;
          unsubscribing.settle(null);
        }
        this.emit('notify', notify);
        if (s.state === 'terminated') {
          const end = unsubscribing !== null ? { by: 'local' as const, reason: 'unsubscribed', statusCode: 0 } : { by: 'remote' as const, reason: s.reason ?? 'terminated', statusCode: 0 };
          this.#terminate(end, unsubscribing !== null ? LINGER_MS : 0);
        }
        return;
      }
      default: {
        this.#initialDone();
        // A final failure, or no answer: eXosip answers 401/407/423 itself (with credentials, a larger Expires).
        if ((status === 401 || status === 407 || status === 423) && this.#retries < MAX_RETRIES) {
          this.#retries++;
          return;
        }
        const reason = response?.reasonPhrase ?? (event.textinfo || 'no answer');
        const error =
          status === 0
            ? requestError('ERR_REQUEST_NO_RESPONSE', `The SUBSCRIBE got no final answer: ${reason}`, { reason })
            : requestError('ERR_REQUEST_REJECTED', `The SUBSCRIBE was rejected with ${status} ${reason}`, { statusCode: status, reason, response });
        const wait = this.#wait;
        this.#wait = null;
        wait?.settle(error);
        // A refused (or unanswered) SUBSCRIBE ends the subscription (RFC 6665 §4.1.2.2).
        if (this.#did > 0) this.#driver.remove(this.#did);
        this.#terminate({ by: 'remote', reason, statusCode: status }, 0);
      }
    }
  }

  /** @internal The context is closing: what waits rejects, `'terminated'` (`reason: 'closed'`). */
  closed(): void {
    const wait = this.#wait;
    this.#wait = null;
    wait?.settle(requestError('ERR_CONTEXT_CLOSED', 'The context was closed', { reason: 'closed' }));
    this.#terminate({ by: 'local', reason: 'closed', statusCode: 0 }, 0);
  }

  async #send(kind: 'refresh' | 'unsubscribe', options: SubscriptionRefreshOptions | undefined): Promise<void> {
    const o = v.options<SubscriptionRefreshOptions>('options', options, kind === 'refresh' ? SUBSCRIPTION_REFRESH_OPTIONS : WAIT_OPTIONS);
    const expires = kind === 'unsubscribe' ? 0 : o.expires === undefined ? this.#requested : v.integer('options.expires', o.expires, MIN_SUBSCRIBE_EXPIRES, 99_999_999);
    const timeoutMs = o.timeoutMs === undefined ? DEFAULT_SUBSCRIBE_TIMEOUT_MS : v.integer('options.timeoutMs', o.timeoutMs, 1, 2 ** 31 - 1);
    const signal = v.abortSignal('options.signal', o.signal);
    if (this.#end !== null) throw stateError('ERR_SUBSCRIPTION_ENDED', `Subscription ${this.sid} ended (${this.#end.reason})`);
    if (this.#did === 0) throw stateError('ERR_SUBSCRIPTION_ENDED', `Subscription ${this.sid} has no dialog yet: wait for subscribe() to resolve`);
    if (this.#wait !== null) {
      throw requestError('ERR_REQUEST_NOT_SENT', `Subscription ${this.sid}: a ${this.#wait.kind} is still waiting for its answer`, { reason: 'OSIP_WRONG_STATE' });
    }
    if (signal?.aborted) throw requestError('ABORT_ERR', abortError(signal).message, { reason: 'aborted', cause: signal.reason });
    // Confirmed by a NOTIFY before its 2xx: the refresh goes once the initial SUBSCRIBE was answered.
    await this.#initialAnswered;
    // What may have changed while it waited.
    const ended = this.#end as SubscriptionEnd | null;
    if (ended !== null) throw stateError('ERR_SUBSCRIPTION_ENDED', `Subscription ${this.sid} ended (${ended.reason})`);
    const waiting = this.#wait as Wait | null;
    if (waiting !== null) throw requestError('ERR_REQUEST_NOT_SENT', `Subscription ${this.sid}: a ${waiting.kind} is still waiting for its answer`, { reason: 'OSIP_WRONG_STATE' });
    if (signal?.aborted) throw requestError('ABORT_ERR', abortError(signal).message, { reason: 'aborted', cause: signal.reason });
    const code = this.#driver.refresh(this.#did, expires);
    if (code < 0) {
      const cause = osipError(code, 'eXosip_subscription_send_refresh_request');
      throw requestError('ERR_REQUEST_NOT_SENT', cause.message, { reason: osipCodeName(code), cause });
    }
    if (kind === 'refresh') this.#requested = expires;
    return this.#await(kind, timeoutMs, signal);
  }

  #await(kind: Wait['kind'], timeoutMs: number, signal: AbortSignal | undefined): Promise<void> {
    const outcome = new Outcome<void>(
      timeoutMs,
      signal,
      {
        timeout: () => requestError('ERR_REQUEST_TIMEOUT', `No final answer to the SUBSCRIBE within ${timeoutMs} ms`, { reason: 'timeout' }),
        abort: () => requestError('ABORT_ERR', abortError(signal!).message, { reason: 'aborted', cause: signal!.reason }),
      },
      () => {
        if (this.#wait !== wait) return;
        this.#wait = null;
        if (kind === 'subscribe') this.#abandoned = true;
      },
    );
    const wait: Wait = { kind, settle: (error) => (error === null ? outcome.resolve() : outcome.reject(error)) };
    this.#wait = wait;
    return outcome.promise;
  }

  /** Ends it once: state `'terminated'`, `'terminated'` emitted; forgotten after `lingerMs` (its last NOTIFYs still come). */
  #terminate(end: SubscriptionEnd, lingerMs = LINGER_MS): void {
    if (this.#end !== null) return;
    this.#end = Object.freeze(end);
    this.#state = 'terminated';
    this.#initialDone();
    // A refresh still waiting (a terminated NOTIFY or remove() came first) ends with it.
    const wait = this.#wait;
    this.#wait = null;
    wait?.settle(stateError('ERR_SUBSCRIPTION_ENDED', `Subscription ${this.sid} ended (${end.reason}) before the answer`));
    if (lingerMs === 0) this.#driver.forget(this);
    else setTimeout(() => this.#driver.forget(this), lingerMs).unref();
    this.emit('terminated', this.#end);
  }
}
