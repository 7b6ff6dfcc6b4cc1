/**
 * The answering side of `exosip2-call` (`--answer`, and the callee of its
 * demo): each call offered (`ctx.on('call')`) is rung (180) and answered
 * (200 with the SDP), followed until it ends, hung up after the duration.
 * @module
 */
import type { Call, Context, IncomingCall } from '../../lib/index';
import { BYE_WAIT_MS, type CallEmit, callFailure, emitEstablished, followCall, holdCall, mediaOf } from './call-events';

/** What {@link serveCalls} is told. */
export interface ServeOptions {
  /** The SDP answer of every call. */
  sdp: string;
  /** Seconds a call lasts before this side hangs up; null: until the caller hangs up (or shutdown). */
  duration: number | null;
  /** Stop taking calls after this many ended; null: never. */
  count: number | null;
  /** Shutting down: calls being offered are left to the context, calls set up are hung up (unless `keepOnStop`). */
  stop: AbortSignal;
  /** The demo's callee: on `stop`, leave hanging up to the caller (both BYEs would cross). */
  keepOnStop?: boolean;
}

/** How serving went, once {@link Serving.done} resolves. */
export interface Served {
  /** Calls offered. */
  taken: number;
  /** Calls set up and ended with every BYE answered 2xx (or by the caller's BYE). */
  clean: number;
}

/** Calls being served. */
export interface Serving {
  /** Resolves once `count` calls ended, or after shutdown once the calls in hand ended (bounded). */
  readonly done: Promise<Served>;
}

/** Takes the calls offered to `ctx` until `o.count` ended or `o.stop` aborts, printing each step with `emit`. */
export function serveCalls(ctx: Context, emit: CallEmit, o: ServeOptions): Serving {
  const served: Served = { taken: 0, clean: 0 };
  const inHand = new Set<Promise<void>>();
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let ended = 0;

  const take = async (incoming: IncomingCall): Promise<void> => {
    served.taken += 1;
    const ids = { cid: incoming.cid, did: incoming.did };
    emit({ event: 'incoming', text: `incoming call from ${incoming.from} to ${incoming.to} (media: ${mediaOf(incoming.remoteSdp)})`, fields: { from: incoming.from, to: incoming.to, remoteSdp: incoming.remoteSdp } }, ids);
    let call: Call;
    try {
      incoming.ringing();
      emit({ event: 'ringing', text: 'ringing (180 sent)' }, ids);
      const acked = incoming.answer({ sdp: o.sdp });
      emit({ event: 'answering', text: 'answering (200 with SDP sent)' }, ids);
      call = await acked;
    } catch (error) {
      const f = callFailure(error);
      emit({ event: 'failed', text: `failed ${f.text}`, fields: f.fields }, ids);
      return;
    }
    emitEstablished(emit, call);
    followCall(emit, call);
    if (await holdCall(ctx, emit, call, o.duration, o.keepOnStop ? undefined : o.stop)) served.clean += 1;
  };

  const onCall = (incoming: IncomingCall): void => {
    const p = take(incoming).finally(() => {
      inHand.delete(p);
      ended += 1;
      if (o.count !== null && ended >= o.count) stopTaking();
    });
    inHand.add(p);
    if (o.count !== null && served.taken >= o.count) ctx.off('call', onCall);
  };
  const stopTaking = (): void => {
    ctx.off('call', onCall);
    finish();
  };
  ctx.on('call', onCall);
  o.stop.addEventListener('abort', stopTaking, { once: true });

  const done = finished.then(async () => {
    o.stop.removeEventListener('abort', stopTaking);
    // Calls in hand end by themselves (hung up on stop); an ACK that never comes is bounded by the answer's own timeout.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(inHand), new Promise((resolve) => (timer = setTimeout(resolve, BYE_WAIT_MS + 1000)))]);
    clearTimeout(timer);
    return served;
  });
  return { done };
}
