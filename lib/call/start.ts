/**
 * `ctx.invite()`: checking its options, building and sending the INVITE
 * (`eXosip_call_build_initial_invite` / `eXosip_call_send_initial_invite`)
 * and waiting for its final answer in the context's {@link CallTable}.
 * @internal
 * @module
 */
import type { NativeContext } from '../../binding';
import { abortError, type CallError, callError, osipError, stateError, typeError } from '../errors';
import * as v from '../internal/validate';
import { Message } from '../message';
import { assertFitsDatagram } from '../message/datagram';
import type { Call } from './call';
import { addSdp, checkSdp } from './sdp';
import type { PendingInvite } from './early';
import type { CallTable } from './table';
import { DEFAULT_INVITE_TIMEOUT_MS, type InviteOptions } from './types';
import { listenAbort } from '../internal/abort';
import { INVITE_OPTIONS } from '../internal/option-keys';
import { requestTarget } from '../internal/target';

/**
 * Places the call `options` describes and resolves with it once answered (see
 * `Context.invite`). `family`: that of the address the context listens on
 * (null: not listening), which an IP literal target must match; `transport`:
 * the context's, which a `sips:` or `;transport=` target must ask for.
 */
export function startInvite(n: NativeContext, table: CallTable, options: InviteOptions, assertOpen: () => void, family: 4 | 6 | null, transport: string | null = null): Promise<Call> {
  const o = v.options<InviteOptions>('options', options, INVITE_OPTIONS);
  const to = v.uriText('options.to', o.to);
  v.noTag('options.to', to);
  const from = v.fromText('options.from', o.from);
  const route = o.route === undefined ? null : v.routeText('options.route', o.route);
  requestTarget('options', to, route, family, transport);
  const subject = o.subject === undefined ? null : v.sipText('options.subject', o.subject);
  const sdp = o.sdp === undefined ? null : checkSdp('options.sdp', o.sdp);
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw typeError('ERR_INVALID_ARG_TYPE', 'options.onProgress must be a function');
  if (o.answerOffer !== undefined && typeof o.answerOffer !== 'function') throw typeError('ERR_INVALID_ARG_TYPE', 'options.answerOffer must be a function');
  if (o.answerOffer !== undefined && sdp !== null) throw typeError('ERR_INVALID_ARG_VALUE', 'options.answerOffer is for an INVITE without sdp (a late offer): with an offer, the 2xx carries the answer');
  const timeoutMs = o.timeoutMs === undefined ? DEFAULT_INVITE_TIMEOUT_MS : v.integer('options.timeoutMs', o.timeoutMs, 1, 2 ** 31 - 1);
  const signal = v.abortSignal('options.signal', o.signal);
  assertOpen();
  if (family === null) throw stateError('ERR_NOT_LISTENING', 'Call listen() before invite(): eXosip needs a transport');
  if (signal?.aborted) return Promise.reject(abortCallError(signal));
  let cid: number;
  let sentAt = 0;
  n.lock();
  try {
    const [code, handle] = n.callBuildInitialInvite(to, from, route, subject);
    if (code < 0 || handle === null) return Promise.reject(notSent(osipError(code < 0 ? code : -1, 'eXosip_call_build_initial_invite', `to ${to}, from ${from}`)));
    const invite = new Message(handle);
    try {
      addSdp(invite, sdp, o.headers);
      // The binding PRACKs reliable 1xx (lib/call/early.ts): say so (RFC 3262 §4).
      if (!invite.getHeaders('supported').some((value) => /(^|,)\s*100rel\s*(,|$)/i.test(value))) invite.setSupported('100rel');
      if (table.udp) assertFitsDatagram(invite, 'INVITE');
    } catch (error) {
      invite.dispose();
      throw error;
    }
    sentAt = Date.now();
    cid = n.callSendInitialInvite(handle);
  } finally {
    n.unlock();
  }
  if (cid < 0) return Promise.reject(notSent(osipError(cid, 'eXosip_call_send_initial_invite')));
  return new Promise<Call>((resolve, reject) => {
    let settled = false;
    const giveUp = (error: CallError): void => {
      if (settled) return;
      pending.settle(error);
      table.abandon(pending);
    };
    const timer = setTimeout(() => giveUp(callError('ERR_CALL_TIMEOUT', `No final answer to the INVITE within ${timeoutMs} ms`, { reason: 'timeout' })), timeoutMs);
    timer.unref();
    const onAbort = (): void => giveUp(abortCallError(signal!));
    const unlisten = listenAbort(signal, onAbort);
    const pending: PendingInvite = {
      cid,
      localSdp: sdp,
      onProgress: o.onProgress,
      answerOffer: o.answerOffer,
      early: null,
      challenges: 0,
      redirects: 0,
      rseq: 0,
      abandoned: false,
      hop: v.uriOf(route ?? to),
      transport: transport ?? 'udp',
      sentAt,
      settle: (outcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        unlisten();
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      },
    };
    table.add(pending);
  });
}

function notSent(cause: Error & { code?: string }): CallError {
  return callError('ERR_CALL_NOT_SENT', cause.message, { reason: cause.code ?? 'error', cause });
}

function abortCallError(signal: AbortSignal): CallError {
  return callError('ABORT_ERR', abortError(signal).message, { reason: 'aborted', cause: signal.reason });
}
