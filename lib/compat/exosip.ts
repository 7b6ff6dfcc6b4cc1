/**
 * eXosip.h: events (`eXosip_event_wait`), the automatic and default actions,
 * and credentials (`eXosip_add_authentication_info`, ...).
 * @module
 */
import type { AnyExosipEvent } from '../events';
import { stateError, typeError } from '../errors';
import { nativeOf } from '../internal/handles';
import * as v from '../internal/validate';
import { contextOf, int, messageOrNull, nativeContext, strOrNull } from './args';
import { OSIP_BADPARAMETER } from './constants';
import { closeQueue, queueOf } from './event-queue';
import type { eXosip_t } from './setup';
import { SIGNAL_OPTIONS } from '../internal/option-keys';

/**
 * `eXosip_event_t *`: the typed event the `Context` API emits. `typeId` is
 * C's `type`; `type` is its C name as a string.
 */
export type eXosip_event_t = AnyExosipEvent;

/** `eXosip_event_type_t`: the numeric event type (`event.typeId`). */
export type eXosip_event_type_t = number;

/**
 * `void eXosip_automatic_action(struct eXosip_t *excontext)`: refreshes due
 * registrations, retries challenged requests. The binding's worker thread
 * already runs it on every pass; calling it too, as C loops do, is harmless.
 */
export function eXosip_automatic_action(ctx: eXosip_t): void {
  nativeContext(ctx, 'eXosip_automatic_action').automaticAction();
}

/**
 * `int eXosip_default_action(struct eXosip_t *excontext, eXosip_event_t *je)`:
 * answers a 401/407 with credentials, follows a 3xx. Returns 1 when there was
 * nothing to do, `OSIP_BADPARAMETER` for an event without response (or null).
 */
export function eXosip_default_action(ctx: eXosip_t, je: eXosip_event_t | null): number {
  const fn = 'eXosip_default_action';
  const context = contextOf(ctx, fn);
  if (je === null || je === undefined) return OSIP_BADPARAMETER;
  if (typeof je !== 'object' || typeof je.typeId !== 'number') throw typeError('ERR_INVALID_ARG_TYPE', `${fn}: je must be an eXosip_event_t`);
  const response = messageOrNull(je.response, fn);
  const request = messageOrNull(je.request, fn);
  return nativeOf(context).defaultAction(je.typeId, je.rid, je.tid, je.did, je.cid, je.sid, je.nid, response, request);
}

/** The longest one `eXosip_event_wait` waits, in ms (Node's timer limit, 2^31 - 1). */
const MAX_WAIT_MS = 2_147_483_647;

/**
 * `eXosip_event_t *eXosip_event_wait(struct eXosip_t *excontext, int tv_s, int tv_ms)`
 * → a Promise of the next event (oldest first), or of `null` when none came
 * within `tv_s * 1000 + tv_ms` ms (with 0, 0: at once). Never blocks the JS
 * thread. Several waiting calls get events in the order they were made.
 * `options.signal` (not in C) ends the wait early: the promise rejects with
 * an `AbortError` (`code: 'ABORT_ERR'`) and no event is taken.
 *
 * The queue: a context from {@link eXosip_malloc} queues its events from the
 * start; a `new Context()` queues from its first `eXosip_event_wait` call
 * (earlier events went to `ctx.on('event')` only). The same event objects are
 * also emitted as `ctx.on('event')`. The queue holds at most
 * {@link COMPAT_EVENT_QUEUE_CAPACITY} events: when full, the oldest is
 * dropped and counted (see {@link compatEventQueueStats}), so a program that
 * never waits for events does not grow without bound.
 *
 * After {@link eXosip_quit} (or `ctx.close()`) the queue is emptied, waiting
 * calls resolve `null`, and later calls resolve `null` at once, in the next
 * turn of Node's event loop so that a loop that keeps calling still lets
 * timers run (C would read a freed context). A wait is at most
 * 2^31 - 1 ms (~24.8 days, Node's timer limit); a longer `tv_s` waits that long. End your loop before quitting, as in C: the other calls
 * throw `ERR_CONTEXT_CLOSED` on a closed context.
 *
 * Throws `ERR_LOCK_HELD` while JS holds {@link eXosip_lock}: eXosip cannot
 * produce events while the lock is held, so in C this call would wait
 * forever. Throws `ERR_CONTEXT_NOT_INITIALIZED` before {@link eXosip_init}.
 */
export function eXosip_event_wait(ctx: eXosip_t, tv_s: number, tv_ms: number, options?: { signal?: AbortSignal }): Promise<eXosip_event_t | null> {
  const fn = 'eXosip_event_wait';
  const context = contextOf(ctx, fn);
  // Node's timers hold at most 2^31 - 1 ms (~24.8 days): a longer wait is that long.
  const timeout = Math.min(MAX_WAIT_MS, Math.max(0, int(tv_s, fn, 'tv_s')) * 1000 + Math.max(0, int(tv_ms, fn, 'tv_ms')));
  const signal = v.abortSignal('options.signal', v.options<{ signal?: AbortSignal }>('options', options, SIGNAL_OPTIONS).signal);
  const n = nativeOf(context);
  if (context.closed || n.state === 'closed') {
    closeQueue(context);
    // At once, but never in the same turn of the event loop: a loop that
    // keeps waiting on a quit context must not starve the timers (such as
    // the one that would end the loop).
    return new Promise((resolve) => setImmediate(resolve, null));
  }
  if (n.state === 'allocated') {
    throw stateError('ERR_CONTEXT_NOT_INITIALIZED', `${fn}: eXosip_init has not succeeded on this context yet`);
  }
  if (n.lockDepth > 0) {
    throw stateError(
      'ERR_LOCK_HELD',
      `${fn} called while JS holds eXosip_lock (depth ${n.lockDepth}): eXosip needs the lock to produce events, ` +
        'so this would wait forever. Call eXosip_unlock first.',
    );
  }
  return queueOf(context).wait(timeout, signal);
}

/**
 * `void eXosip_event_free(eXosip_event_t *je)`: a no-op kept for line-by-line
 * ports. The event (and its messages) is freed by the garbage collector; it
 * may still be used after this call, e.g. by `ctx.on('event')` listeners.
 */
export function eXosip_event_free(je: eXosip_event_t | null): void {
  void je;
}

/**
 * `int eXosip_add_authentication_info(struct eXosip_t *excontext, const char *username, const char *userid, const char *passwd, const char *ha1, const char *realm)`
 * → 0 or a negative code. `username` is matched against the From user of a
 * challenged request, `userid` is the digest login. `OSIP_BADPARAMETER`, as
 * in C, when username or userid is null/empty or neither passwd nor ha1 is
 * given, and also (unlike C, which truncates silently) when a value is longer
 * than 49 bytes. `realm` null: any realm.
 */
export function eXosip_add_authentication_info(
  ctx: eXosip_t,
  username: string | null,
  userid: string | null,
  passwd: string | null,
  ha1: string | null,
  realm: string | null,
): number {
  const fn = 'eXosip_add_authentication_info';
  const context = contextOf(ctx, fn);
  const u = strOrNull(username, fn, 'username');
  const id = strOrNull(userid, fn, 'userid');
  const pw = strOrNull(passwd, fn, 'passwd');
  const h = strOrNull(ha1, fn, 'ha1');
  const r = strOrNull(realm, fn, 'realm');
  if (!u || !id || (!pw && !h)) return OSIP_BADPARAMETER;
  if ([u, id, pw, h, r].some((s) => s !== null && s.includes('\0'))) return OSIP_BADPARAMETER;
  return nativeOf(context).addAuthenticationInfo(u, id, pw ?? '', h || null, r || null);
}

/**
 * `int eXosip_remove_authentication_info(struct eXosip_t *excontext, const char *username, const char *realm)`
 * → 0, `OSIP_NOTFOUND` when no such entry, `OSIP_BADPARAMETER` for an empty
 * username. `realm` null matches the entry added without realm.
 */
export function eXosip_remove_authentication_info(ctx: eXosip_t, username: string | null, realm: string | null): number {
  const fn = 'eXosip_remove_authentication_info';
  const context = contextOf(ctx, fn);
  const u = strOrNull(username, fn, 'username');
  const r = strOrNull(realm, fn, 'realm');
  if (!u || u.includes('\0') || (r !== null && r.includes('\0'))) return OSIP_BADPARAMETER;
  return nativeOf(context).removeAuthenticationInfo(u, r ?? '');
}

/** `int eXosip_clear_authentication_info(struct eXosip_t *excontext)` → 0. */
export function eXosip_clear_authentication_info(ctx: eXosip_t): number {
  return nativeContext(ctx, 'eXosip_clear_authentication_info').clearAuthenticationInfo();
}
