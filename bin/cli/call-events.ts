/**
 * What both sides of `exosip2-call` do with a call: the default SDP, one
 * line per event of a {@link Call} (requests it receives, its end), hanging
 * up and waiting for the BYE's answer, and a failed call in words.
 * @module
 */
import { AF_INET, AF_INET6, eXosip_guess_localip } from '../../lib/compat/index';
import { type Call, CallError, type Context, type ExosipEvent } from '../../lib/index';
import { CALL_EXIT } from './call-args';
import type { OutputEvent } from './output';

/** Prints one event line; `ids` (`cid`, `did`) lead its JSON fields. */
export type CallEmit = (e: OutputEvent, ids?: Record<string, number>) => void;

/** How long hanging up waits for the answer to its BYE (and shutting down for calls being answered). */
export const BYE_WAIT_MS = 5000;

/** The ids of `call` for the JSON lines. */
export const idsOf = (call: { cid: number; did: number }): Record<string, number> => ({ cid: call.cid, did: call.did });

/**
 * `emit` for the other side of the demo: events named `<side>-<event>`,
 * human lines starting `<side>: `.
 */
export function sideEmit(emit: CallEmit, side: string): CallEmit {
  return (e, ids) => emit({ ...e, event: `${side}-${e.event}`, text: `${side}: ${e.text}` }, ids);
}

/**
 * A minimal SDP (RFC 4566) audio offer or answer: PCMU and PCMA on port
 * 49170 (RFC 3264's examples) at `address`, or for a wildcard address the
 * one eXosip guesses (`eXosip_guess_localip`). The tool sends and receives
 * no media: the SDP only completes the offer/answer.
 */
export function defaultSdp(ctx: Context, address: string, user: string): string {
  const v6 = address.includes(':');
  let host = address;
  if (address === '0.0.0.0' || address === '::') {
    const [code, guessed] = eXosip_guess_localip(ctx, v6 ? AF_INET6 : AF_INET, 64);
    host = code === 0 && guessed ? guessed : v6 ? '::1' : '127.0.0.1';
  }
  const ip = `IN ${v6 ? 'IP6' : 'IP4'} ${host}`;
  const id = Math.floor(Date.now() / 1000);
  return `v=0\r\no=${user} ${id} ${id} ${ip}\r\ns=exosip2-call\r\nc=${ip}\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=sendrecv\r\n`;
}

/** The media of an SDP in a few words: `audio 127.0.0.1:49170 RTP/AVP 0 8`, or `no SDP`. */
export function mediaOf(sdp: string | null): string {
  if (sdp === null) return 'no SDP';
  const c = /^c=IN IP[46] (\S+)/m.exec(sdp)?.[1] ?? '?';
  const media = [...sdp.matchAll(/^m=(\S+) (\d+) (.*?)\r?$/gm)].map((m) => `${m[1]} ${c}:${m[2]} ${m[3]}`);
  return media.length ? media.join(', ') : 'no media line';
}

/** The `established` line of a call set up. */
export function emitEstablished(emit: CallEmit, call: Call): void {
  emit(
    { event: 'established', text: `established (remote media: ${mediaOf(call.remoteSdp)})`, fields: { direction: call.direction, localSdp: call.localSdp, remoteSdp: call.remoteSdp } },
    idsOf(call),
  );
}

/**
 * Prints the requests the peer sends in `call` (an INFO is answered 200,
 * others get the library's default answer) and, once, how it ended.
 */
export function followCall(emit: CallEmit, call: Call): void {
  call.on('request', (req) => {
    if (req.method === 'INFO') {
      const body = req.body === null ? '' : ` (${req.contentType ?? 'no type'}: ${req.body.toString('utf8').trim().replace(/\r?\n/g, '; ')})`;
      req.respond(200).then(
        () => emit({ event: 'request', text: `received ${req.method}${body}, answered 200`, fields: { method: req.method, contentType: req.contentType, body: req.body?.toString('utf8') ?? null, status: 200 } }, idsOf(call)),
        (error: Error) => emit({ event: 'request', text: `received ${req.method}, not answered: ${error.message}`, fields: { method: req.method, status: 0 } }, idsOf(call)),
      );
    } else {
      emit({ event: 'request', text: `received ${req.method} (the library's default answer)`, fields: { method: req.method, status: null } }, idsOf(call));
    }
  });
  call.once('ended', (end) => {
    const status = end.statusCode > 0 ? ` ${end.statusCode}` : '';
    emit({ event: 'ended', text: `ended by ${end.by} (${end.reason}${status})`, fields: { by: end.by, reason: end.reason, status: end.statusCode } }, idsOf(call));
  });
}

/** The final answer to the BYE of call `cid` in `ev`, or null when `ev` is none (a 401/407 is not final: eXosip answers it). */
function byeAnswer(ev: ExosipEvent, cid: number): { status: number; reason: string } | null {
  if (ev.cid !== cid || ev.request?.method !== 'BYE' || ev.response === null) return null;
  const status = ev.response.statusCode;
  if (status < 200 || status === 401 || status === 407) return null;
  return { status, reason: ev.response.reasonPhrase ?? '' };
}

/**
 * Hangs up `call` (BYE; `'ended'` comes at once) after a `hangup` line
 * saying `why`, then waits up to {@link BYE_WAIT_MS} for the BYE's final
 * answer and prints it (`bye-answered`). Resolves true when a 2xx came.
 */
export async function hangUp(ctx: Context, emit: CallEmit, call: Call, why: string): Promise<boolean> {
  if (call.state === 'ended') return true;
  let onEvent!: (ev: ExosipEvent) => void;
  let timer: NodeJS.Timeout | undefined;
  const answered = new Promise<{ status: number; reason: string } | null>((resolve) => {
    onEvent = (ev) => {
      const answer = byeAnswer(ev, call.cid);
      if (answer !== null) resolve(answer);
    };
    timer = setTimeout(() => resolve(null), BYE_WAIT_MS);
    ctx.on('event', onEvent);
  });
  emit({ event: 'hangup', text: `hanging up (${why})`, fields: { why } }, idsOf(call));
  try {
    await call.hangup();
    const answer = await answered;
    if (answer === null) {
      emit({ event: 'bye-answered', text: `no answer to the BYE within ${BYE_WAIT_MS / 1000} s`, fields: { status: 0, reason: null } }, idsOf(call));
      return false;
    }
    emit({ event: 'bye-answered', text: `BYE answered ${answer.status} ${answer.reason}`.trim(), fields: answer }, idsOf(call));
    return answer.status < 300;
  } catch (error) {
    emit({ event: 'bye-answered', text: `the BYE could not be sent: ${(error as Error).message}`, fields: { status: 0, reason: (error as Error).message } }, idsOf(call));
    return false;
  } finally {
    clearTimeout(timer);
    ctx.off('event', onEvent);
  }
}

/**
 * Keeps `call` until it ends: the peer hangs up, or after `duration`
 * seconds (null: no limit) or when `stop` aborts this side hangs up
 * ({@link hangUp}). Resolves true when it ended cleanly: by the peer's BYE,
 * or by this side's BYE answered 2xx.
 */
export async function holdCall(ctx: Context, emit: CallEmit, call: Call, duration: number | null, stop: AbortSignal | undefined): Promise<boolean> {
  let hungUp: Promise<boolean> | null = null;
  const hangUpFor = (why: string): void => void (hungUp ??= hangUp(ctx, emit, call, why));
  const onStop = (): void => hangUpFor(reasonOf(stop!));
  const timer = duration === null ? undefined : setTimeout(() => hangUpFor(`after ${duration} s`), duration * 1000);
  if (stop?.aborted) onStop();
  else stop?.addEventListener('abort', onStop, { once: true });
  try {
    await new Promise<void>((resolve) => (call.state === 'ended' ? resolve() : call.once('ended', () => resolve())));
  } finally {
    clearTimeout(timer);
    stop?.removeEventListener('abort', onStop);
  }
  return hungUp === null ? true : await hungUp;
}

/** Why `stop` aborted, in a word: the signal's name, or the output error's code. */
export function reasonOf(stop: AbortSignal): string {
  const reason = stop.reason as { code?: unknown } | string | undefined;
  if (typeof reason === 'string') return reason;
  return typeof reason?.code === 'string' ? `output: ${reason.code}` : 'shutdown';
}

/**
 * A call that was not set up, in words and JSON fields, with its exit code;
 * `peer` (`host:port (udp)`) names who did not answer.
 */
export function callFailure(error: unknown, peer = 'the peer'): { text: string; fields: Record<string, unknown>; exit: number } {
  if (!(error instanceof CallError)) {
    const message = error instanceof Error ? error.message : String(error);
    return { text: message, fields: { status: 0, reason: message, code: (error as { code?: unknown })?.code ?? null }, exit: CALL_EXIT.FAILURE };
  }
  const fields = { status: error.statusCode, reason: error.reason, code: error.code };
  switch (error.code) {
    case 'ERR_CALL_REJECTED':
      return { text: `${error.statusCode} ${error.reason}`.trim(), fields, exit: CALL_EXIT.REJECTED };
    case 'ERR_CALL_NO_RESPONSE':
      // reason: "no answer from <host:port> (<transport>) within 42 s" (Timer B: 32 s over UDP, reported
      // when eXosip releases the call) or "...: eXosip gave up after 5 ms, the transport failed (...)".
      return { text: `${/^no answer from /.test(error.reason) ? error.reason : `no answer from ${peer}: ${error.reason}`} (${error.code})`, fields, exit: CALL_EXIT.NO_ANSWER };
    case 'ERR_CALL_TIMEOUT':
      return { text: `no final answer from ${peer}: ${error.message} (${error.code})`, fields, exit: CALL_EXIT.NO_ANSWER };
    default:
      return { text: `${error.message} (${error.code})`, fields, exit: CALL_EXIT.FAILURE };
  }
}

/**
 * The `cancelled` event of a call given up before its answer: a CANCEL goes
 * only once a 1xx came (RFC 3261 §9.1); before, there is nothing to cancel
 * and the INVITE ends with the context.
 */
export function cancelledEvent(provisional: boolean): { event: 'cancelled'; text: string; fields: { cancelSent: boolean } } {
  const text = provisional ? 'cancelled before the answer (CANCEL sent)' : 'cancelled before any 1xx (no CANCEL: RFC 3261 §9.1 allows one only after a 1xx)';
  return { event: 'cancelled', text, fields: { cancelSent: provisional } };
}
