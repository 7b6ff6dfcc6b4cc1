/**
 * The demo of `exosip2-call` (no `--to`, no `--answer`): a whole call
 * between two contexts on loopback. bob (the callee, lines `callee: ...`)
 * takes calls as `--answer` does; alice calls him, sends an INFO (DTMF 5 as
 * `application/dtmf-relay`), then hangs up (after `--duration` when given).
 * @module
 */
import type { Call, Context } from '../../lib/index';
import { serveCalls } from './call-answer';
import { CALL_EXIT, type CallCliOptions } from './call-args';
import { type CallEmit, callFailure, cancelledEvent, defaultSdp, emitEstablished, followCall, hangUp, holdCall, idsOf, reasonOf, sideEmit } from './call-events';
import type { Output } from './output';
import { listenAndSay, showStack } from './session';

/** Runs the demo with contexts from `open` (closed by the caller); resolves with the exit code. */
export async function runCallDemo(open: () => Context, o: CallCliOptions, out: Output, emit: CallEmit, stop: AbortSignal): Promise<number> {
  const local = { transport: 'udp' as const, address: '127.0.0.1', port: 0 };
  const bob = open();
  const callee = sideEmit(emit, 'callee');
  showStack(bob, o, out, 'callee: ');
  const b = await listenAndSay(bob, local, callee);
  const serving = serveCalls(bob, callee, { sdp: o.sdp ?? defaultSdp(bob, local.address, 'bob'), duration: null, count: 1, stop, keepOnStop: true });

  const alice = open();
  showStack(alice, o, out);
  const a = await listenAndSay(alice, local, emit);
  const to = `sip:bob@127.0.0.1:${b.port}`;
  const from = `sip:alice@127.0.0.1:${a.port}`;
  emit({ event: 'calling', text: `calling ${to} from ${from} (demo: bob is the callee)`, fields: { to, from, proxy: null } });
  let call: Call;
  let provisional = false;
  try {
    call = await alice.invite({
      to,
      from,
      sdp: o.sdp ?? defaultSdp(alice, local.address, 'alice'),
      signal: stop,
      onProgress: (p) => {
        provisional = true;
        emit({ event: 'progress', text: `${p.statusCode} ${p.reason}`, fields: { status: p.statusCode, reason: p.reason, sdp: p.sdp } });
      },
    });
  } catch (error) {
    if (stop.aborted && (error as { code?: unknown }).code === 'ABORT_ERR') {
      emit(cancelledEvent(provisional));
      await serving.done;
      return stop.reason instanceof Error ? CALL_EXIT.OUTPUT_CLOSED : CALL_EXIT.FAILURE;
    }
    const f = callFailure(error);
    emit({ event: 'failed', text: `failed ${f.text}`, fields: f.fields });
    await serving.done;
    return f.exit;
  }
  emitEstablished(emit, call);
  followCall(emit, call);

  let clean: boolean;
  if (!stop.aborted && call.state !== 'ended') {
    const body = 'Signal=5\r\nDuration=160\r\n';
    emit({ event: 'info', text: 'sending INFO (application/dtmf-relay: Signal=5; Duration=160)', fields: { contentType: 'application/dtmf-relay', body } }, idsOf(call));
    try {
      const r = await call.info({ contentType: 'application/dtmf-relay', body, timeoutMs: 10_000, signal: stop });
      emit({ event: 'info-answered', text: `INFO answered ${r.statusCode} ${r.reason}`, fields: { status: r.statusCode, reason: r.reason } }, idsOf(call));
    } catch (error) {
      emit({ event: 'info-answered', text: `INFO failed: ${(error as Error).message}`, fields: { status: (error as { statusCode?: number }).statusCode ?? 0, reason: (error as Error).message } }, idsOf(call));
    }
  }
  if (o.duration === null) clean = await hangUp(alice, emit, call, stop.aborted ? reasonOf(stop) : 'demo: after the INFO');
  else clean = await holdCall(alice, emit, call, o.duration, stop);
  const served = await serving.done;
  return clean && served.clean === 1 ? CALL_EXIT.OK : CALL_EXIT.FAILURE;
}
