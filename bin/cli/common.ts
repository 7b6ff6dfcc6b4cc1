/**
 * What the command lines of `exosip2-register` and `exosip2-call` share:
 * SIP URI checks, the password's sources (`--password`, `--password-file`,
 * `EXOSIP2_PASSWORD`) and its scrubbing, the credential checks, and node's
 * `parseArgs` errors said in the tools' own words. Each tool's own options
 * and usage text are in `./args` and `./call-args`.
 * @module
 */
import * as fs from 'node:fs';
import { isIP } from 'node:net';
import { isatty } from 'node:tty';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { askedTransport } from '../../lib/internal/target';
import { contactText, uriHostFamily, uriText } from '../../lib/internal/validate';

/** The environment variable the password is taken from when no option gives it. */
export const PASSWORD_ENV = 'EXOSIP2_PASSWORD';

/** A `sip:`/`sips:` URI on one line without spaces or angle brackets. */
export const SIP_URI = /^sips?:[^\s<>"]+$/i;

/** Where a parser may find the password besides `--password`. */
export interface PasswordSources {
  /** The environment (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Reads a whole file, `-` meaning stdin (default: `fs.readFileSync`, fd 0 for `-`, refusing a terminal). */
  readFile?: (file: string) => string;
}

/** The digest credentials found on a command line. */
export interface Credentials {
  /** Digest user name; null when neither --username nor a user part in the URI was given. */
  username: string | null;
  /** The password, from --password, --password-file or the environment; null for none. */
  password: string | null;
  /** Realm the credentials are for; null for any. */
  realm: string | null;
}

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
 * The local address to bind when none is given: the loopback address of the
 * peer's family when the host of `uri` is a loopback address (`127.x.x.x`,
 * `localhost`, `::1`), else the wildcard of its family.
 */
export function defaultBindAddress(uri: string): string {
  const host = (uriHost(uri) ?? '').toLowerCase();
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

/**
 * Replaces `secret` in `text` by `***`: every occurrence when it is at least
 * 8 characters long, else only where it stands as a word of its own (no
 * letter or digit right before or after it). A short password such as `x`
 * replaced everywhere garbled the message and spelled itself out
 * ("e***osip2-call").
 */
export function scrub(text: string, secret: string | null): string {
  if (!secret) return text;
  if (secret.length >= 8) return text.split(secret).join('***');
  const escaped = secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return text.replace(new RegExp(`(?<![A-Za-z0-9])${escaped}(?![A-Za-z0-9])`, 'g'), '***');
}

/** The default {@link PasswordSources.readFile}: a file, or stdin for `-` (not a terminal: nothing would be typed without echo). */
function readFileOrStdin(file: string): string {
  if (file === '-') {
    if (isatty(0)) throw Object.assign(new Error('stdin is a terminal: pipe the password in, e.g. from a password manager'), { code: 'ETTY' });
    return fs.readFileSync(0, 'utf8');
  }
  return fs.readFileSync(file, 'utf8');
}

/**
 * Node's parseArgs errors, said in the tool's words: `options` are the
 * option names (for "did you mean"), `example` shows a value after its option.
 */
export function parseError(error: Error & { code?: string }, argv: readonly string[], options: readonly string[], example: string): string {
  const option = /'(-[^' ]*)/.exec(error.message)?.[1];
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const name = option?.replace(/^-+/, '').split('=')[0] ?? '';
      const near = options.find((o) => o !== name && (o.startsWith(name) || name.startsWith(o) || editDistance(o, name) <= 2));
      return `unknown option ${option ?? ''}${near ? ` (did you mean --${near}?)` : ''}`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (option !== undefined && /argument missing/.test(error.message)) return `${option} needs a value`;
      // "--port -1": parseArgs takes a value starting with a dash for another option.
      if (option !== undefined && /ambiguous/.test(error.message)) return `${option} needs a value; for one that starts with a dash, write ${option}=<value>`;
      return scrub(error.message.split('\n')[0], passwordIn(argv));
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL': {
      const arg = /'([^']*)'/.exec(error.message)?.[1] ?? '';
      return `unexpected argument ${JSON.stringify(scrub(arg, passwordIn(argv)))} (every value follows its option, e.g. ${example})`;
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

/** `raw` as an integer from `min` to `max` (`fallback` when not given), or the usage problem. */
export function integerOption(name: string, raw: string | undefined, fallback: number, min: number, max: number): number | string {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) return `--${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(raw)})`;
  return Number(raw);
}

/**
 * A problem with the SIP URI `uri` given to `--<name>`, or null: a sip:/sips:
 * URI with a host and, if it names one, a port in 1..65535.
 */
export function sipUriProblem(name: string, uri: string, example: string, { headers = false } = {}): string | null {
  const eg = `e.g. ${example}`;
  if (!SIP_URI.test(uri)) return `--${name} must be a sip: or sips: URI, ${eg} (got ${JSON.stringify(uri)})`;
  const hp = uriHostPort(uri);
  if (hp === null || hp.host === '') return `--${name} names no host, ${eg} (got ${JSON.stringify(uri)})`;
  if (hp.port !== '' && (!/^\d{1,5}$/.test(hp.port) || Number(hp.port) < 1 || Number(hp.port) > 65535)) {
    return `--${name} port must be from 1 to 65535 (got ${JSON.stringify(hp.port)} in ${JSON.stringify(uri)})`;
  }
  // The library's own rules (escaped line breaks, a headers part): said here, exit 2.
  try {
    uriText(`--${name}`, uri, { headers });
  } catch (error) {
    return (error as Error).message;
  }
  return null;
}

/** A problem with `--contact` (the library's rules: a URI or name-addr, no expires parameter), or null. */
export function contactProblem(contact: string): string | null {
  try {
    contactText('--contact', contact);
    return null;
  } catch (error) {
    return (error as Error).message.replace('give options.expires', 'give --expires');
  }
}

/**
 * A problem with binding `address` to reach `uri` given to `--<name>`, or
 * null: an IP literal host must be of the address's family (eXosip has no
 * socket of the other family).
 */
export function familyProblem(name: string, uri: string, address: string): string | null {
  const family = uriHostFamily(uri);
  if (family === 0 || family === isIP(address)) return null;
  return `--${name} ${uri} is an IPv${family} address but the local address ${address} is IPv${isIP(address)}: give a local address of the same family`;
}

/**
 * A problem with `--transport` against the peer URI `uri` given to
 * `--<name>`, or null: udp or tcp, and the one a `;transport=` parameter
 * asks for (a `sips:` URI needs TLS, which the tools do not offer).
 */
export function transportProblem(transport: string, name: string, uri: string | null): string | null {
  if (transport !== 'udp' && transport !== 'tcp') return `--transport must be udp or tcp (got ${JSON.stringify(transport)})`;
  if (uri === null) return null;
  const asked = askedTransport(uri);
  if (asked === 'tls') return `--${name} ${uri} needs TLS, which this tool does not offer (use the library's tls option)`;
  if (asked !== undefined && asked !== 'udp' && asked !== 'tcp') return `--${name} ${uri} asks for ${asked}, which this tool cannot use (udp or tcp only)`;
  if (asked !== undefined && asked !== transport) return `--${name} ${uri} asks for ${asked}: add --transport ${asked}`;
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
 * The credentials of parsed `values`: the password from `--password`,
 * `--password-file` (a file's first line, `-` for stdin) or
 * {@link PASSWORD_ENV}, in that order; the user name from `--username`, else
 * the user part of `uri` (the URI named `uriOption` on the command line).
 * Returns a usage problem (without the password) when they cannot be used:
 * a password without a user name, NUL/CR/LF, more than the 49 bytes
 * libeXosip2 keeps, an empty user name or realm.
 */
export function credentialsOf(values: Record<string, unknown>, sources: PasswordSources, uri: string | null, uriOption: string): Credentials | { problem: string } {
  const str = (name: string): string | undefined => values[name] as string | undefined;
  const found = findPassword(values, sources);
  if ('problem' in found) return found;
  const { password } = found;
  const passwordFrom = str('password') !== undefined ? '--password' : str('password-file') !== undefined ? '--password-file' : PASSWORD_ENV;
  const username = str('username') ?? (uri === null ? null : userPart(uri));
  if (password !== null && username === null) {
    return { problem: `the password (${passwordFrom}) needs a user name: give --username, or a ${uriOption} with a user part (sip:user@domain)` };
  }
  for (const [name, value] of [['--username', username], [passwordFrom, password], ['--realm', str('realm')]] as const) {
    if (value === null || value === undefined) continue;
    if (/[\0\r\n]/.test(value)) return { problem: `${name} must not contain NUL, CR or LF` };
    if (Buffer.byteLength(value, 'utf8') > 49) return { problem: `${name} is longer than the 49 bytes libeXosip2 keeps` };
    if (name !== passwordFrom && value === '') return { problem: `${name} must not be empty` };
  }
  return { username, password, realm: str('realm') ?? null };
}

/** What {@link readOptions} gives: the values to check further, or what to do at once. */
export type ReadOptions =
  | {
      kind: 'values';
      values: Record<string, string | boolean | undefined>;
      /** The string value of option `name`, if given. */
      str(name: string): string | undefined;
      /** A usage problem, the password scrubbed from its one line. */
      usage(message: string): { kind: 'usage'; message: string };
    }
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'usage'; message: string };

/**
 * `node:util` `parseArgs` in strict mode, no positionals, over `options`;
 * `--help` and `--version` win over everything else. A parse error becomes a
 * one-line usage message ({@link parseError}, with `example`). Never throws.
 */
export function readOptions(argv: readonly string[], options: NonNullable<ParseArgsConfig['options']>, example: string): ReadOptions {
  let values: Record<string, string | boolean | undefined>;
  let tokens: Array<{ kind: string; name?: string }>;
  try {
    ({ values, tokens } = parseArgs({ args: [...argv], strict: true, allowPositionals: false, options, tokens: true }) as {
      values: Record<string, string | boolean | undefined>;
      tokens: Array<{ kind: string; name?: string }>;
    });
  } catch (error) {
    return { kind: 'usage', message: parseError(error as Error, argv, Object.keys(options), example) };
  }
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  const str = (name: string): string | undefined => values[name] as string | undefined;
  // parseArgs keeps the last of an option given twice: a second --proxy would silently win.
  const seen = new Set<string>();
  for (const token of tokens) {
    if (token.kind !== 'option' || token.name === undefined) continue;
    if (seen.has(token.name)) return { kind: 'usage', message: scrub(`--${token.name} is given twice: give it once`, str('password') ?? null) };
    seen.add(token.name);
  }
  // udp/tcp in any case, as a URI's ;transport= is.
  if (typeof values.transport === 'string') values.transport = values.transport.toLowerCase();
  return { kind: 'values', values, str, usage: (message) => ({ kind: 'usage', message: scrub(message, str('password') ?? null) }) };
}
