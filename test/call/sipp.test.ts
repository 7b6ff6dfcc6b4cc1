/**
 * The typed Call API against SIPp (Debian `sip-tester`), a peer that is not
 * ourselves: SIPp's built-in `uac` and `uas`, and scenarios of test/sipp/
 * for digest challenges, early media, a challenged BYE and a vanished peer.
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import type { AnyExosipEvent, Call, CallEnd, CallProgress, IncomingCall } from '../../lib/index';
import { sdp, useSippCalls } from '../helpers/calls';
import { explainSipp } from '../helpers/sipp';

const { context, sipp } = useSippCalls();

/**
 * Whether `header` (an Authorization or Proxy-Authorization value) is a
 * valid RFC 2617 MD5 digest of `method` for these credentials: SIPp's
 * verifyauth reads only Authorization, so Proxy-Authorization is checked here.
 */
function digestValid(header: string, method: string, c: { username: string; realm: string; password: string }): boolean {
  const params = new Map<string, string>();
  for (const m of header.replace(/^Digest\s+/i, '').matchAll(/(\w+)=(?:"([^"]*)"|([^\s,]+))/g)) params.set(m[1].toLowerCase(), m[2] ?? m[3]);
  const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
  if (params.get('username') !== c.username || params.get('realm') !== c.realm) return false;
  const ha1 = md5(`${c.username}:${c.realm}:${c.password}`);
  const ha2 = md5(`${method}:${params.get('uri') ?? ''}`);
  const qop = params.get('qop');
  const expected = qop === undefined ? md5(`${ha1}:${params.get('nonce')}:${ha2}`) : md5(`${ha1}:${params.get('nonce')}:${params.get('nc')}:${params.get('cnonce')}:${qop}:${ha2}`);
  return params.get('response') === expected;
}

/** Every 'ended' of `call`, from now on. */
function endings(call: Call): CallEnd[] {
  const ends: CallEnd[] = [];
  call.on('ended', (end) => ends.push(end));
  return ends;
}

describe('Call against SIPp', () => {
  test("SIPp's built-in uac calls us: we ring and answer, it ACKs then hangs up; SIPp counts 1 successful call", { timeout: 30_000 }, async () => {
    const ctx = await context();
    const answered = new Promise<{ incoming: IncomingCall; call: Call; ends: CallEnd[] }>((resolve, reject) => {
      ctx.on('call', (incoming) => {
        incoming.ringing();
        incoming.answer({ sdp: sdp('ctx', 30500) }).then((call) => resolve({ incoming, call, ends: endings(call) }), reject);
      });
    });
    const peer = await sipp({ builtin: 'uac' }, { remote: `127.0.0.1:${ctx.address!.port}`, args: ['-s', 'ctx', '-d', '200'], timeoutS: 20 });
    const { incoming, call, ends } = await answered;
    assert.match(incoming.from, /sip:sipp@127\.0\.0\.1/);
    assert.match(incoming.to, /sip:ctx@127\.0\.0\.1/);
    assert.match(incoming.remoteSdp ?? '', /^m=audio \d+ RTP\/AVP 0\r$/m);
    assert.equal(call.direction, 'incoming');
    assert.equal(call.remoteSdp, incoming.remoteSdp);
    // eXosip's thread answers the BYE 200 before the worker hands its
    // EXOSIP_CALL_CLOSED to JS: SIPp may have exited before 'ended' is emitted.
    const ended = ends.length > 0 ? Promise.resolve() : once(call, 'ended');
    const r = await peer.done;
    assert.equal(r.exitCode, 0, explainSipp(r));
    assert.deepEqual([r.successful, r.failed], [1, 0], explainSipp(r));
    await ended;
    assert.deepEqual(ends, [{ by: 'remote', reason: 'BYE', statusCode: 0 }]);
    assert.equal(call.state, 'ended');
    assert.match(r.messages, /^SIP\/2\.0 180 Ringing\s*$/m);
    assert.match(r.messages, /^m=audio 30500 RTP\/AVP 0\s*$/m);
  });

  test("SIPp's built-in uas answers our invite(); we hang up: its BYE gets 200, SIPp counts 1 successful call", { timeout: 30_000 }, async () => {
    const ctx = await context();
    const peer = await sipp({ builtin: 'uas' }, { timeoutS: 20 });
    const progress: CallProgress[] = [];
    const call = await ctx.invite({ to: `sip:sipp@127.0.0.1:${peer.port}`, from: `sip:ctx@127.0.0.1:${ctx.address!.port}`, sdp: sdp('ctx', 30500), onProgress: (p) => progress.push(p) });
    assert.deepEqual(progress.map((p) => p.statusCode), [180]);
    assert.equal(call.direction, 'outgoing');
    assert.match(call.remoteSdp ?? '', /^m=audio \d+ RTP\/AVP 0\r$/m);
    const ends = endings(call);
    await call.hangup();
    assert.deepEqual(ends, [{ by: 'local', reason: 'hangup', statusCode: 0 }]);
    const r = await peer.done;
    assert.equal(r.exitCode, 0, explainSipp(r));
    assert.deepEqual([r.successful, r.failed], [1, 0], explainSipp(r));
    assert.deepEqual(r.received.map((m) => m.split(' ')[0]), ['INVITE', 'ACK', 'BYE']);
    assert.equal(ends.length, 1);
  });

  test('a SIPp callee that hangs up itself: our Call ends by remote BYE, once', { timeout: 30_000 }, async () => {
    const ctx = await context();
    const peer = await sipp('uas-call-bye.xml', { timeoutS: 20 });
    const call = await ctx.invite({ to: `sip:sipp@127.0.0.1:${peer.port}`, from: `sip:ctx@127.0.0.1:${ctx.address!.port}`, sdp: sdp('ctx', 30500) });
    const ends = endings(call);
    const [end] = (await once(call, 'ended')) as [CallEnd];
    assert.deepEqual(end, { by: 'remote', reason: 'BYE', statusCode: 0 });
    const r = await peer.done;
    assert.equal(r.exitCode, 0, explainSipp(r));
    assert.deepEqual([r.successful, r.failed], [1, 0], explainSipp(r));
    assert.deepEqual(ends, [end]);
  });
});

describe('Call against SIPp: a challenged INVITE', () => {
  test('INVITE challenged with 407: eXosip answers it with the context credentials; the second INVITE carries Proxy-Authorization', { timeout: 30_000 }, async () => {
    const ctx = await context();
    ctx.addAuthenticationInfo({ username: 'alice', password: 's3cret', realm: 'sipp.test' });
    const peer = await sipp('uas-invite-407-200.xml', { keys: { realm: 'sipp.test' }, timeoutS: 20 });
    const call = await ctx.invite({ to: `sip:sipp@127.0.0.1:${peer.port}`, from: `sip:alice@127.0.0.1:${ctx.address!.port}`, sdp: sdp('ctx', 30500) });
    assert.equal(call.state, 'confirmed');
    const ends = endings(call);
    await call.hangup();
    const r = await peer.done;
    assert.equal(r.exitCode, 0, explainSipp(r));
    assert.deepEqual([r.successful, r.failed], [1, 0], explainSipp(r));
    const invites = r.received.filter((m) => m.startsWith('INVITE '));
    assert.equal(invites.length, 2, explainSipp(r));
    assert.doesNotMatch(invites[0], /^Proxy-Authorization:/im);
    const credentials = /^Proxy-Authorization: *(.*)$/im.exec(invites[1])?.[1] ?? '';
    assert.ok(digestValid(credentials, 'INVITE', { username: 'alice', realm: 'sipp.test', password: 's3cret' }), credentials);
    assert.ok(r.log.includes(`proxy-authorization=${credentials}`), r.log);
    assert.deepEqual(ends, [{ by: 'local', reason: 'hangup', statusCode: 0 }]);
  });
});

describe('Call against SIPp: early media, a challenged BYE', () => {
  test('183 with early SDP before the 200: onProgress sees the early SDP, the Call the final one', { timeout: 30_000 }, async () => {
    const ctx = await context();
    const peer = await sipp('uas-183-sdp.xml', { timeoutS: 20 });
    const progress: CallProgress[] = [];
    const call = await ctx.invite({ to: `sip:sipp@127.0.0.1:${peer.port}`, from: `sip:ctx@127.0.0.1:${ctx.address!.port}`, sdp: sdp('ctx', 30500), onProgress: (p) => progress.push(p) });
    assert.deepEqual(progress.map((p) => [p.statusCode, p.reason]), [[183, 'Session Progress']]);
    assert.match(progress[0].sdp ?? '', /^s=early\r\n[^]*^m=audio 40100 RTP\/AVP 0\r$/m);
    assert.equal(progress[0].response.statusCode, 183);
    assert.match(call.remoteSdp ?? '', /^s=answer\r\n[^]*^m=audio 40200 RTP\/AVP 0\r$/m);
    await call.hangup();
    const r = await peer.done;
    assert.equal(r.exitCode, 0, explainSipp(r));
    assert.deepEqual([r.successful, r.failed], [1, 0], explainSipp(r));
  });

  test('our BYE challenged with 401: eXosip sends it again with Authorization, which SIPp verifies', { timeout: 30_000 }, async () => {
    const ctx = await context();
    ctx.addAuthenticationInfo({ username: 'alice', password: 's3cret', realm: 'sipp.test' });
    const peer = await sipp('uas-bye-401.xml', { keys: { user: 'alice', pass: 's3cret', realm: 'sipp.test' }, timeoutS: 20 });
    const call = await ctx.invite({ to: `sip:sipp@127.0.0.1:${peer.port}`, from: `sip:alice@127.0.0.1:${ctx.address!.port}`, sdp: sdp('ctx', 30500) });
    const ends = endings(call);
    await call.hangup();
    const r = await peer.done;
    assert.equal(r.exitCode, 0, explainSipp(r));
    assert.deepEqual([r.successful, r.failed], [1, 0], explainSipp(r));
    assert.match(r.log, /bye-auth=ok/);
    const byes = r.received.filter((m) => m.startsWith('BYE '));
    assert.equal(byes.length, 2, explainSipp(r));
    assert.doesNotMatch(byes[0], /^Authorization:/im);
    assert.match(byes[1], /^Authorization: *Digest .*username="alice"/im);
    assert.deepEqual(ends, [{ by: 'local', reason: 'hangup', statusCode: 0 }]);
  });
});

describe('Call against SIPp: a peer that vanishes mid-call', () => {
  test("SIPp answers then exits: our hangup() ends the Call at once; the unanswered BYE is retransmitted until eXosip gives up (Timer F, 32 s) and releases the call; 'ended' stays at one", { timeout: 60_000 }, async () => {
    const ctx = await context();
    const peer = await sipp('uas-vanish.xml', { timeoutS: 20 });
    const call = await ctx.invite({ to: `sip:sipp@127.0.0.1:${peer.port}`, from: `sip:ctx@127.0.0.1:${ctx.address!.port}`, sdp: sdp('ctx', 30500) });
    const ends = endings(call);
    const r = await peer.done;
    assert.equal(r.exitCode, 0, explainSipp(r));
    assert.deepEqual([r.successful, r.failed], [1, 0], explainSipp(r));

    let byesSent = 0;
    ctx.setTrace(true);
    ctx.on('trace', (t) => {
      if (t.direction === 'out' && t.text.startsWith('BYE ')) byesSent++;
    });
    const byeFailed = new Promise<AnyExosipEvent>((resolve) => ctx.on('event', (ev) => ev.type === 'EXOSIP_CALL_MESSAGE_REQUESTFAILURE' && ev.cid === call.cid && resolve(ev)));
    const released = new Promise<void>((resolve) => ctx.on('event', (ev) => ev.type === 'EXOSIP_CALL_RELEASED' && ev.cid === call.cid && resolve()));
    const started = Date.now();
    await call.hangup();
    assert.deepEqual(ends, [{ by: 'local', reason: 'hangup', statusCode: 0 }]);
    const failure = await byeFailed;
    await released;
    const elapsed = Date.now() - started;
    assert.equal(failure.response, null, 'no answer to the BYE: a timeout, not a status');
    assert.equal(failure.request?.method, 'BYE');
    assert.ok(elapsed >= 30_000 && elapsed < 40_000, `eXosip gave up after ${elapsed} ms`);
    assert.ok(byesSent > 5, `BYE sent ${byesSent} times`);
    assert.deepEqual(ends, [{ by: 'local', reason: 'hangup', statusCode: 0 }]);
    assert.equal(call.state, 'ended');
  });
});
