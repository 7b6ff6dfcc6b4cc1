/**
 * Test harness: SIPp (Debian `sip-tester`) playing a scripted peer: a
 * registrar, a callee, a caller.
 *
 * {@link startSipp} runs one scenario of test/sipp/ (or SIPp's built-in
 * `uac`/`uas`) in server mode (the scenario starts with a `<recv request>`),
 * or as a client with `remote`, on a free loopback port, as a child of the
 * Node process, and reports what SIPp saw: its exit code, its call counts
 * (`-trace_stat`), the SIP messages it sent and received (`-trace_msg`) and
 * the lines its `<log>` actions wrote (`-trace_logs`).
 *
 * SIPp's exit code tells whether the scenario ran as written: 0 when every
 * call succeeded, 1 when one failed (an unexpected message, a `<recv>` that
 * timed out without `ontimeout`, ...), other values for a fatal error. Each
 * instance handles one call (`-m 1`) and is bounded by `-timeout`.
 *
 * Keywords given in `keys` are passed as `-key name value` and replace
 * `[name]` in the scenario's messages.
 */

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { canBindTcp, canBindUdp, freePort } from './ports';

/** Directory holding the project's SIPp scenarios. */
export const SIPP_SCENARIO_DIR: string = path.resolve(__dirname, '..', 'sipp');

/** What one SIPp run saw. */
export interface SippResult {
  /** SIPp's exit code (0: the call succeeded), or null when it was killed. */
  exitCode: number | null;
  /** The signal that ended it, if any. */
  signal: NodeJS.Signals | null;
  /** Every SIP message sent and received, as SIPp's `-trace_msg` wrote them. */
  messages: string;
  /** The lines written by the scenario's `<log>` actions. */
  log: string;
  /** SIPp's error trace (`-trace_err`) and stderr. */
  errors: string;
  /** The SIP requests SIPp received, in order (each the whole message text). */
  received: string[];
  /** Calls SIPp counted as successful (`SuccessfulCall(C)` of its `-trace_stat` file); -1 when it wrote none. */
  successful: number;
  /** Calls SIPp counted as failed (`FailedCall(C)`); -1 when it wrote none. */
  failed: number;
}

/** Options of {@link startSipp}. */
export interface StartSippOptions {
  /** Keywords for the scenario (`-key name value`). */
  keys?: Record<string, string | number>;
  /** Default 'udp'. */
  transport?: 'udp' | 'tcp';
  /** SIPp quits (and fails) after this many seconds (default 60). */
  timeoutS?: number;
  /** `host:port` to call: SIPp runs the scenario as a client (UAC) towards it. */
  remote?: string;
  /** More SIPp arguments, e.g. `['-d', '200']` (the built-in uac's pause) or `['-s', 'bob']` (its `[service]`). */
  args?: string[];
}

/** A SIPp instance: waiting for our request, or (with `remote`) running its calls. */
export interface Sipp {
  readonly host: string;
  readonly port: number;
  /** `sip:127.0.0.1:PORT` (with `;transport=tcp` over TCP): pass it as the registrar. */
  readonly proxy: string;
  /** Resolves when SIPp has exited. */
  readonly done: Promise<SippResult>;
  /** The messages received so far (reads the trace file). */
  receivedSoFar(): string[];
  /** Ends SIPp (SIGUSR1, then SIGKILL) and resolves with what it saw. Idempotent. */
  stop(): Promise<SippResult>;
}

const HOST = '127.0.0.1';
const live = new Set<ChildProcess>();
let hooked = false;

function killAll(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }
  live.clear();
}

/** Is something bound to this loopback port already (SIPp, once it is up)? */
async function portTaken(port: number, transport: 'udp' | 'tcp'): Promise<boolean> {
  return !(await (transport === 'udp' ? canBindUdp : canBindTcp)(port, HOST));
}

/** The requests in a `-trace_msg` file (SIPp writes "----- ... message received ..." before each). */
export function receivedRequests(trace: string): string[] {
  const out: string[] = [];
  for (const block of trace.split(/^-{5,}.*$/m)) {
    const text = block.replace(/^\s*(UDP|TCP) message received \[\d+\] bytes :\s*/i, '');
    if (text === block) continue; // a sent message, or a header of the trace
    const trimmed = text.trim();
    if (/^[A-Z]+ \S+ SIP\/2\.0/.test(trimmed)) out.push(trimmed);
  }
  return out;
}

/**
 * test/sipp/`template` with each `@NAME@` replaced by `values[NAME]`, written
 * to a temporary file whose absolute path {@link startSipp} takes: for what
 * SIPp refuses as a `-key` (a request's method, a `<recv response>` code).
 */
export function scenarioFrom(template: string, values: Record<string, string | number>): string {
  let text = fs.readFileSync(path.join(SIPP_SCENARIO_DIR, template), 'utf8');
  for (const [name, value] of Object.entries(values)) text = text.split(`@${name}@`).join(String(value));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'exosip2-scenario-'));
  const file = path.join(dir, template);
  fs.writeFileSync(file, text);
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return file;
}

/** The last line of SIPp's `-trace_stat` CSV as column name → value. */
function lastStats(csv: string): Record<string, string> {
  const lines = csv.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length < 2) return {};
  const names = lines[0].split(';');
  const values = lines[lines.length - 1].split(';');
  return Object.fromEntries(names.map((n, i) => [n, values[i] ?? '']));
}

/**
 * Starts SIPp with test/sipp/`scenario` (or an absolute path, or one of
 * SIPp's built-in scenarios as `{ builtin: 'uac' | 'uas' }`) on a free
 * loopback port and resolves once it listens.
 * @throws Error if the `sipp` binary is missing (install the Debian package `sip-tester`).
 */
export async function startSipp(scenario: string | { builtin: 'uac' | 'uas' }, opts: StartSippOptions = {}): Promise<Sipp> {
  // A port found free (and reserved against the run's other processes) was
  // once taken before SIPp bound it ("Unable to bind main socket, errno =
  // 98" in a full CI run, holder unknown): start again on another port, as
  // startKamailio does; the holder is named on stderr for the record.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startSippOnce(scenario, opts);
    } catch (e) {
      if (!(e instanceof SippPortInUseError) || attempt === 3) throw e;
      process.stderr.write(`startSipp: ${e.message}; trying another port\n`);
    }
  }
}

/** SIPp could not bind the port freePort() gave it (EADDRINUSE). */
class SippPortInUseError extends Error {}

/** Who holds `port` on loopback, as `ss` lists it (for SippPortInUseError). */
function portHolder(port: number): string {
  const r = spawnSync('ss', ['-Hantup', `sport = :${port}`], { encoding: 'utf8' });
  return r.error ? `(ss: ${r.error.message})` : r.stdout.trim() || '(ss lists no socket on it now)';
}

async function startSippOnce(scenario: string | { builtin: 'uac' | 'uas' }, opts: StartSippOptions): Promise<Sipp> {
  let source: string[];
  if (typeof scenario === 'string') {
    const file = path.isAbsolute(scenario) ? scenario : path.join(SIPP_SCENARIO_DIR, scenario);
    if (!fs.existsSync(file)) throw new Error(`SIPp scenario not found: ${file}`);
    source = ['-sf', file];
  } else {
    source = ['-sn', scenario.builtin];
  }
  const transport = opts.transport ?? 'udp';
  const port = await freePort();
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'exosip2-sipp-'));
  const msgFile = path.join(dir, 'messages.log');
  const logFile = path.join(dir, 'actions.log');
  const errFile = path.join(dir, 'errors.log');
  const statFile = path.join(dir, 'stats.csv');
  const args = [
    ...source,
    '-m', '1',
    '-nostdin',
    '-timeout', `${opts.timeoutS ?? 60}s`,
    '-timeout_error',
    '-i', HOST,
    '-p', String(port),
    '-t', transport === 'tcp' ? 't1' : 'u1',
    '-trace_msg', '-message_file', msgFile,
    '-trace_logs', '-log_file', logFile,
    '-trace_err', '-error_file', errFile,
    '-trace_stat', '-stf', statFile,
    ...(opts.args ?? []),
  ];
  for (const [name, value] of Object.entries(opts.keys ?? {})) args.push('-key', name, String(value));
  if (opts.remote !== undefined) args.push(opts.remote);

  if (!hooked) {
    hooked = true;
    process.on('exit', killAll);
  }
  const child = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  live.add(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  let exited = false;
  const read = (f: string): string => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '');
  const done = new Promise<SippResult>((resolve, reject) => {
    child.once('error', (e) => {
      exited = true;
      live.delete(child);
      reject(new Error(`cannot run sipp (install the Debian package sip-tester): ${e.message}`));
    });
    child.once('exit', (exitCode, signal) => {
      exited = true;
      live.delete(child);
      const messages = read(msgFile);
      const stats = lastStats(read(statFile));
      const count = (name: string): number => (stats[name] === undefined ? -1 : Number(stats[name]));
      const result: SippResult = {
        exitCode,
        signal,
        messages,
        log: read(logFile),
        errors: `${read(errFile)}${stderr}`,
        received: receivedRequests(messages),
        successful: count('SuccessfulCall(C)'),
        failed: count('FailedCall(C)'),
      };
      fs.rmSync(dir, { recursive: true, force: true });
      resolve(result);
    });
  });
  done.catch(() => undefined);

  // Ready once SIPp holds the port.
  const deadline = Date.now() + 10_000;
  while (!(await portTaken(port, transport))) {
    if (exited) {
      const r = await done;
      if (/Unable to bind main socket, errno = 98/.test(r.errors)) {
        throw new SippPortInUseError(`port ${port} was taken before SIPp bound it; held by: ${portHolder(port)}`);
      }
      throw new Error(`sipp exited during startup (code ${r.exitCode}): ${r.errors}`);
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`sipp did not listen on ${HOST}:${port} within 10 s: ${stderr}`);
    }
    await sleep(50);
  }

  let stopping: Promise<SippResult> | undefined;
  return {
    host: HOST,
    port,
    proxy: `sip:${HOST}:${port}${transport === 'tcp' ? ';transport=tcp' : ''}`,
    done,
    receivedSoFar: () => receivedRequests(read(msgFile)),
    stop: () =>
      (stopping ??= (async () => {
        if (!exited) {
          child.kill('SIGUSR1'); // SIPp: stop gracefully, write its traces
          const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
          await done.catch(() => undefined);
          clearTimeout(timer);
        }
        return done;
      })()),
  };
}

/** A short account of a SIPp run for assertion messages. */
export function explainSipp(r: SippResult): string {
  return `\n--- sipp exit ${r.exitCode} ${r.signal ?? ''} ---\n${r.errors}\n--- sipp log ---\n${r.log}\n--- sipp messages ---\n${r.messages}`;
}

/** What {@link sippRegisterAuth} reports. */
export interface SippRegisterResult {
  /** The final status SIPp logged (`final_status=NNN`), if it got that far. */
  status: number | undefined;
  /** SIPp's exit code: 0 when the scenario ran as written. */
  exitCode: number | null;
  /** The local port SIPp used (its Contact's port). */
  localPort: number;
  /** SIPp's message trace, for diagnostics. */
  messages: string;
}

/**
 * SIPp as an independent client: test/sipp/register-auth.xml (REGISTER, 401,
 * REGISTER with credentials) once against `host:port`, over UDP or TCP.
 * Used against Kamailio (test/register/kamailio.test.ts) and against the embedded
 * Registrar (test/registrar/sipp.test.ts).
 */
export async function sippRegisterAuth(
  host: string,
  port: number,
  o: { user: string; password: string; domain: string; expires: number; transport?: 'udp' | 'tcp' },
): Promise<SippRegisterResult> {
  const localPort = await freePort();
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'exosip2-sipp-'));
  const logFile = path.join(dir, 'actions.log');
  const msgFile = path.join(dir, 'messages.log');
  const args = [
    '-sf', path.join(SIPP_SCENARIO_DIR, 'register-auth.xml'),
    '-m', '1',
    '-timeout', '10',
    '-timeout_error',
    '-nostdin',
    '-i', '127.0.0.1',
    '-p', String(localPort),
    '-t', o.transport === 'tcp' ? 't1' : 'u1',
    '-s', o.user,
    '-au', o.user,
    '-ap', o.password,
    '-key', 'domain', o.domain,
    '-key', 'expires', String(o.expires),
    '-trace_logs', '-log_file', logFile,
    '-trace_msg', '-message_file', msgFile,
    `${host}:${port}`,
  ];
  try {
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      const child = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const killer = setTimeout(() => child.kill('SIGKILL'), 15000);
      child.once('error', (e) => {
        clearTimeout(killer);
        reject(new Error(`cannot run sipp (install the Debian package sip-tester): ${e.message}`));
      });
      child.once('exit', (code) => {
        clearTimeout(killer);
        const noise = /^Resolving remote host .*Done\.$/;
        const extra = stderr.split('\n').filter((l) => l.trim() && !noise.test(l.trim()));
        if (extra.length) process.stderr.write(`sipp stderr: ${extra.join('\n')}\n`);
        resolve(code);
      });
    });
    const actions = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
    const messages = fs.existsSync(msgFile) ? fs.readFileSync(msgFile, 'utf8') : '';
    const status = /final_status=(\d{3})/.exec(actions)?.[1];
    return { status: status === undefined ? undefined : Number(status), exitCode, localPort, messages };
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}
