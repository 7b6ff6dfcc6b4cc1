/**
 * eX_call.h, the part this binding has: answering the INVITE of an
 * `EXOSIP_CALL_INVITE` event (`event.tid`), enough to refuse a call as
 * eXosip's `sip_reg` tool does (405). Calls themselves come with their own API.
 * @module
 */
import { wrapMessage } from '../message';
import { int, nativeContext, sendAnswer } from './args';
import type { osip_message_t } from './osip-message';
import type { eXosip_t } from './setup';

/**
 * `int eXosip_call_build_answer(struct eXosip_t *excontext, int tid, int status, osip_message_t **answer)`
 * → `[code, answer]`; `OSIP_BADPARAMETER` for tid < 0 or a status outside
 * 101..699, `OSIP_NOTFOUND` for a tid of no call.
 */
export function eXosip_call_build_answer(ctx: eXosip_t, tid: number, status: number): [code: number, answer: osip_message_t | null] {
  const fn = 'eXosip_call_build_answer';
  const [code, handle] = nativeContext(ctx, fn).callBuildAnswer(int(tid, fn, 'tid'), int(status, fn, 'status'));
  return [code, wrapMessage(handle)];
}

/**
 * `int eXosip_call_send_answer(struct eXosip_t *excontext, int tid, int status, osip_message_t *answer)`
 * → 0 or a negative code. eXosip frees the answer on every path, so it is
 * spent whatever the result; `answer` null lets eXosip build a 1xx or a
 * 3xx-6xx (a 2xx needs one). `OSIP_WRONG_STATE` once answered (also by the
 * context's default answer, `ContextOptions.defaultAnswerMs`).
 */
export function eXosip_call_send_answer(ctx: eXosip_t, tid: number, status: number, answer: osip_message_t | null): number {
  return sendAnswer(ctx, 'eXosip_call_send_answer', tid, status, answer, (n, t, s, a) => n.callSendAnswer(t, s, a));
}
