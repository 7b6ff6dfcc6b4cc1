/**
 * Types of the notifier's side of eX_subscribe.h (`eXosip_insubscription_*`):
 * {@link IncomingSubscription}, as `ctx.on('subscription')` gives it (RFC 6665).
 * @module
 */
import type { Message } from '../message';
import type { HeaderList } from '../message/types';

/**
 * Where an {@link IncomingSubscription} stands: `'offered'` until accepted
 * or rejected; then the state its last NOTIFY announced (`'pending'` until
 * one says `'active'`); `'terminated'` for good.
 */
export type IncomingSubscriptionState = 'offered' | 'pending' | 'active' | 'terminated';

/**
 * The `reason` of a terminated Subscription-State (RFC 6665 §4.2.2), as
 * `eXosip_insubscription_build_notify` writes it (eX_subscribe.h's
 * `eXosip_ss_reason`).
 */
export type SubscriptionTerminationReason = 'deactivated' | 'probation' | 'rejected' | 'timeout' | 'giveup' | 'noresource';

/** Options of {@link IncomingSubscription.accept} (`eXosip_insubscription_build_answer` / `_send_answer`). */
export interface AcceptSubscriptionOptions {
  /** 200 (default) or 202 (RFC 3265's "accepted, pending authorization"; RFC 6665 §8.3.1 deprecates it). */
  status?: 200 | 202;
  /**
   * The most seconds granted, now and to each refresh (RFC 6665 §4.2.1.1:
   * the notifier may shorten, never lengthen); default: what the subscriber
   * asks. The 2xx's Expires and each NOTIFY's `expires` say what is left.
   */
  expires?: number;
  /** Headers added to the answer. */
  headers?: HeaderList;
}

/** Options of {@link IncomingSubscription.notify} (`eXosip_insubscription_build_notify` / `_send_request`). */
export interface NotifyOptions {
  /** The Subscription-State to announce; `'terminated'` ends the subscription once the NOTIFY is sent. */
  state: 'pending' | 'active' | 'terminated';
  /** With `'terminated'` only: its reason; default `'noresource'` (eXosip's default). */
  reason?: SubscriptionTerminationReason;
  /** The event package's state document (e.g. PIDF for `presence`). */
  body?: string | Buffer;
  /** Its Content-Type; required with a body unless given in `headers`. */
  contentType?: string;
  /** Headers added to the NOTIFY. */
  headers?: HeaderList;
  /**
   * Rejects with `ERR_REQUEST_TIMEOUT` after this many milliseconds from the
   * call (queued behind earlier NOTIFYs included) without a final answer;
   * default 40,000 (past eXosip's 32 s Timer F: no answer at all is
   * `ERR_REQUEST_NO_RESPONSE`). One that times out while queued is not sent
   * (but a terminated one, which still ends the subscription).
   */
  timeoutMs?: number;
  /** Rejects with `ABORT_ERR` when it aborts first; a NOTIFY already sent stays sent, one still queued is not (as timeoutMs). */
  signal?: AbortSignal;
}

/** How an {@link IncomingSubscription} ended, as its `'terminated'` event gives it. */
export interface IncomingSubscriptionEnd {
  /**
   * `'local'`: reject(), a terminated NOTIFY of ours, the subscription
   * expiring unrefreshed, remove(), the context closing; `'remote'`: the
   * subscriber unsubscribed (Expires: 0), or a NOTIFY failed (a final
   * non-2xx or no answer: eXosip then drops the subscription, jcallback.c:290-310).
   */
  readonly by: 'local' | 'remote';
  /**
   * The terminated NOTIFY's reason (`'timeout'` for an expiry),
   * `'unsubscribed'` (the subscriber's Expires: 0, whatever its final
   * NOTIFY said), `'rejected'`, `'removed'`, `'closed'`, a failed NOTIFY's
   * reason phrase (`'no answer'` without one), or `'gone'` when eXosip had
   * dropped the subscription already.
   */
  readonly reason: string;
  /** The status that failed a NOTIFY, or that reject() sent; else 0. */
  readonly statusCode: number;
}

/** The events of an {@link IncomingSubscription}. */
export interface IncomingSubscriptionEventMap {
  /** A refresh SUBSCRIBE in the dialog, answered 200 already: the subscription now lasts `expires` more seconds. */
  refresh: [expires: number, request: Message];
  /**
   * The subscriber unsubscribed (Expires: 0), answered 200 already. A
   * listener may send the final NOTIFY itself, with the final state, by
   * calling `notify({ state: 'terminated', ... })` before it returns;
   * otherwise the binding sends one without a body (reason `timeout`).
   */
  unsubscribe: [request: Message];
  /** The subscription ended; emitted exactly once. */
  terminated: [end: IncomingSubscriptionEnd];
}
