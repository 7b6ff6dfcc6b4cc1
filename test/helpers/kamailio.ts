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
 *
 * Kamailio's log comes through pipes this process reads: a caller that blocks
 * its event loop for long (execFileSync of a load program, say) stalls
 * Kamailio once a pipe is full, and requests then go unanswered. Run such
 * programs with the asynchronous child_process calls.
 *
 * Files: the types are in kamailio-types.ts, the config, users, binaries,
 * probes and exit hooks in kamailio-setup.ts, the RPC (kamcmd, JSON-RPC,
 * ul.dump parsing) in kamailio-rpc.ts; this file starts and stops instances.
 */

import { spawn, execFile, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { jsonUlBindings, parseUlOutput, RpcError } from './kamailio-rpc';
import {
  CONFIG_FILE,
  HOST,
  installExitHooks,
  kamailioBinaries,
  MAX_LOG_CHARS,
  readUsers,
  running,
  sipProbeUdp,
  tcpProbe,
  tlsModuleConfig,
  USERS_INCLUDE,
  usersInclude,
} from './kamailio-setup';
import type { Kamailio, StartKamailioOptions, TestUser } from './kamailio-types';
import { freePort, hasIpv6Loopback } from './ports';

export { freePort };
export { type Binding, jsonUlBindings, parseUlOutput } from './kamailio-rpc';
export { KAMAILIO_CONFIG_DIR, readUsers, waitFor } from './kamailio-setup';
export type { Kamailio, KamailioTlsOptions, StartKamailioOptions, TestUser } from './kamailio-types';

/** Kamailio could not bind its port (someone took it after freePort()); startKamailio retries. */
class PortInUseError extends Error {}

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
