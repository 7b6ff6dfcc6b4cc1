/**
 * The typed Call API against SIPp (Debian `sip-tester`), a peer that is not
 * ourselves: SIPp's built-in `uac` and `uas`, and scenarios of test/sipp/
 * for digest challenges, early media, a challenged BYE and a vanished peer.
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { afterEach, describe, test } from 'node:test';
import type { Call, CallEnd, CallProgress, Context, IncomingCall } from '../../lib/index';
import { openContext } from '../helpers/context';
import { explainSipp, type Sipp, startSipp } from '../helpers/sipp';

const open: Context[] = [];
const peers: Sipp[] = [];
afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.stop()));
  await Promise.all(open.splice(0).map((ctx) => ctx.close()));
});

async function context(): Promise<Context> {
  const ctx = await openContext();
  open.push(ctx);
  return ctx;
}

async function sipp(...args: Parameters<typeof startSipp>): Promise<Sipp> {
  const peer = await startSipp(...args);
  peers.push(peer);
  return peer;
}

const sdp = (user: string, port: number): string =>
  `v=0\r\no=${user} 0 0 IN IP4 127.0.0.1\r\ns=call\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n`;

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
    const r = await peer.done;
    assert.equal(r.exitCode, 0, explainSipp(r));
    assert.deepEqual([r.successful, r.failed], [1, 0], explainSipp(r));
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

describe('Call against SIPp: challenges, early media, vanishing peers', () => {
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
