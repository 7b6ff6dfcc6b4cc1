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
import { Context, type Registrar, type Registration, RegistrationError, type RegistrationInfo } from '../lib/index';
import { registrarName } from '../lib/register/answers';
import { type CliOptions, DEMO_FROM, EXIT, parseCliArgs, PROGRAM, USAGE, userPart } from './cli/args';
import { startDemoRegistrar } from './cli/demo';
import { Output } from './cli/output';
import { type CliIo, listenAndSay, packageVersion, runAsScript, showStack, watchShutdown } from './cli/session';

export { type CliOptions, DEMO_FROM, EXIT, type ParsedArgs, parseCliArgs, type PasswordSources, PASSWORD_ENV, PROGRAM, USAGE } from './cli/args';
export type { TextSink } from './cli/output';
export { type CliIo, packageVersion, SAME_SIGNAL_MS, type SignalSource } from './cli/session';

/** How long shutting down waits for the registrar: the unregister, or the answer to a REGISTER in flight. */
export const SHUTDOWN_WAIT_MS = 5000;

/**
 * The same failure again within this long of the line that reported it is
 * counted, not printed: over TCP/TLS eXosip retries a registration whose
 * connection failed by itself, 1 s, 2 s, ... up to 60 s later, and every
 * second for a period under about 2 minutes
 * (`_eXosip_mark_registration_expired`, eXosip.c): a registrar gone would
 * print a line a second.
 */
export const FAILURE_REPEAT_MS = 30_000;

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
  const shutdown = watchShutdown(signals, out, `unregistering, then exiting ${EXIT.OUTPUT_CLOSED}`);
  const { stop, secondSignal } = shutdown;

  let ctx: Context | null = null;
  let registrar: Registrar | null = null;
  const reported = new WeakSet<object>();
  /** unregister() runs: its failure is reported as unregister-failed, not as a registration's 'failed'. */
  let unregistering = false;

  const work = async (): Promise<number> => {
    try {
      if (o.proxy === null) {
        registrar = await startDemoRegistrar(o, username!, password!, emit, packageVersion());
        proxy = registrar.uri!;
      }
      ctx = new Context({ userAgent: `${PROGRAM}/${packageVersion()}` });
      showStack(ctx, o, out);
      await listenAndSay(ctx, o, emit);
      if (password !== null && username !== null) {
        ctx.addAuthenticationInfo({ username, password, ...(o.realm === null ? {} : { realm: o.realm }) });
      }
    } catch (error) {
      out.complain(describe(error));
      return EXIT.FAILURE;
    }
    if (stop.signal.aborted) {
      emit({ event: 'aborted', text: 'aborted before registering (nothing was sent)' });
      return shutdown.cause() === 'output' ? EXIT.OUTPUT_CLOSED : EXIT.FAILURE;
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
    let last = { text: '', at: 0, again: 0 };
    reg.on('failed', (error) => {
      reported.add(error);
      // The unregister's own failure is reported once, as unregister-failed.
      if (unregistering) return;
      const text = `failed ${describe(error)}`;
      const at = Date.now();
      if (text === last.text && at - last.at < FAILURE_REPEAT_MS) {
        last.again++;
        return;
      }
      const again = text === last.text ? last.again : 0;
      const note = again > 0 ? ` (again ${again} time${again === 1 ? '' : 's'} since the last line)` : '';
      emit({ event: 'failed', text: `${text}${note}`, fields: { ...fields(error), ...(again > 0 ? { repeated: again } : {}) } }, reg.rid);
      last = { text, at, again: 0 };
    });
    reg.on('refreshed', () => (last = { text: '', at: 0, again: 0 }));
    reg.on('unregistered', () => emit({ event: 'unregistered', text: 'unregistered' }, reg.rid));
  };

  const unregister = async (reg: Registration): Promise<number> => {
    unregistering = true;
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
    if (shutdown.cause() === 'output' && code === EXIT.OK) code = EXIT.OUTPUT_CLOSED;
    return code;
  } catch (error) {
    out.complain(describe(error));
    await close();
    return EXIT.FAILURE;
  } finally {
    shutdown.dispose();
  }
}

if (require.main === module) runAsScript(PROGRAM, main);
