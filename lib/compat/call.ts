/**
 * eX_call.h: calls (`eXosip_call_*`), as in eXosip's how-to "initiate,
 * modify or terminate calls" (ht1-callcontrol.dox). Place a call with
 * `eXosip_call_build_initial_invite` + `eXosip_call_send_initial_invite`
 * (→ cid); its progress comes as `EXOSIP_CALL_PROCEEDING/RINGING/ANSWERED/...`
 * events (`event.cid`, `event.did` once a dialog exists, `event.tid`);
 * acknowledge a 2xx with `eXosip_call_build_ack` / `eXosip_call_send_ack`.
 * Answer an `EXOSIP_CALL_INVITE` with `eXosip_call_build_answer` /
 * `eXosip_call_send_answer` (`event.tid`); send requests inside the dialog with
 * `eXosip_call_build_request` (or `_info`, `_options`, `_update`, `_refer`,
 * `_notify`) + `eXosip_call_send_request` (`event.did`); end it with
 * `eXosip_call_terminate` (CANCEL, a final answer or BYE, as its state asks).
 *
 * Every send takes the message, whatever the result (`ERR_MESSAGE_SPENT` if
 * used again). A context answers an INVITE nobody answered within
 * `ContextOptions.defaultAnswerMs` with 405: any `eXosip_call_send_answer`
 * (180 included) for its tid turns that off.
 * @module
 */
import type { NativeContext, NativeMessage } from '../../binding';
import { typeError } from '../errors';
import { wrapMessage } from '../message';
import { int, messageOrNull, nativeContext, sendAnswer, str, strOrNull, UNSAFE_TEXT, unsafeUri, unsendableTarget } from './args';
import { OSIP_BADPARAMETER } from './constants';
import type { osip_message_t } from './osip-message';
import type { eXosip_t } from './setup';


function built([code, handle]: [number, NativeMessage | null]): [code: number, message: osip_message_t | null] {
  return [code, wrapMessage(handle)];
}

/** A request to send, or null (eXosip answers `OSIP_BADPARAMETER`); a response throws (C would queue it as a request). */
function requestOrNull(msg: unknown, fn: string): NativeMessage | null {
  const message = messageOrNull(msg, fn);
  if (message !== null && message.state === 'owned' && message.statusCode !== 0) {
    throw typeError('ERR_INVALID_ARG_VALUE', `${fn}: the message must be a request, not a ${message.statusCode} response`);
  }
  return message;
}

/**
 * `int eXosip_call_build_initial_invite(struct eXosip_t *excontext, osip_message_t **invite, const char *to, const char *from, const char *route, const char *subject)`
 * → `[code, invite]`: an INVITE for a new call (RFC 3261 §13.2.1), yours
 * until sent; add the SDP offer with `osip_message_set_body` and
 * `osip_message_set_content_type(invite, 'application/sdp')`.
 * `OSIP_BADPARAMETER` for an empty `to` or `from`, or a value with CR, LF
 * or NUL (in `to`, `from` and `route` also percent-escaped: `%0D`, `%0A`,
 * `%00` or a `%` without two hex digits, which eXosip unescapes into
 * headers); `route`/`subject` null or `''`: none. Unlike C, `OSIP_BADPARAMETER`
 * too when the INVITE would go (`route` when given, else `to`) to a URI that
 * is not `sip:`/`sips:` with a host (`tel:+1234` without a route: C crashes
 * sending it) or to an IP literal of the other family than the context's.
 * Other codes are eXosip's (`OSIP_SYNTAXERROR` for a `to` that is not a URI).
 */
export function eXosip_call_build_initial_invite(ctx: eXosip_t, to: string, from: string, route: string | null, subject: string | null): [code: number, message: osip_message_t | null] {
  const fn = 'eXosip_call_build_initial_invite';
  const n = nativeContext(ctx, fn);
  const values = [str(to, fn, 'to'), str(from, fn, 'from'), strOrNull(route, fn, 'route'), strOrNull(subject, fn, 'subject')];
  if (values.some((x, i) => x !== null && (i < 3 ? unsafeUri(x) : UNSAFE_TEXT.test(x))) || values[0] === '' || values[1] === '') return [OSIP_BADPARAMETER, null];
  if (unsendableTarget(ctx, fn, values[0]!, values[2])) return [OSIP_BADPARAMETER, null];
  return built(n.callBuildInitialInvite(values[0]!, values[1]!, values[2] || null, values[3] || null));
}

/**
 * `int eXosip_call_send_initial_invite(struct eXosip_t *excontext, osip_message_t *invite)`
 * → the call id (cid, > 0) or a negative code (`OSIP_BADPARAMETER` for null,
 * or for an INVITE whose Request-URI or loose Route is not a `sip:`/`sips:`
 * URI with a host: C crashes sending it).
 * The INVITE is eXosip's from this call on, whatever the result. A 401/407
 * comes as `EXOSIP_CALL_REQUESTFAILURE`; eXosip retries it with the
 * context's credentials (`eXosip_automatic_action`, run by the binding).
 */
export function eXosip_call_send_initial_invite(ctx: eXosip_t, invite: osip_message_t | null): number {
  const fn = 'eXosip_call_send_initial_invite';
  const n = nativeContext(ctx, fn);
  return n.callSendInitialInvite(requestOrNull(invite, fn));
}

/**
 * `int eXosip_call_build_ack(struct eXosip_t *excontext, int tid, osip_message_t **ack)`
 * → `[code, ack]` for the 2xx of the INVITE transaction `tid` (the tid of
 * `EXOSIP_CALL_ANSWERED`; eXosip also takes a did, its old API).
 * `OSIP_BADPARAMETER` for tid <= 0, `OSIP_NOTFOUND` for no such call.
 */
export function eXosip_call_build_ack(ctx: eXosip_t, tid: number): [code: number, message: osip_message_t | null] {
  const fn = 'eXosip_call_build_ack';
  return built(nativeContext(ctx, fn).callBuildAck(int(tid, fn, 'tid')));
}

/**
 * `int eXosip_call_send_ack(struct eXosip_t *excontext, int tid, osip_message_t *ack)`
 * → 0 or a negative code; `ack` null lets eXosip build it. The ACK is spent
 * whatever the result; eXosip keeps it to answer 2xx retransmissions.
 */
export function eXosip_call_send_ack(ctx: eXosip_t, tid: number, ack: osip_message_t | null): number {
  const fn = 'eXosip_call_send_ack';
  const n = nativeContext(ctx, fn);
  const t = int(tid, fn, 'tid');
  return n.callSendAck(t, requestOrNull(ack, fn));
}

/**
 * `int eXosip_call_build_request(struct eXosip_t *excontext, int did, const char *method, osip_message_t **request)`
 * → `[code, request]` inside the dialog `did` (INVITE for a re-INVITE, INFO,
 * UPDATE, REFER, ...; RFC 3261 §12.2.1.1). `OSIP_BADPARAMETER` for an empty
 * method or one with CR, LF or NUL, `OSIP_NOTFOUND` for no such dialog.
 */
export function eXosip_call_build_request(ctx: eXosip_t, did: number, method: string): [code: number, message: osip_message_t | null] {
  const fn = 'eXosip_call_build_request';
  const n = nativeContext(ctx, fn);
  const d = int(did, fn, 'did');
  const m = str(method, fn, 'method');
  if (m === '' || UNSAFE_TEXT.test(m)) return [OSIP_BADPARAMETER, null];
  return built(n.callBuildRequest(d, m));
}

/** `int eXosip_call_build_info(struct eXosip_t *excontext, int did, osip_message_t **request)` → `[code, request]`: an INFO in dialog `did` (RFC 6086). */
export function eXosip_call_build_info(ctx: eXosip_t, did: number): [code: number, message: osip_message_t | null] {
  const fn = 'eXosip_call_build_info';
  return built(nativeContext(ctx, fn).callBuildShorthand('info', int(did, fn, 'did')));
}

/** `int eXosip_call_build_options(struct eXosip_t *excontext, int did, osip_message_t **request)` → `[code, request]`: an OPTIONS in dialog `did`. */
export function eXosip_call_build_options(ctx: eXosip_t, did: number): [code: number, message: osip_message_t | null] {
  const fn = 'eXosip_call_build_options';
  return built(nativeContext(ctx, fn).callBuildShorthand('options', int(did, fn, 'did')));
}

/** `int eXosip_call_build_update(struct eXosip_t *excontext, int did, osip_message_t **request)` → `[code, request]`: an UPDATE in dialog `did` (RFC 3311). */
export function eXosip_call_build_update(ctx: eXosip_t, did: number): [code: number, message: osip_message_t | null] {
  const fn = 'eXosip_call_build_update';
  return built(nativeContext(ctx, fn).callBuildShorthand('update', int(did, fn, 'did')));
}

/**
 * `int eXosip_call_build_refer(struct eXosip_t *excontext, int did, const char *refer_to, osip_message_t **request)`
 * → `[code, request]`: a REFER in dialog `did` with `Refer-To: refer_to` (RFC 3515).
 * `OSIP_BADPARAMETER` for a value with CR, LF or NUL, also percent-escaped
 * (`%0D`, `%0A`, `%00`, or a `%` without two hex digits: the peer turns Refer-To's headers into its INVITE's).
 */
export function eXosip_call_build_refer(ctx: eXosip_t, did: number, refer_to: string): [code: number, message: osip_message_t | null] {
  const fn = 'eXosip_call_build_refer';
  const n = nativeContext(ctx, fn);
  const d = int(did, fn, 'did');
  const target = str(refer_to, fn, 'refer_to');
  if (unsafeUri(target)) return [OSIP_BADPARAMETER, null];
  return built(n.callBuildShorthand('refer', d, target));
}

/**
 * `int eXosip_call_build_notify(struct eXosip_t *excontext, int did, int subscription_status, osip_message_t **request)`
 * → `[code, request]`: a NOTIFY in dialog `did` (the implicit subscription of
 * a REFER, RFC 3515 §2.4.4) with `Subscription-State` from
 * `subscription_status` (`EXOSIP_SUBCRSTATE_PENDING` 1, `_ACTIVE` 2, `_TERMINATED` 3).
 */
export function eXosip_call_build_notify(ctx: eXosip_t, did: number, subscription_status: number): [code: number, message: osip_message_t | null] {
  const fn = 'eXosip_call_build_notify';
  const n = nativeContext(ctx, fn);
  return built(n.callBuildShorthand('notify', int(did, fn, 'did'), int(subscription_status, fn, 'subscription_status')));
}

/**
 * `int eXosip_call_send_request(struct eXosip_t *excontext, int did, osip_message_t *request)`
 * → 0 or a negative code (`OSIP_WRONG_STATE` while the previous transaction
 * of that method is running, `OSIP_NOTFOUND` for no such dialog). The
 * request is spent whatever the result; its outcome comes as
 * `EXOSIP_CALL_MESSAGE_ANSWERED/...` (a re-INVITE: `EXOSIP_CALL_ANSWERED/...`).
 */
export function eXosip_call_send_request(ctx: eXosip_t, did: number, request: osip_message_t | null): number {
  const fn = 'eXosip_call_send_request';
  const n = nativeContext(ctx, fn);
  const d = int(did, fn, 'did');
  return n.callSendRequest(d, requestOrNull(request, fn));
}

/**
 * `int eXosip_call_build_answer(struct eXosip_t *excontext, int tid, int status, osip_message_t **answer)`
 * → `[code, answer]` for the INVITE (or in-dialog request) of transaction
 * `tid`; `OSIP_BADPARAMETER` for tid <= 0 or a status outside 101..699,
 * `OSIP_NOTFOUND` for a tid of no call. Add the SDP answer to a 200 with
 * `osip_message_set_body` / `osip_message_set_content_type`.
 */
export function eXosip_call_build_answer(ctx: eXosip_t, tid: number, status: number): [code: number, message: osip_message_t | null] {
  const fn = 'eXosip_call_build_answer';
  return built(nativeContext(ctx, fn).callBuildAnswer(int(tid, fn, 'tid'), int(status, fn, 'status')));
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

/**
 * `int eXosip_call_build_prack(struct eXosip_t *excontext, int tid, osip_message_t *response1xx, osip_message_t **prack)`
 * → `[code, prack]` for a reliable 1xx (RFC 3262; `response1xx` is the
 * event's response, not consumed) of INVITE transaction `tid`.
 * `OSIP_WRONG_STATE` unless the transaction is proceeding,
 * `OSIP_WRONG_FORMAT` for a 1xx without RSeq.
 */
export function eXosip_call_build_prack(ctx: eXosip_t, tid: number, response1xx: osip_message_t): [code: number, message: osip_message_t | null] {
  const fn = 'eXosip_call_build_prack';
  const n = nativeContext(ctx, fn);
  const t = int(tid, fn, 'tid');
  const response = messageOrNull(response1xx, fn);
  if (response === null) throw typeError('ERR_INVALID_ARG_VALUE', `${fn}: response1xx must be the 1xx of the event, not NULL`);
  return built(n.callBuildPrack(t, response));
}

/**
 * `int eXosip_call_send_prack(struct eXosip_t *excontext, int tid, osip_message_t *prack)`
 * → 0 or a negative code; the PRACK is spent whatever the result (C leaks it
 * for a negative tid; the binding frees it).
 */
export function eXosip_call_send_prack(ctx: eXosip_t, tid: number, prack: osip_message_t | null): number {
  const fn = 'eXosip_call_send_prack';
  const n = nativeContext(ctx, fn);
  const t = int(tid, fn, 'tid');
  return n.callSendPrack(t, requestOrNull(prack, fn));
}

function terminate(ctx: unknown, fn: string, cid: unknown, did: unknown, name: string | null, value: unknown): number {
  const n: NativeContext = nativeContext(ctx, fn);
  const c = int(cid, fn, 'cid');
  const d = int(did, fn, 'did');
  const v = strOrNull(value, fn, name === 'Reason' ? 'reason' : 'header_value');
  if (v !== null && UNSAFE_TEXT.test(v)) return OSIP_BADPARAMETER;
  return n.callTerminate(c, d, v === null ? null : name, v);
}

/**
 * `int eXosip_call_terminate(struct eXosip_t *excontext, int cid, int did)`
 * → 1 when it sent a CANCEL (before an answer, after a 1xx; RFC 3261 §9.1:
 * not before), 0 when it sent a BYE (confirmed dialog) or a 603 to an
 * INVITE received and not answered yet, or a negative code
 * (`OSIP_WRONG_STATE` with no 1xx yet: terminate again after one). `did` 0 ends the call `cid` in whatever state;
 * `OSIP_NOTFOUND` for no such call or dialog. The call ends with
 * `EXOSIP_CALL_CLOSED` / `EXOSIP_CALL_RELEASED`.
 */
export function eXosip_call_terminate(ctx: eXosip_t, cid: number, did: number): number {
  return terminate(ctx, 'eXosip_call_terminate', cid, did, null, null);
}

/**
 * `int eXosip_call_terminate_with_reason(struct eXosip_t *excontext, int cid, int did, const char *reason)`
 * → as {@link eXosip_call_terminate}, the request carrying `Reason: reason`
 * (RFC 3326, e.g. `'SIP;cause=200;text="Call completed elsewhere"'`).
 * `OSIP_BADPARAMETER` for a reason with CR, LF or NUL.
 */
export function eXosip_call_terminate_with_reason(ctx: eXosip_t, cid: number, did: number, reason: string | null): number {
  return terminate(ctx, 'eXosip_call_terminate_with_reason', cid, did, 'Reason', reason);
}

/**
 * `int eXosip_call_terminate_with_header(struct eXosip_t *excontext, int cid, int did, const char *header_name, const char *header_value)`
 * → as {@link eXosip_call_terminate}, the request carrying one more header.
 */
export function eXosip_call_terminate_with_header(ctx: eXosip_t, cid: number, did: number, header_name: string | null, header_value: string | null): number {
  const fn = 'eXosip_call_terminate_with_header';
  const name = strOrNull(header_name, fn, 'header_name');
  if (name !== null && (name === '' || UNSAFE_TEXT.test(name) || name.includes(':'))) return OSIP_BADPARAMETER;
  return terminate(ctx, fn, cid, did, name, header_value);
}

/**
 * `int eXosip_call_get_referto(struct eXosip_t *excontext, int did, char *refer_to, size_t refer_to_len)`
 * → `[code, refer_to]`: the remote URI of dialog `did` with a `Replaces`
 * header naming it (RFC 3891), for an attended transfer's REFER.
 */
export function eXosip_call_get_referto(ctx: eXosip_t, did: number): [code: number, refer_to: string | null] {
  const fn = 'eXosip_call_get_referto';
  return nativeContext(ctx, fn).callGetReferTo(int(did, fn, 'did'));
}

/**
 * `int eXosip_call_find_by_replaces(struct eXosip_t *excontext, char *replaces)`
 * → the cid of the call a `Replaces` value (`callid;to-tag=..;from-tag=..`,
 * RFC 3891) names, or `OSIP_NOTFOUND` (answer 481), `OSIP_WRONG_STATE`
 * (`early-only` for a confirmed dialog: 486), `OSIP_BADPARAMETER` (an early
 * dialog we received: 481), `OSIP_SYNTAXERROR` without both tags.
 */
export function eXosip_call_find_by_replaces(ctx: eXosip_t, replaces: string): number {
  const fn = 'eXosip_call_find_by_replaces';
  return nativeContext(ctx, fn).callFindByReplaces(str(replaces, fn, 'replaces'));
}
