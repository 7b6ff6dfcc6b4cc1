/**
 * eX_subscribe.h, the part this binding has: answering the SUBSCRIBE (or
 * REFER) of an `EXOSIP_IN_SUBSCRIPTION_NEW` event (`event.tid`), enough to
 * refuse it as eXosip's `sip_reg` tool does (405).
 * @module
 */
import { wrapMessage } from '../message';
import { int, nativeContext, sendAnswer } from './args';
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
