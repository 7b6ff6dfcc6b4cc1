/**
 * The `exosip2-register` CLI, spawned for real (`node --import tsx
 * bin/exosip2-register.ts ...`) against a Kamailio registrar, against a
 * tiny fake UDP registrar where Kamailio cannot misbehave on purpose, and
 * without --proxy/--from (its demo against the embedded Registrar). Also:
 * the password from the environment, a file and stdin; a real pipe closed
 * early (`| head -2`) taking the shutdown path; Ctrl-C under `npm exec`;
 * one-line usage errors; what an unreachable proxy is reported as.
 */
import { strict as assert } from 'node:assert';
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import * as fs from 'node:fs';
import { type AddressInfo, connect } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { freePort, type Kamailio, startKamailio, waitFor } from './helpers/kamailio';

const ROOT = path.resolve(__dirname, '..');
const CLI = ['--import', 'tsx', 'bin/exosip2-register.ts'];

/** One spawned CLI process with its collected output. */
interface Cli {
  readonly child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout line matching `re` (bounded). */
  line(re: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code (or the signal name) once the process ended (bounded). */
  exit(timeoutMs?: number): Promise<number | string>;
}

const children = new Set<ChildProcessWithoutNullStreams>();

/** Options of {@link runCli}: extra environment variables, text to give on stdin. */
interface RunOptions {
  env?: Record<string, string>;
  stdin?: string;
}

/** The environment of the test without EXOSIP2_* variables (the CLI reads EXOSIP2_PASSWORD), plus `extra`. */
function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('EXOSIP2_')));
  return { ...env, ...extra };
}

function runCli(args: string[], opts: RunOptions = {}): Cli {
  const child = spawn(process.execPath, [...CLI, ...args], {
    cwd: ROOT,
    env: cliEnv(opts.env),
    stdio: [opts.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  }) as unknown as ChildProcessWithoutNullStreams;
  if (opts.stdin !== undefined) child.stdin.end(opts.stdin);
  children.add(child);
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve(code ?? signal ?? -1);
    });
  });
  const context = (): string => `\n--- stdout ---\n${out}--- stderr ---\n${err}`;
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    async line(re, timeoutMs = 15000) {
      let ended = false;
      void exited.then(() => (ended = true));
      return waitFor(
        async () => {
          const found = out.split('\n').find((l) => re.test(l));
          if (found === undefined && ended) throw new Error(`CLI exited before printing ${re}${context()}`);
          return found;
        },
        { timeoutMs, intervalMs: 20, what: `a CLI line matching ${re}${context()}` },
      ).catch((e: Error) => {
        throw new Error(`${e.message}${context()}`);
      });
    },
    async exit(timeoutMs = 15000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`CLI did not exit within ${timeoutMs} ms${context()}`)), timeoutMs);
      });
      try {
        return await Promise.race([exited, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Kills what a failed test left running. */
afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
});

function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('exosip2-register CLI against Kamailio', () => {
  let kam: Kamailio;
  before(async () => {
    kam = await startKamailio();
  });
  after(async () => {
    await kam?.stop();
  });

  test('--json: registers alice, SIGINT unregisters, exit 0', { timeout: 30000 }, async () => {
    const port = await freePort();
    const cli = runCli(['--proxy', kam.proxy, '--from', 'sip:alice@example.com', '--password', 'secret', '--port', String(port), '--json']);
    const registered = JSON.parse(await cli.line(/"event":"registered"/)) as Record<string, unknown>;
    assert.equal(typeof registered.time, 'string');
    assert.ok(!Number.isNaN(Date.parse(registered.time as string)));
    assert.equal(typeof registered.rid, 'number');
    assert.equal(registered.expires, 3600);
    assert.ok(Array.isArray(registered.contacts) && registered.contacts.length === 1, JSON.stringify(registered));

    const bindings = await kam.lookup('alice@example.com');
    assert.equal(bindings.length, 1, JSON.stringify(bindings));
    assert.match(bindings[0].contact, new RegExp(`^sip:alice@127\\.0\\.0\\.1:${port}(;|$)`));
    assert.match(bindings[0].socket, /^udp:/);

    cli.child.kill('SIGINT');
    assert.equal(await cli.exit(), 0);
    const events = jsonLines(cli.stdout());
    assert.deepEqual(
      events.map((e) => e.event),
      ['listening', 'registering', 'challenge', 'registered', 'signal', 'unregistering', 'unregistered'],
    );
    assert.equal(events[0].port, port);
    assert.deepEqual([events[2].status, events[2].attempt], [401, 1]);
    assert.equal(events.at(-1)!.rid, registered.rid);
    assert.equal(cli.stderr(), '');
    assert.ok(!cli.stdout().includes('secret'), 'password printed');
    assert.deepEqual(await kam.lookup('alice@example.com'), []);
  });

  test('wrong password: exit 1 naming the 403, password never printed', { timeout: 30000 }, async () => {
    const password = 'Wr0ng-Pa55word';
    for (const mode of [[], ['--json']]) {
      const cli = runCli(['--proxy', kam.proxy, '--from', 'sip:carol@other.test', '--password', password, ...mode]);
      assert.equal(await cli.exit(), 1, `${mode.join(' ')}\n${cli.stdout()}${cli.stderr()}`);
      const all = cli.stdout() + cli.stderr();
      assert.match(all, /\b403\b/);
      assert.match(cli.stderr(), /registration failed: 403 Forbidden/);
      assert.ok(!all.includes(password), `password printed:\n${all}`);
      if (mode.length > 0) {
        const failed = jsonLines(cli.stdout()).find((e) => e.event === 'failed');
        assert.ok(failed, cli.stdout());
        assert.equal(failed.status, 403);
        assert.equal(failed.code, 'ERR_REGISTRATION_REJECTED');
      } else {
        assert.match(cli.stdout(), /^\d\d:\d\d:\d\d\.\d{3} failed 403 Forbidden$/m);
      }
    }
    assert.deepEqual(await kam.lookup('carol@other.test'), []);
  });

  test('--trace and --log-level: the wire and the stack log, credentials redacted', { timeout: 30000 }, async () => {
    const cli = runCli(['--proxy', kam.proxy, '--from', 'sip:dave@example.com', '--password', 'davepw', '--trace', '--log-level', '4', '--json']);
    await cli.line(/"event":"registered"/);
    cli.child.kill('SIGINT');
    assert.equal(await cli.exit(), 0, cli.stdout() + cli.stderr());
    const events = jsonLines(cli.stdout());
    const traces = events.filter((e) => e.event === 'trace');
    // REGISTER, 401, REGISTER with credentials, 200; then the un-REGISTER and its 200.
    assert.deepEqual(traces.slice(0, 4).map((t) => [t.direction, (t.text as string).split('\r\n')[0]]), [
      ['out', `REGISTER ${kam.proxy} SIP/2.0`],
      ['in', 'SIP/2.0 401 Unauthorized'],
      ['out', `REGISTER ${kam.proxy} SIP/2.0`],
      ['in', 'SIP/2.0 200 OK'],
    ]);
    assert.ok(traces.every((t) => t.remote === `127.0.0.1:${kam.port}` && t.transport === 'UDP'));
    assert.match(traces[2].text as string, /response="<redacted>"/);
    const logs = events.filter((e) => e.event === 'log');
    assert.ok(logs.length > 0, 'osip log lines printed');
    assert.ok(logs.every((l) => typeof l.level === 'number' && (l.level as number) <= 4));
    assert.ok(!cli.stdout().includes('davepw') && !cli.stderr().includes('davepw'));
    assert.deepEqual(await kam.lookup('dave@example.com'), []);
  });

  test('bad usage (no --proxy): exit 2, one line saying so', { timeout: 30000 }, async () => {
    const cli = runCli(['--from', 'sip:alice@example.com', '--password', 'secret']);
    assert.equal(await cli.exit(), 2);
    assert.equal(cli.stderr(), 'exosip2-register: missing --proxy <sip-uri> (or give neither --proxy nor --from for the demo); see exosip2-register --help\n');
    assert.equal(cli.stdout(), '');
  });

  test('bad usage (unknown option, bad value): exit 2, one line each, password scrubbed', { timeout: 30000 }, async () => {
    const base = ['--proxy', kam.proxy, '--from', 'sip:alice@example.com'];
    for (const [args, says] of [
      [[...base, '--pasword', 'x'], /unknown option --pasword \(did you mean --password\?\)/],
      [[...base, '--transport', 'sctp'], /--transport must be udp or tcp \(got "sctp"\)/],
      [[...base, '--port', '70000'], /--port must be an integer from 0 to 65535 \(got "70000"\)/],
      [[...base, '--password', 'secret', 'secret'], /unexpected argument "\*\*\*"/],
      [[...base, '--expires'], /--expires needs a value/],
      [['--proxy', 'sip:127.0.0.1:99999', '--from', 'sip:alice@example.com'], /--proxy port must be from 1 to 65535 \(got "99999" in "sip:127\.0\.0\.1:99999"\)/],
      [['--proxy', 'sip:127.0.0.1:0', '--from', 'sip:alice@example.com'], /--proxy port must be from 1 to 65535/],
      [['--proxy', 'sip::5060', '--from', 'sip:alice@example.com'], /--proxy names no host/],
      [['--proxy', 'http://x', '--from', 'sip:alice@example.com'], /--proxy must be a sip: or sips: URI/],
    ] as Array<[string[], RegExp]>) {
      const started = Date.now();
      const cli = runCli(args);
      assert.equal(await cli.exit(), 2, args.join(' '));
      assert.ok(Date.now() - started < 10_000, `${args.join(' ')}: a usage error is at once`);
      assert.match(cli.stderr(), /^exosip2-register: [^\n]+; see exosip2-register --help\n$/, `${args.join(' ')}: one line`);
      assert.match(cli.stderr(), says);
      assert.equal(cli.stdout(), '');
      assert.ok(!cli.stderr().includes('secret'), cli.stderr());
    }
  });

  test('the password from EXOSIP2_PASSWORD, --password-file and --password-file - (stdin); never in the arguments', { timeout: 60000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'exosip2-cli-'));
    try {
      const file = path.join(dir, 'password');
      fs.writeFileSync(file, 'loadpw\nsecond line, not read\n', { mode: 0o600 });
      const ways: Array<[string, string[], RunOptions]> = [
        ['EXOSIP2_PASSWORD', [], { env: { EXOSIP2_PASSWORD: 'loadpw' } }],
        ['--password-file <file>', ['--password-file', file], {}],
        ['--password-file - (stdin)', ['--password-file', '-'], { stdin: 'loadpw\r\n' }],
        // An option wins over the environment.
        ['--password-file over EXOSIP2_PASSWORD', ['--password-file', file], { env: { EXOSIP2_PASSWORD: 'wrong' } }],
      ];
      for (const [i, [way, extra, opts]] of ways.entries()) {
        const user = `load${i + 1}`;
        const cli = runCli(['--proxy', kam.proxy, '--from', `sip:${user}@example.com`, ...extra, '--json'], opts);
        await cli.line(/"event":"registered"/);
        assert.equal((await kam.lookup(`${user}@example.com`)).length, 1, way);
        assert.ok(!(cli.child.spawnargs.join(' ').includes('loadpw')), `${way}: the password is in the arguments`);
        cli.child.kill('SIGINT');
        assert.equal(await cli.exit(), 0, `${way}\n${cli.stdout()}${cli.stderr()}`);
        assert.ok(!cli.stdout().includes('loadpw') && !cli.stderr().includes('loadpw'), `${way}: password printed`);
        assert.deepEqual(await kam.lookup(`${user}@example.com`), [], way);
      }
      // A wrong one from the environment is refused like any other, and not printed.
      const wrong = runCli(['--proxy', kam.proxy, '--from', 'sip:load5@example.com'], { env: { EXOSIP2_PASSWORD: 'Wr0ngFromEnv' } });
      assert.equal(await wrong.exit(), 1);
      assert.match(wrong.stderr(), /registration failed: 403 Forbidden/);
      assert.ok(!(wrong.stdout() + wrong.stderr()).includes('Wr0ngFromEnv'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an output that closes early (| head -2) ends as SIGINT does: unregistered, exit 141, no binding left', { timeout: 30000 }, async () => {
    const before = await kam.registerCount();
    const command = `${[process.execPath, ...CLI].map((a) => `'${a}'`).join(' ')} --proxy ${kam.proxy} --from sip:load6@example.com --password loadpw | head -2; echo "cli exit \${PIPESTATUS[0]}" >&2`;
    const r = spawnSync('bash', ['-c', command], { cwd: ROOT, env: cliEnv(), encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 2, r.stdout);
    assert.match(lines[1], /^\S+ registering sip:load6@example\.com at /);
    assert.match(r.stderr, /^exosip2-register: stdout failed \(EPIPE: the reader went away\): unregistering, then exiting 141$/m);
    assert.match(r.stderr, /^cli exit 141$/m, r.stderr);
    assert.doesNotMatch(r.stderr, /Unhandled|at .*\.js:\d+/);
    // It registered (the REGISTER with credentials went out as the pipe closed) and unregistered.
    assert.ok((await kam.registerCount()) - before >= 3, `REGISTERs: ${(await kam.registerCount()) - before}`);
    assert.deepEqual(await kam.lookup('load6@example.com'), []);
  });

  test('an unreachable proxy: TCP says the transport failed at once, UDP that nothing answered within 32 s', { timeout: 60000 }, async () => {
    const port = await freePort();
    const tcp = runCli(['--proxy', `sip:127.0.0.1:${port}`, '--from', 'sip:load7@example.com', '--transport', 'tcp']);
    assert.equal(await tcp.exit(), 1);
    assert.match(tcp.stderr(), new RegExp(`^exosip2-register: registration failed: no answer from 127\\.0\\.0\\.1:${port} \\(tcp\\): eXosip gave up after \\d+ ms, the transport failed \\(e\\.g\\. the connection was refused\\) \\(ERR_REGISTRATION_NO_RESPONSE\\)\n$`));
    const udp = runCli(['--proxy', `sip:127.0.0.1:${port}`, '--from', 'sip:load7@example.com', '--json']);
    assert.equal(await udp.exit(45_000), 1);
    assert.equal(udp.stderr(), `exosip2-register: registration failed: no answer from 127.0.0.1:${port} (udp) within 32 s (ERR_REGISTRATION_NO_RESPONSE)\n`);
    const failed = jsonLines(udp.stdout()).find((e) => e.event === 'failed')!;
    assert.deepEqual([failed.status, failed.code, failed.reason], [0, 'ERR_REGISTRATION_NO_RESPONSE', `no answer from 127.0.0.1:${port} (udp) within 32 s`]);
  });

  test('--help and --version: exit 0 on stdout', { timeout: 30000 }, async () => {
    const help = runCli(['--help']);
    assert.equal(await help.exit(), 0);
    assert.match(help.stdout(), /^Usage: exosip2-register /);
    const version = runCli(['--version']);
    assert.equal(await version.exit(), 0);
    assert.match(version.stdout(), /^exosip2-register \d+\.\d+\.\d+\S* \(libeXosip2 \d+\.\d+\.\d+\S*\)\n$/);
  });

  test('one Ctrl-C delivered twice (terminal and npm, as under npx): unregisters, exit 0', { timeout: 30000 }, async () => {
    const cli = runCli(['--proxy', kam.proxy, '--from', 'sip:load8@example.com', '--password', 'loadpw', '--json']);
    await cli.line(/"event":"registered"/);
    cli.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 20));
    cli.child.kill('SIGINT');
    assert.equal(await cli.exit(), 0, cli.stdout() + cli.stderr());
    const events = jsonLines(cli.stdout()).map((e) => e.event);
    assert.deepEqual(events.filter((e) => e === 'signal'), ['signal']);
    assert.equal(events.at(-1), 'unregistered');
    assert.deepEqual(await kam.lookup('load8@example.com'), []);
  });

  test('Ctrl-C under npm exec (what npx runs): npm reports 130, the CLI still unregisters', { timeout: 30000 }, async () => {
    // npm runs the command through `sh -c`; the terminal's SIGINT goes to the
    // whole foreground process group, so that shell dies of it and npm exits
    // with 130 while exosip2-register unregisters (docs/cli.md, "Exit codes").
    const env = Object.fromEntries(Object.entries(cliEnv()).filter(([k]) => !/^(npm_|INIT_CWD$)/i.test(k)));
    const args = [...CLI, '--proxy', kam.proxy, '--from', 'sip:load9@example.com', '--password', 'loadpw'];
    const npm = spawn('npm', ['exec', '--', 'node', ...args], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    npm.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    npm.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = new Promise<number | string>((resolve) => npm.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
    try {
      await waitFor(async () => (/ registered /.test(out) ? true : undefined), { timeoutMs: 15_000, intervalMs: 20, what: `registered under npm exec:\n${out}` });
      assert.equal((await kam.lookup('load9@example.com')).length, 1);
      process.kill(-npm.pid!, 'SIGINT'); // as the terminal does
      const code = await exited;
      assert.ok(code === 'SIGINT' || code === 130 || code === 0, `npm exited ${code}`);
      await waitFor(async () => ((await kam.lookup('load9@example.com')).length === 0 ? true : undefined), { timeoutMs: 10_000, what: 'the unregister' });
      await waitFor(async () => (/unregistered\n/.test(out) ? true : undefined), { timeoutMs: 5_000, what: `the unregistered line:\n${out}` });
    } finally {
      try {
        process.kill(-npm.pid!, 'SIGKILL');
      } catch {
        /* the group is gone */
      }
    }
  });

  test('human output over TCP: registers bob, SIGTERM unregisters, exit 0', { timeout: 30000 }, async () => {
    const cli = runCli(['--proxy', kam.proxy, '--from', 'sip:bob@example.com', '--password', 'bobpass', '--transport', 'tcp']);
    const line = await cli.line(/^\S+ registered /);
    // The first line claims a listening socket only if something accepts connections there.
    const local = cli.stdout().split('\n')[0];
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(local)?.[1]);
    const accepts = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (accepts) assert.match(local, /^\S+ listening tcp 127\.0\.0\.1:\d+$/);
    else assert.match(local, /^\S+ local tcp 127\.0\.0\.1:\d+ \(no listening socket: this libeXosip2 only connects out, and the registrar answers on that connection\)$/);
    assert.match(line, /^\d\d:\d\d:\d\d\.\d{3} registered expires=3600 contact=<sip:bob@127\.0\.0\.1:\d+;transport=TCP/i);

    const bindings = await kam.lookup('bob@example.com');
    assert.equal(bindings.length, 1, JSON.stringify(bindings));
    assert.match(bindings[0].socket, /^tcp:/);
    assert.match(bindings[0].contact, /;transport=tcp/i);

    cli.child.kill('SIGTERM');
    assert.equal(await cli.exit(), 0);
    assert.match(cli.stdout(), /^\S+ challenge 401 \(attempt 1\)$/m);
    assert.match(cli.stdout(), /^\S+ SIGTERM: shutting down$/m);
    assert.match(cli.stdout(), /^\S+ unregistered$/m);
    assert.equal(cli.stderr(), '');
    assert.deepEqual(await kam.lookup('bob@example.com'), []);
  });
});

/**
 * A registrar on 127.0.0.1 that answers the first REGISTER of each Call-ID
 * with 200 OK and ignores every later one (so unregistering never completes).
 */
async function startSilentRegistrar(): Promise<{ proxy: string; close(): Promise<void> }> {
  const sock = dgram.createSocket('udp4');
  const answered = new Set<string>();
  sock.on('message', (msg, rinfo) => {
    const text = msg.toString('latin1');
    if (!text.startsWith('REGISTER ')) return;
    const lines = text.split('\r\n\r\n')[0].split('\r\n');
    const headers = (name: string): string[] =>
      lines.filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`)).map((l) => l.slice(l.indexOf(':') + 1).trim());
    const callId = headers('call-id')[0] ?? '';
    if (answered.has(callId)) return;
    answered.add(callId);
    const contact = headers('contact')[0] ?? '';
    const response =
      'SIP/2.0 200 OK\r\n' +
      headers('via').map((v) => `Via: ${v}\r\n`).join('') +
      `From: ${headers('from')[0]}\r\n` +
      `To: ${headers('to')[0]};tag=silent\r\n` +
      `Call-ID: ${callId}\r\n` +
      `CSeq: ${headers('cseq')[0]}\r\n` +
      (contact ? `Contact: ${contact};expires=3600\r\n` : '') +
      'Content-Length: 0\r\n\r\n';
    sock.send(response, rinfo.port, rinfo.address);
  });
  sock.bind(0, '127.0.0.1');
  await once(sock, 'listening');
  const { port } = sock.address() as AddressInfo;
  return { proxy: `sip:127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => sock.close(() => resolve())) };
}

describe('exosip2-register CLI shutdown against a registrar that stops answering', () => {
  let registrar: Awaited<ReturnType<typeof startSilentRegistrar>>;
  before(async () => {
    registrar = await startSilentRegistrar();
  });
  after(async () => {
    await registrar?.close();
  });

  test('a second SIGINT while unregistering exits at once with 130', { timeout: 30000 }, async () => {
    const cli = runCli(['--proxy', registrar.proxy, '--from', 'sip:dave@example.com', '--password', 'davepw', '--json']);
    await cli.line(/"event":"registered"/);
    cli.child.kill('SIGINT');
    await cli.line(/"event":"unregistering"/);
    // A second signal within 500 ms is taken for the same Ctrl-C (npm forwards its copy).
    await new Promise((r) => setTimeout(r, 600));
    const started = Date.now();
    cli.child.kill('SIGINT');
    assert.equal(await cli.exit(4000), 130);
    assert.ok(Date.now() - started < 4000);
    assert.ok(!jsonLines(cli.stdout()).some((e) => e.event === 'unregistered'), cli.stdout());
  });

  test('an unregister that gets no answer times out after 5 s: exit 1', { timeout: 30000 }, async () => {
    const cli = runCli(['--proxy', registrar.proxy, '--from', 'sip:dave@example.com', '--password', 'davepw']);
    await cli.line(/^\S+ registered /);
    const started = Date.now();
    cli.child.kill('SIGTERM');
    assert.equal(await cli.exit(15000), 1);
    const took = Date.now() - started;
    assert.ok(took >= 4500 && took < 12000, `${took} ms`);
    assert.match(cli.stdout(), /^\S+ unregister failed .*ERR_REGISTRATION_TIMEOUT/m);
    assert.match(cli.stderr(), /unregister failed/);
  });
});

describe('exosip2-register demo: no --proxy and no --from', () => {
  const CLIENT = ['listening', 'registering', 'challenge', 'registered', 'refreshing', 'refreshed', 'unregistering', 'unregistered'];
  const REGISTRAR = ['registrar-listening', 'registrar-challenge', 'registrar-registered', 'registrar-refreshed', 'registrar-unregistered'];

  test('--json: the embedded registrar, challenge, registered, refresh, unregister, exit 0', { timeout: 30000 }, async () => {
    const cli = runCli(['--json']);
    assert.equal(await cli.exit(), 0, cli.stdout() + cli.stderr());
    assert.equal(cli.stderr(), '');
    const events = jsonLines(cli.stdout());
    // Two stacks run side by side: each side's lines are in order, interleaved.
    assert.deepEqual(events.map((e) => e.event).filter((e) => !String(e).startsWith('registrar-')), CLIENT);
    assert.deepEqual(events.map((e) => e.event).filter((e) => String(e).startsWith('registrar-')), REGISTRAR);
    assert.equal(events[0].event, 'registrar-listening');
    const by = (name: string): Record<string, unknown> => events.find((e) => e.event === name)!;
    const listening = by('registrar-listening');
    assert.equal(listening.address, '127.0.0.1');
    assert.equal(listening.uri, `sip:127.0.0.1:${listening.port}`);
    assert.equal(by('registering').proxy, listening.uri);
    assert.equal(by('registering').from, 'sip:alice@example.com');
    assert.deepEqual([by('challenge').status, by('challenge').attempt], [401, 1]);
    assert.deepEqual([by('registrar-challenge').status, by('registrar-challenge').cause], [401, 'no-credentials']);
    const registered = by('registered');
    assert.equal(registered.expires, 3600);
    assert.equal(registered.contact, `<${by('registrar-registered').contact}>`);
    assert.equal(by('refreshing').expires, 3600);
    assert.equal(by('refreshed').expires, 3600);
    assert.equal(by('registrar-unregistered').reason, 'unregister');
    const rids = new Set(events.filter((e) => CLIENT.slice(2).includes(e.event as string)).map((e) => e.rid));
    assert.deepEqual([...rids], [registered.rid]);
  });

  test('human output, and --expires below the minimum shows the 423 eXosip answers by itself', { timeout: 30000 }, async () => {
    const cli = runCli([]);
    assert.equal(await cli.exit(), 0, cli.stdout() + cli.stderr());
    assert.equal(cli.stderr(), '');
    const lines = cli.stdout().trimEnd().split('\n');
    assert.ok(lines.every((l) => /^\d\d:\d\d:\d\d\.\d{3} /.test(l)), cli.stdout());
    assert.match(lines[0], /^\S+ registrar listening udp 127\.0\.0\.1:\d+ \(demo: the embedded exosip2 Registrar, user alice@example\.com\)$/);
    for (const re of [
      /^\S+ registering sip:alice@example\.com at sip:127\.0\.0\.1:\d+ expires=3600$/m,
      /^\S+ registrar: 401 challenge to alice@example\.com \(no-credentials\)$/m,
      /^\S+ challenge 401 \(attempt 1\)$/m,
      /^\S+ registered expires=3600 contact=<sip:alice@127\.0\.0\.1:\d+;line=\w+>$/m,
      /^\S+ refreshing expires=3600$/m,
      /^\S+ refreshed expires=3600 contact=/m,
      /^\S+ registrar: unregistered alice@example\.com contact=sip:alice@127\.0\.0\.1:\d+;line=\w+ \(unregister\)$/m,
    ]) {
      assert.match(cli.stdout(), re);
    }
    assert.match(lines.at(-1)!, /^\S+ unregistered$/);

    const brief = runCli(['--expires', '30', '--json']);
    assert.equal(await brief.exit(), 0, brief.stdout() + brief.stderr());
    const events = jsonLines(brief.stdout());
    assert.deepEqual(
      events.filter((e) => e.event === 'challenge').map((e) => e.status),
      [401, 423],
    );
    assert.equal(events.find((e) => e.event === 'registrar-rejected')?.cause, 'interval-too-brief');
    assert.equal(events.find((e) => e.event === 'registered')?.expires, 60);
  });

  test('demo usage: credentials options need --proxy and --from; TCP says why it cannot serve', { timeout: 30000 }, async () => {
    for (const args of [['--password', 'hunter2'], ['--password-file', '-'], ['--username', 'bob'], ['--realm', 'r'], ['--contact', 'sip:x@1.2.3.4']]) {
      const cli = runCli(args);
      assert.equal(await cli.exit(), 2, args.join(' '));
      assert.match(cli.stderr(), /needs --proxy and --from: without them exosip2-register runs its demo/);
      assert.ok(!cli.stderr().includes('hunter2'));
    }
    const from = runCli(['--from', 'sip:alice@example.com']);
    assert.equal(await from.exit(), 2);
    assert.match(from.stderr(), /missing --proxy/);

    const tcp = runCli(['--transport', 'tcp']);
    const code = await tcp.exit();
    if (code === 1) {
      assert.match(tcp.stderr(), /^exosip2-register: the demo cannot run over TCP: .*only connects out\. Run the demo over UDP \(leave out --transport, or --transport udp\)/);
    } else {
      assert.equal(code, 0, tcp.stdout() + tcp.stderr());
    }
  });

  test('password sources: one at a time, readable, a non-empty first line; the demo ignores EXOSIP2_PASSWORD', { timeout: 30000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'exosip2-cli-'));
    try {
      const empty = path.join(dir, 'empty');
      fs.writeFileSync(empty, '\nhunter2\n');
      const base = ['--proxy', 'sip:127.0.0.1:5060', '--from', 'sip:alice@example.com'];
      for (const [args, says, opts] of [
        [[...base, '--password', 'hunter2', '--password-file', empty], /give the password once: --password or --password-file, not both/, {}],
        [[...base, '--password-file', path.join(dir, 'missing')], /--password-file \S+missing: cannot read it: ENOENT/, {}],
        [[...base, '--password-file', dir], /--password-file \S+: cannot read it: EISDIR/, {}],
        [[...base, '--password-file', empty], /--password-file \S+empty: the first line is empty/, {}],
        [[...base, '--password-file', '-'], /--password-file - \(stdin\): the first line is empty/, { stdin: '' }],
        [['--proxy', 'sip:127.0.0.1:5060', '--from', 'sip:example.com'], /the password \(EXOSIP2_PASSWORD\) needs a user name/, { env: { EXOSIP2_PASSWORD: 'hunter2' } }],
      ] as Array<[string[], RegExp, RunOptions]>) {
        const cli = runCli(args, opts);
        assert.equal(await cli.exit(), 2, args.join(' '));
        assert.match(cli.stderr(), /^exosip2-register: [^\n]+; see exosip2-register --help\n$/);
        assert.match(cli.stderr(), says);
        assert.ok(!cli.stderr().includes('hunter2'), cli.stderr());
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const demo = runCli(['--json'], { env: { EXOSIP2_PASSWORD: 'hunter2' } });
    assert.equal(await demo.exit(), 0, demo.stdout() + demo.stderr());
  });

  test('a closed output (| head -2): the demo unregisters and exits 141', { timeout: 30000 }, async () => {
    const command = `${[process.execPath, ...CLI].map((a) => `'${a}'`).join(' ')} | head -2; echo "cli exit \${PIPESTATUS[0]}" >&2`;
    const r = spawnSync('bash', ['-c', command], { cwd: ROOT, env: cliEnv(), encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.stdout.trimEnd().split('\n').length, 2, r.stdout);
    assert.match(r.stderr, /^exosip2-register: stdout failed \(EPIPE: the reader went away\): unregistering, then exiting 141\ncli exit 141\n$/);
  });
});
