/**
 * The command line of `exosip2-register`: its usage text, exit codes, and
 * {@link parseCliArgs}, which turns `argv` (plus the password sources: the
 * environment, a file, stdin) into checked options or one usage error.
 * @module
 */
import * as fs from 'node:fs';
import { isIP } from 'node:net';
import { isatty } from 'node:tty';
import { parseArgs } from 'node:util';
import type { Transport } from '../../lib/index';

/** Exit codes of the CLI (docs/cli.md, "Exit codes"). */
export const EXIT = Object.freeze({
  /** Registered, then unregistered cleanly (or `--help`/`--version`). */
  OK: 0,
  /** The registration failed, the unregister failed or timed out, or a runtime error. */
  FAILURE: 1,
  /** Bad usage: unknown option, missing or malformed value. */
  USAGE: 2,
  /** A second SIGINT/SIGTERM while shutting down: exit at once. */
  INTERRUPTED: 130,
  /** stdout or stderr failed (e.g. EPIPE: the reader went away); the tool unregistered first. 128 + SIGPIPE, as the shell reports a program SIGPIPE ended. */
  OUTPUT_CLOSED: 141,
});

/** The name the CLI prints in messages. */
export const PROGRAM = 'exosip2-register';

/** The address of record the demo registers (without `--proxy` and `--from`). */
export const DEMO_FROM = 'sip:alice@example.com';

/** The environment variable the password is taken from when no option gives it. */
export const PASSWORD_ENV = 'EXOSIP2_PASSWORD';

/** The usage text of `--help`. */
export const USAGE = `Usage: ${PROGRAM} [options]
       ${PROGRAM} --proxy <sip-uri> --from <sip-uri> [options]

Without --proxy and --from: a demo, nothing to set up. Starts the embedded
registrar (exosip2's Registrar) on loopback, registers ${DEMO_FROM}
to it (a 401 challenge, then 200), refreshes once, unregisters, exits 0.

With them: registers <from> at the registrar <proxy>, keeps the registration
refreshed until SIGINT/SIGTERM (or until stdout closes), then unregisters
(REGISTER with expires 0) and exits.

  --proxy <sip-uri>      registrar, e.g. sip:127.0.0.1:5060
  --from <sip-uri>       address of record, e.g. sip:alice@example.com

Options (--username, --password*, --realm, --contact: not in the demo):
  --username <u>         digest user name (default: user part of --from)
  --password-file <f>    read the digest password from the first line of file
                         <f>; "-" reads it from stdin (never printed)
  --password <p>         the digest password itself; other users of this
                         machine see it in ps: prefer --password-file or
                         ${PASSWORD_ENV}
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
                         with Authorization credentials redacted; eXosip
                         traces before its transport fills in the local
                         address, so Via and Contact of a message sent show
                         999.999.999.999:99999 (noted on the line)
  --log-level <0..7>     print libosip2/eXosip's own log up to that level
                         (0 FATAL, 2 ERROR, 3 WARNING, 4..7 INFO1..INFO4)
  --help                 show this text and exit
  --version              show the package and libeXosip2 versions and exit

Environment:
  ${PASSWORD_ENV}       the digest password, when neither --password nor
                         --password-file is given (not used by the demo)

Exit codes: 0 ok, 1 registration/unregistration failure, 2 bad usage,
130 a second signal while shutting down, 141 stdout closed (after
unregistering). See docs/cli.md.
`;

/** Options of the CLI, after parsing and checking. */
export interface CliOptions {
  /** The registrar; null for the demo (the embedded registrar, started on loopback). */
  proxy: string | null;
  from: string;
  /** Digest user name; null when neither --username nor a user part in --from was given. */
  username: string | null;
  /** The password, from --password, --password-file or the environment; null for none. */
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

/** Where {@link parseCliArgs} may find the password besides `--password`. */
export interface PasswordSources {
  /** The environment (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Reads a whole file, `-` meaning stdin (default: `fs.readFileSync`, fd 0 for `-`, refusing a terminal). */
  readFile?: (file: string) => string;
}

const SIP_URI = /^sips?:[^\s<>"]+$/i;

const OPTIONS = {
  proxy: { type: 'string' },
  from: { type: 'string' },
  username: { type: 'string' },
  password: { type: 'string' },
  'password-file': { type: 'string' },
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
} as const;

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

/** Host (IPv6 brackets removed) and port text of a SIP URI (`''` when it names none), or null. */
export function uriHostPort(uri: string): { host: string; port: string } | null {
  const m = /^sips?:(?:[^@;?]*@)?(\[[^\]]*\]|[^:;?]*)(?::([^;?]*))?/i.exec(uri);
  if (!m) return null;
  return { host: m[1].startsWith('[') ? m[1].slice(1, -1) : m[1], port: m[2] ?? '' };
}

/** The host of a SIP URI (brackets of an IPv6 literal removed), or null. */
export function uriHost(uri: string): string | null {
  const hp = uriHostPort(uri);
  return hp === null || hp.host === '' ? null : hp.host;
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

/** The default {@link PasswordSources.readFile}: a file, or stdin for `-` (not a terminal: nothing would be typed without echo). */
function readFileOrStdin(file: string): string {
  if (file === '-') {
    if (isatty(0)) throw Object.assign(new Error('stdin is a terminal: pipe the password in, e.g. from a password manager'), { code: 'ETTY' });
    return fs.readFileSync(0, 'utf8');
  }
  return fs.readFileSync(file, 'utf8');
}

/** Node's parseArgs errors, said in the CLI's own words. */
function parseError(error: Error & { code?: string }, argv: readonly string[]): string {
  const option = /'(-[^' ]*)/.exec(error.message)?.[1];
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const name = option?.replace(/^-+/, '').split('=')[0] ?? '';
      const near = Object.keys(OPTIONS).find((o) => o !== name && (o.startsWith(name) || name.startsWith(o) || editDistance(o, name) <= 2));
      return `unknown option ${option ?? ''}${near ? ` (did you mean --${near}?)` : ''}`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (option !== undefined && /argument missing/.test(error.message)) return `${option} needs a value`;
      // "--port -1": parseArgs takes a value starting with a dash for another option.
      if (option !== undefined && /ambiguous/.test(error.message)) return `${option} needs a value; for one that starts with a dash, write ${option}=<value>`;
      return scrub(error.message.split('\n')[0], passwordIn(argv));
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL': {
      const arg = /'([^']*)'/.exec(error.message)?.[1] ?? '';
      return `unexpected argument ${JSON.stringify(scrub(arg, passwordIn(argv)))} (every value follows its option, e.g. --proxy sip:127.0.0.1:5060)`;
    }
    default:
      return scrub(error.message, passwordIn(argv));
  }
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const keep = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = keep;
    }
  }
  return row[b.length];
}

function integerOption(name: string, raw: string | undefined, fallback: number, min: number, max: number): number | string {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) return `--${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(raw)})`;
  return Number(raw);
}

/** A `--proxy` problem, or null: a sip:/sips: URI with a host and, if it names one, a port in 1..65535. */
function proxyProblem(proxy: string): string | null {
  const example = 'e.g. sip:127.0.0.1:5060';
  if (!SIP_URI.test(proxy)) return `--proxy must be a sip: or sips: URI, ${example} (got ${JSON.stringify(proxy)})`;
  const hp = uriHostPort(proxy);
  if (hp === null || hp.host === '') return `--proxy names no host, ${example} (got ${JSON.stringify(proxy)})`;
  if (hp.port !== '' && (!/^\d{1,5}$/.test(hp.port) || Number(hp.port) < 1 || Number(hp.port) > 65535)) {
    return `--proxy port must be from 1 to 65535 (got ${JSON.stringify(hp.port)} in ${JSON.stringify(proxy)})`;
  }
  return null;
}

/** The password: `--password`, else `--password-file`'s first line, else the environment; or a usage problem. */
function findPassword(values: Record<string, unknown>, sources: PasswordSources): { password: string | null } | { problem: string } {
  const inline = values.password as string | undefined;
  const file = values['password-file'] as string | undefined;
  if (inline !== undefined && file !== undefined) return { problem: 'give the password once: --password or --password-file, not both' };
  if (inline !== undefined) return { password: inline };
  if (file !== undefined) {
    const what = file === '-' ? '--password-file - (stdin)' : `--password-file ${file}`;
    let text: string;
    try {
      text = (sources.readFile ?? readFileOrStdin)(file);
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      return { problem: `${what}: cannot read it: ${e.code === 'ETTY' ? e.message : e.code ?? e.message}` };
    }
    const line = text.split(/\r?\n/, 1)[0];
    if (line === '') return { problem: `${what}: the first line is empty (it holds the password)` };
    return { password: line };
  }
  const env = (sources.env ?? process.env)[PASSWORD_ENV];
  return { password: env === undefined || env === '' ? null : env };
}

/**
 * Parses the arguments (without `node` and the script name) with
 * `node:util` `parseArgs` in strict mode and checks every value; with
 * `--proxy` and `--from`, the password comes from `--password`,
 * `--password-file` (a file's first line, `-` for stdin) or the
 * `EXOSIP2_PASSWORD` environment variable, in that order. Never throws: a
 * problem is returned as `{ kind: 'usage', message }` (one line, without the
 * password).
 */
export function parseCliArgs(argv: readonly string[], sources: PasswordSources = {}): ParsedArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], strict: true, allowPositionals: false, options: OPTIONS }));
  } catch (error) {
    return { kind: 'usage', message: parseError(error as Error, argv) };
  }
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  const str = (name: string): string | undefined => values[name] as string | undefined;
  const usage = (message: string): ParsedArgs => ({ kind: 'usage', message: scrub(message, str('password') ?? null) });

  const proxy = str('proxy') ?? null;
  const demo = proxy === null && str('from') === undefined;
  const from = str('from') ?? (demo ? DEMO_FROM : undefined);
  if (demo) {
    for (const name of ['username', 'password', 'password-file', 'realm', 'contact']) {
      if (str(name) !== undefined) return usage(`--${name} needs --proxy and --from: without them ${PROGRAM} runs its demo, which registers its own user`);
    }
  }
  if (proxy === null && !demo) return usage('missing --proxy <sip-uri> (or give neither --proxy nor --from for the demo)');
  if (from === undefined) return usage('missing --from <sip-uri>');
  const badProxy = proxy === null ? null : proxyProblem(proxy);
  if (badProxy !== null) return usage(badProxy);
  if (!SIP_URI.test(from)) return usage(`--from must be a sip: or sips: URI, e.g. sip:alice@example.com (got ${JSON.stringify(from)})`);
  const fromHost = uriHostPort(from);
  if (fromHost === null || fromHost.host === '') return usage(`--from names no host, e.g. sip:alice@example.com (got ${JSON.stringify(from)})`);

  const transport = str('transport') ?? 'udp';
  if (transport !== 'udp' && transport !== 'tcp') return usage(`--transport must be udp or tcp (got ${JSON.stringify(transport)})`);
  if (proxy !== null) {
    const asked = /^sips:/i.test(proxy) ? 'tls' : /;transport=([A-Za-z]+)/i.exec(proxy)?.[1]?.toLowerCase();
    if (asked === 'tls') return usage(`--proxy ${proxy} needs TLS, which this tool does not offer (use the library's tls option)`);
    if (asked !== undefined && asked !== transport) return usage(`--proxy ${proxy} asks for ${asked}: add --transport ${asked}`);
  }

  const expires = integerOption('expires', str('expires'), 3600, 1, 99_999_999);
  if (typeof expires === 'string') return usage(expires);
  const port = integerOption('port', str('port'), 0, 0, 65535);
  if (typeof port === 'string') return usage(port);

  const address = str('address') ?? (proxy === null ? '127.0.0.1' : defaultBindAddress(proxy));
  if (isIP(address) === 0) return usage(`--address must be an IPv4 or IPv6 address (got ${JSON.stringify(address)})`);

  const logLevel = str('log-level') === undefined ? null : integerOption('log-level', str('log-level'), 0, 0, 7);
  if (typeof logLevel === 'string') return usage(logLevel);

  const contact = str('contact') ?? null;
  if (contact !== null && (contact === '' || /[\0\r\n]/.test(contact))) return usage('--contact must be a non-empty URI on one line');

  const found = demo ? { password: null } : findPassword(values, sources);
  if ('problem' in found) return usage(found.problem);
  const { password } = found;
  const passwordFrom = str('password') !== undefined ? '--password' : str('password-file') !== undefined ? '--password-file' : PASSWORD_ENV;
  const username = str('username') ?? userPart(from);
  if (password !== null && username === null) {
    return usage(`the password (${passwordFrom}) needs a user name: give --username, or a --from with a user part (sip:user@domain)`);
  }
  for (const [name, value] of [['--username', username], [passwordFrom, password], ['--realm', str('realm')]] as const) {
    if (value === null || value === undefined) continue;
    if (/[\0\r\n]/.test(value)) return usage(`${name} must not contain NUL, CR or LF`);
    if (Buffer.byteLength(value, 'utf8') > 49) return usage(`${name} is longer than the 49 bytes libeXosip2 keeps`);
    if (name !== passwordFrom && value === '') return usage(`${name} must not be empty`);
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
