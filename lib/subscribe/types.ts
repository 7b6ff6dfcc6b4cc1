/**
 * Types of the subscriber's side of eX_subscribe.h: {@link Context.subscribe}
 * and {@link Subscription} (RFC 6665).
 * @module
 */
import type { Message } from '../message';
import type { HeaderList } from '../message/types';

/** Default {@link SubscribeOptions.expires}: 3600 s. */
export const DEFAULT_SUBSCRIBE_EXPIRES = 3600;

/**
 * The least {@link SubscribeOptions.expires}: 10 s. eXosip refreshes a
 * subscription once more than its period minus 6 s went by (eXosip.c:943):
 * a period of 6 s or less would be refreshed without pause (a storm of
 * SUBSCRIBEs); 10 leaves 4 s between refreshes.
 */
export const MIN_SUBSCRIBE_EXPIRES = 10;

/** Default `timeoutMs` of subscribe(), refresh() and unsubscribe(): 32 s, RFC 3261 Timer F. */
export const DEFAULT_SUBSCRIBE_TIMEOUT_MS = 32_000;

/** Options of {@link Context.subscribe} (`eXosip_subscription_build_initial_subscribe`). */
export interface SubscribeOptions {
  /**
   * The resource: a SIP URI or a name-addr (Request-URI and To). Without
   * `route` it is where the SUBSCRIBE goes: a `sip:`/`sips:` URI with a host
   * (TypeError `ERR_INVALID_ARG_VALUE` otherwise: eXosip 5.3.0 would crash).
   */
  to: string;
  /** The subscriber: a SIP URI or a name-addr for From. */
  from: string;
  /** The event package (RFC 6665 §7.2): `'presence'`, `'message-summary'`, `'dialog'`, ... */
  event: string;
  /** Seconds asked for (Expires), 10 ({@link MIN_SUBSCRIBE_EXPIRES}) or more; default 3600. eXosip refreshes the subscription before the granted time runs out. */
  expires?: number;
  /** A Route (`sip:proxy.example.com;lr`): where the SUBSCRIBE goes; a bare URI is taken as `<URI>`. */
  route?: string;
  /** Headers added to the SUBSCRIBE (e.g. `Accept: application/pidf+xml`). */
  headers?: HeaderList;
  /** Rejects with `ERR_REQUEST_TIMEOUT` after this many milliseconds without a final answer or a NOTIFY; default 32,000. */
  timeoutMs?: number;
  /** Rejects with `ABORT_ERR` when it aborts first; a 2xx arriving afterwards is answered by unsubscribing. */
  signal?: AbortSignal;
}

/** Options of {@link Subscription.refresh} and {@link Subscription.unsubscribe}. */
export interface SubscriptionRefreshOptions {
  /** Seconds asked for, 10 or more; default: what was asked last (unsubscribe(): always 0). */
  expires?: number;
  /** Rejects with `ERR_REQUEST_TIMEOUT` after this many milliseconds without a final answer; default 32,000. */
  timeoutMs?: number;
  /** Rejects with `ABORT_ERR` when it aborts first (the SUBSCRIBE stays sent). */
  signal?: AbortSignal;
}

/**
 * Where a {@link Subscription} stands: `'pending'` until a NOTIFY says
 * otherwise (RFC 6665 §4.1.2.4: a 2xx only says the request was accepted),
 * then the Subscription-State of the last NOTIFY; `'terminated'` for good.
 */
export type SubscriptionState = 'pending' | 'active' | 'terminated';

/** One NOTIFY of a {@link Subscription} (eXosip answered it 200 already). */
export interface SubscriptionNotify {
  /** Its Subscription-State (RFC 6665 §8.2.3). */
  readonly state: SubscriptionState;
  /** The `reason` parameter of a terminated state (`deactivated`, `timeout`, `noresource`, ...), else null. */
  readonly reason: string | null;
  /** The `expires` parameter, in seconds: how long the notifier keeps the subscription; null when absent. */
  readonly expires: number | null;
  /** The body (the event package's state document), or null. */
  readonly body: Buffer | null;
  /** Its Content-Type, or null. */
  readonly contentType: string | null;
  /** The NOTIFY as received. */
  readonly request: Message;
}

/** How a {@link Subscription} ended, as its `'terminated'` event gives it. */
export interface SubscriptionEnd {
  /** `'remote'`: a terminated NOTIFY or a refresh the notifier refused; `'local'`: unsubscribe(), remove() or the context closed. */
  readonly by: 'remote' | 'local';
  /** The terminated NOTIFY's reason, the refusal's reason phrase, `'unsubscribed'`, `'removed'` or `'closed'`. */
  readonly reason: string;
  /** The status of a refusal, else 0. */
  readonly statusCode: number;
}

/** The events of a {@link Subscription}. */
export interface SubscriptionEventMap {
  /** A NOTIFY, in order; the last one of a subscription says `state: 'terminated'`. */
  notify: [notify: SubscriptionNotify];
  /** The subscription ended; emitted exactly once. */
  terminated: [end: SubscriptionEnd];
}
