/**
 * The `exosip2-call` CLI, spawned for real (`node --import tsx
 * bin/exosip2-call.ts ...`) on loopback: its demo, an `--answer` process
 * called by a `--to` process, and our own contexts as the peer where the
 * test needs a rejection, a call that only rings, or a call to hang up.
 */
import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, test } from 'node:test';
import type { Call, CallEnd, Context, IncomingCall } from '../../lib/index';
import { CALL_CLI, type Cli, jsonLines, killCliChildren, pipeIntoHead, runCli } from '../helpers/cli';
import { openContext, recordEvents } from '../helpers/context';
import { testUser, useKamailio } from '../helpers/use-kamailio';
import { waitFor } from '../helpers/kamailio';
import { boundUdpSocket, freePort } from '../helpers/ports';

const open: Context[] = [];
afterEach(async () => {
  killCliChildren();
  await Promise.all(open.splice(0).map((ctx) => ctx.close()));
});

const callCli = (args: string[]): Cli => runCli(args, { cli: CALL_CLI });
const names = (events: Array<Record<string, unknown>>): string[] => events.map((e) => e.event as string);
const by = (events: Array<Record<string, unknown>>, name: string): Record<string, unknown> => {
  const found = events.find((e) => e.event === name);
  assert.ok(found, `no ${name} event in ${JSON.stringify(names(events))}`);
  return found;
};

/** A context of the test on loopback, closed after the test. */
async function peer(): Promise<{ ctx: Context; uri: string }> {
  const ctx = await openContext();
  open.push(ctx);
  return { ctx, uri: `sip:bob@127.0.0.1:${ctx.address!.port}` };
}

describe('exosip2-call demo: no --to, no --answer', () => {
  test('--json: alice calls bob on loopback, 180, 200, an INFO, BYE; both sides printed; exit 0', { timeout: 30_000 }, async () => {
    const cli = callCli(['--json']);
    assert.equal(await cli.exit(), 0, cli.stdout() + cli.stderr());
    assert.equal(cli.stderr(), '');
    const events = jsonLines(cli.stdout());
    const all = names(events);
    // Two stacks side by side: each side's lines in order, interleaved.
    assert.deepEqual(all.filter((n) => !n.startsWith('callee-')), ['listening', 'calling', 'progress', 'established', 'info', 'info-answered', 'hangup', 'ended', 'bye-answered']);
    assert.deepEqual(all.filter((n) => n.startsWith('callee-')), ['callee-listening', 'callee-incoming', 'callee-ringing', 'callee-answering', 'callee-established', 'callee-request', 'callee-ended']);
    assert.deepEqual([by(events, 'progress').status, by(events, 'progress').reason], [180, 'Ringing']);
    const request = by(events, 'callee-request');
    assert.deepEqual([request.method, request.contentType, request.body, request.status], ['INFO', 'application/dtmf-relay', 'Signal=5\r\nDuration=160\r\n', 200]);
    assert.equal(by(events, 'info-answered').status, 200);
    assert.deepEqual([by(events, 'ended').by, by(events, 'ended').reason], ['local', 'hangup']);
    assert.deepEqual([by(events, 'callee-ended').by, by(events, 'callee-ended').reason], ['remote', 'BYE']);
    assert.equal(by(events, 'bye-answered').status, 200);
    // Each side's SDP is the other's remote SDP.
    const [a, b] = [by(events, 'established'), by(events, 'callee-established')];
    assert.equal(a.remoteSdp, b.localSdp);
    assert.equal(b.remoteSdp, a.localSdp);
    assert.match(a.localSdp as string, /^v=0\r\n[^]*m=audio \d+ RTP\/AVP 0 8\r\n/);
    const ids = new Set(events.filter((e) => !String(e.event).startsWith('callee-') && e.cid !== undefined).map((e) => `${e.cid}/${e.did}`));
    assert.equal(ids.size, 1, 'every event of alice names the one call');
  });

  test('human output: one timestamped line per event', { timeout: 30_000 }, async () => {
    const cli = callCli([]);
    assert.equal(await cli.exit(), 0, cli.stdout() + cli.stderr());
    const lines = cli.stdout().trimEnd().split('\n');
    assert.ok(lines.every((l) => /^\d\d:\d\d:\d\d\.\d{3} /.test(l)), cli.stdout());
    for (const re of [
      /^\S+ callee: listening udp 127\.0\.0\.1:\d+$/m,
      /^\S+ calling sip:bob@127\.0\.0\.1:\d+ from sip:alice@127\.0\.0\.1:\d+ \(demo: bob is the callee\)$/m,
      /^\S+ callee: incoming call from <sip:alice@127\.0\.0\.1:\d+>;tag=\S+ to <sip:bob@127\.0\.0\.1:\d+> \(media: audio 127\.0\.0\.1:49170 RTP\/AVP 0 8\)$/m,
      /^\S+ callee: ringing \(180 sent\)$/m,
      /^\S+ 180 Ringing$/m,
      /^\S+ established \(remote media: audio 127\.0\.0\.1:49170 RTP\/AVP 0 8\)$/m,
      /^\S+ callee: received INFO \(application\/dtmf-relay: Signal=5; Duration=160\), answered 200$/m,
      /^\S+ INFO answered 200 OK$/m,
      /^\S+ hanging up \(demo: after the INFO\)$/m,
      /^\S+ BYE answered 200 OK$/m,
      /^\S+ callee: ended by remote \(BYE\)$/m,
    ]) {
      assert.match(cli.stdout(), re);
    }
  });

  test('a closed output (| head -2 or -9): the demo still ends its call, exit 141', { timeout: 30_000 }, async () => {
    for (const lines of [2, 9]) {
      const r = pipeIntoHead([], lines, CALL_CLI);
      assert.equal(r.stdout.trimEnd().split('\n').length, lines, r.stdout);
      assert.equal(r.stderr, 'exosip2-call: stdout failed (EPIPE: the reader went away): hanging up, then exiting 141\n');
      assert.equal(r.cliExit, 141);
    }
  });
});

describe('exosip2-call --to and --answer', () => {
  test('an --answer process and a --to process set up a call; the caller hangs up after --duration; both exit 0', { timeout: 40_000 }, async () => {
    const answerer = callCli(['--answer', '--listen', '127.0.0.1:0', '--count', '1', '--json']);
    await answerer.line(/"event":"waiting"/);
    const port = jsonLines(answerer.stdout())[0].port as number;
    assert.ok(port > 0);
    const caller = callCli(['--to', `sip:bob@127.0.0.1:${port}`, '--from', 'sip:alice@127.0.0.1', '--duration', '1', '--json', '--trace']);
    assert.equal(await caller.exit(20_000), 0, caller.stdout() + caller.stderr());
    assert.equal(await answerer.exit(), 0, answerer.stdout() + answerer.stderr());
    assert.equal(caller.stderr() + answerer.stderr(), '');

    const c = jsonLines(caller.stdout());
    assert.deepEqual(names(c).filter((n) => n !== 'trace'), ['listening', 'calling', 'progress', 'established', 'hangup', 'ended', 'bye-answered']);
    const held = Date.parse(by(c, 'hangup').time as string) - Date.parse(by(c, 'established').time as string);
    assert.ok(held >= 950 && held < 5000, `held ${held} ms`);
    assert.equal(by(c, 'hangup').why, 'after 1 s');
    assert.equal(by(c, 'bye-answered').status, 200);
    const wire = c.filter((e) => e.event === 'trace').map((t) => [t.direction, (t.text as string).split('\r\n')[0]]);
    assert.deepEqual(wire, [
      ['out', `INVITE sip:bob@127.0.0.1:${port} SIP/2.0`],
      ['in', 'SIP/2.0 100 Trying'], // eXosip's own, on every new INVITE (udp.c)
      ['in', 'SIP/2.0 180 Ringing'],
      ['in', 'SIP/2.0 200 OK'],
      ['out', `ACK sip:bob@127.0.0.1:${port} SIP/2.0`],
      ['out', `BYE sip:bob@127.0.0.1:${port} SIP/2.0`],
      ['in', 'SIP/2.0 200 OK'],
    ], 'the INVITE transaction, the ACK, the BYE transaction');

    const a = jsonLines(answerer.stdout());
    assert.deepEqual(names(a), ['listening', 'waiting', 'incoming', 'ringing', 'answering', 'established', 'ended', 'served']);
    assert.deepEqual([by(a, 'ended').by, by(a, 'ended').reason], ['remote', 'BYE']);
    assert.deepEqual([by(a, 'served').taken, by(a, 'served').clean], [1, 1]);
    assert.equal(by(a, 'incoming').remoteSdp, by(c, 'established').localSdp);
  });

  test('the answering process hangs up after --duration: the caller sees the BYE; both exit 0', { timeout: 40_000 }, async () => {
    const answerer = callCli(['--answer', '--listen', '127.0.0.1:0', '--count', '1', '--duration', '1']);
    const port = Number(/127\.0\.0\.1:(\d+)$/.exec(await answerer.line(/ listening udp /))?.[1]);
    const caller = callCli(['--to', `sip:bob@127.0.0.1:${port}`, '--from', 'sip:alice@127.0.0.1']);
    assert.equal(await caller.exit(20_000), 0, caller.stdout() + caller.stderr());
    assert.equal(await answerer.exit(), 0, answerer.stdout() + answerer.stderr());
    assert.match(caller.stdout(), /^\S+ ended by remote \(BYE\)$/m);
    assert.match(answerer.stdout(), /^\S+ hanging up \(after 1 s\)$/m);
    assert.match(answerer.stdout(), /^\S+ BYE answered 200 OK$/m);
    assert.match(answerer.stdout(), /^\S+ served 1 call, 1 set up and ended cleanly$/m);
  });

  test('a callee that answers 486: exit 3, "call failed: 486 Busy Here"; the password is never printed', { timeout: 30_000 }, async () => {
    const bob = await peer();
    bob.ctx.on('call', (incoming: IncomingCall) => incoming.reject(486));
    const password = 'S3cret-Passw0rd';
    const cli = callCli(['--to', bob.uri, '--from', 'sip:alice@127.0.0.1', '--password', password, '--json', '--trace']);
    assert.equal(await cli.exit(), 3, cli.stdout() + cli.stderr());
    assert.equal(cli.stderr(), 'exosip2-call: call failed: 486 Busy Here\n');
    const failed = by(jsonLines(cli.stdout()), 'failed');
    assert.deepEqual([failed.status, failed.reason, failed.code], [486, 'Busy Here', 'ERR_CALL_REJECTED']);
    assert.ok(!(cli.stdout() + cli.stderr()).includes(password), 'password printed');
  });

  test('nothing answers (TCP to a closed port): exit 4 at once', { timeout: 30_000 }, async () => {
    const port = await freePort();
    const cli = callCli(['--to', `sip:bob@127.0.0.1:${port}`, '--from', 'sip:alice@127.0.0.1', '--transport', 'tcp']);
    assert.equal(await cli.exit(), 4, cli.stdout() + cli.stderr());
    assert.match(
      cli.stderr(),
      new RegExp(`^exosip2-call: call failed: no answer from 127\\.0\\.0\\.1:${port} \\(tcp\\): eXosip gave up after \\d+ ms, the transport failed \\(e\\.g\\. the connection was refused, or the name did not resolve\\) \\(ERR_CALL_NO_RESPONSE\\)\n$`),
    );
  });
});

describe('exosip2-call through Kamailio', () => {
  const kam = useKamailio({ calls: true });

  test('--proxy: the INVITE carries it as a loose Route, Kamailio relays it to registered bob; exit 0', { timeout: 30_000 }, async () => {
    const bob = testUser('bob');
    const { ctx } = await peer();
    ctx.addAuthenticationInfo({ username: bob.user, password: bob.password, realm: bob.domain });
    await ctx.register({ from: `sip:${bob.aor}`, proxy: kam.proxy, expires: 600 });
    const offered = once(ctx, 'call').then(([incoming]) => incoming as IncomingCall);
    const cli = callCli(['--proxy', kam.proxy, '--to', `sip:${bob.aor}`, '--from', 'sip:alice@example.com', '--duration', '1', '--json', '--trace']);
    const incoming = await offered;
    // Relayed by Kamailio: its Record-Route, bob's Contact as Request-URI.
    assert.match(incoming.request.getHeader('record-route') ?? '', new RegExp(`^<sip:127\\.0\\.0\\.1:${kam.port};lr\\b`));
    assert.match(incoming.request.toString(), new RegExp(`^INVITE sip:bob@127\\.0\\.0\\.1:${ctx.address!.port}\\b`));
    incoming.ringing();
    const call = await incoming.answer();
    const ended = once(call, 'ended');
    assert.equal(await cli.exit(), 0, cli.stdout() + cli.stderr());
    assert.deepEqual((await ended)[0], { by: 'remote', reason: 'BYE', statusCode: 0 });
    const invite = jsonLines(cli.stdout()).find((e) => e.event === 'trace' && (e.text as string).startsWith('INVITE '))!.text as string;
    assert.match(invite, /^INVITE sip:bob@example\.com SIP\/2\.0\r\n/);
    assert.match(invite, new RegExp(`^Route: <sip:127\\.0\\.0\\.1:${kam.port};lr>\r$`, 'im'));
    await kam.clearBindings();
  });
});

describe('exosip2-call and Ctrl-C', () => {
  test('SIGINT during a call hangs up (BYE answered) and exits 0; while it rings, cancels and exits 1', { timeout: 40_000 }, async () => {
    const bob = await peer();
    let ringOnly = false;
    const ended: Promise<CallEnd>[] = [];
    bob.ctx.on('call', (incoming: IncomingCall) => {
      incoming.ringing();
      if (ringOnly) return;
      ended.push(incoming.answer().then((call: Call) => once(call, 'ended').then(([end]) => end as CallEnd)));
    });
    const cli = callCli(['--to', bob.uri, '--from', 'sip:alice@127.0.0.1', '--json']);
    await cli.line(/"event":"established"/);
    cli.child.kill('SIGINT');
    assert.equal(await cli.exit(), 0, cli.stdout() + cli.stderr());
    const events = jsonLines(cli.stdout());
    assert.deepEqual(names(events).slice(-5), ['established', 'signal', 'hangup', 'ended', 'bye-answered']);
    assert.equal(by(events, 'hangup').why, 'SIGINT');
    assert.deepEqual(await ended[0], { by: 'remote', reason: 'BYE', statusCode: 0 });

    ringOnly = true;
    const seen = recordEvents(bob.ctx);
    const ringing = callCli(['--to', bob.uri, '--from', 'sip:alice@127.0.0.1', '--json']);
    await ringing.line(/"event":"progress"/);
    ringing.child.kill('SIGTERM');
    assert.equal(await ringing.exit(), 1, ringing.stdout() + ringing.stderr());
    assert.deepEqual(names(jsonLines(ringing.stdout())).slice(-2), ['signal', 'cancelled']);
    assert.equal(by(jsonLines(ringing.stdout()), 'cancelled').cancelSent, true);
    await waitFor(async () => (seen.some((e) => e.type === 'EXOSIP_CALL_CANCELLED') ? true : undefined), { timeoutMs: 5000, what: 'the CANCEL at the callee' });

    // Before any 1xx (a peer that answers nothing) there is nothing to CANCEL (RFC 3261 §9.1), and it says so.
    const silent = await boundUdpSocket();
    try {
      const unanswered = callCli(['--to', `sip:bob@127.0.0.1:${silent.address().port}`, '--from', 'sip:alice@127.0.0.1', '--json']);
      await unanswered.line(/"event":"calling"/);
      unanswered.child.kill('SIGINT');
      assert.equal(await unanswered.exit(), 1, unanswered.stdout() + unanswered.stderr());
      const cancelled = by(jsonLines(unanswered.stdout()), 'cancelled');
      assert.equal(cancelled.cancelSent, false);
    } finally {
      silent.close();
    }
  });

  test('a BYE nobody answers: a second SIGINT exits at once with 130; without it, exit 1 after 5 s', { timeout: 40_000 }, async () => {
    for (const second of [true, false]) {
      const bob = await peer();
      bob.ctx.on('call', (incoming: IncomingCall) => void incoming.answer().catch(() => undefined));
      const cli = callCli(['--to', bob.uri, '--from', 'sip:alice@127.0.0.1', '--json']);
      await cli.line(/"event":"established"/);
      await bob.ctx.close(); // gone without a word: the BYE gets no answer
      cli.child.kill('SIGINT');
      await cli.line(/"event":"hangup"/);
      const started = Date.now();
      if (second) {
        // A second signal within 500 ms is taken for the same Ctrl-C (npm forwards its copy).
        await new Promise((r) => setTimeout(r, 600));
        cli.child.kill('SIGINT');
        assert.equal(await cli.exit(4000), 130, cli.stdout() + cli.stderr());
        assert.ok(!names(jsonLines(cli.stdout())).includes('bye-answered'), cli.stdout());
      } else {
        assert.equal(await cli.exit(15_000), 1, cli.stdout() + cli.stderr());
        const took = Date.now() - started;
        assert.ok(took >= 4500 && took < 12_000, `${took} ms`);
        assert.equal(by(jsonLines(cli.stdout()), 'bye-answered').status, 0);
      }
    }
  });

  test('SIGINT to --answer hangs up the call in hand, then exits 0', { timeout: 40_000 }, async () => {
    const answerer = callCli(['--answer', '--listen', '127.0.0.1:0', '--json']);
    await answerer.line(/"event":"waiting"/);
    const port = jsonLines(answerer.stdout())[0].port as number;
    const alice = await peer();
    const call = await alice.ctx.invite({ to: `sip:bob@127.0.0.1:${port}`, from: `sip:alice@127.0.0.1:${alice.ctx.address!.port}` });
    await answerer.line(/"event":"established"/);
    const ended = once(call, 'ended');
    answerer.child.kill('SIGINT');
    assert.deepEqual((await ended)[0], { by: 'remote', reason: 'BYE', statusCode: 0 });
    assert.equal(await answerer.exit(), 0, answerer.stdout() + answerer.stderr());
    const events = jsonLines(answerer.stdout());
    assert.equal(by(events, 'hangup').why, 'SIGINT');
    assert.equal(by(events, 'bye-answered').status, 200);
    assert.deepEqual([by(events, 'served').taken, by(events, 'served').clean], [1, 1]);
  });
});

describe('a local port in use', () => {
  test('both commands exit 1 with EADDRINUSE on stderr (not 0: close() used to let the process end first)', { timeout: 30_000 }, async () => {
    const taken = await boundUdpSocket();
    try {
      const port = taken.address().port;
      const call = callCli(['--listen', `127.0.0.1:${port}`, '--to', 'sip:bob@127.0.0.1:9', '--from', 'sip:alice@127.0.0.1']);
      assert.equal(await call.exit(), 1, call.stdout() + call.stderr());
      assert.match(call.stderr(), /EADDRINUSE/);
      const reg = runCli(['--address', '127.0.0.1', '--port', String(port), '--proxy', 'sip:127.0.0.1:9', '--from', 'sip:alice@example.com', '--password', 'secret-for-test']);
      assert.equal(await reg.exit(), 1, reg.stdout() + reg.stderr());
      assert.match(reg.stderr(), /EADDRINUSE/);
    } finally {
      taken.close();
    }
  });
});

describe('exosip2-call input', () => {
  test('--help and --version: exit 0 on stdout', { timeout: 30_000 }, async () => {
    const help = callCli(['--help']);
    assert.equal(await help.exit(), 0);
    assert.match(help.stdout(), /^Usage: exosip2-call \[options\]\n/);
    assert.match(help.stdout(), /^Exit codes: 0 the call was set up and ended cleanly, 1 failure, 2 bad usage,\n3 call rejected \(3xx-6xx\), 4 no answer/m);
    const version = callCli(['-V']);
    assert.equal(await version.exit(), 0);
    assert.match(version.stdout(), /^exosip2-call \d+\.\d+\.\d+\S* \(libeXosip2 \d+\.\d+\.\d+\S*\)\n$/);
  });

  test('bad usage: exit 2, one line each, password scrubbed', { timeout: 60_000 }, async () => {
    const SDP_BAD = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'exosip2-sdp-')), 'bad.sdp');
    fs.writeFileSync(SDP_BAD, 'v=0\r\nbogus\n');
    const to = ['--to', 'sip:bob@127.0.0.1:5062', '--from', 'sip:alice@example.com'];
    for (const [args, says] of [
      [['--to'], /--to needs a value/],
      [['--to', 'sip:bob@127.0.0.1'], /missing --from <sip-uri>/],
      [['--answer'], /--answer needs --listen <ip>:<port>/],
      [['--answer', '--listen', '127.0.0.1:0', '--to', 'sip:b@x'], /--to places a call: not with --answer/],
      [['--answer', '--listen', '127.0.0.1:0', '--transport', 'tcp'], /--answer listens over UDP only: libeXosip2 built the default way accepts no incoming TCP connection/],
      [['--answer', '--listen', 'localhost:5062'], /--listen must be <ip>:<port>/],
      [['--from', 'sip:alice@example.com'], /--from needs --to \(or --answer\): without either exosip2-call runs its demo/],
      [['--count', '2'], /--count needs --answer/],
      [['--transport', 'tcp'], /the demo runs over UDP/],
      [[...to, '--duration', '0'], /--duration must be an integer from 1 to 86400 \(got "0"\)/],
      [[...to, '--sdp', '/nonexistent/offer.sdp'], /--sdp \/nonexistent\/offer\.sdp: cannot read it: ENOENT/],
      [[...to, '--dration', '3'], /unknown option --dration \(did you mean --duration\?\)/],
      [[...to, '--password', 'secret-pw', 'secret-pw'], /unexpected argument "\*\*\*"/],
      // A one-letter password: scrubbed where it stands alone, not inside words (no "e***osip2-call").
      [['--from', 'sip:alice@example.com', '--password', 'x'], /^exosip2-call: --from needs --to \(or --answer\): without either exosip2-call runs its demo/],
      [['--to', 'sip:bob@127.0.0.1', '--password', 'x', 'x'], /unexpected argument "\*\*\*"/],
      [['--to', 'sip:bob@127.0.0.1:99999', '--from', 'sip:a@b'], /--to port must be from 1 to 65535/],
      [[...to, '--proxy', 'http://x'], /--proxy must be a sip: or sips: URI/],
      [['--to', 'sips:bob@127.0.0.1', '--from', 'sip:a@b'], /needs TLS, which this tool does not offer/],
      // The library's URI rules and the address family, said as usage errors before anything starts.
      [['--to', 'sip:bob@127.0.0.1?X=%0d%0a', '--from', 'sip:a@b'], /--to must not contain %0D, %0A, %00 or a % without two hex digits/],
      [['--to', 'sip:bob@127.0.0.1', '--from', 'sip:a@b?X=1'], /--from must not have a headers part/],
      [['--to', 'sip:bob@[::1]', '--from', 'sip:a@b', '--listen', '127.0.0.1:0'], /--to sip:bob@\[::1\] is an IPv6 address but the local address 127\.0\.0\.1 is IPv4/],
      // An SDP libosip2 cannot parse: refused at the start (the demo used to hang on it, --answer to claim its 200).
      [[...to, '--sdp', SDP_BAD], /--sdp \S+ is not an SDP libosip2 can parse/],
      [['--sdp', SDP_BAD], /--sdp \S+ is not an SDP libosip2 can parse/],
      [['--answer', '--listen', '127.0.0.1:0', '--sdp', SDP_BAD], /--sdp \S+ is not an SDP libosip2 can parse/],
    ] as Array<[string[], RegExp]>) {
      const cli = callCli(args);
      assert.equal(await cli.exit(), 2, args.join(' '));
      assert.match(cli.stderr(), /^exosip2-call: [^\n]+; see exosip2-call --help\n$/, `${args.join(' ')}: one line`);
      assert.match(cli.stderr(), says);
      assert.equal(cli.stdout(), '');
      assert.ok(!cli.stderr().includes('secret-pw'), cli.stderr());
    }
    fs.rmSync(path.dirname(SDP_BAD), { recursive: true, force: true });
  });
});
