/**
 * eX_options.h: OPTIONS outside of a dialog (`eXosip_options_*`), sent (its
 * outcome comes as `EXOSIP_MESSAGE_*` events) or answered (an OPTIONS of an
 * `EXOSIP_MESSAGE_NEW` event).
 * @module
 */
import { wrapMessage } from '../message';
import { int, nativeContext, sendAnswer, sendRequest, str, strOrNull, unsafeUri, unsendableTarget } from './args';
import { OSIP_BADPARAMETER } from './constants';
import type { osip_message_t } from './osip-message';
import type { eXosip_t } from './setup';

/**
 * `int eXosip_options_build_request(struct eXosip_t *excontext, osip_message_t **options, const char *to, const char *from, const char *route)`
 * → `[code, options]`. `OSIP_BADPARAMETER` for an empty `to` or `from`, or
 * CR/LF/NUL in any value, also percent-escaped (`%0D`, `%0A`, `%00`, or a `%` without two hex digits: eXosip
 * unescapes a To URI's headers into the request); `route` null or `''`: none. Unlike C,
 * `OSIP_BADPARAMETER` too for a request that would go (`route` when given,
 * else `to`) to a URI that is not `sip:`/`sips:` with a host (C crashes
 * sending it) or to an IP literal of the other family.
 */
export function eXosip_options_build_request(ctx: eXosip_t, to: string, from: string, route: string | null): [code: number, options: osip_message_t | null] {
  const fn = 'eXosip_options_build_request';
  const n = nativeContext(ctx, fn);
  const values = [str(to, fn, 'to'), str(from, fn, 'from'), strOrNull(route, fn, 'route')];
  if (values.some((x) => x !== null && unsafeUri(x)) || values.slice(0, 2).includes('')) return [OSIP_BADPARAMETER, null];
  if (unsendableTarget(ctx, fn, values[0]!, values[2])) return [OSIP_BADPARAMETER, null];
  const [code, handle] = n.optionsBuildRequest(values[0]!, values[1]!, values[2]);
  return [code, wrapMessage(handle)];
}

/**
 * `int eXosip_options_send_request(struct eXosip_t *excontext, osip_message_t *options)`
 * → the transaction id (> 0) or a negative code; the message is spent whatever the result.
 */
export function eXosip_options_send_request(ctx: eXosip_t, options: osip_message_t): number {
  return sendRequest(ctx, 'eXosip_options_send_request', options, (n, m) => n.optionsSendRequest(m));
}

/**
 * `int eXosip_options_build_answer(struct eXosip_t *excontext, int tid, int status, osip_message_t **answer)`
 * → `[code, answer]`; `OSIP_BADPARAMETER` for tid <= 0 or a status outside
 * 200..699, `OSIP_NOTFOUND` for an unknown tid.
 */
export function eXosip_options_build_answer(ctx: eXosip_t, tid: number, status: number): [code: number, answer: osip_message_t | null] {
  const fn = 'eXosip_options_build_answer';
  const [code, handle] = nativeContext(ctx, fn).optionsBuildAnswer(int(tid, fn, 'tid'), int(status, fn, 'status'));
  return [code, wrapMessage(handle)];
}

/**
 * `int eXosip_options_send_answer(struct eXosip_t *excontext, int tid, int status, osip_message_t *answer)`
 * → 0 or a negative code; the answer is spent whatever the result (see
 * `eXosip_message_send_answer`).
 */
export function eXosip_options_send_answer(ctx: eXosip_t, tid: number, status: number, answer: osip_message_t | null): number {
  return sendAnswer(ctx, 'eXosip_options_send_answer', tid, status, answer, (n, t, s, a) => n.optionsSendAnswer(t, s, a));
}
