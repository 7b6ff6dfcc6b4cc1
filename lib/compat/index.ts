/**
 * `exosip2/compat`: libeXosip2's C API under its C names, for porting C code
 * line for line.
 *
 * ```ts
 * import { eXosip_malloc, eXosip_init, eXosip_listen_addr, eXosip_lock, eXosip_unlock,
 *   eXosip_register_build_initial_register, eXosip_register_send_register,
 *   osip_message_set_supported, IPPROTO_UDP, AF_INET } from 'exosip2/compat';
 *
 * function start(): number {
 *   const ctx = eXosip_malloc();
 *   if (eXosip_init(ctx)) return -1;
 *   if (eXosip_listen_addr(ctx, IPPROTO_UDP, null, 5060, AF_INET, 0)) return -1;
 *   eXosip_lock(ctx);
 *   const [rid, reg] = eXosip_register_build_initial_register(ctx, 'sip:me@example.com', 'sip:example.com', null, 1800);
 *   if (rid < 0) {
 *     eXosip_unlock(ctx);
 *     return -1;
 *   }
 *   osip_message_set_supported(reg, '100rel');
 *   const i = eXosip_register_send_register(ctx, rid, reg);
 *   eXosip_unlock(ctx);
 *   return i;
 * }
 * ```
 *
 * The porting guide, `docs/porting.md`, lists the guides that walk through
 * eXosip's how-tos with both APIs (`docs/porting/initialize.md`,
 * `docs/porting/callcontrol.md`, `docs/porting/registration.md`).
 *
 * ## Conventions (kept by every function of this module)
 *
 * 1. **Names and values are C's.** Functions carry their C names and take
 *    their C arguments in C order; `NULL` is `null`. Constants (`IPPROTO_UDP`,
 *    `AF_INET`, every `EXOSIP_*` event type, every `EXOSIP_OPT_*`, every
 *    `OSIP_*` code) have the values of the C headers the addon was built
 *    against.
 * 2. **Out-parameters become tuple elements.** The C return value comes first,
 *    then each out-parameter in order:
 *    `rid = eXosip_register_build_initial_register(ctx, from, proxy, NULL, 1800, &reg)`
 *    becomes `const [rid, reg] = eXosip_register_build_initial_register(ctx, from, proxy, null, 1800)`.
 *    An out-parameter C leaves `NULL` is `null`.
 * 3. **Failures are return codes, not exceptions.** A function returns the
 *    same negative code C returns (`OSIP_NOTFOUND`, `OSIP_WRONG_STATE`, ...),
 *    so a ported `if (rid < 0)` branch stays as it is.
 * 4. **Only misuse that C would crash on throws**: a spent message (sent, so
 *    owned by eXosip: `ERR_MESSAGE_SPENT`), a freed one (`ERR_MESSAGE_DISPOSED`),
 *    a freed `sdp_message_t`, or a struct read from one (`sdp_media_t`,
 *    `sdp_connection_t`, ...) used after its free (`ERR_SDP_FREED`),
 *    a context used before `eXosip_init` (`ERR_CONTEXT_NOT_INITIALIZED`) or
 *    after `eXosip_quit` (`ERR_CONTEXT_CLOSED`), an argument of the wrong type
 *    (`ERR_INVALID_ARG_TYPE`, including an `eXosip_set_option` value of the
 *    wrong shape, which C would misread), an option that takes a C struct this
 *    binding does not pass or a User-Agent with CR/LF (`ERR_INVALID_ARG_VALUE`),
 *    and `eXosip_event_wait` while this thread holds `eXosip_lock`
 *    (`ERR_LOCK_HELD`: in C, a deadlock).
 * 5. **Waiting is asynchronous.** `eXosip_event_wait(ctx, s, ms)` returns a
 *    Promise of the next event, or of `null` after `s * 1000 + ms` ms; it never
 *    blocks the JS thread. Ported loops read `await eXosip_event_wait(...)`.
 * 6. **Locking is C's, minus the deadlocks.** Calls made between
 *    `eXosip_lock(ctx)` and `eXosip_unlock(ctx)` run under eXosip's lock; calls
 *    made without it are safe too (the binding takes the lock for each call).
 *    Nesting from JS only counts. Do not hold the lock across an `await`: the
 *    stack (its network thread, and the worker that produces events) waits
 *    for it.
 * 7. **One context, two APIs.** `eXosip_t` *is* a {@link Context}: what
 *    `eXosip_malloc()` returns works with `ctx.register()`, `ctx.on('event')`,
 *    `await ctx.close()`, and a `new Context()` can be passed to every
 *    function here.
 *
 * ## Differences from C you will meet when porting
 *
 * - `event->type` is `event.typeId` (a number to compare with
 *   `EXOSIP_REGISTRATION_SUCCESS`, ...); `event.type` holds the C name as a
 *   string, handy for logs.
 * - Memory is the garbage collector's. `eXosip_event_free` is a no-op;
 *   `osip_free(ctx)` after `eXosip_quit` has no equivalent (drop the line).
 *   `eXosip_quit` starts closing and returns a Promise: `await` it to know the
 *   context is gone.
 * - `eXosip_set_option` takes the value, not a pointer to it:
 *   `eXosip_set_option(ctx, EXOSIP_OPT_UDP_KEEP_ALIVE, 25000)`. Options that
 *   take a C struct the binding does not pass (`EXOSIP_OPT_GET_STATISTICS`,
 *   `EXOSIP_OPT_ADD_ACCOUNT_INFO`, ...) throw.
 * - Credentials longer than 49 bytes: `eXosip_add_authentication_info`
 *   returns `OSIP_BADPARAMETER` where C would truncate them silently.
 * - Header values containing CR, LF or NUL are refused with
 *   `OSIP_BADPARAMETER` (C would inject them into the message).
 * - The event queue is bounded: see {@link eXosip_event_wait}.
 *
 * @module
 */

// Named by the module comment's links.
import type { Context } from '../context/context';

// One file per C header. The files re-exported whole export public names
// only; args.ts and the queue's internals stay inside lib/.
export * from './constants';
export * from './setup';
export * from './exosip';
export * from './register';
export * from './message';
export * from './options';
export * from './call';
export { eXosip_call_get_reference, eXosip_call_set_reference } from './call-reference';
export * from './subscribe';
export * from './publish';
export * from './osip-message';
export {
  sdp_attribute_t,
  sdp_bandwidth_t,
  sdp_connection_t,
  type sdp_key_t,
  sdp_media_t,
  sdp_message_clone,
  sdp_message_endof_media,
  sdp_message_free,
  sdp_message_init,
  sdp_message_parse,
  sdp_message_t,
  sdp_message_to_str,
} from './sdp';
export * from './sdp-get';
export * from './exosip-sdp';
export { COMPAT_EVENT_QUEUE_CAPACITY, type CompatEventQueueStats, compatEventQueueStats } from './event-queue';
