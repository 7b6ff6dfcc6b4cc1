/**
 * The run time `exosip2-register` and `exosip2-call` share: their I/O, the
 * package version, the shutdown on signals and closed outputs (the first
 * SIGINT/SIGTERM ends cleanly, a second exits at once), the SIP trace and
 * stack log lines, the `listening` line, and the script entry point.
 * @module
 */
import * as fs from 'node:fs';
import { connect } from 'node:net';
import * as path from 'node:path';
import type { Context, ListenInfo } from '../../lib/index';
import { type PasswordSources, passwordIn, scrub } from './common';
import { clock, type Output, type OutputEvent, type TextSink } from './output';

/**
 * A second signal this soon after the first is the same Ctrl-C: under `npx`
 * (or `npm exec`/`npm run`), the terminal signals npm and this process, and
 * npm forwards its copy to this process as well.
 */
export const SAME_SIGNAL_MS = 500;

/** Exit code of a second SIGINT/SIGTERM while shutting down (128 + SIGINT). */
export const EXIT_INTERRUPTED = 130;

/** Where shutdown signals come from: `process`, or any emitter of `'SIGINT'`/`'SIGTERM'`. */
export interface SignalSource {
  on(event: 'SIGINT' | 'SIGTERM', listener: (signal: NodeJS.Signals) => void): unknown;
  off(event: 'SIGINT' | 'SIGTERM', listener: (signal: NodeJS.Signals) => void): unknown;
}

/** The I/O of a tool's `main`. */
export interface CliIo {
  /** Event lines (human or JSON). An `'error'` on it (EPIPE ...) shuts down as a signal does. */
  stdout: TextSink;
  /** Usage and error messages. */
  stderr: TextSink;
  /** Source of SIGINT/SIGTERM; default `process`. */
  signals?: SignalSource;
  /** Clock for timestamps; default `() => new Date()`. */
  now?: () => Date;
  /** Where the password may come from besides `--password`; default the process's environment and files. */
  passwords?: PasswordSources;
}

/** The version of this package, from the nearest package.json above this file (`bin/` and `dist/bin/` both work). */
export function packageVersion(): string {
  for (let dir = path.dirname(__dirname); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'package.json');
    if (fs.existsSync(candidate)) {
      try {
        const pkg = JSON.parse(fs.readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
        return pkg.name === 'exosip2' && typeof pkg.version === 'string' ? pkg.version : 'unknown';
      } catch {
        return 'unknown';
      }
    }
    if (path.dirname(dir) === dir) return 'unknown';
  }
}

/** Whether something accepts TCP connections at `address`:`port` (bounded to 2 s). */
function acceptsConnections(address: string, port: number): Promise<boolean> {
  const host = address === '0.0.0.0' ? '127.0.0.1' : address === '::' ? '::1' : address;
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 2000);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * How a tool shuts down: the first signal, or the first output error, aborts
 * {@link stop}; a second signal (not the same Ctrl-C delivered twice)
 * resolves {@link secondSignal} with 130.
 */
export interface Shutdown {
  /** Aborted by the first signal (its name is the reason) or output error. */
  readonly stop: AbortController;
  /** Resolves with {@link EXIT_INTERRUPTED} on a second signal. */
  readonly secondSignal: Promise<number>;
  /** What started the shutdown, if anything. */
  cause(): 'signal' | 'output' | null;
  /** Stops listening to the signals and the streams. */
  dispose(): void;
}

/**
 * Listens to SIGINT/SIGTERM of `signals` and the errors of `out`'s streams.
 * Prints `signal` events; `outputFailed` says on stderr what the tool does
 * then (`stdout failed (EPIPE: the reader went away): <outputFailed>`).
 */
export function watchShutdown(signals: SignalSource, out: Output, outputFailed: string): Shutdown {
  const stop = new AbortController();
  let cause: 'signal' | 'output' | null = null;
  let firstSignalAt = 0;
  let signalCount = 0;
  let interrupted!: (code: number) => void;
  const secondSignal = new Promise<number>((resolve) => (interrupted = resolve));
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalCount > 0 && Date.now() - firstSignalAt < SAME_SIGNAL_MS) return;
    signalCount += 1;
    if (signalCount === 1) {
      firstSignalAt = Date.now();
      if (stop.signal.aborted) return; // already shutting down (output closed)
      cause = 'signal';
      out.emit({ event: 'signal', text: `${signal}: shutting down`, fields: { signal } });
      stop.abort(signal);
    } else {
      out.emit({ event: 'signal', text: `${signal} again: exiting at once`, fields: { signal } });
      interrupted(EXIT_INTERRUPTED);
    }
  };
  out.onError = (error, stream) => {
    if (stop.signal.aborted) return;
    cause = 'output';
    out.complain(`${stream} failed (${error.code ?? error.message}${error.code === 'EPIPE' ? ': the reader went away' : ''}): ${outputFailed}`);
    stop.abort(error);
  };
  signals.on('SIGINT', onSignal);
  signals.on('SIGTERM', onSignal);
  return {
    stop,
    secondSignal,
    cause: () => cause,
    dispose() {
      signals.off('SIGINT', onSignal);
      signals.off('SIGTERM', onSignal);
      out.detach();
    },
  };
}

/**
 * `--trace` and `--log-level` on `ctx`: each SIP message as a `trace` event
 * (`>>` sent, `<<` received), osip's log as `log` events (`--json`) or raw
 * lines on stderr. `prefix` starts the human lines (e.g. `callee: `).
 */
export function showStack(ctx: Context, o: { trace: boolean; logLevel: number | null; json: boolean }, out: Output, prefix = ''): void {
  if (o.trace) {
    ctx.on('trace', (t) => {
      const arrow = t.direction === 'out' ? '>>' : '<<';
      const where = `${t.direction === 'out' ? 'to' : 'from'} ${t.remote ?? 'unknown'} (${t.transport})`;
      // eXosip traces before its transport writes the real local address over 999.999.999.999:99999.
      const note = t.unresolved.length ? ` [${t.unresolved.join(', ')}: 999.999.999.999:99999 is filled in with the local address when sent]` : '';
      out.emit({
        event: `${prefix === '' ? '' : prefix.replace(/: $/, '-')}trace`,
        text: `${prefix}${arrow} ${where}${note}\n${t.text.replace(/\r\n$/, '').replace(/\r\n/g, '\n')}`,
        fields: { direction: t.direction, transport: t.transport, remote: t.remote, unresolved: t.unresolved, text: t.text },
      });
    });
    ctx.setTrace(true);
  }
  if (o.logLevel !== null) {
    ctx.setLogger((method, message, record) => {
      if (o.json) out.emit({ event: 'log', text: message, fields: { level: record.level, method, file: record.file, line: record.line, text: message } });
      else out.log(`${clock(new Date())} [${method} ${record.file}:${record.line}] ${message}`);
    }, o.logLevel);
  }
}

/**
 * `ctx.listen()` on `o`, then the `listening` event (named `<event>`): says
 * when TCP has no listening socket (eXosip's usual build only connects out).
 */
export async function listenAndSay(
  ctx: Context,
  o: { transport: 'udp' | 'tcp'; address: string; port: number },
  emit: (e: OutputEvent) => void,
  say: { event?: string; prefix?: string; tcpNote?: string } = {},
): Promise<ListenInfo> {
  const listening = await ctx.listen({ transport: o.transport, address: o.address, port: o.port });
  const where = `${listening.family === 6 ? `[${o.address}]` : o.address}:${listening.port}`;
  // eXosip's usual build opens no listening TCP socket: say so rather than claim one.
  const accepting = listening.transport === 'udp' || (await acceptsConnections(o.address, listening.port));
  const note = say.tcpNote ?? 'the registrar answers on that connection';
  emit({
    event: say.event ?? 'listening',
    text: `${say.prefix ?? ''}${accepting ? `listening ${listening.transport} ${where}` : `local ${listening.transport} ${where} (no listening socket: this libeXosip2 only connects out, and ${note})`}`,
    fields: { transport: listening.transport, address: o.address, port: listening.port, accepting },
  });
  return listening;
}

/**
 * Runs `main` as the script's entry point: with `process.argv` and the
 * process's streams and signals, then exits with its code (at once for
 * {@link EXIT_INTERRUPTED}); an unexpected rejection is one line on stderr
 * (the password scrubbed), exit 1.
 */
export function runAsScript(program: string, main: (argv: readonly string[], io: CliIo) => Promise<number>): void {
  // An output error after main() let go of the streams must not crash the exit.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, signals: process }).then(
    (code) => {
      if (code === EXIT_INTERRUPTED) process.exit(code);
      process.exitCode = code;
      // main() has let go of the signals: a signal arriving now (one Ctrl-C
      // delivered twice, by the terminal and by npm) must not turn this exit
      // into a death by SIGINT. Node restores the default action while it
      // tears down after the loop drains, so the process exits as soon as
      // what it wrote has gone out rather than waiting for the loop.
      const late = (): void => process.exit(code);
      process.once('SIGINT', late);
      process.once('SIGTERM', late);
      process.stdout.write('', () => process.stderr.write('', late));
    },
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`${program}: ${scrub(message, passwordIn(process.argv))}\n`);
      process.exit(1);
    },
  );
}
