/**
 * eX_setup.h: a context's life (`eXosip_malloc`, `eXosip_init`,
 * `eXosip_quit`), its socket, options and lock.
 * @module
 */
import { inspect } from 'node:util';
import { Context } from '../context/context';
import type { ContextOptions } from '../context/types';
import { typeError } from '../errors';
import { contextInternals, kDeferInit, nativeOf } from '../internal/handles';
import { binding } from '../native';
import { type eXosip_stats, type eXosip_tls_ctx_t, optionKind, unknownField, valueFits } from '../options';
import { contextOf, int, nativeContext, str, strOrNull, UNSAFE_TEXT } from './args';
import { OSIP_BADPARAMETER } from './constants';
import { closeQueue, queueOf } from './event-queue';

export type { eXosip_stats, eXosip_tls_credentials_t, eXosip_tls_ctx_t } from '../options';

/** `struct eXosip_t *`: an eXosip context, the same object as a {@link Context}. */
export type eXosip_t = Context;

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
  const ctx = new Context({ [kDeferInit]: true } as ContextOptions);
  queueOf(ctx);
  return ctx;
}

/**
 * `int eXosip_init(struct eXosip_t *excontext)` → 0, or a negative code.
 * From here on the context keeps the process alive until {@link eXosip_quit}
 * (or `ctx.unref()`). `OSIP_WRONG_STATE` when already initialized.
 */
export function eXosip_init(ctx: eXosip_t): number {
  return contextInternals(contextOf(ctx, 'eXosip_init')).init();
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
  closeQueue(context);
  return context.close();
}

/**
 * `int eXosip_listen_addr(struct eXosip_t *excontext, int transport, const char *addr, int port, int family, int secure)`
 * → 0 or a negative code (`OSIP_WRONG_STATE` when already listening,
 * `OSIP_PORT_BUSY` when the port is taken, `OSIP_BADPARAMETER` for a port
 * outside 0..65535, which eXosip would cut to 16 bits: 70000 listened on
 * 4464). `addr` null listens on every address; port 0 picks a free port
 * (read it back with `ctx.address.port`).
 */
export function eXosip_listen_addr(ctx: eXosip_t, transport: number, addr: string | null, port: number, family: number, secure: number): number {
  const fn = 'eXosip_listen_addr';
  const context = contextOf(ctx, fn);
  const p = int(port, fn, 'port');
  if (p < 0 || p > 65535) return OSIP_BADPARAMETER;
  return contextInternals(context).listen(int(transport, fn, 'transport'), strOrNull(addr, fn, 'addr'), p, int(family, fn, 'family'), int(secure, fn, 'secure'))[0];
}

/** `void eXosip_set_user_agent(struct eXosip_t *excontext, const char *user_agent)`. */
export function eXosip_set_user_agent(ctx: eXosip_t, user_agent: string): void {
  const fn = 'eXosip_set_user_agent';
  const context = contextOf(ctx, fn);
  const ua = str(user_agent, fn, 'user_agent');
  if (UNSAFE_TEXT.test(ua)) throw typeError('ERR_INVALID_ARG_VALUE', `${fn}: user_agent must not contain NUL, CR or LF`);
  nativeOf(context).setUserAgent(ua);
}

/**
 * `int eXosip_set_option(struct eXosip_t *excontext, int opt, const void *value)`
 * → 0 or a negative code (`OSIP_BADPARAMETER` for an option number eXosip
 * does not know, as in C). Pass the value itself where C passes a pointer:
 * a number for `int`/`long` options, a string for `char *` ones, `[min, max]`
 * for `EXOSIP_OPT_SET_OC_PORT_RANGE`, `{ host, ip }` for the DNS cache ones,
 * an {@link eXosip_tls_ctx_t}-shaped object for
 * `EXOSIP_OPT_SET_TLS_CERTIFICATES_INFO` (eXosip copies it; absent fields
 * are C's zeroed memory), and for `EXOSIP_OPT_GET_STATISTICS` an object that
 * eXosip fills with the fields of {@link eXosip_stats}, as C fills the struct.
 * Throws `ERR_INVALID_ARG_TYPE` for a value of the wrong shape (C would
 * misread the pointer), for a string eXosip would cut (over its `char[1024]`)
 * and for a `client`/`server` with `cert` but no `priv_key` or the reverse
 * (eXosip 5.3 would return 0 and drop the whole struct:
 * `TLS_ERR_MISSING_AUTH_PART` is lost in `eXosip_set_option`); and
 * `ERR_INVALID_ARG_VALUE` for the options that take a C struct or callback
 * this binding does not pass, and for a struct field the C struct has no
 * member for (`root_ca` for `root_ca_cert`: C would not compile it).
 */
export function eXosip_set_option(ctx: eXosip_t, option: number, value: number | string | [number, number] | { host: string; ip: string } | eXosip_tls_ctx_t | eXosip_stats): number {
  const fn = 'eXosip_set_option';
  const context = contextOf(ctx, fn);
  const id = int(option, fn, 'opt');
  const kind = optionKind(id);
  if (kind === undefined) return OSIP_BADPARAMETER;
  if (kind === 'unsupported') throw typeError('ERR_INVALID_ARG_VALUE', `${fn}: option ${id} takes a C struct or callback this binding does not pass`);
  const unknown = unknownField(kind, value);
  if (unknown !== null) throw typeError('ERR_INVALID_ARG_VALUE', `${fn}: option ${id} has no field ${unknown.field} (eX_setup.h: ${unknown.fields.join(', ')})`);
  if (!valueFits(kind, value)) throw typeError('ERR_INVALID_ARG_TYPE', `${fn}: option ${id} takes a value of kind '${kind}', got ${inspect(value, { depth: 1, breakLength: Infinity })}`);
  if (kind === 'stats') {
    const [code, stats] = nativeOf(context).statistics();
    if (stats !== null) Object.assign(value as eXosip_stats, stats);
    return code;
  }
  return nativeOf(context).setOption(id, value as Exclude<typeof value, eXosip_stats>);
}

/**
 * `void eXosip_masquerade_contact(struct eXosip_t *excontext, const char *public_address, int port)`:
 * the address and port to put in Contact and Via (null to stop).
 */
export function eXosip_masquerade_contact(ctx: eXosip_t, public_address: string | null, port: number): void {
  const fn = 'eXosip_masquerade_contact';
  const context = contextOf(ctx, fn);
  nativeOf(context).masqueradeContact(strOrNull(public_address, fn, 'public_address'), int(port, fn, 'port'));
}

/**
 * `int eXosip_lock(struct eXosip_t *excontext)` → 0. Calls made until the
 * matching {@link eXosip_unlock} run under eXosip's lock. Nesting counts: the
 * lock is released by the last unlock. Never hold it across an `await`.
 */
export function eXosip_lock(ctx: eXosip_t): number {
  return nativeContext(ctx, 'eXosip_lock').lock();
}

/** `int eXosip_unlock(struct eXosip_t *excontext)` → 0, or `OSIP_WRONG_STATE` when JS does not hold the lock. */
export function eXosip_unlock(ctx: eXosip_t): number {
  return nativeContext(ctx, 'eXosip_unlock').unlock();
}

/**
 * `int eXosip_guess_localip(struct eXosip_t *excontext, int family, char *address, int size)`
 * → `[code, address]`: the local IP address (at most `size - 1`
 * characters) of the interface that routes towards
 * `EXOSIP_OPT_SET_IPV4_FOR_GATEWAY` (`AF_INET`; default 217.12.3.11) or
 * `EXOSIP_OPT_SET_IPV6_FOR_GATEWAY` (`AF_INET6`), found by connecting a UDP
 * socket there (nothing is sent), else the first interface `getifaddrs`
 * lists that is running and not loopback; a negative code (`OSIP_NO_NETWORK`,
 * or `OSIP_UNDEFINED_ERROR` from the interface scan) when neither works.
 * `OSIP_BADPARAMETER` for a `size` below 1 (C would overflow `address`).
 * The how-to uses it for the `c=` and `o=` lines of an SDP offer
 * (ht1-callcontrol.dox); on a host whose calls stay on loopback, set the
 * gateway option to `'127.0.0.1'` first.
 */
export function eXosip_guess_localip(ctx: eXosip_t, family: number, size: number): [code: number, address: string | null] {
  const fn = 'eXosip_guess_localip';
  const n = nativeContext(ctx, fn);
  return n.guessLocalIp(int(family, fn, 'family'), int(size, fn, 'size'));
}
