/**
 * The command line of `exosip2-register`: its usage text, exit codes, and
 * {@link parseCliArgs}, which turns `argv` (plus the password sources: the
 * environment, a file, stdin) into checked options or one usage error.
 * @module
 */
import { isIP } from 'node:net';
import type { Transport } from '../../lib/index';
import { credentialsOf, defaultBindAddress, contactProblem, familyProblem, integerOption, PASSWORD_ENV, type PasswordSources, readOptions, sipUriProblem, transportProblem, userPart } from './common';

export { defaultBindAddress, PASSWORD_ENV, type PasswordSources, passwordIn, scrub, uriHost, uriHostPort, userPart } from './common';

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
                         (0 FATAL, 1 BUG, 2 ERROR, 3 WARNING, 4..7 INFO1..INFO4)
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
  const read = readOptions(argv, OPTIONS, '--proxy sip:127.0.0.1:5060');
  if (read.kind !== 'values') return read;
  const { values, str, usage } = read;

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
  const badUri = (proxy === null ? null : sipUriProblem('proxy', proxy, 'sip:127.0.0.1:5060')) ?? sipUriProblem('from', from, 'sip:alice@example.com');
  if (badUri !== null) return usage(badUri);

  const transport = str('transport') ?? 'udp';
  const badTransport = transportProblem(transport, 'proxy', proxy);
  if (badTransport !== null) return usage(badTransport);

  const expires = integerOption('expires', str('expires'), 3600, 1, 99_999_999);
  if (typeof expires === 'string') return usage(expires);
  const port = integerOption('port', str('port'), 0, 0, 65535);
  if (typeof port === 'string') return usage(port);

  const address = str('address') ?? (proxy === null ? '127.0.0.1' : defaultBindAddress(proxy));
  if (isIP(address) === 0) return usage(`--address must be an IPv4 or IPv6 address (got ${JSON.stringify(address)})`);
  const badFamily = proxy === null ? null : familyProblem('proxy', proxy, address);
  if (badFamily !== null) return usage(badFamily);

  const logLevel = str('log-level') === undefined ? null : integerOption('log-level', str('log-level'), 0, 0, 7);
  if (typeof logLevel === 'string') return usage(logLevel);

  const contact = str('contact') ?? null;
  if (contact !== null && (contact === '' || /[\0\r\n]/.test(contact))) return usage('--contact must be a non-empty URI on one line');
  const badContact = contact === null ? null : contactProblem(contact);
  if (badContact !== null) return usage(badContact);

  // The demo registers its own user: no password from anywhere, not even the environment.
  const credentials = demo ? { username: userPart(from), password: null, realm: null } : credentialsOf(values, sources, from, '--from');
  if ('problem' in credentials) return usage(credentials.problem);

  return {
    kind: 'run',
    options: {
      proxy,
      from,
      ...credentials,
      transport: transport as CliOptions['transport'],
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
