/**
 * The subscriptions of one context, by sid (eX_subscribe.h): starting one
 * ({@link Context.subscribe}), routing its `EXOSIP_SUBSCRIPTION_*` events,
 * its refreshes, the context's close.
 * @internal
 * @module
 */
import type { NativeContext } from '../../binding';
import { osipError, requestError, stateError, typeError } from '../errors';
import type { AnyExosipEvent } from '../events';
import { SUBSCRIBE_OPTIONS } from '../internal/option-keys';
import { requestTarget } from '../internal/target';
import * as v from '../internal/validate';
import { Message } from '../message';
import { addHeaders } from '../message/answers';
import { assertFitsDatagram } from '../message/datagram';
import { Subscription, type SubscriptionDriver } from './subscription';
import { DEFAULT_SUBSCRIBE_EXPIRES, DEFAULT_SUBSCRIBE_TIMEOUT_MS, MIN_SUBSCRIBE_EXPIRES, type SubscribeOptions } from './types';

/** An Event header value: an event package token, with parameters (RFC 6665 §8.2.1, e.g. `presence`, `dialog;call-id=...`). */
const EVENT = /^[A-Za-z0-9\-.!%*_+`'~]+(\s*;\s*[^;\s]+)*$/;

/** The subscriptions of one context. */
export class SubscriptionTable {
  #native: NativeContext;
  #subscriptions = new Map<number, Subscription>();
  readonly #driver: SubscriptionDriver = {
    refresh: (did, expires) => {
      const n = this.#native;
      n.lock();
      try {
        const [code, handle] = n.subscriptionBuildRefreshRequest(did);
        if (code < 0 || handle === null) return code < 0 ? code : -1;
        new Message(handle).expires = expires;
        return n.subscriptionSendRefreshRequest(did, handle);
      } finally {
        n.unlock();
      }
    },
    remove: (did) => void this.#native.subscriptionRemove(did),
    forget: (subscription) => {
      if (this.#subscriptions.get(subscription.sid) === subscription) this.#subscriptions.delete(subscription.sid);
    },
  };

  constructor(native: NativeContext) {
    this.#native = native;
  }

  /** How many subscriptions still get events. */
  get size(): number {
    return this.#subscriptions.size;
  }

  /**
   * Sends the SUBSCRIBE `options` describe from a context listening as
   * `listening` (null: not listening) and resolves with its Subscription at
   * the 2xx or the first NOTIFY; see {@link Context.subscribe}.
   */
  start(options: SubscribeOptions, listening: { transport: string; family: 4 | 6 } | null, assertOpen: () => void): Promise<Subscription> {
    const o = v.options<SubscribeOptions>('options', options, SUBSCRIBE_OPTIONS);
    if (options === undefined) throw typeError('ERR_INVALID_ARG_TYPE', 'options must be an object');
    const to = v.uriText('options.to', o.to);
    v.noTag('options.to', to);
    const from = v.fromText('options.from', o.from);
    const event = v.sipText('options.event', o.event);
    if (!EVENT.test(event)) throw typeError('ERR_INVALID_ARG_VALUE', `options.event must be an event package such as "presence" (RFC 6665 §8.2.1), got ${JSON.stringify(event)}`);
    const expires = o.expires === undefined ? DEFAULT_SUBSCRIBE_EXPIRES : v.integer('options.expires', o.expires, MIN_SUBSCRIBE_EXPIRES, 99_999_999);
    const route = o.route === undefined ? null : v.routeText('options.route', o.route);
    requestTarget('options', to, route, listening?.family ?? null, listening?.transport ?? null);
    const timeoutMs = o.timeoutMs === undefined ? DEFAULT_SUBSCRIBE_TIMEOUT_MS : v.integer('options.timeoutMs', o.timeoutMs, 1, 2 ** 31 - 1);
    const signal = v.abortSignal('options.signal', o.signal);
    assertOpen();
    if (listening === null) throw stateError('ERR_NOT_LISTENING', 'Call listen() before subscribe(): eXosip needs a transport');
    if (signal?.aborted) return Promise.reject(requestError('ABORT_ERR', 'The operation was aborted', { reason: 'aborted', cause: signal.reason }));
    const n = this.#native;
    let sid: number;
    n.lock();
    try {
      const [code, handle] = n.subscriptionBuildInitialSubscribe(to, from, route, event, expires);
      if (code < 0 || handle === null) return Promise.reject(notSent(osipError(code < 0 ? code : -1, 'eXosip_subscription_build_initial_subscribe', `to ${to}, from ${from}`)));
      const request = new Message(handle);
      try {
        addHeaders(request, o.headers, 'options');
        if (listening.transport === 'udp') assertFitsDatagram(request, 'SUBSCRIBE');
      } catch (error) {
        request.dispose();
        throw error;
      }
      sid = n.subscriptionSendInitialRequest(handle);
    } finally {
      n.unlock();
    }
    if (sid < 0) return Promise.reject(notSent(osipError(sid, 'eXosip_subscription_send_initial_request')));
    // Events reach JS only after this task: the Subscription is in the table before its first one.
    const subscription = new Subscription({ sid, event, to, from, expires }, this.#driver);
    this.#subscriptions.set(sid, subscription);
    return subscription.begin(timeoutMs, signal).then(() => subscription);
  }

  /** One `EXOSIP_SUBSCRIPTION_*` event. */
  handle(event: AnyExosipEvent): void {
    this.#subscriptions.get(event.sid)?.handle(event);
  }

  /** The context closes: every subscription ends (`reason: 'closed'`) and what waits rejects; nothing is sent. */
  close(): void {
    for (const subscription of [...this.#subscriptions.values()]) subscription.closed();
    this.#subscriptions.clear();
  }
}

function notSent(cause: Error & { code?: string }): Error {
  return requestError('ERR_REQUEST_NOT_SENT', cause.message, { reason: cause.code ?? 'error', cause });
}
