/**
 * eX_message.h: requests outside of a dialog (`eXosip_message_*`): sending
 * one (MESSAGE, INFO, NOTIFY, ...) and answering one of an
 * `EXOSIP_MESSAGE_NEW` event. Their outcome comes as
 * `EXOSIP_MESSAGE_PROCEEDING/ANSWERED/REDIRECTED/REQUESTFAILURE/SERVERFAILURE/GLOBALFAILURE`
 * events (`event.tid` is the tid the send returned).
 * @module
 */
import { wrapMessage } from '../message';
import { int, nativeContext, sendAnswer, sendRequest, str, strOrNull, unsafeUri, unsendableTarget } from './args';
import { OSIP_BADPARAMETER } from './constants';
import type { osip_message_t } from './osip-message';
import type { eXosip_t } from './setup';

/**
 * `int eXosip_message_build_request(struct eXosip_t *excontext, osip_message_t **message, const char *method, const char *to, const char *from, const char *route)`
 * → `[code, message]`: a request outside of a dialog, yours until sent.
 * `OSIP_BADPARAMETER` for an empty `method`, `to` or `from` (as C), or a
 * value with CR, LF or NUL, also percent-escaped (`%0D`, `%0A`, `%00`, or a `%` without two hex digits: eXosip
 * unescapes a To URI's headers into the request; C would inject them);
 * `route` null or `''`: none.
 * Unlike C, `OSIP_BADPARAMETER` too for a request that would go (`route`
 * when given, else `to`) to a URI that is not `sip:`/`sips:` with a host
 * (C crashes sending it) or to an IP literal of the other family.
 * Other codes are eXosip's (e.g. `OSIP_SYNTAXERROR` for a `to` that is not a URI).
 */
export function eXosip_message_build_request(
  ctx: eXosip_t,
  method: string,
  to: string,
  from: string,
  route: string | null,
): [code: number, message: osip_message_t | null] {
  const fn = 'eXosip_message_build_request';
  const n = nativeContext(ctx, fn);
  const values = [str(method, fn, 'method'), str(to, fn, 'to'), str(from, fn, 'from'), strOrNull(route, fn, 'route')];
  if (values.some((x) => x !== null && unsafeUri(x)) || values.slice(0, 3).includes('')) return [OSIP_BADPARAMETER, null];
  if (unsendableTarget(ctx, fn, values[1]!, values[3])) return [OSIP_BADPARAMETER, null];
  const [code, handle] = n.messageBuildRequest(values[0]!, values[1]!, values[2]!, values[3]);
  return [code, wrapMessage(handle)];
}

/**
 * `int eXosip_message_send_request(struct eXosip_t *excontext, osip_message_t *message)`
 * → the transaction id (> 0) or a negative code. The message is eXosip's
 * from this call on, whatever the result (`ERR_MESSAGE_SPENT` if used again);
 * `OSIP_BADPARAMETER` when its Request-URI or loose Route is not a
 * `sip:`/`sips:` URI with a host (C crashes sending it).
 * A 401/407 comes as `EXOSIP_MESSAGE_REQUESTFAILURE`; answer it with
 * `eXosip_default_action(ctx, event)` as in C (the retry has a new tid).
 */
export function eXosip_message_send_request(ctx: eXosip_t, message: osip_message_t): number {
  return sendRequest(ctx, 'eXosip_message_send_request', message, (n, m) => n.messageSendRequest(m));
}

/**
 * `int eXosip_message_build_answer(struct eXosip_t *excontext, int tid, int status, osip_message_t **answer)`
 * → `[code, answer]` for the request of an `EXOSIP_MESSAGE_NEW` event.
 * `OSIP_BADPARAMETER` for tid <= 0 or a status outside 200..699,
 * `OSIP_NOTFOUND` for an unknown tid.
 */
export function eXosip_message_build_answer(ctx: eXosip_t, tid: number, status: number): [code: number, answer: osip_message_t | null] {
  const fn = 'eXosip_message_build_answer';
  const [code, handle] = nativeContext(ctx, fn).messageBuildAnswer(int(tid, fn, 'tid'), int(status, fn, 'status'));
  return [code, wrapMessage(handle)];
}

/**
 * `int eXosip_message_send_answer(struct eXosip_t *excontext, int tid, int status, osip_message_t *answer)`
 * → 0 or a negative code. `answer` null lets eXosip build it (not for 1xx).
 * The answer is spent whatever the result (C leaks it on
 * `OSIP_BADPARAMETER`; the binding frees it). `OSIP_WRONG_STATE` when the
 * transaction was answered already (also by the context's default answer:
 * `ContextOptions.defaultAnswerMs`), `OSIP_NOTFOUND` for an unknown tid.
 */
export function eXosip_message_send_answer(ctx: eXosip_t, tid: number, status: number, answer: osip_message_t | null): number {
  return sendAnswer(ctx, 'eXosip_message_send_answer', tid, status, answer, (n, t, s, a) => n.messageSendAnswer(t, s, a));
}
