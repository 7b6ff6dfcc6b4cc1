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
 * The porting guide, `docs/porting.md`, walks through eXosip's registration
 * how-to with both APIs.
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
import { inspect } from 'node:util';
import { Context } from './context';
import { abortError, stateError, typeError } from './errors';
import type { AnyExosipEvent } from './events';
import { Message, native, replaceNative, wrapMessage } from './message';
import { binding } from './native';
import { optionKind, valueFits } from './options';
import * as v from './validate';

// ---------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------

/** `struct eXosip_t *`: an eXosip context, the same object as a {@link Context}. */
export type eXosip_t = Context;

/** `osip_message_t *`: a SIP message, the same object as a {@link Message}. */
export type osip_message_t = Message;

/**
 * `eXosip_event_t *`: the typed event the `Context` API emits. `typeId` is
 * C's `type`; `type` is its C name as a string.
 */
export type eXosip_event_t = AnyExosipEvent;

/** `eXosip_event_type_t`: the numeric event type (`event.typeId`). */
export type eXosip_event_type_t = number;

/** `osip_header_t *`: a generic header, as `osip_message_header_get_byname` returns it. */
export interface osip_header_t {
  /** The header name, in lowercase. */
  readonly hname: string;
  /** The header value. */
  readonly hvalue: string;
}

// ---------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------

function lookup(table: Readonly<Record<string, number>>, what: string): (name: string) => number {
  return (name) => {
    const value = table[name];
    if (typeof value !== 'number') throw new Error(`exosip2/compat: the native addon has no ${what} ${name}`);
    return value;
  };
}
const c = lookup(binding.constants as unknown as Record<string, number>, 'constant');
const code = lookup(binding.osipCodes, 'OSIP code');
const ev = lookup(binding.eventTypes, 'event type');
const opt = lookup(binding.constants.options, 'option');

/** `IPPROTO_UDP` from `<netinet/in.h>`: first argument of {@link eXosip_listen_addr}. */
export const IPPROTO_UDP = c('IPPROTO_UDP');
/** `IPPROTO_TCP` from `<netinet/in.h>`. */
export const IPPROTO_TCP = c('IPPROTO_TCP');
/** `AF_INET` from `<sys/socket.h>`. */
export const AF_INET = c('AF_INET');
/** `AF_INET6` from `<sys/socket.h>`. */
export const AF_INET6 = c('AF_INET6');

/** `OSIP_SUCCESS` (0). */
export const OSIP_SUCCESS = code('OSIP_SUCCESS');
/** `OSIP_UNDEFINED_ERROR` (-1). */
export const OSIP_UNDEFINED_ERROR = code('OSIP_UNDEFINED_ERROR');
/** `OSIP_BADPARAMETER` (-2). */
export const OSIP_BADPARAMETER = code('OSIP_BADPARAMETER');
/** `OSIP_WRONG_STATE` (-3). */
export const OSIP_WRONG_STATE = code('OSIP_WRONG_STATE');
/** `OSIP_NOMEM` (-4). */
export const OSIP_NOMEM = code('OSIP_NOMEM');
/** `OSIP_SYNTAXERROR` (-5). */
export const OSIP_SYNTAXERROR = code('OSIP_SYNTAXERROR');
/** `OSIP_NOTFOUND` (-6). */
export const OSIP_NOTFOUND = code('OSIP_NOTFOUND');
/** `OSIP_API_NOT_INITIALIZED` (-7). */
export const OSIP_API_NOT_INITIALIZED = code('OSIP_API_NOT_INITIALIZED');
/** `OSIP_NO_NETWORK` (-10). */
export const OSIP_NO_NETWORK = code('OSIP_NO_NETWORK');
/** `OSIP_PORT_BUSY` (-11). */
export const OSIP_PORT_BUSY = code('OSIP_PORT_BUSY');
/** `OSIP_UNKNOWN_HOST` (-12). */
export const OSIP_UNKNOWN_HOST = code('OSIP_UNKNOWN_HOST');
/** `OSIP_DISK_FULL` (-30). */
export const OSIP_DISK_FULL = code('OSIP_DISK_FULL');
/** `OSIP_NO_RIGHTS` (-31). */
export const OSIP_NO_RIGHTS = code('OSIP_NO_RIGHTS');
/** `OSIP_FILE_NOT_EXIST` (-32). */
export const OSIP_FILE_NOT_EXIST = code('OSIP_FILE_NOT_EXIST');
/** `OSIP_TIMEOUT` (-50). */
export const OSIP_TIMEOUT = code('OSIP_TIMEOUT');
/** `OSIP_TOOMUCHCALL` (-51). */
export const OSIP_TOOMUCHCALL = code('OSIP_TOOMUCHCALL');
/** `OSIP_WRONG_FORMAT` (-52). */
export const OSIP_WRONG_FORMAT = code('OSIP_WRONG_FORMAT');
/** `OSIP_NOCOMMONCODEC` (-53). */
export const OSIP_NOCOMMONCODEC = code('OSIP_NOCOMMONCODEC');
/** `OSIP_RETRY_LIMIT` (-60). */
export const OSIP_RETRY_LIMIT = code('OSIP_RETRY_LIMIT');

/** Event type: a REGISTER got a 2xx. */
export const EXOSIP_REGISTRATION_SUCCESS = ev('EXOSIP_REGISTRATION_SUCCESS');
/** Event type: a REGISTER got a failure (401/407 included, before eXosip retries) or no answer. */
export const EXOSIP_REGISTRATION_FAILURE = ev('EXOSIP_REGISTRATION_FAILURE');
/** Event type (calls are not wrapped by this binding yet). */
export const EXOSIP_CALL_INVITE = ev('EXOSIP_CALL_INVITE');
/** Event type. */
export const EXOSIP_CALL_REINVITE = ev('EXOSIP_CALL_REINVITE');
/** Event type. */
export const EXOSIP_CALL_NOANSWER = ev('EXOSIP_CALL_NOANSWER');
/** Event type. */
export const EXOSIP_CALL_PROCEEDING = ev('EXOSIP_CALL_PROCEEDING');
/** Event type. */
export const EXOSIP_CALL_RINGING = ev('EXOSIP_CALL_RINGING');
/** Event type. */
export const EXOSIP_CALL_ANSWERED = ev('EXOSIP_CALL_ANSWERED');
/** Event type. */
export const EXOSIP_CALL_REDIRECTED = ev('EXOSIP_CALL_REDIRECTED');
/** Event type. */
export const EXOSIP_CALL_REQUESTFAILURE = ev('EXOSIP_CALL_REQUESTFAILURE');
/** Event type. */
export const EXOSIP_CALL_SERVERFAILURE = ev('EXOSIP_CALL_SERVERFAILURE');
/** Event type. */
export const EXOSIP_CALL_GLOBALFAILURE = ev('EXOSIP_CALL_GLOBALFAILURE');
/** Event type. */
export const EXOSIP_CALL_ACK = ev('EXOSIP_CALL_ACK');
/** Event type. */
export const EXOSIP_CALL_CANCELLED = ev('EXOSIP_CALL_CANCELLED');
/** Event type. */
export const EXOSIP_CALL_MESSAGE_NEW = ev('EXOSIP_CALL_MESSAGE_NEW');
/** Event type. */
export const EXOSIP_CALL_MESSAGE_PROCEEDING = ev('EXOSIP_CALL_MESSAGE_PROCEEDING');
/** Event type. */
export const EXOSIP_CALL_MESSAGE_ANSWERED = ev('EXOSIP_CALL_MESSAGE_ANSWERED');
/** Event type. */
export const EXOSIP_CALL_MESSAGE_REDIRECTED = ev('EXOSIP_CALL_MESSAGE_REDIRECTED');
/** Event type. */
export const EXOSIP_CALL_MESSAGE_REQUESTFAILURE = ev('EXOSIP_CALL_MESSAGE_REQUESTFAILURE');
/** Event type. */
export const EXOSIP_CALL_MESSAGE_SERVERFAILURE = ev('EXOSIP_CALL_MESSAGE_SERVERFAILURE');
/** Event type. */
export const EXOSIP_CALL_MESSAGE_GLOBALFAILURE = ev('EXOSIP_CALL_MESSAGE_GLOBALFAILURE');
/** Event type. */
export const EXOSIP_CALL_CLOSED = ev('EXOSIP_CALL_CLOSED');
/** Event type. */
export const EXOSIP_CALL_RELEASED = ev('EXOSIP_CALL_RELEASED');
/** Event type. */
export const EXOSIP_MESSAGE_NEW = ev('EXOSIP_MESSAGE_NEW');
/** Event type. */
export const EXOSIP_MESSAGE_PROCEEDING = ev('EXOSIP_MESSAGE_PROCEEDING');
/** Event type. */
export const EXOSIP_MESSAGE_ANSWERED = ev('EXOSIP_MESSAGE_ANSWERED');
/** Event type. */
export const EXOSIP_MESSAGE_REDIRECTED = ev('EXOSIP_MESSAGE_REDIRECTED');
/** Event type. */
export const EXOSIP_MESSAGE_REQUESTFAILURE = ev('EXOSIP_MESSAGE_REQUESTFAILURE');
/** Event type. */
export const EXOSIP_MESSAGE_SERVERFAILURE = ev('EXOSIP_MESSAGE_SERVERFAILURE');
/** Event type. */
export const EXOSIP_MESSAGE_GLOBALFAILURE = ev('EXOSIP_MESSAGE_GLOBALFAILURE');
/** Event type. */
export const EXOSIP_SUBSCRIPTION_NOANSWER = ev('EXOSIP_SUBSCRIPTION_NOANSWER');
/** Event type. */
export const EXOSIP_SUBSCRIPTION_PROCEEDING = ev('EXOSIP_SUBSCRIPTION_PROCEEDING');
/** Event type. */
export const EXOSIP_SUBSCRIPTION_ANSWERED = ev('EXOSIP_SUBSCRIPTION_ANSWERED');
/** Event type. */
export const EXOSIP_SUBSCRIPTION_REDIRECTED = ev('EXOSIP_SUBSCRIPTION_REDIRECTED');
/** Event type. */
export const EXOSIP_SUBSCRIPTION_REQUESTFAILURE = ev('EXOSIP_SUBSCRIPTION_REQUESTFAILURE');
/** Event type. */
export const EXOSIP_SUBSCRIPTION_SERVERFAILURE = ev('EXOSIP_SUBSCRIPTION_SERVERFAILURE');
/** Event type. */
export const EXOSIP_SUBSCRIPTION_GLOBALFAILURE = ev('EXOSIP_SUBSCRIPTION_GLOBALFAILURE');
/** Event type. */
export const EXOSIP_SUBSCRIPTION_NOTIFY = ev('EXOSIP_SUBSCRIPTION_NOTIFY');
/** Event type. */
export const EXOSIP_IN_SUBSCRIPTION_NEW = ev('EXOSIP_IN_SUBSCRIPTION_NEW');
/** Event type. */
export const EXOSIP_NOTIFICATION_NOANSWER = ev('EXOSIP_NOTIFICATION_NOANSWER');
/** Event type. */
export const EXOSIP_NOTIFICATION_PROCEEDING = ev('EXOSIP_NOTIFICATION_PROCEEDING');
/** Event type. */
export const EXOSIP_NOTIFICATION_ANSWERED = ev('EXOSIP_NOTIFICATION_ANSWERED');
/** Event type. */
export const EXOSIP_NOTIFICATION_REDIRECTED = ev('EXOSIP_NOTIFICATION_REDIRECTED');
/** Event type. */
export const EXOSIP_NOTIFICATION_REQUESTFAILURE = ev('EXOSIP_NOTIFICATION_REQUESTFAILURE');
/** Event type. */
export const EXOSIP_NOTIFICATION_SERVERFAILURE = ev('EXOSIP_NOTIFICATION_SERVERFAILURE');
/** Event type. */
export const EXOSIP_NOTIFICATION_GLOBALFAILURE = ev('EXOSIP_NOTIFICATION_GLOBALFAILURE');

/** Option (int): keep-alive interval in ms for UDP (0 disables). */
export const EXOSIP_OPT_UDP_KEEP_ALIVE = opt('EXOSIP_OPT_UDP_KEEP_ALIVE');
/** Option (int): learn the public address from `received`/`rport` and use it in Contact. */
export const EXOSIP_OPT_AUTO_MASQUERADE_CONTACT = opt('EXOSIP_OPT_AUTO_MASQUERADE_CONTACT');
/** Option (int): the older name of {@link EXOSIP_OPT_AUTO_MASQUERADE_CONTACT} (same value). */
export const EXOSIP_OPT_UDP_LEARN_PORT = opt('EXOSIP_OPT_UDP_LEARN_PORT');
/** Option (int): add `rport` to Via. */
export const EXOSIP_OPT_USE_RPORT = opt('EXOSIP_OPT_USE_RPORT');
/** Option (string). */
export const EXOSIP_OPT_SET_IPV4_FOR_GATEWAY = opt('EXOSIP_OPT_SET_IPV4_FOR_GATEWAY');
/** Option (`{ host, ip }`). */
export const EXOSIP_OPT_ADD_DNS_CACHE = opt('EXOSIP_OPT_ADD_DNS_CACHE');
/** Option (`{ host, ip }`). */
export const EXOSIP_OPT_DELETE_DNS_CACHE = opt('EXOSIP_OPT_DELETE_DNS_CACHE');
/** Option (string). */
export const EXOSIP_OPT_SET_IPV6_FOR_GATEWAY = opt('EXOSIP_OPT_SET_IPV6_FOR_GATEWAY');
/** Option (C struct: not passed by this binding; throws). */
export const EXOSIP_OPT_ADD_ACCOUNT_INFO = opt('EXOSIP_OPT_ADD_ACCOUNT_INFO');
/** Option (int). */
export const EXOSIP_OPT_DNS_CAPABILITIES = opt('EXOSIP_OPT_DNS_CAPABILITIES');
/** Option (int). */
export const EXOSIP_OPT_SET_DSCP = opt('EXOSIP_OPT_SET_DSCP');
/** Option (int). */
export const EXOSIP_OPT_REGISTER_WITH_DATE = opt('EXOSIP_OPT_REGISTER_WITH_DATE');
/** Option (string). */
export const EXOSIP_OPT_SET_HEADER_USER_AGENT = opt('EXOSIP_OPT_SET_HEADER_USER_AGENT');
/** Option (int). */
export const EXOSIP_OPT_ENABLE_DNS_CACHE = opt('EXOSIP_OPT_ENABLE_DNS_CACHE');
/** Option (int). */
export const EXOSIP_OPT_ENABLE_AUTOANSWERBYE = opt('EXOSIP_OPT_ENABLE_AUTOANSWERBYE');
/** Option (int). */
export const EXOSIP_OPT_ENABLE_IPV6 = opt('EXOSIP_OPT_ENABLE_IPV6');
/** Option (int). */
export const EXOSIP_OPT_ENABLE_REUSE_TCP_PORT = opt('EXOSIP_OPT_ENABLE_REUSE_TCP_PORT');
/** Option (int). */
export const EXOSIP_OPT_ENABLE_USE_EPHEMERAL_PORT = opt('EXOSIP_OPT_ENABLE_USE_EPHEMERAL_PORT');
/** Option (C callback: not passed by this binding; throws). */
export const EXOSIP_OPT_SET_CALLBACK_WAKELOCK = opt('EXOSIP_OPT_SET_CALLBACK_WAKELOCK');
/** Option (int). */
export const EXOSIP_OPT_ENABLE_OUTBOUND = opt('EXOSIP_OPT_ENABLE_OUTBOUND');
/** Option (string). */
export const EXOSIP_OPT_SET_OC_LOCAL_ADDRESS = opt('EXOSIP_OPT_SET_OC_LOCAL_ADDRESS');
/** Option (`[min, max]`). */
export const EXOSIP_OPT_SET_OC_PORT_RANGE = opt('EXOSIP_OPT_SET_OC_PORT_RANGE');
/** Option (int). */
export const EXOSIP_OPT_REMOVE_PREROUTESET = opt('EXOSIP_OPT_REMOVE_PREROUTESET');
/** Option (string). */
export const EXOSIP_OPT_SET_SIP_INSTANCE = opt('EXOSIP_OPT_SET_SIP_INSTANCE');
/** Option (int). */
export const EXOSIP_OPT_SET_MAX_MESSAGE_TO_READ = opt('EXOSIP_OPT_SET_MAX_MESSAGE_TO_READ');
/** Option (long). */
export const EXOSIP_OPT_SET_MAX_READ_TIMEOUT = opt('EXOSIP_OPT_SET_MAX_READ_TIMEOUT');
/** Option (string). */
export const EXOSIP_OPT_SET_DEFAULT_CONTACT_DISPLAYNAME = opt('EXOSIP_OPT_SET_DEFAULT_CONTACT_DISPLAYNAME');
/** Option (int). */
export const EXOSIP_OPT_SET_SESSIONTIMERS_FORCE = opt('EXOSIP_OPT_SET_SESSIONTIMERS_FORCE');
/** Option (int). */
export const EXOSIP_OPT_FORCE_CONNECTIONREUSE = opt('EXOSIP_OPT_FORCE_CONNECTIONREUSE');
/** Option (string). */
export const EXOSIP_OPT_SET_CONTACT_DIALOG_EXTRA_PARAMS = opt('EXOSIP_OPT_SET_CONTACT_DIALOG_EXTRA_PARAMS');
/** Option (int). */
export const EXOSIP_OPT_SET_TLS_VERIFY_CERTIFICATE = opt('EXOSIP_OPT_SET_TLS_VERIFY_CERTIFICATE');
/** Option (C struct: not passed by this binding; throws). */
export const EXOSIP_OPT_SET_TLS_CERTIFICATES_INFO = opt('EXOSIP_OPT_SET_TLS_CERTIFICATES_INFO');
/** Option (string). */
export const EXOSIP_OPT_SET_TLS_CLIENT_CERTIFICATE_NAME = opt('EXOSIP_OPT_SET_TLS_CLIENT_CERTIFICATE_NAME');
/** Option (string). */
export const EXOSIP_OPT_SET_TLS_SERVER_CERTIFICATE_NAME = opt('EXOSIP_OPT_SET_TLS_SERVER_CERTIFICATE_NAME');
/** Option (int). */
export const EXOSIP_OPT_KEEP_ALIVE_OPTIONS_METHOD = opt('EXOSIP_OPT_KEEP_ALIVE_OPTIONS_METHOD');
/** Option (C struct: not passed by this binding; throws). */
export const EXOSIP_OPT_SET_TSC_SERVER = opt('EXOSIP_OPT_SET_TSC_SERVER');
/** Option (C struct out-parameter: not passed by this binding; throws). */
export const EXOSIP_OPT_GET_STATISTICS = opt('EXOSIP_OPT_GET_STATISTICS');

// ---------------------------------------------------------------------------
// Argument checks (misuse C would crash on)
// ---------------------------------------------------------------------------

function contextOf(ctx: unknown, fn: string): Context {
  if (!(ctx instanceof Context)) throw typeError('ERR_INVALID_ARG_TYPE', `${fn}: ctx must be an eXosip_t from eXosip_malloc() (or a Context)`);
  return ctx;
}

function str(value: unknown, fn: string, name: string): string {
  if (typeof value !== 'string') throw typeError('ERR_INVALID_ARG_TYPE', `${fn}: ${name} must be a string`);
  return value;
}

function strOrNull(value: unknown, fn: string, name: string): string | null {
  if (value === null || value === undefined) return null;
  return str(value, fn, name);
}

function int(value: unknown, fn: string, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw typeError('ERR_INVALID_ARG_TYPE', `${fn}: ${name} must be an integer`);
  return value;
}

/** The native handle of a message, or null for `null` (C's NULL). */
function messageOrNull(msg: unknown, fn: string): ReturnType<typeof native> | null {
  if (msg === null || msg === undefined) return null;
  if (!(msg instanceof Message)) throw typeError('ERR_INVALID_ARG_TYPE', `${fn}: the message must be an osip_message_t (a Message) or null`);
  return native(msg);
}

/** Values no C string in a SIP message may hold. */
const UNSAFE_TEXT = /[\0\r\n]/;

// ---------------------------------------------------------------------------
// The event queue behind eXosip_event_wait
// ---------------------------------------------------------------------------

/** How many events a context queues for {@link eXosip_event_wait} before it drops the oldest. */
export const COMPAT_EVENT_QUEUE_CAPACITY = 10_000;

/** What {@link compatEventQueueStats} reports. */
export interface CompatEventQueueStats {
  /** Events queued, not yet returned by `eXosip_event_wait`. */
  readonly queued: number;
  /** Events dropped because the queue was full (oldest first), since the queue was created. */
  readonly dropped: number;
  /** {@link COMPAT_EVENT_QUEUE_CAPACITY}. */
  readonly capacity: number;
  /** `eXosip_event_wait` calls waiting for an event. */
  readonly waiting: number;
}

interface Waiter {
  resolve(event: eXosip_event_t | null): void;
  timer: NodeJS.Timeout | null;
}

class EventQueue {
  #events: Array<eXosip_event_t | undefined> = [];
  #head = 0;
  #waiters: Waiter[] = [];
  #dropped = 0;
  #closed = false;

  constructor(ctx: Context) {
    ctx.on('event', (event) => this.push(event));
    ctx.once('close', () => this.close());
  }

  get closed(): boolean {
    return this.#closed;
  }

  get stats(): CompatEventQueueStats {
    return Object.freeze({
      queued: this.#events.length - this.#head,
      dropped: this.#dropped,
      capacity: COMPAT_EVENT_QUEUE_CAPACITY,
      waiting: this.#waiters.length,
    });
  }

  push(event: eXosip_event_t): void {
    if (this.#closed) return;
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      if (waiter.timer !== null) clearTimeout(waiter.timer);
      waiter.resolve(event);
      return;
    }
    this.#events.push(event);
    if (this.#events.length - this.#head > COMPAT_EVENT_QUEUE_CAPACITY) {
      this.#events[this.#head++] = undefined;
      this.#dropped += 1;
    }
    this.#compact();
  }

  take(): eXosip_event_t | null {
    if (this.#head >= this.#events.length) return null;
    const event = this.#events[this.#head]!;
    this.#events[this.#head++] = undefined;
    this.#compact();
    return event;
  }

  wait(timeoutMs: number, signal?: AbortSignal): Promise<eXosip_event_t | null> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const event = this.take();
    if (event !== null || this.#closed || timeoutMs <= 0) return Promise.resolve(event);
    return new Promise((resolve, reject) => {
      const leave = (): void => {
        const at = this.#waiters.indexOf(waiter);
        if (at >= 0) this.#waiters.splice(at, 1);
        if (waiter.timer !== null) clearTimeout(waiter.timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        leave();
        reject(abortError(signal!));
      };
      const waiter: Waiter = {
        resolve: (ev) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(ev);
        },
        timer: null,
      };
      waiter.timer = setTimeout(() => {
        leave();
        resolve(null);
      }, timeoutMs);
      this.#waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#events = [];
    this.#head = 0;
    for (const waiter of this.#waiters.splice(0)) {
      if (waiter.timer !== null) clearTimeout(waiter.timer);
      waiter.resolve(null);
    }
  }

  #compact(): void {
    if (this.#head === this.#events.length) {
      this.#events = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#events.length) {
      this.#events = this.#events.slice(this.#head);
      this.#head = 0;
    }
  }
}

const queues = new WeakMap<Context, EventQueue>();

function queueOf(ctx: Context): EventQueue {
  let queue = queues.get(ctx);
  if (queue === undefined) {
    queue = new EventQueue(ctx);
    queues.set(ctx, queue);
  }
  return queue;
}

/**
 * The state of a context's compat event queue (not a C function): how many
 * events wait for {@link eXosip_event_wait}, and how many were dropped
 * because nobody read them. All zeros for a context that has no queue yet.
 */
export function compatEventQueueStats(ctx: eXosip_t): CompatEventQueueStats {
  const queue = queues.get(contextOf(ctx, 'compatEventQueueStats'));
  return queue?.stats ?? Object.freeze({ queued: 0, dropped: 0, capacity: COMPAT_EVENT_QUEUE_CAPACITY, waiting: 0 });
}

// ---------------------------------------------------------------------------
// Context
// ---------------------------------------------------------------------------

/** `const char *eXosip_get_version(void)`: e.g. `'5.3.0'`. */
export function eXosip_get_version(): string {
  return binding.exosipVersion;
}

/**
 * `struct eXosip_t *eXosip_malloc(void)`: a context, not yet initialized.
 * Call {@link eXosip_init} before anything else. Its events are queued for
 * {@link eXosip_event_wait} from the start.
 */
export function eXosip_malloc(): eXosip_t {
  const ctx = Context._allocate();
  queueOf(ctx);
  return ctx;
}

/**
 * `int eXosip_init(struct eXosip_t *excontext)` → 0, or a negative code.
 * From here on the context keeps the process alive until {@link eXosip_quit}
 * (or `ctx.unref()`). `OSIP_WRONG_STATE` when already initialized.
 */
export function eXosip_init(ctx: eXosip_t): number {
  return contextOf(ctx, 'eXosip_init')._init();
}

/**
 * `void eXosip_quit(struct eXosip_t *excontext)`: closes the context (sockets,
 * registrations, the worker thread); nothing more is sent. Pending
 * `eXosip_event_wait` calls resolve `null`, and so do later ones. Returns the
 * Promise of `ctx.close()`: `await eXosip_quit(ctx)` waits until the context
 * is gone. Quitting twice does nothing.
 */
export function eXosip_quit(ctx: eXosip_t): Promise<void> {
  const context = contextOf(ctx, 'eXosip_quit');
  queues.get(context)?.close();
  return context.close();
}

/**
 * `int eXosip_listen_addr(struct eXosip_t *excontext, int transport, const char *addr, int port, int family, int secure)`
 * → 0 or a negative code (`OSIP_WRONG_STATE` when already listening,
 * `OSIP_PORT_BUSY` when the port is taken). `addr` null listens on every
 * address; port 0 picks a free port (read it back with `ctx.address.port`).
 */
export function eXosip_listen_addr(ctx: eXosip_t, transport: number, addr: string | null, port: number, family: number, secure: number): number {
  const fn = 'eXosip_listen_addr';
  const context = contextOf(ctx, fn);
  return context._listen(int(transport, fn, 'transport'), strOrNull(addr, fn, 'addr'), int(port, fn, 'port'), int(family, fn, 'family'), int(secure, fn, 'secure'))[0];
}

/** `void eXosip_set_user_agent(struct eXosip_t *excontext, const char *user_agent)`. */
export function eXosip_set_user_agent(ctx: eXosip_t, user_agent: string): void {
  const fn = 'eXosip_set_user_agent';
  const context = contextOf(ctx, fn);
  const ua = str(user_agent, fn, 'user_agent');
  if (UNSAFE_TEXT.test(ua)) throw typeError('ERR_INVALID_ARG_VALUE', `${fn}: user_agent must not contain NUL, CR or LF`);
  context._native.setUserAgent(ua);
}

/**
 * `int eXosip_set_option(struct eXosip_t *excontext, int opt, const void *value)`
 * → 0 or a negative code (`OSIP_BADPARAMETER` for an option number eXosip
 * does not know, as in C). Pass the value itself where C passes a pointer:
 * a number for `int`/`long` options, a string for `char *` ones, `[min, max]`
 * for `EXOSIP_OPT_SET_OC_PORT_RANGE`, `{ host, ip }` for the DNS cache ones.
 * Throws `ERR_INVALID_ARG_TYPE` for a value of the wrong shape (C would
 * misread the pointer) and `ERR_INVALID_ARG_VALUE` for the options that take a
 * C struct or callback this binding does not pass.
 */
export function eXosip_set_option(ctx: eXosip_t, option: number, value: number | string | [number, number] | { host: string; ip: string }): number {
  const fn = 'eXosip_set_option';
  const context = contextOf(ctx, fn);
  const id = int(option, fn, 'opt');
  const kind = optionKind(id);
  if (kind === undefined) return OSIP_BADPARAMETER;
  if (kind === 'unsupported') throw typeError('ERR_INVALID_ARG_VALUE', `${fn}: option ${id} takes a C struct or callback this binding does not pass`);
  if (!valueFits(kind, value)) throw typeError('ERR_INVALID_ARG_TYPE', `${fn}: option ${id} takes a value of kind '${kind}', got ${inspect(value, { depth: 1, breakLength: Infinity })}`);
  return context._native.setOption(id, value);
}

/**
 * `void eXosip_masquerade_contact(struct eXosip_t *excontext, const char *public_address, int port)`:
 * the address and port to put in Contact and Via (null to stop).
 */
export function eXosip_masquerade_contact(ctx: eXosip_t, public_address: string | null, port: number): void {
  const fn = 'eXosip_masquerade_contact';
  const context = contextOf(ctx, fn);
  context._native.masqueradeContact(strOrNull(public_address, fn, 'public_address'), int(port, fn, 'port'));
}

/**
 * `int eXosip_lock(struct eXosip_t *excontext)` → 0. Calls made until the
 * matching {@link eXosip_unlock} run under eXosip's lock. Nesting counts: the
 * lock is released by the last unlock. Never hold it across an `await`.
 */
export function eXosip_lock(ctx: eXosip_t): number {
  return contextOf(ctx, 'eXosip_lock')._native.lock();
}

/** `int eXosip_unlock(struct eXosip_t *excontext)` → 0, or `OSIP_WRONG_STATE` when JS does not hold the lock. */
export function eXosip_unlock(ctx: eXosip_t): number {
  return contextOf(ctx, 'eXosip_unlock')._native.unlock();
}

/**
 * `void eXosip_automatic_action(struct eXosip_t *excontext)`: refreshes due
 * registrations, retries challenged requests. The binding's worker thread
 * already runs it on every pass; calling it too, as C loops do, is harmless.
 */
export function eXosip_automatic_action(ctx: eXosip_t): void {
  contextOf(ctx, 'eXosip_automatic_action')._native.automaticAction();
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
  return context._native.defaultAction(je.typeId, je.rid, je.tid, je.did, je.cid, je.sid, je.nid, response);
}

// ---------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------

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
 * calls resolve `null`, and later calls resolve `null` at once (C would read
 * a freed context). End your loop before quitting, as in C: the other calls
 * throw `ERR_CONTEXT_CLOSED` on a closed context.
 *
 * Throws `ERR_LOCK_HELD` while JS holds {@link eXosip_lock}: eXosip cannot
 * produce events while the lock is held, so in C this call would wait
 * forever. Throws `ERR_CONTEXT_NOT_INITIALIZED` before {@link eXosip_init}.
 */
export function eXosip_event_wait(ctx: eXosip_t, tv_s: number, tv_ms: number, options?: { signal?: AbortSignal }): Promise<eXosip_event_t | null> {
  const fn = 'eXosip_event_wait';
  const context = contextOf(ctx, fn);
  const timeout = Math.max(0, int(tv_s, fn, 'tv_s')) * 1000 + Math.max(0, int(tv_ms, fn, 'tv_ms'));
  const signal = v.abortSignal('options.signal', v.options<{ signal?: AbortSignal }>('options', options).signal);
  const n = context._native;
  if (context.closed || n.state === 'closed') {
    queues.get(context)?.close();
    return Promise.resolve(null);
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

// ---------------------------------------------------------------------------
// Registrations
// ---------------------------------------------------------------------------

/**
 * `int eXosip_register_build_initial_register(struct eXosip_t *excontext, const char *from, const char *proxy, const char *contact, int expires, osip_message_t **reg)`
 * → `[rid, reg]`: the registration id (> 0) and the REGISTER to send, or a
 * negative code and `null`. `contact` null lets eXosip manage it (advised);
 * `'*'` with expires 0 asks the registrar to remove every binding. `from` or
 * `proxy` null → `OSIP_BADPARAMETER`. Unlike C, a `proxy` whose host is an IP
 * literal of the other family than the address the context listens on is
 * `OSIP_BADPARAMETER` too: eXosip could never send to it, and leaked memory
 * on every try (docs/reliability.md).
 */
export function eXosip_register_build_initial_register(
  ctx: eXosip_t,
  from: string | null,
  proxy: string | null,
  contact: string | null,
  expires: number,
): [rid: number, reg: osip_message_t | null] {
  const fn = 'eXosip_register_build_initial_register';
  const context = contextOf(ctx, fn);
  const f = strOrNull(from, fn, 'from');
  const p = strOrNull(proxy, fn, 'proxy');
  const ct = strOrNull(contact, fn, 'contact');
  const e = int(expires, fn, 'expires');
  if (f === null || p === null) return [OSIP_BADPARAMETER, null];
  if (UNSAFE_TEXT.test(f) || UNSAFE_TEXT.test(p) || (ct !== null && UNSAFE_TEXT.test(ct))) return [OSIP_BADPARAMETER, null];
  const family = v.uriHostFamily(p);
  if (family !== 0 && context.address !== null && family !== context.address.family) return [OSIP_BADPARAMETER, null];
  const [rid, handle] = context._native.registerBuildInitialRegister(f, p, ct, e);
  return [rid, wrapMessage(handle)];
}

/**
 * `int eXosip_register_build_register(struct eXosip_t *excontext, int rid, int expires, osip_message_t **reg)`
 * → `[code, reg]`: a REGISTER refreshing registration `rid` (expires 0
 * removes it at the registrar). `OSIP_NOTFOUND` for an unknown rid,
 * `OSIP_WRONG_STATE` while a REGISTER of that rid is in flight,
 * `OSIP_BADPARAMETER` for rid <= 0.
 */
export function eXosip_register_build_register(ctx: eXosip_t, rid: number, expires: number): [code: number, reg: osip_message_t | null] {
  const fn = 'eXosip_register_build_register';
  const context = contextOf(ctx, fn);
  const [result, handle] = context._native.registerBuildRegister(int(rid, fn, 'rid'), int(expires, fn, 'expires'));
  return [result, wrapMessage(handle)];
}

/**
 * `int eXosip_register_send_register(struct eXosip_t *excontext, int rid, osip_message_t *reg)`
 * → 0 or a negative code. The message belongs to eXosip from this call on,
 * whatever the result (as in C, where it is freed on failure): using it again
 * throws `ERR_MESSAGE_SPENT`. `reg` null lets eXosip build the REGISTER.
 * `OSIP_WRONG_STATE` while a REGISTER of that rid is in flight. A response
 * given as `reg` throws `ERR_INVALID_ARG_VALUE` and stays yours (libeXosip2
 * would crash on it).
 */
export function eXosip_register_send_register(ctx: eXosip_t, rid: number, reg: osip_message_t | null): number {
  const fn = 'eXosip_register_send_register';
  const context = contextOf(ctx, fn);
  const r = int(rid, fn, 'rid');
  const message = messageOrNull(reg, fn);
  // libeXosip2 builds a client transaction from whatever it is given: a
  // response (no Request-URI) crashes it in osip_transaction_init.
  if (message !== null && message.state === 'owned' && message.statusCode !== 0) {
    throw typeError('ERR_INVALID_ARG_VALUE', `${fn}: reg must be a request (the REGISTER from eXosip_register_build_*), not a ${message.statusCode} response`);
  }
  return context._native.registerSendRegister(r, message);
}

/**
 * `int eXosip_register_remove(struct eXosip_t *excontext, int rid)` → 0 or a
 * negative code: forgets registration `rid` locally, nothing is sent.
 * Removing a rid made by `ctx.register()` leaves that Registration object
 * unusable: use `registration.remove()` for those.
 */
export function eXosip_register_remove(ctx: eXosip_t, rid: number): number {
  const fn = 'eXosip_register_remove';
  return contextOf(ctx, fn)._native.registerRemove(int(rid, fn, 'rid'));
}

// ---------------------------------------------------------------------------
// Credentials
// ---------------------------------------------------------------------------

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
  return context._native.addAuthenticationInfo(u, id, pw ?? '', h || null, r || null);
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
  return context._native.removeAuthenticationInfo(u, r ?? '');
}

/** `int eXosip_clear_authentication_info(struct eXosip_t *excontext)` → 0. */
export function eXosip_clear_authentication_info(ctx: eXosip_t): number {
  return contextOf(ctx, 'eXosip_clear_authentication_info')._native.clearAuthenticationInfo();
}

// ---------------------------------------------------------------------------
// osip_message_*
// ---------------------------------------------------------------------------

/**
 * `int osip_message_init(osip_message_t **sip)` → `[0, message]`: an empty
 * message (neither request nor response yet).
 */
export function osip_message_init(): [code: number, sip: osip_message_t] {
  return [OSIP_SUCCESS, new Message(new binding.NativeMessage())];
}

/**
 * `int osip_message_parse(osip_message_t *sip, const char *buf, size_t length)`
 * → 0, or the negative code libosip2 returns for text it rejects (e.g.
 * `OSIP_SYNTAXERROR`). Parses the first `length` bytes of `buf` (a string
 * counts as its UTF-8 bytes) into `sip`, a message from
 * {@link osip_message_init}:
 *
 * ```ts
 * const [, sip] = osip_message_init();
 * if (osip_message_parse(sip, raw, Buffer.byteLength(raw)) !== 0) osip_message_free(sip);
 * ```
 *
 * As in C, parse into a fresh message; one difference: whatever `sip` held
 * before is freed and replaced on success (C would leak it and mix the two),
 * and on failure `sip` is left as it was (C leaves it half filled; free it
 * either way). `OSIP_BADPARAMETER` for a null `sip` or `buf`, or a `length`
 * outside 0..the byte length of `buf` (C would read past the buffer). A spent
 * or freed `sip` throws, as in every other call.
 */
export function osip_message_parse(sip: osip_message_t | null, buf: string | Uint8Array | null, length: number): number {
  const fn = 'osip_message_parse';
  const handle = messageOrNull(sip, fn);
  if (buf !== null && buf !== undefined && typeof buf !== 'string' && !(buf instanceof Uint8Array)) {
    throw typeError('ERR_INVALID_ARG_TYPE', `${fn}: buf must be a string, a Buffer (Uint8Array) or null`);
  }
  const n = int(length, fn, 'length');
  if (handle === null || buf === null || buf === undefined) return OSIP_BADPARAMETER;
  if (handle.state === 'spent') {
    throw stateError('ERR_MESSAGE_SPENT', `${fn}: this message was handed to eXosip (sent) and belongs to it now`);
  }
  if (handle.state === 'disposed') {
    throw stateError('ERR_MESSAGE_DISPOSED', `${fn}: this message was freed`);
  }
  const bytes = typeof buf === 'string' ? Buffer.from(buf, 'utf8') : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (n < 0 || n > bytes.length) return OSIP_BADPARAMETER;
  const [result, parsed] = binding.NativeMessage.parse(bytes.subarray(0, n));
  if (result !== OSIP_SUCCESS || parsed === null) return result < 0 ? result : OSIP_SYNTAXERROR;
  replaceNative(sip!, parsed);
  return OSIP_SUCCESS;
}

/**
 * `void osip_message_free(osip_message_t *sip)`: frees a message you own now
 * (else the garbage collector does). null does nothing. Throws
 * `ERR_MESSAGE_SPENT` for a message handed to eXosip and
 * `ERR_MESSAGE_DISPOSED` for one already freed (a double free in C).
 */
export function osip_message_free(sip: osip_message_t | null): void {
  const handle = messageOrNull(sip, 'osip_message_free');
  if (handle === null) return;
  if (handle.state === 'spent') {
    throw stateError('ERR_MESSAGE_SPENT', 'osip_message_free: this message was handed to eXosip (sent) and belongs to it now');
  }
  if (handle.state === 'disposed') {
    throw stateError('ERR_MESSAGE_DISPOSED', 'osip_message_free: this message was already freed');
  }
  handle.dispose();
}

/**
 * `int osip_message_clone(const osip_message_t *sip, osip_message_t **dest)`
 * → `[0, copy]`, owned by you; `[OSIP_BADPARAMETER, null]` for null.
 */
export function osip_message_clone(sip: osip_message_t | null): [code: number, dest: osip_message_t | null] {
  const handle = messageOrNull(sip, 'osip_message_clone');
  if (handle === null) return [OSIP_BADPARAMETER, null];
  return [OSIP_SUCCESS, new Message(handle.clone())];
}

/**
 * `int osip_message_to_str(osip_message_t *sip, char **dest, size_t *message_length)`
 * → `[0, text, length in bytes]`, or `[code, null, 0]` when the message is
 * incomplete (e.g. `OSIP_BADPARAMETER` for an empty message) or null.
 */
export function osip_message_to_str(sip: osip_message_t | null): [code: number, dest: string | null, message_length: number] {
  const handle = messageOrNull(sip, 'osip_message_to_str');
  if (handle === null) return [OSIP_BADPARAMETER, null, 0];
  try {
    const text = handle.toString();
    return [OSIP_SUCCESS, text, Buffer.byteLength(text, 'utf8')];
  } catch (error) {
    const name = (error as { code?: unknown }).code;
    const value = typeof name === 'string' ? binding.osipCodes[name] : undefined;
    if (value === undefined) throw error;
    return [value, null, 0];
  }
}

/**
 * `int osip_message_set_header(osip_message_t *sip, const char *hname, const char *hvalue)`
 * → 0 or a negative code: appends a header to the message's generic header
 * list, as C does (headers osip parses, such as Contact or Via, are not
 * meant for this call: use the typed setters in C, the `Message` API here).
 * `OSIP_BADPARAMETER` for a null message, an empty name, or a name or value
 * with CR, LF or NUL.
 */
export function osip_message_set_header(sip: osip_message_t | null, hname: string, hvalue: string): number {
  const fn = 'osip_message_set_header';
  const handle = messageOrNull(sip, fn);
  const name = str(hname, fn, 'hname');
  const value = str(hvalue, fn, 'hvalue');
  if (handle === null || name === '' || UNSAFE_TEXT.test(name) || UNSAFE_TEXT.test(value)) return OSIP_BADPARAMETER;
  return handle.setGenericHeader(name, value);
}

/**
 * `int osip_message_replace_header(osip_message_t *sip, const char *hname, const char *hvalue)`
 * → 0 or a negative code: as libosip2 does, removes the first generic header
 * of that name (if any) and appends the new one at the end. Same refusals as
 * {@link osip_message_set_header}.
 */
export function osip_message_replace_header(sip: osip_message_t | null, hname: string, hvalue: string): number {
  const fn = 'osip_message_replace_header';
  const handle = messageOrNull(sip, fn);
  const name = str(hname, fn, 'hname');
  const value = str(hvalue, fn, 'hvalue');
  if (handle === null || name === '' || UNSAFE_TEXT.test(name) || UNSAFE_TEXT.test(value)) return OSIP_BADPARAMETER;
  return handle.replaceGenericHeader(name, value);
}

/**
 * `int osip_message_header_get_byname(const osip_message_t *sip, const char *hname, int pos, osip_header_t **dest)`
 * → `[index, header]` for the first generic header named `hname`
 * (case-insensitive) at or after `pos`, else `[OSIP_UNDEFINED_ERROR, null]`,
 * as in C. One difference: `pos` and the index count only the headers of that
 * name (C counts every generic header), so the C idioms `if (i >= 0)`,
 * `if (dest != NULL)` and `for (pos = 0; (pos = get(..., pos, &h)) >= 0; pos++)`
 * port unchanged.
 */
export function osip_message_header_get_byname(sip: osip_message_t | null, hname: string, pos: number): [index: number, dest: osip_header_t | null] {
  const fn = 'osip_message_header_get_byname';
  const handle = messageOrNull(sip, fn);
  const name = str(hname, fn, 'hname');
  const at = int(pos, fn, 'pos');
  if (handle === null) return [OSIP_BADPARAMETER, null];
  const values = handle.getHeaders(name);
  const index = Math.max(0, at);
  if (index >= values.length) return [OSIP_UNDEFINED_ERROR, null];
  return [index, Object.freeze({ hname: name.toLowerCase(), hvalue: values[index] })];
}

/** `int osip_message_set_supported(osip_message_t *sip, const char *hvalue)`: C's macro for `osip_message_set_header(sip, "Supported", hvalue)`. */
export function osip_message_set_supported(sip: osip_message_t | null, hvalue: string): number {
  return osip_message_set_header(sip, 'Supported', hvalue);
}

/** `int osip_message_get_supported(const osip_message_t *sip, int pos, osip_header_t **dest)` → `[index, header]`; see {@link osip_message_header_get_byname}. */
export function osip_message_get_supported(sip: osip_message_t | null, pos: number): [index: number, dest: osip_header_t | null] {
  return osip_message_header_get_byname(sip, 'supported', pos);
}

/**
 * `int osip_message_set_expires(osip_message_t *sip, const char *hvalue)`:
 * C's macro for `osip_message_set_header(sip, "Expires", hvalue)`. Like C,
 * it appends: a REGISTER eXosip built already has an Expires header, so
 * change that one with {@link osip_message_replace_header} (or pass the
 * expiry to the build call).
 */
export function osip_message_set_expires(sip: osip_message_t | null, hvalue: string): number {
  return osip_message_set_header(sip, 'Expires', hvalue);
}

/**
 * `int osip_message_get_expires(const osip_message_t *sip, int pos, osip_header_t **dest)`
 * → `[index, header]`, e.g. `[0, { hname: 'expires', hvalue: '1800' }]`, or
 * `[OSIP_UNDEFINED_ERROR, null]`; see {@link osip_message_header_get_byname}.
 */
export function osip_message_get_expires(sip: osip_message_t | null, pos: number): [index: number, dest: osip_header_t | null] {
  return osip_message_header_get_byname(sip, 'expires', pos);
}
