/**
 * The `exosip2-register` CLI, spawned for real (`node --import tsx
 * bin/exosip2-register.ts ...`) against a Kamailio registrar, against a
 * tiny fake UDP registrar where Kamailio cannot misbehave on purpose, and
 * without --proxy/--from (its demo against the embedded Registrar).
 * test/cli/input.test.ts covers usage errors and the password's sources,
 * test/cli/shutdown.test.ts closed outputs and Ctrl-C under npm.
 */
import { strict as assert } from 'node:assert';
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import { type AddressInfo, connect, createServer } from 'node:net';
import { after, afterEach, before, describe, test } from 'node:test';
import { jsonLines, killCliChildren, runCli } from '../helpers/cli';
import { freePort } from '../helpers/kamailio';
import { useKamailio } from '../helpers/use-kamailio';

afterEach(killCliChildren);

describe('exosip2-register CLI against Kamailio', () => {
  const kam = useKamailio();

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
    assert.deepEqual(traces[0].unresolved, ['Via', 'Contact'], 'the headers eXosip fills in after tracing are named');
    assert.deepEqual(traces[1].unresolved, []);
    const logs = events.filter((e) => e.event === 'log');
    assert.ok(logs.length > 0, 'osip log lines printed');
    assert.ok(logs.every((l) => typeof l.level === 'number' && (l.level as number) <= 4));
    assert.ok(!cli.stdout().includes('davepw') && !cli.stderr().includes('davepw'));
    assert.deepEqual(await kam.lookup('dave@example.com'), []);
  });

  test('--help and --version: exit 0 on stdout', { timeout: 30000 }, async () => {
    const help = runCli(['--help']);
    assert.equal(await help.exit(), 0);
    assert.match(help.stdout(), /^Usage: exosip2-register /);
    const version = runCli(['--version']);
    assert.equal(await version.exit(), 0);
    assert.match(version.stdout(), /^exosip2-register \d+\.\d+\.\d+\S* \(libeXosip2 \d+\.\d+\.\d+\S*\)\n$/);
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
});

/** A TCP registrar on 127.0.0.1 that answers every REGISTER with 200 (expires 20) until closed; close() also drops its connections. */
async function startTcpRegistrar(): Promise<{ proxy: string; close(): Promise<void> }> {
  const sockets = new Set<import('node:net').Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = '';
    socket.setEncoding('latin1').on('data', (chunk: string) => {
      buffered += chunk;
      for (let end = buffered.indexOf('\r\n\r\n'); end >= 0; end = buffered.indexOf('\r\n\r\n')) {
        const lines = buffered.slice(0, end).split('\r\n');
        buffered = buffered.slice(end + 4); // REGISTERs without a body
        if (!lines[0].startsWith('REGISTER ')) continue;
        const header = (name: string): string[] => lines.filter((l) => l.toLowerCase().startsWith(`${name}:`)).map((l) => l.slice(l.indexOf(':') + 1).trim());
        const contact = header('contact')[0];
        socket.write(
          'SIP/2.0 200 OK\r\n' + header('via').map((v) => `Via: ${v}\r\n`).join('') +
            `From: ${header('from')[0]}\r\nTo: ${header('to')[0]};tag=tcp\r\nCall-ID: ${header('call-id')[0]}\r\nCSeq: ${header('cseq')[0]}\r\n` +
            (contact === undefined ? '' : `Contact: ${contact};expires=20\r\n`) + 'Content-Length: 0\r\n\r\n',
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    proxy: `sip:127.0.0.1:${port};transport=tcp`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    }),
  };
}

describe('exosip2-register CLI when a TCP registrar goes away', () => {
  test('eXosip retries every second: the same failure is printed once, counted after; the unregister failure once', { timeout: 40000 }, async () => {
    const registrar = await startTcpRegistrar();
    const cli = runCli(['--proxy', registrar.proxy, '--from', 'sip:dave@example.com', '--password', 'davepw', '--transport', 'tcp', '--expires', '20']);
    await cli.line(/^\S+ registered /);
    await registrar.close();
    await cli.line(/^\S+ failed /);
    // eXosip's retries (a period of 20 s: every second) fail the same way: counted, not printed.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const failed = cli.stdout().split('\n').filter((l) => / failed /.test(l) && !/unregister/.test(l));
    assert.equal(failed.length, 1, cli.stdout());
    assert.match(failed[0], /^\S+ failed no answer from 127\.0\.0\.1:\d+ \(tcp\)/);
    cli.child.kill('SIGTERM');
    assert.equal(await cli.exit(15000), 1);
    const after = cli.stdout().split('\n').slice(cli.stdout().split('\n').findIndex((l) => / unregistering$/.test(l)));
    assert.deepEqual(after.filter((l) => / failed /.test(l)).map((l) => l.split(' ')[1]), ['unregister'], cli.stdout());
    assert.match(cli.stderr(), /^exosip2-register: unregister failed: /m);
  });
});
