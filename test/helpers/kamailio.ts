/**
 * Test harness: a throw-away Kamailio registrar (digest auth, in-memory
 * usrloc) started by the tests themselves.
 *
 * Every {@link startKamailio} call gets its own temp dir (runtime dir, pid
 * file, ctl socket, generated users include), its own free loopback port
 * (the same number for UDP and TCP, on 127.0.0.1 and [::1]), and runs
 * `kamailio -DD -E` in the foreground as a child of the Node process, so
 * several instances can run side by side.
 *
 * Config: test/kamailio/kamailio.cfg.  Users: test/kamailio/users.txt
 * ("user@domain password" per line), loaded into an htable at startup.
 * Realm of the digest challenge = the domain of the To URI.
 *
 * Registrar behaviour (see the config for details): min_expires 60 (1..59 ->
 * 423 Interval Too Brief + Min-Expires: 60), max_expires 3600 or `maxExpires` (larger values
 * are lowered to 3600 in the 200 OK), default_expires 1800, `Contact: *` +
 * `Expires: 0` removes all bindings.  Missing credentials / stale nonce ->
 * 401; wrong password or unknown user -> 403 (or a fresh 401 with
 * `rechallengeOnBadPassword`).  Non-REGISTER requests -> 405 (ACK dropped),
 * unless `relay` (MESSAGE, OPTIONS) or `calls` (INVITE and its dialog) routes them.
 *
 * Environment knobs (debugging only): KAMAILIO_BIN / KAMCMD_BIN override the
 * binaries, KAMAILIO_VERBOSE=1 raises the log level to debug,
 * KAMAILIO_LOG=1 copies Kamailio's log to this process's stderr live.
 */

import { spawn, execFile, type ChildProcess } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Binding, jsonUlBindings, parseUlOutput, RpcError } from './kamailio-rpc';
import { freePort, hasIpv6Loopback } from './ports';

export { freePort };
export { type Binding, jsonUlBindings, parseUlOutput } from './kamailio-rpc';

/** A running Kamailio registrar instance. */
export interface Kamailio {
  /** Always '127.0.0.1'. */
  readonly host: string;
  /** SIP port, the same for UDP and TCP, on 127.0.0.1 and [::1]. */
  readonly port: number;
  /** `sip:127.0.0.1:${port}` */
  readonly proxy: string;
  /** `sip:[::1]:${port}` */
  readonly proxyV6: string;
  /** TLS port on 127.0.0.1 when started with the `tls` option, else 0. */
  readonly tlsPort: number;
  /** Temp dir of this instance (runtime dir, pid file, ctl socket); removed by stop(). */
  readonly dir: string;
  /** All current (non-expired) bindings, from `kamcmd ul.dump`. */
  ulDump(): Promise<Binding[]>;
  /**
   * Current (non-expired) bindings of one AoR, from `kamcmd ul.lookup location AOR`.
   * @param aor `user@domain` (a leading `sip:` is stripped), e.g. 'alice@example.com'.
   * @returns [] if the AoR has no bindings.
   */
  lookup(aor: string): Promise<Binding[]>;
  /**
   * Number of REGISTER requests Kamailio has received so far (core statistic
   * `rcv_requests_register`).  Every request counts, i.e. a registration that
   * is challenged first counts 2 (unauthenticated + authenticated REGISTER),
   * and UDP retransmissions count too.
   */
  registerCount(): Promise<number>;
  /**
   * A JSON-RPC call through the jsonrpcs FIFO (start with `{ jsonrpc: true }`):
   * resolves with the `result`, rejects with the `error`. No reply size limit.
   */
  jsonrpc(method: string, ...params: Array<string | number>): Promise<unknown>;
  /** Run any kamcmd RPC command (e.g. `rpc('ul.rm', 'location', 'alice@example.com')`); returns its stdout. Throws on `error:` output. */
  rpc(command: string, ...args: string[]): Promise<string>;
  /** SIGTERM, wait for exit (bounded, then SIGKILL of the whole process group), remove the temp dir. Idempotent. */
  stop(): Promise<void>;
  /**
   * Crash the registrar: SIGKILL to Kamailio's whole process group, then wait
   * until it is gone. The temp dir and the port number are kept for
   * {@link restart}. Does nothing when it is not running.
   */
  kill(): Promise<void>;
  /**
   * Start Kamailio again on the same port, same config (the location table,
   * memory-only, starts empty), and wait until it is ready. Kills the running
   * instance first (SIGKILL), if any. Rejects after the startup deadline.
   */
  restart(): Promise<void>;
  /** True while the Kamailio process runs. */
  readonly running: boolean;
  /** Everything Kamailio logged so far (stderr and stdout). */
  readonly log: () => string;
}

/** Kamailio could not bind its port (someone took it after freePort()); startKamailio retries. */
class PortInUseError extends Error {}

/** Options for {@link startKamailio}. */
export interface StartKamailioOptions {
  /** Relay a MESSAGE or OPTIONS to a registered AoR (lookup("location") + t_relay(); 404 when none). */
  relay?: boolean;
  /**
   * Proxy calls between registered users: an INVITE to a registered AoR is
   * record-routed and relayed (404 when none), CANCEL follows its INVITE,
   * requests inside the dialog follow the recorded route (loose_route).
   */
  calls?: boolean;
  /** Send every registered contact an OPTIONS "qualify" ping every this many seconds (nathelper). */
  qualifyS?: number;
  /** Answer a wrong password with a fresh 401 challenge instead of 403 Forbidden. Default false. */
  rechallengeOnBadPassword?: boolean;
  /** Lowest expires accepted without a 423 (default 60). */
  minExpires?: number;
  /** Highest expires granted; larger ones are lowered in the 200 OK (default 3600). */
  maxExpires?: number;
  /** Digest algorithm of the challenges and checks (default MD5). */
  authAlgorithm?: 'MD5' | 'SHA-256';
  /** Kamailio debug log level 3 instead of 2 (also enabled by env KAMAILIO_VERBOSE=1). */
  verbose?: boolean;
  /** Startup deadline in ms (default 10000). */
  timeoutMs?: number;
  /**
   * How much of Kamailio's log to keep in memory for `log()` (default 8 MiB).
   * Long runs (bench/soak.ts) keep less, so that the harness's own memory
   * does not show in their measurements.
   */
  maxLogChars?: number;
  /** UDP (and TCP) worker processes, `children=` (default 2). Load benchmarks raise it. */
  udpChildren?: number;
  /** Shared memory in MB, `kamailio -m` (default 64). ~2 KB per binding. */
  shmMb?: number;
  /** Private memory per process in MB, `kamailio -M` (default 8); a JSON-RPC ul.dump of N bindings needs ~1 KB each. */
  pkgMb?: number;
  /**
   * Load the jsonrpcs module with a FIFO in the temp dir (default false):
   * enables {@link Kamailio.jsonrpc}, and makes {@link Kamailio.ulDump} read
   * the table as JSON, which has no size limit (kamcmd fails on replies over
   * ~200 KB, i.e. ~400 bindings).
   */
  jsonrpc?: boolean;
  /**
   * Also listen for TLS on 127.0.0.1 (its own free port, {@link Kamailio.tlsPort})
   * with Kamailio's tls module (Debian `kamailio-tls-modules`). Paths are
   * PEM files the test made; the helper writes the module's config file.
   */
  tls?: KamailioTlsOptions;
}

/** The server side of Kamailio's tls module (its `[server:default]` profile). */
export interface KamailioTlsOptions {
  /** The server's certificate (PEM). */
  certificate: string;
  /** The server's private key (PEM, unencrypted). */
  privateKey: string;
  /** CAs the server trusts for client certificates (PEM); needed unless `clientCertificate` is `'none'`. */
  caList?: string;
  /**
   * `'none'` (default): ask for no client certificate. `'optional'`: ask for
   * one and verify it if sent. `'required'`: refuse the connection without a valid one.
   */
  clientCertificate?: 'none' | 'optional' | 'required';
}

/** Directory holding kamailio.cfg and users.txt. */
export const KAMAILIO_CONFIG_DIR: string = path.resolve(
  typeof __dirname !== 'undefined' ? path.join(__dirname, '..') : path.join(process.cwd(), 'test'),
  'kamailio',
);
const CONFIG_FILE = path.join(KAMAILIO_CONFIG_DIR, 'kamailio.cfg');
const USERS_FILE = path.join(KAMAILIO_CONFIG_DIR, 'users.txt');
/** Name of the generated users include; kamailio.cfg includes it relative to the cwd (= the temp dir). */
const USERS_INCLUDE = 'kamailio-users.cfg';

const HOST = '127.0.0.1';
const MAX_LOG_CHARS = 8 * 1024 * 1024;

/**
 * Poll `fn` until it returns a truthy value and return that value.
 * Errors thrown by `fn` are remembered and polling continues.
 * @throws Error naming `what`, the timeout and the last value/error, once `timeoutMs` (default 5000) has passed.
 */
export async function waitFor<T>(
  fn: () => Promise<T | undefined | false>,
  opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const intervalMs = opts.intervalMs ?? 100;
  const what = opts.what ?? 'condition';
  const deadline = Date.now() + timeoutMs;
  let last: string = 'never evaluated';
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = `last value: ${JSON.stringify(v)}`;
    } catch (e) {
      last = `last error: ${e instanceof Error ? e.message : String(e)}`;
    }
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what} (${last})`);
    await sleep(Math.min(intervalMs, left));
  }
}

function findExecutable(envVar: string, candidates: string[], name: string): string | undefined {
  const fromEnv = process.env[envVar];
  if (fromEnv) return fromEnv;
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const c of [...candidates, ...dirs.map((d) => path.join(d, name))]) {
    try {
      fs.accessSync(c, fs.constants.X_OK);
      return c;
    } catch {
      /* next */
    }
  }
  return undefined;
}

function kamailioBinaries(): { kamailio: string; kamcmd: string } {
  const hint =
    'Install the Debian package `kamailio` (apt-get install kamailio), which provides /usr/sbin/kamailio and /usr/sbin/kamcmd; ' +
    'the exosip2 registration tests need a real registrar.';
  const kamailio = findExecutable('KAMAILIO_BIN', ['/usr/sbin/kamailio', '/usr/local/sbin/kamailio'], 'kamailio');
  if (!kamailio) throw new Error(`kamailio binary not found. ${hint}`);
  const kamcmd = findExecutable('KAMCMD_BIN', ['/usr/sbin/kamcmd', '/usr/local/sbin/kamcmd'], 'kamcmd');
  if (!kamcmd) throw new Error(`kamcmd binary not found. ${hint}`);
  return { kamailio, kamcmd };
}

/** One test user from test/kamailio/users.txt. */
export interface TestUser {
  /** `user@domain` */
  aor: string;
  user: string;
  /** Also the digest realm. */
  domain: string;
  password: string;
}

/** Parse test/kamailio/users.txt (or another file of `user@domain password` lines). */
export function readUsers(file: string = USERS_FILE): TestUser[] {
  const users: TestUser[] = [];
  const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/);
  lines.forEach((line, i) => {
    const t = line.trim();
    if (!t || t.startsWith('#')) return;
    const m = /^([A-Za-z0-9._~+-]+)@([A-Za-z0-9.-]+)\s+(\S+)$/.exec(t);
    // The password ends up inside a double-quoted Kamailio cfg string.
    if (!m || /["\\$]/.test(m[3])) {
      throw new Error(`${file}:${i + 1}: expected "user@domain password" (password without " \\ $ or spaces), got: ${line}`);
    }
    users.push({ aor: `${m[1]}@${m[2]}`, user: m[1], domain: m[2], password: m[3] });
  });
  return users;
}

function usersInclude(users: TestUser[]): string {
  const sets = users.map((u) => `\t$sht(users=>${u.aor}) = "${u.password}";`).join('\n');
  return `# generated by test/helpers/kamailio.ts from ${USERS_FILE}\nevent_route[htable:mod-init] {\n${sets}\n}\n`;
}

// Instances still running, killed synchronously if the test process exits or is interrupted.
const running = new Set<{ child: ChildProcess; dir: string }>();
let exitHooksInstalled = false;

function killAllSync(): void {
  for (const r of running) {
    try {
      if (r.child.pid) process.kill(-r.child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    try {
      fs.rmSync(r.dir, { recursive: true, force: true });
    } catch {
      /* ignore */
    }
  }
  running.clear();
}

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', killAllSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = (): void => {
      killAllSync();
      // Restore the default behaviour only if nobody else handles the signal.
      if (process.listenerCount(sig) === 1) {
        process.removeListener(sig, handler);
        process.kill(process.pid, sig);
      }
    };
    process.on(sig, handler);
  }
}

function sipProbeUdp(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket('udp4');
    let done = false;
    const finish = (ok: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      try {
        sock.close();
      } catch {
        /* already closed */
      }
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    sock.on('error', () => finish(false));
    sock.on('message', (msg) => finish(msg.toString('latin1').startsWith('SIP/2.0 ')));
    sock.bind(0, HOST, () => {
      const lport = (sock.address() as net.AddressInfo).port;
      const id = randomBytes(6).toString('hex');
      const req =
        `OPTIONS sip:${HOST}:${port} SIP/2.0\r\n` +
        `Via: SIP/2.0/UDP ${HOST}:${lport};branch=z9hG4bK-probe-${id};rport\r\n` +
        `Max-Forwards: 70\r\n` +
        `From: <sip:probe@${HOST}>;tag=${id}\r\n` +
        `To: <sip:${HOST}:${port}>\r\n` +
        `Call-ID: probe-${id}@${HOST}\r\n` +
        `CSeq: 1 OPTIONS\r\n` +
        `Content-Length: 0\r\n\r\n`;
      sock.send(req, port, HOST, (err) => err && finish(false));
    });
  });
}

function tcpProbe(port: number, host: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host });
    const t = setTimeout(() => {
      s.destroy();
      resolve(false);
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(t);
      s.end();
      resolve(true);
    });
    s.once('error', () => {
      clearTimeout(t);
      resolve(false);
    });
  });
}

/** The tls module's config file for {@link KamailioTlsOptions}. */
function tlsModuleConfig(tls: KamailioTlsOptions): string {
  const mode = tls.clientCertificate ?? 'none';
  return [
    '# generated by test/helpers/kamailio.ts',
    '[server:default]',
    'method = TLSv1.2+',
    `verify_certificate = ${mode === 'none' ? 'no' : 'yes'}`,
    `require_certificate = ${mode === 'required' ? 'yes' : 'no'}`,
    `private_key = ${tls.privateKey}`,
    `certificate = ${tls.certificate}`,
    ...(tls.caList === undefined ? [] : [`ca_list = ${tls.caList}`]),
    '',
    '[client:default]',
    'verify_certificate = no',
    'require_certificate = no',
    '',
  ].join('\n');
}

/**
 * Start a Kamailio registrar on a free loopback port and wait until it is
 * ready (the ctl socket answers `core.version`, UDP answers an OPTIONS and
 * TCP accepts connections).  Bounded by `timeoutMs` (default 10 s); on
 * failure the instance is killed and the Error carries Kamailio's log.
 * @throws Error if the kamailio/kamcmd binaries are missing (install the Debian package `kamailio`).
 */
export async function startKamailio(opts: StartKamailioOptions = {}): Promise<Kamailio> {
  const bins = kamailioBinaries();
  if (!fs.existsSync(CONFIG_FILE)) throw new Error(`Kamailio config not found: ${CONFIG_FILE}`);
  const users = readUsers();
  let lastError: unknown;
  // A port found free may be taken before kamailio binds it: retry a few times.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(bins, users, opts);
    } catch (e) {
      lastError = e;
      if (!(e instanceof PortInUseError)) throw e;
    }
  }
  throw lastError;
}


async function startOnce(
  bins: { kamailio: string; kamcmd: string },
  users: TestUser[],
  opts: StartKamailioOptions,
): Promise<Kamailio> {
  const port = await freePort();
  // Unix socket paths are limited to ~107 bytes; fall back to /tmp for a long TMPDIR.
  const base = os.tmpdir().length > 60 ? '/tmp' : os.tmpdir();
  const dir = await fs.promises.mkdtemp(path.join(base, 'exosip2-kamailio-'));
  const ctl = path.join(dir, 'kamailio_ctl');
  await fs.promises.writeFile(path.join(dir, USERS_INCLUDE), usersInclude(users));

  const listen: string[] = [`udp:${HOST}:${port}`, `tcp:${HOST}:${port}`];
  const tlsPort = opts.tls === undefined ? 0 : await freePort();
  if (opts.tls !== undefined) listen.push(`tls:${HOST}:${tlsPort}`);
  if (await hasIpv6Loopback()) listen.push(`udp:[::1]:${port}`, `tcp:[::1]:${port}`);
  const args = [
    '-f', CONFIG_FILE,
    '-DD', // no daemon: stay in the foreground, children in our process group
    '-E', // log to stderr
    '-Y', dir, // runtime dir
    '-P', path.join(dir, 'kamailio.pid'),
    '-w', dir,
    '-m', String(Math.trunc(opts.shmMb ?? 64)),
    '-M', String(Math.trunc(opts.pkgMb ?? 8)),
    ...listen.flatMap((l) => ['-l', l]),
    '-A', `CTL_SOCKET="unix:${ctl}"`,
  ];
  if (opts.rechallengeOnBadPassword) args.push('-A', 'REJECT_401');
  if (opts.relay) args.push('-A', 'WITH_RELAY');
  if (opts.calls) args.push('-A', 'WITH_CALLS');
  if (opts.qualifyS !== undefined) args.push('-A', `QUALIFY_INTERVAL=${Math.trunc(opts.qualifyS)}`);
  if (opts.minExpires !== undefined) args.push('-A', `MIN_EXPIRES=${Math.trunc(opts.minExpires)}`);
  if (opts.maxExpires !== undefined) args.push('-A', `MAX_EXPIRES=${Math.trunc(opts.maxExpires)}`);
  if (opts.authAlgorithm !== undefined) args.push('-A', `AUTH_ALGORITHM="${opts.authAlgorithm}"`);
  if (opts.verbose || process.env.KAMAILIO_VERBOSE === '1') args.push('-A', 'VERBOSE');
  if (opts.udpChildren !== undefined) args.push('-A', `UDP_CHILDREN=${Math.trunc(opts.udpChildren)}`);
  if (opts.tls !== undefined) {
    const tlsConfig = path.join(dir, 'tls.cfg');
    await fs.promises.writeFile(tlsConfig, tlsModuleConfig(opts.tls));
    args.push('-A', 'WITH_TLS', '-A', `TLS_CONFIG="${tlsConfig}"`);
  }
  const jsonrpcFifo = path.join(dir, 'kamailio_jsonrpc.fifo');
  if (opts.jsonrpc) args.push('-A', `JSONRPC_FIFO="${jsonrpcFifo}"`, '-A', `JSONRPC_REPLY_DIR="${dir}/"`);

  let log = `$ cd ${dir} && ${bins.kamailio} ${args.map((a) => (/[\s"]/.test(a) ? `'${a}'` : a)).join(' ')}\n`;
  const appendLog = (chunk: Buffer): void => {
    const s = chunk.toString('utf8');
    if (process.env.KAMAILIO_LOG === '1') process.stderr.write(s);
    log += s;
    const max = opts.maxLogChars ?? MAX_LOG_CHARS;
    if (log.length > max) log = '[...log truncated...]\n' + log.slice(-Math.floor(max / 2));
  };

  installExitHooks();
  // One Kamailio process; restart() replaces it with a new one on the same port.
  let child!: ChildProcess;
  let entry!: { child: ChildProcess; dir: string };
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  let exitPromise!: Promise<void>;
  const launch = (): void => {
    exited = undefined;
    spawnError = undefined;
    child = spawn(bins.kamailio, args, {
      cwd: dir, // kamailio.cfg includes the generated users file relative to the cwd
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // own process group, so stop() can kill kamailio and all its children
    });
    entry = { child, dir };
    running.add(entry);
    child.stdout!.on('data', appendLog);
    child.stderr!.on('data', appendLog);
    const current = child;
    exitPromise = new Promise<void>((resolve) => {
      current.once('exit', (code, signal) => {
        if (current === child) exited = { code, signal };
        log += `\n[kamailio exited: code=${code} signal=${signal}]\n`;
        resolve();
      });
      current.once('error', (err) => {
        if (current === child) {
          spawnError = err;
          exited ??= { code: null, signal: null };
        }
        resolve();
      });
    });
  };
  launch();

  const kamcmd = (command: string, ...rpcArgs: string[]): Promise<string> =>
    new Promise((resolve, reject) => {
      execFile(
        bins.kamcmd,
        ['-s', `unix:${ctl}`, command, ...rpcArgs],
        { timeout: 5000, maxBuffer: 64 * 1024 * 1024 },
        (err, stdout, stderr) => {
          if (err) {
            reject(new Error(`kamcmd ${command} ${rpcArgs.join(' ')} failed: ${err.message}\n${stderr}`));
            return;
          }
          const m = /^error:\s*(\d+)\s*-\s*(.*)$/m.exec(stdout);
          if (m) {
            reject(new RpcError(`kamcmd ${command} ${rpcArgs.join(' ')}: ${m[0]}`, Number(m[1]), m[2]));
            return;
          }
          resolve(stdout);
        },
      );
    });

  let rpcSeq = 0;
  const jsonrpc = async (method: string, ...params: Array<string | number>): Promise<unknown> => {
    if (!opts.jsonrpc) throw new Error('jsonrpc(): start Kamailio with { jsonrpc: true }');
    // jsonrpcs refuses reply names with "." or "/".
    const name = `jsonrpc_reply_${process.pid}_${++rpcSeq}`;
    const replyPath = path.join(dir, name);
    await new Promise<void>((resolve, reject) => execFile('mkfifo', ['-m', '0600', replyPath], (err) => (err ? reject(err) : resolve())));
    try {
      // Open the reply FIFO for reading first (it blocks until Kamailio opens it for writing).
      const reply = fs.promises.readFile(replyPath, 'utf8');
      const request = JSON.stringify({ jsonrpc: '2.0', method, params, reply_name: name, id: rpcSeq });
      await fs.promises.writeFile(jsonrpcFifo, `${request}\n`);
      let timer: NodeJS.Timeout | undefined;
      const text = await Promise.race([
        reply,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`jsonrpc ${method}: no reply within 30 s`)), 30000);
        }),
      ]).finally(() => clearTimeout(timer));
      const parsed = JSON.parse(text) as { result?: unknown; error?: { code: number; message: string } };
      if (parsed.error) throw new RpcError(`jsonrpc ${method}: ${parsed.error.code} ${parsed.error.message}`, parsed.error.code, parsed.error.message);
      return parsed.result;
    } finally {
      await fs.promises.rm(replyPath, { force: true });
    }
  };

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      if (!exited && child.pid) {
        try {
          child.kill('SIGTERM');
        } catch {
          /* gone */
        }
        const t = setTimeout(() => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            /* gone */
          }
        }, 5000);
        await exitPromise;
        clearTimeout(t);
      }
      // Children that outlived the main process, if any.
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* none left */
      }
      running.delete(entry);
      await fs.promises.rm(dir, { recursive: true, force: true });
    })());

  // Readiness: ctl socket answers, UDP answers an OPTIONS, TCP accepts.
  // Not waitFor(): an early exit of kamailio must fail fast, not be retried.
  const timeoutMs = opts.timeoutMs ?? 10000;
  const waitReady = async (): Promise<string | undefined> => {
    const deadline = Date.now() + timeoutMs;
    let lastProbe = 'not probed yet';
    for (;;) {
      if (exited) {
        if (/Address already in use/i.test(log)) return 'port in use';
        return spawnError ? `spawn failed: ${spawnError.message}` : 'kamailio exited during startup';
      }
      try {
        if (!fs.existsSync(ctl)) lastProbe = 'ctl socket not created yet';
        else if (!/kamailio/i.test(await kamcmd('core.version'))) lastProbe = 'core.version: unexpected answer';
        else if (!(await sipProbeUdp(port, 300))) lastProbe = 'no answer to OPTIONS over UDP';
        else if (!(await tcpProbe(port, HOST, 300))) lastProbe = 'TCP connect failed';
        else if (tlsPort !== 0 && !(await tcpProbe(tlsPort, HOST, 300))) lastProbe = 'TLS port does not accept connections';
        else return undefined; // ready
      } catch (e) {
        lastProbe = e instanceof Error ? e.message : String(e);
      }
      if (Date.now() >= deadline) return `not ready after ${timeoutMs} ms (${lastProbe})`;
      await Promise.race([sleep(100), exitPromise]);
    }
  };
  const failure = await waitReady();
  if (failure === 'port in use') {
    await stop();
    throw new PortInUseError(`port ${port} in use`);
  }
  if (failure !== undefined) {
    await stop();
    throw new Error(`Kamailio failed to start on port ${port}: ${failure}\n--- kamailio log ---\n${log}`);
  }

  const kill = async (): Promise<void> => {
    if (!exited && child.pid) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      await exitPromise;
    }
    running.delete(entry);
    // The ctl socket file stays behind a killed process: readiness must not see it.
    await fs.promises.rm(ctl, { force: true });
  };

  const restart = async (): Promise<void> => {
    if (stopped) throw new Error('restart() after stop()');
    await kill();
    log += `\n[restarting kamailio on port ${port}]\n`;
    launch();
    const why = await waitReady();
    if (why !== undefined) {
      await kill();
      throw new Error(`Kamailio failed to restart on port ${port}: ${why}\n--- kamailio log ---\n${log}`);
    }
  };

  return {
    host: HOST,
    port,
    proxy: `sip:${HOST}:${port}`,
    proxyV6: `sip:[::1]:${port}`,
    tlsPort,
    dir,
    log: () => log,
    rpc: kamcmd,
    stop,
    kill,
    restart,
    get running() {
      return !exited;
    },
    jsonrpc,
    async ulDump() {
      if (opts.jsonrpc) return jsonUlBindings(await jsonrpc('ul.dump'));
      return parseUlOutput(await kamcmd('ul.dump'));
    },
    async lookup(aor: string) {
      const key = aor.replace(/^sips?:/i, '');
      let out: string;
      try {
        out = await kamcmd('ul.lookup', 'location', key);
      } catch (e) {
        // Kamailio 5.6 answers "error: 500 - AOR not found in location table"
        if (e instanceof RpcError && /not found/i.test(e.reason)) return [];
        throw e;
      }
      return parseUlOutput(out);
    },
    async registerCount() {
      const out = await kamcmd('stats.get_statistics', 'rcv_requests_register');
      const m = /rcv_requests_register\s*[:=]\s*(\d+)/.exec(out);
      if (!m) throw new Error(`unexpected stats.get_statistics output: ${JSON.stringify(out)}`);
      return Number(m[1]);
    },
  };
}
