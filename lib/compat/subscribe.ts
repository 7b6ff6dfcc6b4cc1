/**
 * eX_subscribe.h: subscriptions (RFC 6665; a REFER's implicit one, RFC
 * 3515). Outgoing: `eXosip_subscription_build_initial_subscribe` /
 * `_build_initial_refer`, `_send_initial_request` (→ sid), refresh and
 * remove; their answers and NOTIFYs come as `EXOSIP_SUBSCRIPTION_*` events
 * (`event.sid`, `event.did`; eXosip answers each NOTIFY 200 itself, 400 when
 * it has no Subscription-State). Incoming: the SUBSCRIBE (or REFER) of an
 * `EXOSIP_IN_SUBSCRIPTION_NEW` event is answered with
 * `eXosip_insubscription_build_answer`/`_send_answer` (`event.tid`; the
 * context's default answer is 405 when nobody answers within
 * `defaultAnswerMs`), then NOTIFYs go with `_build_notify`/`_send_request`
 * inside its dialog (`event.did`); their answers come as
 * `EXOSIP_NOTIFICATION_*` events (`event.nid`).
 *
 * Unlike C, a request eXosip could not send (a target, Route or dialog
 * remote target that is not a `sip:`/`sips:` URI with a host: C crashes on
 * it) gives `OSIP_BADPARAMETER`, as in eX_message.h.
 * @module
 */
import { wrapMessage } from '../message';
import { int, nativeContext, sendAnswer, sendRequest, str, strOrNull, UNSAFE_TEXT, unsafeUri, unsendableTarget } from './args';
import { OSIP_BADPARAMETER } from './constants';
import type { osip_message_t } from './osip-message';
import type { eXosip_t } from './setup';

/**
 * `int eXosip_insubscription_build_answer(struct eXosip_t *excontext, int tid, int status, osip_message_t **answer)`
 * → `[code, answer]`; `OSIP_BADPARAMETER` for tid <= 0 or a status outside
 * 101..699, `OSIP_NOTFOUND` for a tid of no incoming subscription.
 */
export function eXosip_insubscription_build_answer(ctx: eXosip_t, tid: number, status: number): [code: number, answer: osip_message_t | null] {
  const fn = 'eXosip_insubscription_build_answer';
  const [code, handle] = nativeContext(ctx, fn).insubscriptionBuildAnswer(int(tid, fn, 'tid'), int(status, fn, 'status'));
  return [code, wrapMessage(handle)];
}

/**
 * `int eXosip_insubscription_send_answer(struct eXosip_t *excontext, int tid, int status, osip_message_t *answer)`
 * → 0 or a negative code; the answer is spent whatever the result. `answer`
 * null lets eXosip build a 1xx or 3xx-6xx.
 */
export function eXosip_insubscription_send_answer(ctx: eXosip_t, tid: number, status: number, answer: osip_message_t | null): number {
  return sendAnswer(ctx, 'eXosip_insubscription_send_answer', tid, status, answer, (n, t, s, a) => n.insubscriptionSendAnswer(t, s, a));
}

/** Checks `to`, `from` and `route` of an initial request as eX_message.h does: `OSIP_BADPARAMETER` or null. */
function badTarget(ctx: eXosip_t, fn: string, to: unknown, from: unknown, route: unknown): [number, null] | null {
  const values = [str(to, fn, 'to'), str(from, fn, 'from'), strOrNull(route, fn, 'route')];
  if (values.some((x) => x !== null && unsafeUri(x)) || values[0] === '' || values[1] === '') return [OSIP_BADPARAMETER, null];
  return unsendableTarget(ctx, fn, values[0]!, values[2]) ? [OSIP_BADPARAMETER, null] : null;
}

/**
 * `int eXosip_subscription_build_initial_subscribe(struct eXosip_t *excontext, osip_message_t **subscribe, const char *to, const char *from, const char *route, const char *event, int expires)`
 * → `[code, subscribe]`: a SUBSCRIBE for `event` (`presence`, `message-summary`, ...)
 * lasting `expires` seconds, yours until sent. `OSIP_BADPARAMETER` as for
 * `eXosip_message_build_request` (empty, CR/LF/NUL, a target eXosip cannot
 * send to), and for an empty `event` or one with CR, LF or NUL.
 */
export function eXosip_subscription_build_initial_subscribe(
  ctx: eXosip_t,
  to: string,
  from: string,
  route: string | null,
  event: string,
  expires: number,
): [code: number, subscribe: osip_message_t | null] {
  const fn = 'eXosip_subscription_build_initial_subscribe';
  const n = nativeContext(ctx, fn);
  const bad = badTarget(ctx, fn, to, from, route);
  if (bad !== null) return bad;
  const e = str(event, fn, 'event');
  if (e === '' || UNSAFE_TEXT.test(e)) return [OSIP_BADPARAMETER, null];
  const [code, handle] = n.subscriptionBuildInitialSubscribe(to, from, route || null, e, int(expires, fn, 'expires'));
  return [code, wrapMessage(handle)];
}

/**
 * `int eXosip_subscription_build_initial_refer(struct eXosip_t *excontext, osip_message_t **refer, const char *to, const char *from, const char *route, const char *refer_to)`
 * → `[code, refer]`: a REFER outside of a dialog (RFC 3515) asking the peer to
 * contact `refer_to`; its implicit subscription reports progress in NOTIFYs
 * (`EXOSIP_SUBSCRIPTION_NOTIFY`). `OSIP_BADPARAMETER` as for the SUBSCRIBE,
 * and for a `refer_to` with CR, LF or NUL.
 */
export function eXosip_subscription_build_initial_refer(ctx: eXosip_t, to: string, from: string, route: string | null, refer_to: string): [code: number, refer: osip_message_t | null] {
  const fn = 'eXosip_subscription_build_initial_refer';
  const n = nativeContext(ctx, fn);
  const bad = badTarget(ctx, fn, to, from, route);
  if (bad !== null) return bad;
  const target = str(refer_to, fn, 'refer_to');
  if (target === '' || unsafeUri(target)) return [OSIP_BADPARAMETER, null];
  const [code, handle] = n.subscriptionBuildInitialRefer(to, from, route || null, target);
  return [code, wrapMessage(handle)];
}

/**
 * `int eXosip_subscription_send_initial_request(struct eXosip_t *excontext, osip_message_t *subscribe)`
 * → the subscription id (sid, > 0) or a negative code; the request is
 * eXosip's whatever the result. A 401/407 comes as
 * `EXOSIP_SUBSCRIPTION_REQUESTFAILURE`: `eXosip_default_action(ctx, event)`
 * answers it as in C. eXosip refreshes the subscription itself before it
 * expires (`eXosip_automatic_action`).
 */
export function eXosip_subscription_send_initial_request(ctx: eXosip_t, subscribe: osip_message_t): number {
  return sendRequest(ctx, 'eXosip_subscription_send_initial_request', subscribe, (n, m) => n.subscriptionSendInitialRequest(m));
}

/**
 * `int eXosip_subscription_build_refresh_request(struct eXosip_t *excontext, int did, osip_message_t **sub)`
 * → `[code, subscribe]` inside the subscription's dialog `did` (from its
 * events); set `Expires: 0` on it to unsubscribe (RFC 6665 §4.1.2.3).
 * `OSIP_NOTFOUND` for a did of no subscription, `OSIP_WRONG_STATE` while a
 * SUBSCRIBE of it is still pending.
 */
export function eXosip_subscription_build_refresh_request(ctx: eXosip_t, did: number): [code: number, subscribe: osip_message_t | null] {
  const fn = 'eXosip_subscription_build_refresh_request';
  const [code, handle] = nativeContext(ctx, fn).subscriptionBuildRefreshRequest(int(did, fn, 'did'));
  return [code, wrapMessage(handle)];
}

/**
 * `int eXosip_subscription_send_refresh_request(struct eXosip_t *excontext, int did, osip_message_t *sub)`
 * → 0 or a negative code; the request is spent whatever the result.
 */
export function eXosip_subscription_send_refresh_request(ctx: eXosip_t, did: number, sub: osip_message_t): number {
  const fn = 'eXosip_subscription_send_refresh_request';
  const d = int(did, fn, 'did');
  return sendRequest(ctx, fn, sub, (n, m) => n.subscriptionSendRefreshRequest(d, m));
}

/**
 * `int eXosip_subscription_remove(struct eXosip_t *excontext, int did)` → 0
 * or a negative code: eXosip forgets the subscription without sending
 * anything (unsubscribe first with a refresh of `Expires: 0`).
 */
export function eXosip_subscription_remove(ctx: eXosip_t, did: number): number {
  const fn = 'eXosip_subscription_remove';
  return nativeContext(ctx, fn).subscriptionRemove(int(did, fn, 'did'));
}

/**
 * `int eXosip_insubscription_build_notify(struct eXosip_t *excontext, int did, int subscription_status, int subscription_reason, osip_message_t **request)`
 * → `[code, notify]` inside the incoming subscription's dialog `did` (after
 * a 2xx to its SUBSCRIBE): Subscription-State from `subscription_status`
 * (`EXOSIP_SUBCRSTATE_PENDING`/`_ACTIVE`, with the time left; `_TERMINATED`
 * with `subscription_reason`: `DEACTIVATED`, `TIMEOUT`, ...). Add the body
 * (e.g. `application/pidf+xml`) before sending it.
 */
export function eXosip_insubscription_build_notify(ctx: eXosip_t, did: number, subscription_status: number, subscription_reason: number): [code: number, notify: osip_message_t | null] {
  const fn = 'eXosip_insubscription_build_notify';
  const [code, handle] = nativeContext(ctx, fn).insubscriptionBuildNotify(int(did, fn, 'did'), int(subscription_status, fn, 'subscription_status'), int(subscription_reason, fn, 'subscription_reason'));
  return [code, wrapMessage(handle)];
}

/**
 * `int eXosip_insubscription_build_request(struct eXosip_t *excontext, int did, const char *method, osip_message_t **request)`
 * → `[code, request]` of `method` inside the incoming subscription's dialog
 * `did`. `OSIP_BADPARAMETER` for an empty method or one with CR, LF or NUL.
 */
export function eXosip_insubscription_build_request(ctx: eXosip_t, did: number, method: string): [code: number, request: osip_message_t | null] {
  const fn = 'eXosip_insubscription_build_request';
  const n = nativeContext(ctx, fn);
  const m = str(method, fn, 'method');
  if (m === '' || UNSAFE_TEXT.test(m)) return [OSIP_BADPARAMETER, null];
  const [code, handle] = n.insubscriptionBuildRequest(int(did, fn, 'did'), m);
  return [code, wrapMessage(handle)];
}

/**
 * `int eXosip_insubscription_send_request(struct eXosip_t *excontext, int did, osip_message_t *request)`
 * → 0 or a negative code; the request is spent whatever the result. Its
 * answer comes as an `EXOSIP_NOTIFICATION_*` event.
 */
export function eXosip_insubscription_send_request(ctx: eXosip_t, did: number, request: osip_message_t): number {
  const fn = 'eXosip_insubscription_send_request';
  const d = int(did, fn, 'did');
  return sendRequest(ctx, fn, request, (n, m) => n.insubscriptionSendRequest(d, m));
}

/**
 * `int eXosip_insubscription_remove(struct eXosip_t *excontext, int did)` →
 * 0 or a negative code: eXosip forgets the incoming subscription without
 * sending anything (send a terminated NOTIFY first).
 */
export function eXosip_insubscription_remove(ctx: eXosip_t, did: number): number {
  const fn = 'eXosip_insubscription_remove';
  return nativeContext(ctx, fn).insubscriptionRemove(int(did, fn, 'did'));
}
