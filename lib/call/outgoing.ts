/**
 * Requests a {@link Call} sends inside its dialog (`call.request()`,
 * `info()`, `reinvite()`, `refer()`): built with `eXosip_call_build_request`
 * (or `_info`, `_refer`), sent with `eXosip_call_send_request`, and settled
 * from the events of their transaction.
 *
 * eXosip 5.3.0's `eXosip_call_send_request` returns 0, not a tid, so a
 * request is followed by its CSeq (number and method, unique in the dialog,
 * RFC 3261 §12.2.1.1), which every event of its transaction carries in
 * `event.request`: `EXOSIP_CALL_MESSAGE_ANSWERED` / `_REQUESTFAILURE` /
 * `_SERVERFAILURE` / `_GLOBALFAILURE` / `_REDIRECTED` (jcallback.c; a
 * timeout or transport error is `_REQUESTFAILURE` without a response), and
 * for a re-INVITE `EXOSIP_CALL_ANSWERED` / `_REQUESTFAILURE` / ... /
 * `EXOSIP_CALL_NOANSWER` (transport error). eXosip does not ACK a
 * re-INVITE's 2xx: this module does (`eXosip_call_build_ack` /
 * `eXosip_call_send_ack`), as the call table does for the initial INVITE.
 *
 * A 401/407 (or 422) to the dialog's latest request is resent by
 * `eXosip_automatic_action` with the context's credentials and CSeq + 1 while
 * the dialog's retry count (`jd->d_retry`, back to 0 on any 2xx) is below 3:
 * the wait follows the new CSeq; unless the binding's digest filter
 * (native/context/auth_filter.cc) showed eXosip another final status because
 * no challenge can be answered with the context's credentials (the event's
 * `textinfo` then carries its note): then the 401/407 is final at once. Any
 * other final answer settles it.
 * @internal
 * @module
 */
import type { NativeContext, NativeMessage } from '../../binding';
import { abortError, OSIP_CODES, osipError, RequestError, requestError, typeError } from '../errors';
import type { AnyExosipEvent } from '../events';
import * as v from '../internal/validate';
import { Message } from '../message';
import { addHeaders, setBody } from '../message/answers';
import { assertFitsDatagram } from '../message/datagram';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../message/request';
import { guardNote } from '../register/answers';
import type { HeaderList, RequestResult } from '../message/types';
import type { Call } from './call';
import { checkSdp, sdpOf } from './sdp';
import { sendAck } from './send';
import type { CallRequestOptions, InDialogOptions, InfoOptions, ReinviteOptions } from './types';
import { listenAbort } from '../internal/abort';
import { CALL_REQUEST_OPTIONS, INFO_OPTIONS, REFER_OPTIONS, REINVITE_OPTIONS } from '../internal/option-keys';

/** RFC 3261 §25.1 `token`. */
const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
/** Methods `call.request()` refuses: their own API or eXosip sends them. */
const REFUSED = ['BYE', 'CANCEL', 'ACK', 'INVITE', 'PRACK'];
/** `jd->d_retry < 3` in `eXosip_automatic_action`. */
const MAX_DIALOG_RETRIES = 3;
/** The answers eXosip resends with credentials (401, 407) or a larger Session-Expires (422). */
const RETRIED = new Set([401, 407, 422]);

/** The events of a transaction a call sent. */
const OUTGOING_EVENTS = new Set([
  'EXOSIP_CALL_MESSAGE_PROCEEDING',
  'EXOSIP_CALL_MESSAGE_ANSWERED',
  'EXOSIP_CALL_MESSAGE_REDIRECTED',
  'EXOSIP_CALL_MESSAGE_REQUESTFAILURE',
  'EXOSIP_CALL_MESSAGE_SERVERFAILURE',
  'EXOSIP_CALL_MESSAGE_GLOBALFAILURE',
  'EXOSIP_CALL_PROCEEDING',
  'EXOSIP_CALL_RINGING',
  'EXOSIP_CALL_ANSWERED',
  'EXOSIP_CALL_REDIRECTED',
  'EXOSIP_CALL_REQUESTFAILURE',
  'EXOSIP_CALL_SERVERFAILURE',
  'EXOSIP_CALL_GLOBALFAILURE',
  'EXOSIP_CALL_NOANSWER',
]);

/** One request to send, checked: what the Call's method asked for. */
export interface Outgoing {
  /** The method as sent (its CSeq method). */
  readonly method: string;
  /** The eXosip function that builds it, for errors. */
  readonly what: string;
  /** Builds it in dialog `did` (under the lock). */
  build(n: NativeContext, did: number): [number, NativeMessage | null];
  /** Completes the built request (headers, body); throws for bad options. */
  fill(request: Message): void;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
  /** Called with the 2xx before the promise resolves (a re-INVITE updates the Call's SDP). */
  readonly onSuccess?: (response: Message) => void;
  /** A REFER: its NOTIFYs are the call's `'referProgress'`. */
  readonly refer?: boolean;
}

interface Pending {
  readonly method: string;
  settle(outcome: RequestResult | RequestError): void;
}

/** What is known of one call's dialog: its requests in flight by CSeq key (`'21 INFO'`). */
interface Dialog {
  readonly pending: Map<string, Pending>;
  /** re-INVITEs sent whose 2xx, if any, is still to be ACKed. */
  readonly invites: Set<string>;
  /** The CSeq key of the latest request sent (the one `eXosip_automatic_action` retries). */
  last: string | null;
  /** The mirror of `jd->d_retry`. */
  retries: number;
  /** A REFER was sent: NOTIFYs with `Event: refer` are progress. */
  referring: boolean;
}

function inDialog(o: Partial<InDialogOptions>): { timeoutMs: number; signal: AbortSignal | undefined; headers: HeaderList | undefined } {
  const timeoutMs = o.timeoutMs === undefined ? DEFAULT_REQUEST_TIMEOUT_MS : v.integer('options.timeoutMs', o.timeoutMs, 1, 2 ** 31 - 1);
  return { timeoutMs, signal: v.abortSignal('options.signal', o.signal), headers: o.headers };
}

/** Checks `call.request()`'s options. */
export function requestOf(options: CallRequestOptions): Outgoing {
  const o = v.options<CallRequestOptions>('options', options, CALL_REQUEST_OPTIONS);
  const method = v.sipText('options.method', o.method);
  if (!TOKEN.test(method)) throw typeError('ERR_INVALID_ARG_VALUE', `options.method must be a SIP token (RFC 3261 §25.1), got ${JSON.stringify(method)}`);
  if (REFUSED.includes(method.toUpperCase())) {
    throw typeError('ERR_INVALID_ARG_VALUE', `options.method ${method} is not sent with call.request(): use hangup() for BYE/CANCEL, reinvite() for INVITE; eXosip sends ACK and PRACK itself`);
  }
  const base = inDialog(o);
  return {
    method,
    what: 'eXosip_call_build_request',
    build: (n, did) => n.callBuildRequest(did, method),
    fill: (request) => {
      addHeaders(request, base.headers, 'options');
      setBody(request, o.body, o.contentType, 'options', 'text/plain');
    },
    timeoutMs: base.timeoutMs,
    signal: base.signal,
    refer: method.toUpperCase() === 'REFER',
  };
}

/** Checks `call.info()`'s options. */
export function infoOf(options: InfoOptions | undefined): Outgoing {
  const o = v.options<InfoOptions>('options', options, INFO_OPTIONS);
  const base = inDialog(o);
  return {
    method: 'INFO',
    what: 'eXosip_call_build_info',
    build: (n, did) => n.callBuildShorthand('info', did),
    fill: (request) => {
      addHeaders(request, base.headers, 'options');
      setBody(request, o.body, o.contentType, 'options', 'text/plain');
    },
    timeoutMs: base.timeoutMs,
    signal: base.signal,
  };
}

/** Checks `call.reinvite()`'s options; `onSuccess` gets the offer and the 2xx's SDP (null when it has none). */
export function reinviteOf(options: ReinviteOptions, onSuccess: (offer: string, answer: string | null) => void): Outgoing {
  const o = v.options<ReinviteOptions>('options', options, REINVITE_OPTIONS);
  if (o.sdp === undefined) throw typeError('ERR_INVALID_ARG_TYPE', 'options.sdp must be a string (the new SDP offer)');
  const sdp = checkSdp('options.sdp', o.sdp);
  const base = inDialog(o);
  return {
    method: 'INVITE',
    what: 'eXosip_call_build_request',
    build: (n, did) => n.callBuildRequest(did, 'INVITE'),
    fill: (request) => {
      addHeaders(request, base.headers, 'options');
      request.body = sdp;
      request.contentType = 'application/sdp';
    },
    timeoutMs: base.timeoutMs,
    signal: base.signal,
    onSuccess: (response) => onSuccess(sdp, sdpOf(response)),
  };
}

/** Checks `call.refer()`'s arguments. */
export function referOf(target: string, options: InDialogOptions | undefined): Outgoing {
  const referTo = v.schemeUri('target', target);
  const o = v.options<InDialogOptions>('options', options, REFER_OPTIONS);
  const base = inDialog(o);
  return {
    method: 'REFER',
    what: 'eXosip_call_build_refer',
    build: (n, did) => n.callBuildShorthand('refer', did, referTo),
    fill: (request) => addHeaders(request, base.headers, 'options'),
    timeoutMs: base.timeoutMs,
    signal: base.signal,
    refer: true,
  };
}

/** `'21 INFO'` from a CSeq header, or null. */
function keyOf(message: Message | null): string | null {
  const match = /^\s*(\d+)\s+(\S+)\s*$/.exec(message?.getHeader('cseq') ?? '');
  return match === null ? null : `${Number(match[1])} ${match[2]}`;
}

/** The key of the request eXosip resends for `key` (CSeq + 1, same method). */
function nextKey(key: string): string {
  const [number, method] = key.split(' ');
  return `${Number(number) + 1} ${method}`;
}

/** @internal The requests one context's calls sent, by cid then CSeq. */
export class CallSender {
  #native: NativeContext;
  #udp: () => boolean;
  #dialogs = new Map<number, Dialog>();

  /** @param udp whether the context listens over UDP (a request larger than one datagram is refused: `ERR_MESSAGE_TOO_LARGE`) */
  constructor(n: NativeContext, udp: () => boolean) {
    this.#native = n;
    this.#udp = udp;
  }

  /** How many calls have requests in flight or sent (until they end). */
  get dialogs(): number {
    return this.#dialogs.size;
  }

  /** True once `cid` sent a REFER (its NOTIFYs are `'referProgress'`). */
  referring(cid: number): boolean {
    return this.#dialogs.get(cid)?.referring === true;
  }

  /** Sends `out` in `call` and resolves with its final 2xx (rejects: see `Call.request`). */
  send(call: Call, out: Outgoing): Promise<RequestResult> {
    if (call.state === 'ended') return Promise.reject(requestError('ERR_CALL_ENDED', `The call (cid ${call.cid}) has ended: no ${out.method} can be sent in it`, { reason: 'ended' }));
    if (out.signal?.aborted) return Promise.reject(abortRequestError(out.signal));
    const n = this.#native;
    let key: string | null;
    let code: number;
    n.lock();
    try {
      const [built, handle] = out.build(n, call.did);
      if (built < 0 || handle === null) return Promise.reject(notSent(osipError(built < 0 ? built : -1, out.what, buildNote(built, out.method, call.did))));
      const request = new Message(handle);
      try {
        out.fill(request);
        if (this.#udp()) assertFitsDatagram(request, out.method);
      } catch (error) {
        request.dispose();
        throw error;
      }
      key = keyOf(request);
      code = n.callSendRequest(call.did, handle);
    } finally {
      n.unlock();
    }
    if (code < 0) return Promise.reject(notSent(osipError(code, 'eXosip_call_send_request', `${out.method} in did ${call.did}`)));
    const dialog = this.#dialog(call.cid);
    if (key === null) return Promise.reject(notSent(new Error(`The ${out.method} eXosip built has no CSeq`)));
    dialog.last = key;
    if (out.method === 'INVITE') dialog.invites.add(key);
    if (out.refer === true) dialog.referring = true;
    return new Promise<RequestResult>((resolve, reject) => {
      const timer = setTimeout(() => pending.settle(requestError('ERR_REQUEST_TIMEOUT', `No final answer to the ${out.method} within ${out.timeoutMs} ms`, { reason: 'timeout' })), out.timeoutMs);
      timer.unref();
      const onAbort = (): void => pending.settle(abortRequestError(out.signal!));
      const unlisten = listenAbort(out.signal, onAbort);
      const pending: Pending = {
        method: out.method,
        settle: (outcome) => {
          for (const [k, p] of dialog.pending) if (p === pending) dialog.pending.delete(k);
          clearTimeout(timer);
          unlisten();
          if (outcome instanceof RequestError) {
            reject(outcome);
            return;
          }
          try {
            out.onSuccess?.(outcome.response);
          } finally {
            resolve(outcome);
          }
        },
      };
      dialog.pending.set(key, pending);
    });
  }

  /** An `EXOSIP_CALL_*` event of confirmed `call` → true when it was about a request it sent (ACKs a re-INVITE's 2xx). */
  handle(event: AnyExosipEvent, call: Call): boolean {
    if (!OUTGOING_EVENTS.has(event.type)) return false;
    const dialog = this.#dialogs.get(call.cid);
    if (dialog === undefined) return false;
    const response = event.response;
    const status = response?.statusCode ?? 0;
    if (status >= 200 && status < 300) dialog.retries = 0;
    const key = keyOf(event.request);
    if (key === null) return false;
    if (status > 0 && status < 200) return dialog.pending.has(key) || dialog.invites.has(key);
    const pending = dialog.pending.get(key);
    if (RETRIED.has(status) && guardNote(event.textinfo) === null && dialog.last === key && dialog.retries < MAX_DIALOG_RETRIES) {
      // eXosip_automatic_action resends it (CSeq + 1) after this pass's events.
      dialog.retries++;
      const next = nextKey(key);
      dialog.last = next;
      if (dialog.invites.delete(key)) dialog.invites.add(next);
      if (pending !== undefined) {
        dialog.pending.delete(key);
        dialog.pending.set(next, pending);
      }
      return true;
    }
    // A final non-2xx to a re-INVITE is ACKed by eXosip's ICT (RFC 3261 §17.1.1.3); a 2xx by us.
    const acked = dialog.invites.delete(key) && event.type === 'EXOSIP_CALL_ANSWERED';
    if (acked) sendAck(this.#native, event.tid);
    if (pending === undefined) return acked;
    if (response === null) {
      pending.settle(requestError('ERR_REQUEST_NO_RESPONSE', `No final answer to the ${pending.method}: ${event.textinfo || 'transaction timeout or transport error'}`, { reason: event.textinfo }));
    } else if (status >= 200 && status < 300) {
      pending.settle(Object.freeze({ statusCode: status, reason: response.reasonPhrase ?? '', body: response.body, contentType: response.contentType, response }));
    } else {
      const reason = response.reasonPhrase ?? '';
      const note = guardNote(event.textinfo);
      pending.settle(requestError('ERR_REQUEST_REJECTED', `The ${pending.method} was rejected with ${status} ${reason}${note === null ? '' : ` (${note})`}`, { statusCode: status, reason, response }));
    }
    return true;
  }

  /** `call` ended: its requests in flight reject with `ERR_CALL_ENDED` (`ERR_CONTEXT_CLOSED` when `closed`). */
  ended(call: Call, closed: boolean): void {
    const dialog = this.#dialogs.get(call.cid);
    this.#dialogs.delete(call.cid);
    if (dialog === undefined) return;
    for (const pending of [...dialog.pending.values()]) {
      pending.settle(
        closed
          ? requestError('ERR_CONTEXT_CLOSED', `The context was closed before a final answer to the ${pending.method}`, { reason: 'closed' })
          : requestError('ERR_CALL_ENDED', `The call (cid ${call.cid}) ended before a final answer to the ${pending.method}`, { reason: 'ended' }),
      );
    }
  }

  #dialog(cid: number): Dialog {
    let dialog = this.#dialogs.get(cid);
    if (dialog === undefined) {
      dialog = { pending: new Map(), invites: new Set(), last: null, retries: 0, referring: false };
      this.#dialogs.set(cid, dialog);
    }
    return dialog;
  }
}

/**
 * What to add to a refused build: eXosip sends one request of a method at a
 * time in a dialog (eXosip_call_build_request: `OSIP_WRONG_STATE` while the
 * last one of that method, sent or received, has no final answer).
 */
function buildNote(code: number, method: string, did: number): string {
  if (code !== OSIP_CODES.OSIP_WRONG_STATE || method === 'INVITE') return `did ${did}`;
  return (
    `did ${did}: eXosip sends one ${method} at a time in a dialog, and the last ${method} of this call (sent or received) has no final answer yet; ` +
    'one that timed out or was aborted here still runs until its transaction ends (Timer F: 32 s over UDP)'
  );
}

function notSent(cause: Error & { code?: string }): RequestError {
  return requestError('ERR_REQUEST_NOT_SENT', cause.message, { reason: cause.code ?? 'error', cause });
}

function abortRequestError(signal: AbortSignal): RequestError {
  return requestError('ABORT_ERR', abortError(signal).message, { reason: 'aborted', cause: signal.reason });
}
