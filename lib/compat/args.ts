/**
 * Argument checks of `exosip2/compat` (convention 4: only misuse C would
 * crash on throws), and the way from an `eXosip_t` to its native handle.
 * @internal
 * @module
 */
import type { NativeContext, NativeMessage } from '../../binding';
import { Context } from '../context/context';
import { stateError, typeError } from '../errors';
import { contextInternals, nativeOf } from '../internal/handles';
import { targetProblem } from '../internal/target';
import { unsafeUri } from '../internal/validate';
import { Message, native } from '../message';

/** The Context behind `ctx` (a TypeError naming `fn` for anything else). */
export function contextOf(ctx: unknown, fn: string): Context {
  if (!(ctx instanceof Context)) throw typeError('ERR_INVALID_ARG_TYPE', `${fn}: ctx must be an eXosip_t from eXosip_malloc() (or a Context)`);
  return ctx;
}

/** A string argument (C `const char *` that must not be NULL). */
export function str(value: unknown, fn: string, name: string): string {
  if (typeof value !== 'string') throw typeError('ERR_INVALID_ARG_TYPE', `${fn}: ${name} must be a string`);
  return value;
}

/** A string argument, or null (C's NULL). */
export function strOrNull(value: unknown, fn: string, name: string): string | null {
  if (value === null || value === undefined) return null;
  return str(value, fn, name);
}

/** An integer argument (C `int`). */
export function int(value: unknown, fn: string, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw typeError('ERR_INVALID_ARG_TYPE', `${fn}: ${name} must be an integer`);
  return value;
}

/** The native handle of a message, or null for `null` (C's NULL). */
export function messageOrNull(msg: unknown, fn: string): NativeMessage | null {
  if (msg === null || msg === undefined) return null;
  if (!(msg instanceof Message)) throw typeError('ERR_INVALID_ARG_TYPE', `${fn}: the message must be an osip_message_t (a Message) or null`);
  return native(msg);
}

/**
 * True when eXosip could not send a request built from `to` and `route`
 * (`''`: none) by the context `ctx`: the URI it would send to is not
 * `sip:`/`sips:` with a host (C crashes on it) or is an IP literal of the
 * other family (C never sends and leaks): the build returns
 * `OSIP_BADPARAMETER` instead (docs/porting.md).
 */
export function unsendableTarget(ctx: unknown, fn: string, to: string, route: string | null): boolean {
  return targetProblem(to, route || null, contextOf(ctx, fn).address?.family ?? null) !== null;
}

/** Values no C string in a SIP message may hold. */
export const UNSAFE_TEXT = /[\0\r\n]/;

/**
 * A URI (or name-addr) holding NUL, CR or LF, raw or escaped in its URI
 * (`%0D`, `%0A`, `%00`, a `%` without two hex digits): eXosip unescapes a To
 * URI's headers into the request (lib/internal/validate.ts, unsafeUri).
 */
export { unsafeUri };

/** The native handle of the context `ctx`, for a call named `fn`. */
export function nativeContext(ctx: unknown, fn: string): NativeContext {
  return nativeOf(contextOf(ctx, fn));
}

/**
 * Throws as C would crash on a message that is no longer the caller's:
 * `ERR_MESSAGE_SPENT` once handed to eXosip, `ERR_MESSAGE_DISPOSED` (with
 * `freed`, e.g. `'this message was freed'`) once freed.
 */
export function assertOwned(handle: NativeMessage, fn: string, freed: string): void {
  if (handle.state === 'spent') throw stateError('ERR_MESSAGE_SPENT', `${fn}: this message was handed to eXosip (sent) and belongs to it now`);
  if (handle.state === 'disposed') throw stateError('ERR_MESSAGE_DISPOSED', `${fn}: ${freed}`);
}


/**
 * The body of every `eXosip_*_send_answer`: checks the arguments, refuses a
 * request given as the answer (libeXosip2 would queue it on the server
 * transaction), sends, and turns the context's default answer off for `tid`
 * once eXosip took the answer. The answer is spent whatever the result.
 */
export function sendAnswer(
  ctx: unknown,
  fn: string,
  tid: unknown,
  status: unknown,
  answer: unknown,
  send: (n: NativeContext, tid: number, status: number, answer: NativeMessage | null) => number,
): number {
  const context = contextOf(ctx, fn);
  const t = int(tid, fn, 'tid');
  const s = int(status, fn, 'status');
  const message = messageOrNull(answer, fn);
  if (message !== null && message.state === 'owned' && message.statusCode === 0) {
    throw typeError('ERR_INVALID_ARG_VALUE', `${fn}: answer must be a response (from the matching *_build_answer), not a request`);
  }
  const code = send(nativeOf(context), t, s, message);
  if (code >= 0) contextInternals(context).answered(t);
  return code;
}

/**
 * The body of `eXosip_message_send_request` / `eXosip_options_send_request`:
 * a request is required (C would crash on NULL or a response: both throw
 * `ERR_INVALID_ARG_VALUE` and the message stays yours); → tid or a negative code.
 */
export function sendRequest(ctx: unknown, fn: string, msg: unknown, send: (n: NativeContext, message: NativeMessage) => number): number {
  const n = nativeContext(ctx, fn);
  const message = messageOrNull(msg, fn);
  if (message === null) throw typeError('ERR_INVALID_ARG_VALUE', `${fn}: message must be the request from the matching *_build_request, not NULL`);
  if (message.state === 'owned' && message.statusCode !== 0) {
    throw typeError('ERR_INVALID_ARG_VALUE', `${fn}: message must be a request, not a ${message.statusCode} response`);
  }
  return send(n, message);
}
