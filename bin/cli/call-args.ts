/**
 * The command line of `exosip2-call`: its usage text, exit codes, and
 * {@link parseCallArgs}, which turns `argv` (plus the password sources: the
 * environment, a file, stdin) into checked options or one usage error.
 * Shares its checks with `exosip2-register` (`./common`).
 * @module
 */
import * as fs from 'node:fs';
import { isIP } from 'node:net';
import { checkSdp } from '../../lib/call/sdp';
import { credentialsOf, type Credentials, defaultBindAddress, familyProblem, integerOption, PASSWORD_ENV, type PasswordSources, readOptions, sipUriProblem, transportProblem } from './common';

/** Exit codes of `exosip2-call` (docs/cli.md, "Exit codes of exosip2-call"). */
export const CALL_EXIT = Object.freeze({
  /** The call was set up and ended cleanly; `--answer`: every call taken was (or `--help`/`--version`, the demo). */
  OK: 0,
  /** A runtime error (the local port is in use, ...), a call cancelled by Ctrl-C before the answer, or (`--answer`) a call taken that could not be set up. */
  FAILURE: 1,
  /** Bad usage: unknown option, missing or malformed value. */
  USAGE: 2,
  /** The call was rejected: a final 3xx-6xx to the INVITE (486 Busy Here, 603 Decline, 404, ...). */
  REJECTED: 3,
  /** Nothing answered: no final answer (eXosip's Timer B, 32 s over UDP, reported ~42 s after the INVITE; or a transport error). */
  NO_ANSWER: 4,
  /** A second SIGINT/SIGTERM while shutting down: exit at once. */
  INTERRUPTED: 130,
  /** stdout or stderr failed (e.g. EPIPE); the tool hung up first. */
  OUTPUT_CLOSED: 141,
});

/** The name `exosip2-call` prints in messages. */
export const CALL_PROGRAM = 'exosip2-call';

/** The usage text of `exosip2-call --help`. */
export const CALL_USAGE = `Usage: ${CALL_PROGRAM} [options]
       ${CALL_PROGRAM} --to <sip-uri> --from <sip-uri> [options]
       ${CALL_PROGRAM} --answer --listen <addr:port> [options]

Without --to or --answer: a demo, nothing to set up. Two exosip2 contexts on
loopback: alice calls bob, bob rings (180) and answers (200 with SDP), alice
sends an INFO, hangs up (BYE), exits 0.

With --to: calls <to> and prints each event, hangs up after --duration
seconds or on SIGINT/SIGTERM (a second one exits at once), or ends when the
callee hangs up.

With --answer: waits for calls on --listen, answers each (180 then 200 with
the SDP), hangs up after --duration or when the caller does; serves until
SIGINT/SIGTERM, or until --count calls ended.

  --to <sip-uri>         the callee, e.g. sip:bob@127.0.0.1:5062
  --from <sip-uri>       the caller (From), e.g. sip:alice@example.com
  --proxy <sip-uri>      outbound proxy, sent as a Route (default: none,
                         straight to --to)
  --answer               take incoming calls instead of placing one
  --listen <addr:port>   local address and port, e.g. 127.0.0.1:5062,
                         [::1]:5062; port 0 = any free one (required with
                         --answer; default for calls: a loopback address for a
                         loopback peer, else 0.0.0.0, port 0)
  --count <n>            with --answer: exit after n calls ended

Options:
  --sdp <file>           the SDP offer (or answer, with --answer); default a
                         minimal audio one (PCMU/PCMA, no media is sent)
  --duration <s>         hang up this many seconds after the call is set up
                         (default: stay until Ctrl-C or the peer hangs up)
  --username <u>         digest user name (default: user part of --from)
  --password-file <f>    read the digest password from the first line of file
                         <f>; "-" reads it from stdin (never printed)
  --password <p>         the digest password itself (visible in ps: prefer
                         --password-file or ${PASSWORD_ENV})
  --realm <r>            realm the credentials are for (default: any realm)
  --transport udp|tcp    transport (default: udp; tcp only to place calls)
  --json                 one JSON object per line instead of human lines
  --trace                print every SIP message sent (>>) and received (<<)
  --log-level <0..7>     print libosip2/eXosip's own log up to that level
  --help                 show this text and exit
  --version              show the package and libeXosip2 versions and exit

Exit codes: 0 the call was set up and ended cleanly, 1 failure, 2 bad usage,
3 call rejected (3xx-6xx), 4 no answer, 130 a second signal while shutting
down, 141 stdout closed. See docs/cli.md.
`;

/** Options of `exosip2-call`, after parsing and checking. */
export interface CallCliOptions extends Credentials {
  /** `'call'` (`--to`), `'answer'` (`--answer`) or `'demo'` (neither). */
  mode: 'call' | 'answer' | 'demo';
  /** The callee (`'call'`), else null. */
  to: string | null;
  /** The caller (`'call'`), else null. */
  from: string | null;
  /** The outbound proxy, sent as a Route with `;lr`; null for none. */
  proxy: string | null;
  /** `--transport`: `'udp'` (default) or `'tcp'`. */
  transport: 'udp' | 'tcp';
  /** Local address to bind (`--listen`'s, or the default for the peer). */
  address: string;
  /** Local port (`--listen`'s; 0: any free one). */
  port: number;
  /** The SDP read from `--sdp` (line ends made CRLF), or null for the default offer. */
  sdp: string | null;
  /** Seconds a call lasts once set up before this side hangs up; null: until Ctrl-C or the peer. */
  duration: number | null;
  /** `--answer`: exit after this many calls; null: until Ctrl-C. */
  count: number | null;
  /** One JSON object per line instead of human lines. */
  json: boolean;
  /** Print the SIP messages on the wire. */
  trace: boolean;
  /** osip log level to print (0..7), or null for none. */
  logLevel: number | null;
}

/** What {@link parseCallArgs} found: a run, `--help`, `--version`, or a usage error. */
export type ParsedCallArgs = { kind: 'run'; options: CallCliOptions } | { kind: 'help' } | { kind: 'version' } | { kind: 'usage'; message: string };

const OPTIONS = {
  to: { type: 'string' },
  from: { type: 'string' },
  proxy: { type: 'string' },
  answer: { type: 'boolean' },
  listen: { type: 'string' },
  count: { type: 'string' },
  sdp: { type: 'string' },
  duration: { type: 'string' },
  username: { type: 'string' },
  password: { type: 'string' },
  'password-file': { type: 'string' },
  realm: { type: 'string' },
  transport: { type: 'string' },
  json: { type: 'boolean' },
  trace: { type: 'boolean' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

/** `addr:port` or `[v6]:port` as address and port, or the usage problem. */
function listenOf(raw: string): { address: string; port: number } | string {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(raw);
  const address = m?.[1] ?? m?.[2];
  if (!m || address === undefined || isIP(address) === 0 || (m[1] !== undefined && isIP(address) !== 6) || Number(m[3]) > 65535) {
    return `--listen must be <ip>:<port> with a port from 0 to 65535, e.g. 127.0.0.1:5062 or [::1]:5062 (got ${JSON.stringify(raw)})`;
  }
  return { address, port: Number(m[3]) };
}

/** The SDP of `--sdp <file>` with CRLF line ends, or the usage problem. */
function sdpFile(file: string): { sdp: string } | { problem: string } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    return { problem: `--sdp ${file}: cannot read it: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
  }
  if (!/^v=0\r?\n/.test(text) || text.includes('\0')) return { problem: `--sdp ${file}: not an SDP (RFC 4566 starts with the line v=0)` };
  const sdp = `${text.replace(/\r?\n/g, '\r\n').replace(/(\r\n)*$/, '')}\r\n`;
  // As the library will check it (sdp_message_parse), before anything starts.
  try {
    checkSdp(`--sdp ${file}`, sdp);
  } catch (error) {
    return { problem: (error as Error).message };
  }
  return { sdp };
}

/**
 * Parses the arguments (without `node` and the script name) with
 * `node:util` `parseArgs` in strict mode and checks every value; the
 * password comes from `--password`, `--password-file` or `EXOSIP2_PASSWORD`
 * as for `exosip2-register`. Never throws: a problem is returned as `{ kind:
 * 'usage', message }` (one line, without the password).
 */
export function parseCallArgs(argv: readonly string[], sources: PasswordSources = {}): ParsedCallArgs {
  const read = readOptions(argv, OPTIONS, '--to sip:bob@127.0.0.1:5062');
  if (read.kind !== 'values') return read;
  const { values, str, usage } = read;
  const given = (names: string[]): string | undefined => names.find((n) => values[n] !== undefined);

  const to = str('to') ?? null;
  const mode = values.answer === true ? 'answer' : to !== null ? 'call' : 'demo';
  if (mode === 'answer') {
    const placing = given(['to', 'from', 'proxy']);
    if (placing !== undefined) return usage(`--${placing} places a call: not with --answer`);
    if (str('listen') === undefined) return usage('--answer needs --listen <ip>:<port>, e.g. 127.0.0.1:5062 (port 0: any free one, printed)');
    // libeXosip2 built the default way (no ENABLE_MAIN_SOCKET) opens no listening TCP socket: no call could come in.
    if (str('transport') !== undefined && str('transport') !== 'udp') return usage('--answer listens over UDP only: libeXosip2 built the default way accepts no incoming TCP connection (leave out --transport)');
  } else if (mode === 'demo') {
    const needsTo = given(['from', 'proxy', 'listen', 'username', 'password', 'password-file', 'realm']);
    if (needsTo !== undefined) return usage(`--${needsTo} needs --to (or --answer): without either ${CALL_PROGRAM} runs its demo`);
    if (str('transport') !== undefined && str('transport') !== 'udp') return usage('the demo runs over UDP: leave out --transport (--transport tcp works with --to)');
  }
  if (mode !== 'answer' && str('count') !== undefined) return usage('--count needs --answer');

  let from: string | null = null;
  if (mode === 'call') {
    from = str('from') ?? null;
    if (from === null) return usage('missing --from <sip-uri>, the caller (e.g. sip:alice@example.com)');
  }
  const proxy = str('proxy') ?? null;
  for (const [name, uri, example] of [['to', to, 'sip:bob@127.0.0.1:5062'], ['from', from, 'sip:alice@example.com'], ['proxy', proxy, 'sip:127.0.0.1:5060']] as const) {
    const bad = uri === null ? null : sipUriProblem(name, uri, example, { headers: name === 'to' });
    if (bad !== null) return usage(bad);
  }

  const transport = str('transport') ?? 'udp';
  const badTransport = transportProblem(transport, proxy === null ? 'to' : 'proxy', proxy ?? to);
  if (badTransport !== null) return usage(badTransport);

  let local = { address: '127.0.0.1', port: 0 };
  if (str('listen') !== undefined) {
    const l = listenOf(str('listen')!);
    if (typeof l === 'string') return usage(l);
    local = l;
  } else if (mode === 'call') {
    local.address = defaultBindAddress(proxy ?? to!);
  }
  if (mode === 'call') {
    const badFamily = familyProblem(proxy === null ? 'to' : 'proxy', proxy ?? to!, local.address);
    if (badFamily !== null) return usage(badFamily);
  }

  const duration = str('duration') === undefined ? null : integerOption('duration', str('duration'), 0, 1, 86_400);
  if (typeof duration === 'string') return usage(duration);
  const count = str('count') === undefined ? null : integerOption('count', str('count'), 0, 1, 1_000_000);
  if (typeof count === 'string') return usage(count);
  const logLevel = str('log-level') === undefined ? null : integerOption('log-level', str('log-level'), 0, 0, 7);
  if (typeof logLevel === 'string') return usage(logLevel);
  const sdp = str('sdp') === undefined ? { sdp: null } : sdpFile(str('sdp')!);
  if ('problem' in sdp) return usage(sdp.problem);

  // The demo's two contexts take no credentials, not even from the environment.
  const credentials = mode === 'demo' ? { username: null, password: null, realm: null } : credentialsOf(values, sources, from, '--from');
  if ('problem' in credentials) return usage(credentials.problem);

  return {
    kind: 'run',
    options: {
      mode,
      to,
      from,
      proxy,
      ...credentials,
      transport: transport as 'udp' | 'tcp',
      ...local,
      sdp: sdp.sdp,
      duration,
      count,
      json: values.json === true,
      trace: values.trace === true,
      logLevel,
    },
  };
}
