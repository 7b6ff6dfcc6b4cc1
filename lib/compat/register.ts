/**
 * eX_register.h: registrations by rid (`eXosip_register_*`).
 * @module
 */
import { typeError } from '../errors';
import { nativeOf } from '../internal/handles';
import * as v from '../internal/validate';
import { wrapMessage } from '../message';
import { contextOf, int, messageOrNull, nativeContext, strOrNull, unsafeUri } from './args';
import { OSIP_BADPARAMETER } from './constants';
import type { osip_message_t } from './osip-message';
import type { eXosip_t } from './setup';

/**
 * `int eXosip_register_build_initial_register(struct eXosip_t *excontext, const char *from, const char *proxy, const char *contact, int expires, osip_message_t **reg)`
 * → `[rid, reg]`: the registration id (> 0) and the REGISTER to send, or a
 * negative code and `null`. `contact` null lets eXosip manage it (advised);
 * `'*'` with expires 0 asks the registrar to remove every binding. `from` or
 * `proxy` null → `OSIP_BADPARAMETER`, as is CR, LF or NUL in any of them, also
 * percent-escaped (`%0D`, `%0A`, `%00`, or a `%` without two hex digits: eXosip unescapes the From URI's
 * headers into the REGISTER; C would inject them). Unlike C, a `proxy` whose host is an IP
 * literal of the other family than the address the context listens on is
 * `OSIP_BADPARAMETER` too: eXosip could never send to it, and leaked memory
 * on every try (docs/reliability.md); so is a `proxy` that is not a
 * `sip:`/`sips:` URI with a host (`tel:+1234`: C crashes sending to it).
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
  if (unsafeUri(f) || unsafeUri(p) || (ct !== null && unsafeUri(ct))) return [OSIP_BADPARAMETER, null];
  const family = v.uriHostFamily(p);
  if (family !== 0 && context.address !== null && family !== context.address.family) return [OSIP_BADPARAMETER, null];
  const [rid, handle] = nativeOf(context).registerBuildInitialRegister(f, p, ct, e);
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
  const n = nativeContext(ctx, fn);
  const [result, handle] = n.registerBuildRegister(int(rid, fn, 'rid'), int(expires, fn, 'expires'));
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
  const n = nativeContext(ctx, fn);
  const r = int(rid, fn, 'rid');
  const message = messageOrNull(reg, fn);
  // libeXosip2 builds a client transaction from whatever it is given: a
  // response (no Request-URI) crashes it in osip_transaction_init.
  if (message !== null && message.state === 'owned' && message.statusCode !== 0) {
    throw typeError('ERR_INVALID_ARG_VALUE', `${fn}: reg must be a request (the REGISTER from eXosip_register_build_*), not a ${message.statusCode} response`);
  }
  return n.registerSendRegister(r, message);
}

/**
 * `int eXosip_register_remove(struct eXosip_t *excontext, int rid)` → 0 or a
 * negative code: forgets registration `rid` locally, nothing is sent.
 * Removing a rid made by `ctx.register()` leaves that Registration object
 * unusable: use `registration.remove()` for those.
 */
export function eXosip_register_remove(ctx: eXosip_t, rid: number): number {
  const fn = 'eXosip_register_remove';
  return nativeContext(ctx, fn).registerRemove(int(rid, fn, 'rid'));
}
