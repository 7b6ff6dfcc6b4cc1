#!/usr/bin/env node
/**
 * `exosip2-call`: places one SIP call (`--to`), or answers incoming ones
 * (`--answer`), and prints each event of it in one line; hangs up after
 * `--duration` or on SIGINT/SIGTERM. Without `--to` and `--answer` it runs a
 * demo: a whole call between two contexts on loopback (ringing, answer, an
 * INFO, hang-up). The call counterpart of `exosip2-register`, built on
 * `ctx.invite()` and `ctx.on('call')`. See docs/cli.md.
 *
 * The logic is in {@link main}, which takes the arguments and its output
 * streams and resolves with the exit code ({@link CALL_EXIT}); run as a
 * script, this file calls it with `process.argv` and `process`. The command
 * line is in `./cli/call-args`, the two sides of a call in
 * `./cli/call-events` and `./cli/call-answer`, the demo in `./cli/call-demo`.
 * @module
 */
import { Context } from '../lib/index';
import { CALL_EXIT, CALL_PROGRAM, CALL_USAGE, type CallCliOptions, parseCallArgs } from './cli/call-args';
import { serveCalls } from './cli/call-answer';
import { runCallDemo } from './cli/call-demo';
import { type CallEmit, callFailure, cancelledEvent, defaultSdp, emitEstablished, followCall, holdCall } from './cli/call-events';
import { uriHostPort, userPart } from './cli/common';
import { Output } from './cli/output';
import { type CliIo, listenAndSay, packageVersion, runAsScript, showStack, type Shutdown, watchShutdown } from './cli/session';

export { CALL_EXIT, CALL_PROGRAM, CALL_USAGE, type CallCliOptions, type ParsedCallArgs, parseCallArgs } from './cli/call-args';
export type { CliIo } from './cli/session';

/**
 * Runs the CLI: parses `argv` (the arguments after the script name), then
 * places the call, answers calls, or runs the demo, printing every event to
 * `io.stdout` (human lines, or JSON lines with `--json`). The first
 * SIGINT/SIGTERM of `io.signals`, or the first error of an output stream,
 * hangs up (a call still ringing is cancelled) and closes; a second signal
 * while shutting down resolves at once with 130. Never rejects; never prints
 * the password.
 * @returns the exit code: 0 ok, 1 failure, 2 bad usage, 3 rejected, 4 no answer, 130 second signal, 141 output closed.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCallArgs(argv, io.passwords);
  if (parsed.kind === 'help') {
    io.stdout.write(CALL_USAGE);
    return CALL_EXIT.OK;
  }
  if (parsed.kind === 'version') {
    io.stdout.write(`${CALL_PROGRAM} ${packageVersion()} (libeXosip2 ${Context.exosipVersion})\n`);
    return CALL_EXIT.OK;
  }
  if (parsed.kind === 'usage') {
    io.stderr.write(`${CALL_PROGRAM}: ${parsed.message}; see ${CALL_PROGRAM} --help\n`);
    return CALL_EXIT.USAGE;
  }
  return run(parsed.options, io);
}

async function run(o: CallCliOptions, io: CliIo): Promise<number> {
  const out = new Output({ stdout: io.stdout, stderr: io.stderr, json: o.json, secret: o.password, now: io.now ?? (() => new Date()), program: CALL_PROGRAM });
  const emit: CallEmit = (e, ids) => out.emit(e, ids);
  const shutdown = watchShutdown(io.signals ?? process, out, `hanging up, then exiting ${CALL_EXIT.OUTPUT_CLOSED}`);
  const contexts: Context[] = [];
  const open = (): Context => {
    const ctx = new Context({ userAgent: `${CALL_PROGRAM}/${packageVersion()}` });
    contexts.push(ctx);
    return ctx;
  };

  const work = async (): Promise<number> => {
    if (o.mode === 'demo') return runCallDemo(open, o, out, emit, shutdown.stop.signal);
    const ctx = open();
    showStack(ctx, o, out);
    await listenAndSay(ctx, o, emit, { tcpNote: 'the callee answers on that connection' });
    if (o.password !== null && o.username !== null) {
      ctx.addAuthenticationInfo({ username: o.username, password: o.password, ...(o.realm === null ? {} : { realm: o.realm }) });
    }
    const sdp = o.sdp ?? defaultSdp(ctx, o.address, (o.from === null ? null : userPart(o.from)) ?? '-');
    return o.mode === 'answer' ? answer(ctx, o, emit, sdp, shutdown) : place(ctx, o, emit, sdp, shutdown, out);
  };

  const close = (): Promise<unknown> => Promise.all(contexts.map((ctx) => ctx.close()));
  try {
    let code = await Promise.race([work(), shutdown.secondSignal]);
    if (code === CALL_EXIT.INTERRUPTED) return code;
    // Closing is bounded by eXosip_quit; a second signal still cuts it short.
    const closed = await Promise.race([close().then(() => code), shutdown.secondSignal]);
    if (closed === CALL_EXIT.INTERRUPTED) return closed;
    if (shutdown.cause() === 'output' && code === CALL_EXIT.OK) code = CALL_EXIT.OUTPUT_CLOSED;
    return code;
  } catch (error) {
    out.complain(error instanceof Error ? error.message : String(error));
    await close();
    return CALL_EXIT.FAILURE;
  } finally {
    shutdown.dispose();
  }
}

/** `--to`: one call placed, held, hung up. */
async function place(ctx: Context, o: CallCliOptions, emit: CallEmit, sdp: string, shutdown: Shutdown, out: Output): Promise<number> {
  const { stop } = shutdown;
  const to = o.to!;
  const from = o.from!;
  const route = o.proxy === null ? undefined : `<${o.proxy}${/;lr\b/i.test(o.proxy) ? '' : ';lr'}>`;
  emit({ event: 'calling', text: `calling ${to} from ${from}${route === undefined ? '' : ` via ${o.proxy}`}`, fields: { to, from, proxy: o.proxy } });
  if (stop.signal.aborted) {
    emit({ event: 'cancelled', text: 'cancelled before calling (nothing was sent)' });
    return shutdown.cause() === 'output' ? CALL_EXIT.OUTPUT_CLOSED : CALL_EXIT.FAILURE;
  }
  let call;
  let provisional = false;
  try {
    call = await ctx.invite({
      to,
      from,
      sdp,
      ...(route === undefined ? {} : { route }),
      signal: stop.signal,
      onProgress: (p) => {
        provisional = true;
        const early = p.sdp === null ? '' : ` (early media: ${p.sdp.length} bytes of SDP)`;
        emit({ event: 'progress', text: `${p.statusCode} ${p.reason}${early}`, fields: { status: p.statusCode, reason: p.reason, sdp: p.sdp } });
      },
    });
  } catch (error) {
    if (stop.signal.aborted && (error as { code?: unknown }).code === 'ABORT_ERR') {
      emit(cancelledEvent(provisional));
      return shutdown.cause() === 'output' ? CALL_EXIT.OUTPUT_CLOSED : CALL_EXIT.FAILURE;
    }
    const hp = uriHostPort(o.proxy ?? to);
    const f = callFailure(error, `${hp?.host.includes(':') ? `[${hp.host}]` : hp?.host}${hp?.port ? `:${hp.port}` : ''} (${o.transport})`);
    emit({ event: 'failed', text: `failed ${f.text}`, fields: f.fields });
    out.complain(`call failed: ${f.text}`);
    return f.exit;
  }
  emitEstablished(emit, call);
  followCall(emit, call);
  if (await holdCall(ctx, emit, call, o.duration, stop.signal)) return CALL_EXIT.OK;
  out.complain('hang-up not confirmed: the BYE got no 2xx (see the bye-answered line)');
  return CALL_EXIT.FAILURE;
}

/** `--answer`: calls taken until Ctrl-C or `--count`. */
async function answer(ctx: Context, o: CallCliOptions, emit: CallEmit, sdp: string, shutdown: Shutdown): Promise<number> {
  emit({ event: 'waiting', text: `waiting for calls${o.count === null ? '' : ` (${o.count})`}`, fields: { count: o.count } });
  const served = await serveCalls(ctx, emit, { sdp, duration: o.duration, count: o.count, stop: shutdown.stop.signal }).done;
  emit({ event: 'served', text: `served ${served.taken} call${served.taken === 1 ? '' : 's'}, ${served.clean} set up and ended cleanly`, fields: { ...served } });
  return served.clean === served.taken ? CALL_EXIT.OK : CALL_EXIT.FAILURE;
}

if (require.main === module) runAsScript(CALL_PROGRAM, main);
