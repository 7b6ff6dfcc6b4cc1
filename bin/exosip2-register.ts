#!/usr/bin/env node
/**
 * `exosip2-register`: registers one SIP address of record at a registrar and
 * keeps it registered until SIGINT/SIGTERM, then unregisters. The counterpart
 * of eXosip's own `sip_reg` tool. Without `--proxy` and `--from` it runs a
 * demo against the embedded {@link Registrar} on loopback: register (with its
 * challenge), refresh, unregister, exit 0. See docs/cli.md.
 *
 * The logic is in {@link main}, which takes the arguments and its output
 * streams and resolves with the exit code, so it can be driven from tests;
 * run as a script, this file calls it with `process.argv` and `process`.
 * @module
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { isIP } from 'node:net';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import {
  Context,
  type ListenInfo,
  Registrar,
  type RegistrarBinding,
  type Registration,
  RegistrationError,
  type RegistrationInfo,
  type Transport,
} from '../lib/index';

/** Exit codes of the CLI. */
export const EXIT = Object.freeze({
  /** Registered, then unregistered cleanly (or `--help`/`--version`). */
  OK: 0,
  /** The registration failed, the unregister failed or timed out, or a runtime error. */
  FAILURE: 1,
  /** Bad usage: unknown option, missing or malformed value. */
  USAGE: 2,
  /** A second SIGINT/SIGTERM while shutting down: exit at once. */
  INTERRUPTED: 130,
});

/** The name the CLI prints in messages. */
export const PROGRAM = 'exosip2-register';

/** The address of record the demo registers (without `--proxy` and `--from`). */
export const DEMO_FROM = 'sip:alice@example.com';

/** The usage text of `--help` (also printed, to stderr, after a usage error). */
export const USAGE = `Usage: ${PROGRAM} [options]
       ${PROGRAM} --proxy <sip-uri> --from <sip-uri> [options]

Without --proxy and --from: a demo, nothing to set up. Starts the embedded
registrar (exosip2's Registrar) on loopback, registers ${DEMO_FROM}
to it (a 401 challenge, then 200), refreshes once, unregisters, exits 0.

With them: registers <from> at the registrar <proxy>, keeps the registration
refreshed until SIGINT/SIGTERM, then unregisters (REGISTER with expires 0)
and exits.

  --proxy <sip-uri>      registrar, e.g. sip:127.0.0.1:5060
  --from <sip-uri>       address of record, e.g. sip:alice@example.com

Options (--username, --password, --realm, --contact: not in the demo):
  --username <u>         digest user name (default: user part of --from)
  --password <p>         digest password (never printed)
  --realm <r>            realm the credentials are for (default: any realm)
  --transport udp|tcp    transport (default: udp)
  --expires <s>          expiry to ask for, in seconds (default: 3600)
  --port <n>             local port (default: 0 = any free port)
  --address <ip>         local address to bind (default: 127.0.0.1 when the
                         proxy host is a loopback address, ::1 for [::1],
                         else 0.0.0.0, or :: for an IPv6 proxy)
  --contact <uri>        Contact to register (default: built by eXosip)
  --json                 one JSON object per line instead of human lines
  --trace                print every SIP message sent (>>) and received (<<),
                         with Authorization credentials redacted
  --log-level <0..7>     print libosip2/eXosip's own log up to that level
                         (0 FATAL, 2 ERROR, 3 WARNING, 4..7 INFO1..INFO4)
  --help                 show this text and exit
  --version              show the package and libeXosip2 versions and exit

Exit codes: 0 ok, 1 registration/unregistration failure, 2 bad usage,
130 second signal while shutting down.
`;

/** Options of the CLI, after parsing and checking. */
export interface CliOptions {
  /** The registrar; null for the demo (the embedded registrar, started on loopback). */
  proxy: string | null;
  from: string;
  /** Digest user name; null when neither --username nor a user part in --from was given. */
  username: string | null;
  password: string | null;
  realm: string | null;
  transport: Extract<Transport, 'udp' | 'tcp'>;
  expires: number;
  port: number;
  address: string;
  contact: string | null;
  json: boolean;
  /** Print the SIP messages on the wire. */
  trace: boolean;
  /** osip log level to print (0..7), or null for none. */
  logLevel: number | null;
}

/** What {@link parseCliArgs} found: a run, `--help`, `--version`, or a usage error. */
export type ParsedArgs =
  | { kind: 'run'; options: CliOptions }
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'usage'; message: string };

/** A writable text stream: `process.stdout` or anything with `write(string)`. */
export interface TextSink {
  write(chunk: string): unknown;
}

/** Where shutdown signals come from: `process`, or any emitter of `'SIGINT'`/`'SIGTERM'`. */
export interface SignalSource {
  on(event: 'SIGINT' | 'SIGTERM', listener: (signal: NodeJS.Signals) => void): unknown;
  off(event: 'SIGINT' | 'SIGTERM', listener: (signal: NodeJS.Signals) => void): unknown;
}

/** The I/O of {@link main}. */
export interface CliIo {
  /** Event lines (human or JSON). */
  stdout: TextSink;
  /** Usage and error messages. */
  stderr: TextSink;
  /** Source of SIGINT/SIGTERM; default `process`. */
  signals?: SignalSource;
  /** Clock for timestamps; default `() => new Date()`. */
  now?: () => Date;
}

const SIP_URI = /^sips?:[^\s<>"]+$/i;

/** The user part of a `sip:user[:password]@host` URI, or null. */
export function userPart(uri: string): string | null {
  const m = /^sips?:([^@;?]+)@/i.exec(uri);
  if (!m) return null;
  const user = m[1].split(':')[0];
  try {
    return user === '' ? null : decodeURIComponent(user);
  } catch {
    return user;
  }
}

/** The host of a SIP URI (brackets of an IPv6 literal removed), or null. */
export function uriHost(uri: string): string | null {
  const m = /^sips?:(?:[^@;?]*@)?(\[[^\]]*\]|[^:;?]+)/i.exec(uri);
  if (!m) return null;
  return m[1].startsWith('[') ? m[1].slice(1, -1) : m[1];
}

/**
 * The local address to bind when `--address` is not given: the loopback
 * address of the proxy's family when the proxy host is a loopback address
 * (`127.x.x.x`, `localhost`, `::1`), else the wildcard of its family.
 */
export function defaultBindAddress(proxy: string): string {
  const host = (uriHost(proxy) ?? '').toLowerCase();
  if (isIP(host) === 6) return host === '::1' ? '::1' : '::';
  if (host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host)) return '127.0.0.1';
  return '0.0.0.0';
}

/** The value given to `--password` in `argv` (even when parsing fails), for scrubbing it from messages. */
export function passwordIn(argv: readonly string[]): string | null {
  let found: string | null = null;
  argv.forEach((arg, i) => {
    if (arg === '--password' && i + 1 < argv.length) found = argv[i + 1];
    else if (arg.startsWith('--password=')) found = arg.slice('--password='.length);
  });
  return found;
}

/** Replaces every occurrence of `secret` in `text` by `***`. */
export function scrub(text: string, secret: string | null): string {
  return secret ? text.split(secret).join('***') : text;
}

function integerOption(name: string, raw: string | undefined, fallback: number, min: number, max: number): number | string {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) return `--${name} must be an integer from ${min} to ${max}`;
  const value = Number(raw);
  if (value < min || value > max) return `--${name} must be an integer from ${min} to ${max}`;
  return value;
}

/**
 * Parses the arguments (without `node` and the script name) with
 * `node:util` `parseArgs` in strict mode and checks every value. Never
 * throws: a problem is returned as `{ kind: 'usage', message }`, and the
 * message never contains the password.
 */
export function parseCliArgs(argv: readonly string[]): ParsedArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        proxy: { type: 'string' },
        from: { type: 'string' },
        username: { type: 'string' },
        password: { type: 'string' },
        realm: { type: 'string' },
        transport: { type: 'string' },
        expires: { type: 'string' },
        port: { type: 'string' },
        address: { type: 'string' },
        contact: { type: 'string' },
        json: { type: 'boolean' },
        trace: { type: 'boolean' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
      },
    }));
  } catch (error) {
    return { kind: 'usage', message: scrub((error as Error).message, passwordIn(argv)) };
  }
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  const str = (name: string): string | undefined => values[name] as string | undefined;

  const proxy = str('proxy') ?? null;
  const demo = proxy === null && str('from') === undefined;
  const from = str('from') ?? (demo ? DEMO_FROM : undefined);
  if (demo) {
    for (const name of ['username', 'password', 'realm', 'contact']) {
      if (str(name) !== undefined) {
        return { kind: 'usage', message: `--${name} needs --proxy and --from: without them ${PROGRAM} runs its demo, which registers its own user` };
      }
    }
  }
  if (proxy === null && !demo) return { kind: 'usage', message: 'missing required option --proxy <sip-uri> (or give neither --proxy nor --from for the demo)' };
  if (from === undefined) return { kind: 'usage', message: 'missing required option --from <sip-uri>' };
  if (proxy !== null && !SIP_URI.test(proxy)) return { kind: 'usage', message: `--proxy must be a sip: or sips: URI, e.g. sip:127.0.0.1:5060 (got ${JSON.stringify(proxy)})` };
  if (!SIP_URI.test(from)) return { kind: 'usage', message: `--from must be a sip: or sips: URI, e.g. sip:alice@example.com (got ${JSON.stringify(from)})` };

  const transport = str('transport') ?? 'udp';
  if (transport !== 'udp' && transport !== 'tcp') return { kind: 'usage', message: `--transport must be udp or tcp (got ${JSON.stringify(transport)})` };

  const expires = integerOption('expires', str('expires'), 3600, 1, 99_999_999);
  if (typeof expires === 'string') return { kind: 'usage', message: expires };
  const port = integerOption('port', str('port'), 0, 0, 65535);
  if (typeof port === 'string') return { kind: 'usage', message: port };

  const address = str('address') ?? (proxy === null ? '127.0.0.1' : defaultBindAddress(proxy));
  if (isIP(address) === 0) return { kind: 'usage', message: `--address must be an IPv4 or IPv6 address (got ${JSON.stringify(address)})` };

  const logLevel = str('log-level') === undefined ? null : integerOption('log-level', str('log-level'), 0, 0, 7);
  if (typeof logLevel === 'string') return { kind: 'usage', message: logLevel };

  const contact = str('contact') ?? null;
  if (contact !== null && (contact === '' || /[\0\r\n]/.test(contact))) return { kind: 'usage', message: '--contact must be a non-empty URI on one line' };

  const password = str('password') ?? null;
  const username = str('username') ?? userPart(from);
  if (password !== null && username === null) {
    return { kind: 'usage', message: '--password needs a user name: give --username, or a --from with a user part (sip:user@domain)' };
  }
  for (const [name, value] of [['username', username], ['password', password], ['realm', str('realm')]] as const) {
    if (value === null || value === undefined) continue;
    if (/[\0\r\n]/.test(value)) return { kind: 'usage', message: `--${name} must not contain NUL, CR or LF` };
    if (Buffer.byteLength(value, 'utf8') > 49) return { kind: 'usage', message: `--${name} is longer than the 49 bytes libeXosip2 keeps` };
    if (name !== 'password' && value === '') return { kind: 'usage', message: `--${name} must not be empty` };
  }

  return {
    kind: 'run',
    options: {
      proxy,
      from,
      username,
      password,
      realm: str('realm') ?? null,
      transport,
      expires,
      port,
      address,
      contact,
      json: values.json === true,
      trace: values.trace === true,
      logLevel,
    },
  };
}

/** The version of this package, from its package.json (`bin/` and `dist/bin/` both work). */
export function packageVersion(): string {
  for (const candidate of [path.join(__dirname, '..', 'package.json'), path.join(__dirname, '..', '..', 'package.json')]) {
    try {
      const pkg = JSON.parse(fs.readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'exosip2' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      /* next candidate */
    }
  }
  return 'unknown';
}

function clock(date: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}.${p(date.getMilliseconds(), 3)}`;
}

/** One output event: its name, a human rendering, and JSON fields. */
interface OutputEvent {
  event: string;
  text: string;
  fields?: Record<string, unknown>;
}

/**
 * Runs the CLI: parses `argv` (the arguments after the script name),
 * registers, prints every registration event to `io.stdout` (human lines,
 * or JSON lines with `--json`), and on the first SIGINT/SIGTERM of
 * `io.signals` unregisters and closes. A second signal while shutting down
 * resolves at once with 130 (the caller should then exit without waiting).
 * Never rejects; never prints the password.
 * @returns the exit code: 0 ok, 1 failure, 2 bad usage, 130 second signal.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCliArgs(argv);
  if (parsed.kind === 'help') {
    io.stdout.write(USAGE);
    return EXIT.OK;
  }
  if (parsed.kind === 'version') {
    io.stdout.write(`${PROGRAM} ${packageVersion()} (libeXosip2 ${Context.exosipVersion})\n`);
    return EXIT.OK;
  }
  if (parsed.kind === 'usage') {
    io.stderr.write(`${PROGRAM}: ${parsed.message}\n\n${USAGE}`);
    return EXIT.USAGE;
  }
  return run(parsed.options, io);
}

async function run(o: CliOptions, io: CliIo): Promise<number> {
  const now = io.now ?? (() => new Date());
  const signals = io.signals ?? process;
  // The demo makes up its password at run time: scrubbed all the same.
  const password = o.proxy === null ? randomBytes(12).toString('base64url') : o.password;
  const username = o.proxy === null ? userPart(DEMO_FROM) : o.username;
  const secret = password;
  const safe = (text: string): string => scrub(text, secret);

  const emit = (e: OutputEvent, rid?: number): void => {
    const time = now();
    if (o.json) {
      const record = { time: time.toISOString(), event: e.event, ...(rid === undefined ? {} : { rid }), ...e.fields };
      io.stdout.write(`${safe(JSON.stringify(record))}\n`);
    } else {
      io.stdout.write(`${clock(time)} ${safe(e.text)}\n`);
    }
  };
  const complain = (message: string): void => {
    io.stderr.write(`${PROGRAM}: ${safe(message)}\n`);
  };
  const describeError = (error: unknown): string => {
    if (error instanceof RegistrationError) {
      return error.statusCode > 0 ? `${error.statusCode} ${error.reason}`.trim() : `${error.reason || error.message} (${error.code})`;
    }
    if (error instanceof Error) return error.message;
    return String(error);
  };
  const errorFields = (error: unknown): Record<string, unknown> =>
    error instanceof RegistrationError
      ? { status: error.statusCode, reason: error.reason, code: error.code }
      : { status: 0, reason: error instanceof Error ? error.message : String(error), code: (error as { code?: unknown })?.code ?? null };

  // Signals: the first one starts the shutdown, a second one ends everything at once.
  const stop = new AbortController();
  let signalCount = 0;
  let interrupted!: (code: number) => void;
  const secondSignal = new Promise<number>((resolve) => (interrupted = resolve));
  const onSignal = (signal: NodeJS.Signals): void => {
    signalCount += 1;
    if (signalCount === 1) {
      emit({ event: 'signal', text: `${signal}: shutting down`, fields: { signal } });
      stop.abort(signal);
    } else {
      emit({ event: 'signal', text: `${signal} again: exiting at once`, fields: { signal } });
      interrupted(EXIT.INTERRUPTED);
    }
  };
  signals.on('SIGINT', onSignal);
  signals.on('SIGTERM', onSignal);

  let ctx: Context | null = null;
  let registrar: Registrar | null = null;
  let proxy = o.proxy ?? '';
  const work = async (): Promise<number> => {
    try {
      if (o.proxy === null) {
        registrar = await startDemoRegistrar(o, username!, password!, emit);
        proxy = registrar.uri!;
      }
      ctx = new Context({ userAgent: `${PROGRAM}/${packageVersion()}` });
      if (o.trace) {
        ctx.on('trace', (t) => {
          const arrow = t.direction === 'out' ? '>>' : '<<';
          const where = `${t.direction === 'out' ? 'to' : 'from'} ${t.remote ?? 'unknown'} (${t.transport})`;
          emit({ event: 'trace', text: `${arrow} ${where}\n${t.text.replace(/\r\n$/, '').replace(/\r\n/g, '\n')}`, fields: { direction: t.direction, transport: t.transport, remote: t.remote, text: t.text } });
        });
        ctx.setTrace(true);
      }
      if (o.logLevel !== null) {
        ctx.setLogger((method, message, record) => {
          if (o.json) emit({ event: 'log', text: message, fields: { level: record.level, method, file: record.file, line: record.line, text: message } });
          else io.stderr.write(`${clock(now())} [${method} ${record.file}:${record.line}] ${safe(message)}\n`);
        }, o.logLevel);
      }
      const listening: ListenInfo = await ctx.listen({ transport: o.transport, address: o.address, port: o.port });
      emit({
        event: 'listening',
        text: `listening ${listening.transport} ${listening.family === 6 ? `[${o.address}]` : o.address}:${listening.port}`,
        fields: { transport: listening.transport, address: o.address, port: listening.port },
      });
      if (password !== null && username !== null) {
        ctx.addAuthenticationInfo({ username, password, ...(o.realm === null ? {} : { realm: o.realm }) });
      }
    } catch (error) {
      complain(describeError(error));
      return EXIT.FAILURE;
    }

    emit({ event: 'registering', text: `registering ${o.from} at ${proxy} expires=${o.expires}`, fields: { from: o.from, proxy, expires: o.expires } });
    // The context announces the registration as soon as its first REGISTER is
    // sent, so the challenge and the first 2xx are reported too.
    ctx.once('registration', subscribe);
    const pending = ctx.register({
      from: o.from,
      proxy,
      expires: o.expires,
      ...(o.contact === null ? {} : { contact: o.contact }),
      signal: stop.signal,
    });

    let reg: Registration;
    try {
      reg = await pending;
    } catch (error) {
      if (stop.signal.aborted) {
        emit({ event: 'aborted', text: 'aborted before the registration completed' });
      } else {
        // A final answer was already reported by the registration's own
        // 'failed' event; a timeout or a send error was not.
        if (!reported.has(error as object)) {
          emit({ event: 'failed', text: `failed ${describeError(error)}`, fields: errorFields(error) }, (error as RegistrationError).rid);
        }
        complain(`registration failed: ${describeError(error)}`);
      }
      return EXIT.FAILURE;
    }
    if (o.proxy === null) return demoRefreshThenUnregister(reg);
    if (!stop.signal.aborted) await new Promise((resolve) => stop.signal.addEventListener('abort', resolve, { once: true }));
    return unregister(reg);
  };

  // The demo: one explicit refresh (unless a signal came), then unregister.
  const demoRefreshThenUnregister = async (reg: Registration): Promise<number> => {
    let code: number = EXIT.OK;
    if (!stop.signal.aborted) {
      // Ask for what was granted: after a 423, eXosip raised it to Min-Expires.
      const expires = reg.expires > 0 ? reg.expires : reg.requestedExpires;
      emit({ event: 'refreshing', text: `refreshing expires=${expires}`, fields: { expires } }, reg.rid);
      try {
        await reg.refresh({ expires, timeoutMs: 5000, signal: stop.signal });
      } catch (error) {
        if (!stop.signal.aborted) {
          if (!reported.has(error as object)) emit({ event: 'failed', text: `failed ${describeError(error)}`, fields: errorFields(error) }, reg.rid);
          complain(`refresh failed: ${describeError(error)}`);
          code = EXIT.FAILURE;
        }
      }
    }
    const unregistered = await unregister(reg);
    return code === EXIT.OK ? unregistered : code;
  };

  const emitRegistered = (event: 'registered' | 'refreshed', reg: Registration, info: RegistrationInfo): void => {
    const contact = reg.contact;
    emit(
      {
        event,
        text: `${event} expires=${info.expires}${contact === null ? '' : ` contact=${contact}`}`,
        fields: { expires: info.expires, contact, contacts: info.contacts },
      },
      reg.rid,
    );
  };

  const reported = new WeakSet<object>();
  const subscribe = (reg: Registration): void => {
    reg.on('registered', (info) => emitRegistered('registered', reg, info));
    reg.on('refreshed', (info) => emitRegistered('refreshed', reg, info));
    reg.on('challenge', (c) =>
      emit({ event: 'challenge', text: `challenge ${c.statusCode} (attempt ${c.attempt})`, fields: { status: c.statusCode, attempt: c.attempt } }, reg.rid),
    );
    reg.on('failed', (error) => {
      reported.add(error);
      emit({ event: 'failed', text: `failed ${describeError(error)}`, fields: errorFields(error) }, reg.rid);
    });
    reg.on('unregistered', () => emit({ event: 'unregistered', text: 'unregistered' }, reg.rid));
  };

  const unregister = async (reg: Registration): Promise<number> => {
    emit({ event: 'unregistering', text: 'unregistering' }, reg.rid);
    try {
      // unregister() first waits for a refresh eXosip may have in flight.
      await reg.unregister({ timeoutMs: 5000 });
      return EXIT.OK;
    } catch (error) {
      emit({ event: 'unregister-failed', text: `unregister failed ${describeError(error)}`, fields: errorFields(error) }, reg.rid);
      complain(`unregister failed: ${describeError(error)}`);
      return EXIT.FAILURE;
    }
  };

  try {
    const code = await Promise.race([work(), secondSignal]);
    if (code === EXIT.INTERRUPTED) return code;
    // Closing is bounded by eXosip_quit; a second signal still cuts it short.
    const closing = Promise.all([(ctx as Context | null)?.close(), (registrar as Registrar | null)?.close()]);
    const closed = await Promise.race([closing.then(() => code), secondSignal]);
    if (closed === EXIT.INTERRUPTED) return closed;
    return code;
  } catch (error) {
    complain(describeError(error));
    await Promise.all([(ctx as Context | null)?.close(), (registrar as Registrar | null)?.close()]);
    return EXIT.FAILURE;
  } finally {
    signals.off('SIGINT', onSignal);
    signals.off('SIGTERM', onSignal);
  }
}

/** The registrar side of the demo, one line per event. */
async function startDemoRegistrar(o: CliOptions, username: string, password: string, emit: (e: OutputEvent) => void): Promise<Registrar> {
  const registrar = new Registrar({ users: { [username]: password }, userAgent: `${PROGRAM}-demo-registrar/${packageVersion()}` });
  const where = (b: RegistrarBinding): Record<string, unknown> => ({ aor: b.aor, contact: b.contact, expires: b.expires });
  registrar.on('challenge', (c) =>
    emit({
      event: 'registrar-challenge',
      text: `registrar: ${c.status} challenge to ${c.aor} (${c.cause}${c.stale ? ', stale' : ''})`,
      fields: { status: c.status, aor: c.aor, realm: c.realm, cause: c.cause, stale: c.stale },
    }),
  );
  registrar.on('registered', ({ binding, refreshed }) => {
    const event = refreshed ? 'refreshed' : 'registered';
    emit({ event: `registrar-${event}`, text: `registrar: ${event} ${binding.aor} contact=${binding.contact} expires=${binding.expires}`, fields: where(binding) });
  });
  registrar.on('unregistered', ({ binding, reason }) =>
    emit({ event: 'registrar-unregistered', text: `registrar: unregistered ${binding.aor} contact=${binding.contact} (${reason})`, fields: { ...where(binding), reason } }),
  );
  registrar.on('rejected', (r) =>
    emit({
      event: 'registrar-rejected',
      text: `registrar: ${r.status} to ${r.aor ?? r.method} (${r.cause}: ${r.detail})`,
      fields: { status: r.status, aor: r.aor, cause: r.cause, detail: r.detail },
    }),
  );
  try {
    const info = await registrar.listen({ transport: o.transport, address: isIP(o.address) === 6 ? '::1' : '127.0.0.1', port: 0 });
    const address = info.family === 6 ? `[${info.address}]` : info.address;
    emit({
      event: 'registrar-listening',
      text: `registrar listening ${info.transport} ${address}:${info.port} (demo: the embedded exosip2 Registrar, user ${DEMO_FROM.slice(4)})`,
      fields: { transport: info.transport, address: info.address, port: info.port, uri: registrar.uri, user: DEMO_FROM },
    });
  } catch (error) {
    await registrar.close();
    throw error;
  }
  return registrar;
}

if (require.main === module) {
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, signals: process }).then(
    (code) => {
      if (code === EXIT.INTERRUPTED) process.exit(code);
      process.exitCode = code;
    },
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`${PROGRAM}: ${scrub(message, passwordIn(process.argv))}\n`);
      process.exit(EXIT.FAILURE);
    },
  );
}
