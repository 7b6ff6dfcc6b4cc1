#!/usr/bin/env node
/**
 * `exosip2-register`: registers one SIP address of record at a registrar and
 * keeps it registered until SIGINT/SIGTERM (or until its output closes), then
 * unregisters. The counterpart of eXosip's own `sip_reg` tool. Without
 * `--proxy` and `--from` it runs a demo against the embedded
 * {@link Registrar} on loopback: register (with its challenge), refresh,
 * unregister, exit 0. See docs/cli.md.
 *
 * The logic is in {@link main}, which takes the arguments and its output
 * streams and resolves with the exit code, so it can be driven from tests;
 * run as a script, this file calls it with `process.argv` and `process`.
 * The command line is in `./cli/args`, the output in `./cli/output`.
 * @module
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { connect } from 'node:net';
import * as path from 'node:path';
import { Context, type Registrar, type Registration, RegistrationError, type RegistrationInfo } from '../lib/index';
import { registrarName } from '../lib/register/answers';
import { type CliOptions, DEMO_FROM, EXIT, parseCliArgs, type PasswordSources, passwordIn, PROGRAM, scrub, USAGE, userPart } from './cli/args';
import { startDemoRegistrar } from './cli/demo';
import { clock, Output, type TextSink } from './cli/output';

export { type CliOptions, DEMO_FROM, EXIT, type ParsedArgs, parseCliArgs, type PasswordSources, PASSWORD_ENV, PROGRAM, USAGE } from './cli/args';
export type { TextSink } from './cli/output';

/** How long shutting down waits for the registrar: the unregister, or the answer to a REGISTER in flight. */
export const SHUTDOWN_WAIT_MS = 5000;

/**
 * A second signal this soon after the first is the same Ctrl-C: under `npx`
 * (or `npm exec`/`npm run`), the terminal signals npm and this process, and
 * npm forwards its copy to this process as well.
 */
export const SAME_SIGNAL_MS = 500;

/** Where shutdown signals come from: `process`, or any emitter of `'SIGINT'`/`'SIGTERM'`. */
export interface SignalSource {
  on(event: 'SIGINT' | 'SIGTERM', listener: (signal: NodeJS.Signals) => void): unknown;
  off(event: 'SIGINT' | 'SIGTERM', listener: (signal: NodeJS.Signals) => void): unknown;
}

/** The I/O of {@link main}. */
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
 * Runs the CLI: parses `argv` (the arguments after the script name),
 * registers, prints every registration event to `io.stdout` (human lines,
 * or JSON lines with `--json`), and on the first SIGINT/SIGTERM of
 * `io.signals`, or the first error of an output stream, unregisters and
 * closes. A second signal while shutting down resolves at once with 130 (the
 * caller should then exit without waiting). Never rejects; never prints the
 * password.
 * @returns the exit code: 0 ok, 1 failure, 2 bad usage, 130 second signal, 141 output closed.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCliArgs(argv, io.passwords);
  if (parsed.kind === 'help') {
    io.stdout.write(USAGE);
    return EXIT.OK;
  }
  if (parsed.kind === 'version') {
    io.stdout.write(`${PROGRAM} ${packageVersion()} (libeXosip2 ${Context.exosipVersion})\n`);
    return EXIT.OK;
  }
  if (parsed.kind === 'usage') {
    io.stderr.write(`${PROGRAM}: ${parsed.message}; see ${PROGRAM} --help\n`);
    return EXIT.USAGE;
  }
  return run(parsed.options, io);
}

async function run(o: CliOptions, io: CliIo): Promise<number> {
  const signals = io.signals ?? process;
  // The demo makes up its password at run time: scrubbed all the same.
  const password = o.proxy === null ? randomBytes(12).toString('base64url') : o.password;
  const username = o.proxy === null ? userPart(DEMO_FROM) : o.username;
  const out = new Output({ stdout: io.stdout, stderr: io.stderr, json: o.json, secret: password, now: io.now ?? (() => new Date()) });
  const emit = out.emit.bind(out);
  let proxy = o.proxy ?? '';

  /** What went wrong, in the words of someone who ran this command (without the error code). */
  const explain = (error: RegistrationError, bound?: { timeoutMs?: number }): string => {
    const peer = `${registrarName(proxy)} (${o.transport})`;
    switch (error.code) {
      case 'ERR_REGISTRATION_REJECTED':
        return `${error.statusCode} ${error.reason}`.trim();
      case 'ERR_REGISTRATION_NO_RESPONSE':
        // The library says it: "no answer from 127.0.0.1:9 (udp) within 32 s".
        return error.reason;
      case 'ERR_REGISTRATION_TIMEOUT':
        return `no final answer from ${peer} within ${(bound?.timeoutMs ?? 40_000) / 1000} s`;
      default:
        return error.reason || error.message;
    }
  };
  /** {@link explain}, with the code when there is no status to name it. */
  const describe = (error: unknown, bound?: { timeoutMs?: number }): string => {
    if (!(error instanceof RegistrationError)) return error instanceof Error ? error.message : String(error);
    return error.statusCode > 0 ? explain(error, bound) : `${explain(error, bound)} (${error.code})`;
  };
  const fields = (error: unknown, bound?: { timeoutMs?: number }): Record<string, unknown> =>
    error instanceof RegistrationError
      ? { status: error.statusCode, reason: error.statusCode > 0 ? error.reason : explain(error, bound), code: error.code }
      : { status: 0, reason: error instanceof Error ? error.message : String(error), code: (error as { code?: unknown })?.code ?? null };

  // Shutting down: the first signal, or the first output error, starts it; a
  // second signal (not the same Ctrl-C delivered twice) ends everything at once.
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
      emit({ event: 'signal', text: `${signal}: shutting down`, fields: { signal } });
      stop.abort(signal);
    } else {
      emit({ event: 'signal', text: `${signal} again: exiting at once`, fields: { signal } });
      interrupted(EXIT.INTERRUPTED);
    }
  };
  out.onError = (error, stream) => {
    if (stop.signal.aborted) return;
    cause = 'output';
    out.complain(`${stream} failed (${error.code ?? error.message}${error.code === 'EPIPE' ? ': the reader went away' : ''}): unregistering, then exiting ${EXIT.OUTPUT_CLOSED}`);
    stop.abort(error);
  };
  signals.on('SIGINT', onSignal);
  signals.on('SIGTERM', onSignal);

  let ctx: Context | null = null;
  let registrar: Registrar | null = null;
  const reported = new WeakSet<object>();

  const work = async (): Promise<number> => {
    try {
      if (o.proxy === null) {
        registrar = await startDemoRegistrar(o, username!, password!, emit, packageVersion());
        proxy = registrar.uri!;
      }
      ctx = new Context({ userAgent: `${PROGRAM}/${packageVersion()}` });
      if (o.trace) {
        ctx.on('trace', (t) => {
          const arrow = t.direction === 'out' ? '>>' : '<<';
          const where = `${t.direction === 'out' ? 'to' : 'from'} ${t.remote ?? 'unknown'} (${t.transport})`;
          // eXosip traces before its transport writes the real local address over 999.999.999.999:99999.
          const note = t.unresolved.length ? ` [${t.unresolved.join(', ')}: 999.999.999.999:99999 is filled in with the local address when sent]` : '';
          emit({ event: 'trace', text: `${arrow} ${where}${note}\n${t.text.replace(/\r\n$/, '').replace(/\r\n/g, '\n')}`, fields: { direction: t.direction, transport: t.transport, remote: t.remote, unresolved: t.unresolved, text: t.text } });
        });
        ctx.setTrace(true);
      }
      if (o.logLevel !== null) {
        ctx.setLogger((method, message, record) => {
          if (o.json) emit({ event: 'log', text: message, fields: { level: record.level, method, file: record.file, line: record.line, text: message } });
          else out.log(`${clock(new Date())} [${method} ${record.file}:${record.line}] ${message}`);
        }, o.logLevel);
      }
      const listening = await ctx.listen({ transport: o.transport, address: o.address, port: o.port });
      const where = `${listening.family === 6 ? `[${o.address}]` : o.address}:${listening.port}`;
      // eXosip's usual build opens no listening TCP socket: say so rather than claim one.
      const accepting = listening.transport === 'udp' || (await acceptsConnections(o.address, listening.port));
      emit({
        event: 'listening',
        text: accepting
          ? `listening ${listening.transport} ${where}`
          : `local ${listening.transport} ${where} (no listening socket: this libeXosip2 only connects out, and the registrar answers on that connection)`,
        fields: { transport: listening.transport, address: o.address, port: listening.port, accepting },
      });
      if (password !== null && username !== null) {
        ctx.addAuthenticationInfo({ username, password, ...(o.realm === null ? {} : { realm: o.realm }) });
      }
    } catch (error) {
      out.complain(describe(error));
      return EXIT.FAILURE;
    }
    if (stop.signal.aborted) {
      emit({ event: 'aborted', text: 'aborted before registering (nothing was sent)' });
      return cause === 'output' ? EXIT.OUTPUT_CLOSED : EXIT.FAILURE;
    }

    emit({ event: 'registering', text: `registering ${o.from} at ${proxy} expires=${o.expires}`, fields: { from: o.from, proxy, expires: o.expires } });
    // The context announces the registration as soon as its first REGISTER is
    // sent, so the challenge and the first 2xx are reported too.
    ctx.once('registration', subscribe);
    // A shutdown while the REGISTER is in flight waits (bounded) for its answer,
    // so that a binding the registrar accepts meanwhile is removed, not left.
    const giveUp = new AbortController();
    let giveUpTimer: NodeJS.Timeout | undefined;
    const onStop = (): void => {
      giveUpTimer = setTimeout(() => giveUp.abort(stop.signal.reason), SHUTDOWN_WAIT_MS);
    };
    stop.signal.addEventListener('abort', onStop, { once: true });
    let reg: Registration;
    try {
      reg = await ctx.register({ from: o.from, proxy, expires: o.expires, ...(o.contact === null ? {} : { contact: o.contact }), signal: giveUp.signal });
    } catch (error) {
      if (giveUp.signal.aborted) {
        emit({
          event: 'aborted',
          text: `aborted: no answer to the REGISTER within ${SHUTDOWN_WAIT_MS / 1000} s of shutting down (if the registrar accepts it later, its binding lasts ${o.expires} s)`,
        });
      } else {
        // A final answer was already reported by the registration's own
        // 'failed' event; a timeout or a send error was not.
        if (!reported.has(error as object)) {
          emit({ event: 'failed', text: `failed ${describe(error)}`, fields: fields(error) }, (error as RegistrationError).rid);
        }
        out.complain(`registration failed: ${describe(error)}`);
      }
      return EXIT.FAILURE;
    } finally {
      clearTimeout(giveUpTimer);
      stop.signal.removeEventListener('abort', onStop);
    }
    if (o.proxy === null) return demoRefreshThenUnregister(reg);
    if (!stop.signal.aborted) await new Promise((resolve) => stop.signal.addEventListener('abort', resolve, { once: true }));
    return unregister(reg);
  };

  // The demo: one explicit refresh (unless shutting down), then unregister.
  const demoRefreshThenUnregister = async (reg: Registration): Promise<number> => {
    let code: number = EXIT.OK;
    if (!stop.signal.aborted) {
      // Ask for what was granted: after a 423, eXosip raised it to Min-Expires.
      const expires = reg.expires > 0 ? reg.expires : reg.requestedExpires;
      emit({ event: 'refreshing', text: `refreshing expires=${expires}`, fields: { expires } }, reg.rid);
      const bound = { timeoutMs: SHUTDOWN_WAIT_MS };
      try {
        await reg.refresh({ expires, timeoutMs: SHUTDOWN_WAIT_MS, signal: stop.signal });
      } catch (error) {
        if (!stop.signal.aborted) {
          if (!reported.has(error as object)) emit({ event: 'failed', text: `failed ${describe(error, bound)}`, fields: fields(error, bound) }, reg.rid);
          out.complain(`refresh failed: ${describe(error, bound)}`);
          code = EXIT.FAILURE;
        }
      }
    }
    const unregistered = await unregister(reg);
    return code === EXIT.OK ? unregistered : code;
  };

  const emitRegistered = (event: 'registered' | 'refreshed', reg: Registration, info: RegistrationInfo): void => {
    const contact = reg.contact;
    emit({ event, text: `${event} expires=${info.expires}${contact === null ? '' : ` contact=${contact}`}`, fields: { expires: info.expires, contact, contacts: info.contacts } }, reg.rid);
  };

  const subscribe = (reg: Registration): void => {
    reg.on('registered', (info) => emitRegistered('registered', reg, info));
    reg.on('refreshed', (info) => emitRegistered('refreshed', reg, info));
    reg.on('challenge', (c) => {
      emit({ event: 'challenge', text: `challenge ${c.statusCode} (attempt ${c.attempt})`, fields: { status: c.statusCode, attempt: c.attempt } }, reg.rid);
    });
    reg.on('failed', (error) => {
      reported.add(error);
      emit({ event: 'failed', text: `failed ${describe(error)}`, fields: fields(error) }, reg.rid);
    });
    reg.on('unregistered', () => emit({ event: 'unregistered', text: 'unregistered' }, reg.rid));
  };

  const unregister = async (reg: Registration): Promise<number> => {
    emit({ event: 'unregistering', text: 'unregistering' }, reg.rid);
    const bound = { timeoutMs: SHUTDOWN_WAIT_MS };
    try {
      // unregister() first waits for a refresh eXosip may have in flight.
      await reg.unregister({ timeoutMs: SHUTDOWN_WAIT_MS });
      return EXIT.OK;
    } catch (error) {
      emit({ event: 'unregister-failed', text: `unregister failed ${describe(error, bound)}`, fields: fields(error, bound) }, reg.rid);
      out.complain(`unregister failed: ${describe(error, bound)}`);
      return EXIT.FAILURE;
    }
  };

  const close = (): Promise<unknown> => Promise.all([(ctx as Context | null)?.close(), (registrar as Registrar | null)?.close()]);
  try {
    let code = await Promise.race([work(), secondSignal]);
    if (code === EXIT.INTERRUPTED) return code;
    // Closing is bounded by eXosip_quit; a second signal still cuts it short.
    const closed = await Promise.race([close().then(() => code), secondSignal]);
    if (closed === EXIT.INTERRUPTED) return closed;
    if (cause === 'output' && code === EXIT.OK) code = EXIT.OUTPUT_CLOSED;
    return code;
  } catch (error) {
    out.complain(describe(error));
    await close();
    return EXIT.FAILURE;
  } finally {
    signals.off('SIGINT', onSignal);
    signals.off('SIGTERM', onSignal);
    out.detach();
  }
}

if (require.main === module) {
  // An output error after main() let go of the streams must not crash the exit.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, signals: process }).then(
    (code) => {
      if (code === EXIT.INTERRUPTED) process.exit(code);
      process.exitCode = code;
      // main() has let go of the signals, and the process ends once the loop
      // drains: a signal arriving meanwhile (one Ctrl-C delivered twice, by the
      // terminal and by npm) must not turn this exit into a death by SIGINT.
      const late = (): void => process.exit(code);
      process.once('SIGINT', late);
      process.once('SIGTERM', late);
      // (Signal listeners do not keep the process alive.)
    },
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`${PROGRAM}: ${scrub(message, passwordIn(process.argv))}\n`);
      process.exit(EXIT.FAILURE);
    },
  );
}
