/**
 * Requests a Call sends inside its dialog (call.request/info/reinvite/refer)
 * between two of our own contexts on loopback: alice calls bob, then each
 * side sends and the other answers with call.on('request').
 */
import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import { afterEach, describe, test } from 'node:test';
import { type Call, type CallEnd, type Context, type IncomingCall, type IncomingRequest, type ReferProgress, RequestError } from '../../lib/index';
import { eXosip_lock, eXosip_unlock } from '../../lib/compat';
import { openContext } from '../helpers/context';

const open: Context[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((ctx) => ctx.close()));
});

const sdp = (user: string, port: number, mode = 'sendrecv'): string =>
  `v=0\r\no=${user} 0 0 IN IP4 127.0.0.1\r\ns=call\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=${mode}\r\n`;
const nextRequest = (call: Call): Promise<IncomingRequest> => once(call, 'request').then(([req]) => req as IncomingRequest);

/** alice calls bob and bob answers: both Calls. */
async function established(): Promise<{ alice: Context; bob: Context; a: Call; b: Call }> {
  const alice = await openContext();
  const bob = await openContext();
  open.push(alice, bob);
  const offered = once(bob, 'call').then(([incoming]) => incoming as IncomingCall);
  const placing = alice.invite({ to: `sip:bob@127.0.0.1:${bob.address!.port}`, from: `sip:alice@127.0.0.1:${alice.address!.port}`, sdp: sdp('alice', 10500) });
  const answering = (await offered).answer({ sdp: sdp('bob', 20500) });
  const [a, b] = await Promise.all([placing, answering]);
  return { alice, bob, a, b };
}

describe('Call requests inside the dialog', () => {
  test('INFO both ways: DTMF body and type reach the other side, its 200 body comes back', { timeout: 20_000 }, async () => {
    const { a, b } = await established();
    const dtmf = 'Signal=5\r\nDuration=160\r\n';
    const atBob = nextRequest(b).then(async (req) => {
      await req.respond(200, { body: 'bob got it', contentType: 'text/plain' });
      return req;
    });
    const res = await a.info({ contentType: 'application/dtmf-relay', body: dtmf });
    assert.deepEqual([res.statusCode, res.reason, res.contentType, res.body?.toString()], [200, 'OK', 'text/plain', 'bob got it']);
    const req = await atBob;
    assert.deepEqual([req.method, req.kind, req.contentType, req.body?.toString()], ['INFO', 'EXOSIP_CALL_MESSAGE_NEW', 'application/dtmf-relay', dtmf]);

    const atAlice = nextRequest(a).then(async (r) => {
      await r.respond(200);
      return r;
    });
    const back = await b.request({ method: 'INFO', contentType: 'application/dtmf-relay', body: 'Signal=#\r\nDuration=100\r\n', headers: { 'X-From': 'bob' } });
    assert.equal(back.statusCode, 200);
    const r = await atAlice;
    assert.deepEqual([r.method, r.body?.toString(), r.request.getHeader('x-from')], ['INFO', 'Signal=#\r\nDuration=100\r\n', 'bob']);
    assert.deepEqual([a.state, b.state], ['confirmed', 'confirmed']);
  });

  test('re-INVITE hold (sendonly) then resume (sendrecv): both sides\' SDPs follow; the binding ACKs each 2xx', { timeout: 20_000 }, async () => {
    const { bob, a, b } = await established();
    const acks: number[] = [];
    bob.on('event', (ev) => ev.type === 'EXOSIP_CALL_ACK' && ev.cid === b.cid && acks.push(ev.tid));
    b.on('request', (req) => {
      if (req.method !== 'INVITE') return void req.respond(200);
      assert.equal(req.kind, 'EXOSIP_CALL_REINVITE');
      const mode = /a=sendonly/.test(req.body?.toString() ?? '') ? 'recvonly' : 'sendrecv';
      void req.respond(200, { body: sdp('bob', 20500, mode), contentType: 'application/sdp' });
    });
    const hold = await a.reinvite({ sdp: sdp('alice', 10500, 'sendonly') });
    assert.equal(hold.statusCode, 200);
    assert.deepEqual([a.localSdp, a.remoteSdp], [sdp('alice', 10500, 'sendonly'), sdp('bob', 20500, 'recvonly')]);
    assert.deepEqual([b.localSdp, b.remoteSdp], [sdp('bob', 20500, 'recvonly'), sdp('alice', 10500, 'sendonly')]);

    const resume = await a.reinvite({ sdp: sdp('alice', 10500, 'sendrecv') });
    assert.equal(resume.statusCode, 200);
    assert.deepEqual([a.localSdp, a.remoteSdp], [sdp('alice', 10500, 'sendrecv'), sdp('bob', 20500, 'sendrecv')]);
    assert.deepEqual([b.localSdp, b.remoteSdp], [sdp('bob', 20500, 'sendrecv'), sdp('alice', 10500, 'sendrecv')]);
    // Still a dialog after two re-INVITEs: an INFO goes through, and bob saw an ACK for each.
    assert.equal((await a.info()).statusCode, 200);
    assert.equal(acks.length, 2);
    assert.deepEqual([a.state, b.state], ['confirmed', 'confirmed']);
  });

  test('a re-INVITE refused with 488: RequestError 488, the call stays up with its SDPs unchanged', { timeout: 20_000 }, async () => {
    const { a, b } = await established();
    b.on('request', (req) => void req.respond(req.method === 'INVITE' ? 488 : 200));
    const error = await a.reinvite({ sdp: sdp('alice', 10600, 'sendonly') }).catch((e: unknown) => e);
    assert.ok(error instanceof RequestError, String(error));
    assert.deepEqual([error.name, error.code, error.statusCode, error.reason], ['RequestError', 'ERR_REQUEST_REJECTED', 488, 'Not Acceptable Here']);
    assert.deepEqual([a.localSdp, a.remoteSdp], [sdp('alice', 10500), sdp('bob', 20500)]);
    assert.deepEqual([b.localSdp, b.remoteSdp], [sdp('bob', 20500), sdp('alice', 10500)]);
    assert.deepEqual([a.state, b.state], ['confirmed', 'confirmed']);
    assert.equal((await a.request({ method: 'OPTIONS' })).statusCode, 200);
  });

  test('re-INVITE glare: both sides re-INVITE at once; bob\'s eXosip answers alice\'s 491, the calls stay up', { timeout: 20_000 }, async () => {
    const { alice, bob, a, b } = await established();
    a.on('request', (req) => void req.respond(488));
    // Deterministic glare (RFC 3261 §14.1): alice's re-INVITE waits in bob's
    // socket while bob's lock keeps his eXosip from reading it until his own
    // re-INVITE is under way; alice's lock then keeps her eXosip from
    // answering bob's re-INVITE (a 491 to bob would complete his transaction,
    // and bob's eXosip would take alice's as a new one) until bob's 491 went.
    const sent = (ctx: Context, what: RegExp): Promise<void> =>
      new Promise((resolve) => {
        ctx.setTrace(true);
        const onTrace = (t: { direction: string; text: string }): void => {
          if (t.direction !== 'out' || !what.test(t.text)) return;
          ctx.off('trace', onTrace);
          resolve();
        };
        ctx.on('trace', onTrace);
      });
    assert.equal(eXosip_lock(bob), 0);
    const aliceInviteOut = sent(alice, /^INVITE /);
    const fromAlice = a.reinvite({ sdp: sdp('alice', 10500, 'sendonly') }).catch((e: unknown) => e);
    await aliceInviteOut;
    assert.equal(eXosip_lock(alice), 0);
    const bob491Out = sent(bob, /^SIP\/2\.0 491 /);
    const fromBob = b.reinvite({ sdp: sdp('bob', 20500, 'sendonly') }).catch((e: unknown) => e);
    assert.equal(eXosip_unlock(bob), 0);
    await bob491Out;
    assert.equal(eXosip_unlock(alice), 0);
    const error = await fromAlice;
    assert.ok(error instanceof RequestError, String(error));
    assert.deepEqual([error.code, error.statusCode, error.reason], ['ERR_REQUEST_REJECTED', 491, 'Request Pending']);
    const other = (await fromBob) as RequestError;
    assert.ok([491, 488].includes(other.statusCode), String(other));
    assert.deepEqual([a.localSdp, b.localSdp], [sdp('alice', 10500), sdp('bob', 20500)]);
    assert.deepEqual([a.state, b.state], ['confirmed', 'confirmed']);
  });

  test('REFER: bob\'s listener answers 202; his NOTIFYs (sipfrag) reach alice\'s referProgress, answered 200', { timeout: 20_000 }, async () => {
    const { a, b } = await established();
    const refer = nextRequest(b).then(async (req) => {
      await req.respond(202);
      return req;
    });
    const accepted = await a.refer('<sip:carol@127.0.0.1:5999>');
    assert.deepEqual([accepted.statusCode, accepted.reason], [202, 'Accepted']);
    assert.match((await refer).request.getHeader('refer-to') ?? '', /sip:carol@127\.0\.0\.1:5999/);

    const progress: ReferProgress[] = [];
    const requests: IncomingRequest[] = [];
    a.on('referProgress', (p) => progress.push(p));
    a.on('request', (req) => requests.push(req));
    const notify = (state: string, frag: string): ReturnType<Call['request']> =>
      b.request({ method: 'NOTIFY', headers: { Event: 'refer', 'Subscription-State': state }, contentType: 'message/sipfrag;version=2.0', body: frag });
    assert.equal((await notify('active;expires=60', 'SIP/2.0 100 Trying\r\n')).statusCode, 200);
    assert.equal((await notify('terminated;reason=noresource', 'SIP/2.0 200 OK\r\n')).statusCode, 200);
    assert.deepEqual(progress.map((p) => [p.statusCode, p.reason, p.state]), [[100, 'Trying', 'active'], [200, 'OK', 'terminated']]);
    assert.equal(progress[0]!.request.method, 'NOTIFY');
    assert.equal(requests.length, 0);
    // Not a sipfrag status line: 400, no progress.
    const bad = await notify('active', 'hello').catch((e: unknown) => e);
    assert.deepEqual([(bad as RequestError).code, (bad as RequestError).statusCode], ['ERR_REQUEST_REJECTED', 400]);
    assert.equal(progress.length, 2);
  });

  test('a request pending when the peer hangs up rejects with ERR_CALL_ENDED; later ones reject at once', { timeout: 20_000 }, async () => {
    const { a, b } = await established();
    const aEnded = once(a, 'ended').then(([end]) => end as CallEnd);
    b.on('request', () => void b.hangup()); // never answered: bob hangs up instead
    const error = await a.info({ body: 'x' }).catch((e: unknown) => e);
    assert.ok(error instanceof RequestError, String(error));
    assert.deepEqual([error.code, error.statusCode], ['ERR_CALL_ENDED', 0]);
    assert.deepEqual(await aEnded, { by: 'remote', reason: 'BYE', statusCode: 0 });
    await assert.rejects(a.info(), { name: 'RequestError', code: 'ERR_CALL_ENDED' });
    await assert.rejects(b.request({ method: 'OPTIONS' }), { code: 'ERR_CALL_ENDED' });
  });

  test('a request pending when this side hangs up rejects with ERR_CALL_ENDED', { timeout: 20_000 }, async () => {
    const { a, b } = await established();
    const seen = nextRequest(b);
    const pending = a.request({ method: 'MESSAGE', body: 'hi' }).catch((e: unknown) => e);
    await seen;
    await a.hangup();
    assert.equal(((await pending) as RequestError).code, 'ERR_CALL_ENDED');
  });

  test('a 401 to an INFO is answered by eXosip with alice\'s credentials (CSeq + 1): info() resolves with the 200', { timeout: 20_000 }, async () => {
    const { alice, a, b } = await established();
    alice.addAuthenticationInfo({ username: 'alice', password: 'secret', realm: 'in-dialog.test' });
    const seen: IncomingRequest[] = [];
    b.on('request', (req) => {
      seen.push(req);
      if (req.request.getHeader('authorization') === undefined) {
        void req.respond(401, { headers: { 'WWW-Authenticate': 'Digest realm="in-dialog.test", nonce="5f1d", algorithm=MD5' } });
      } else void req.respond(200, { body: 'authorized', contentType: 'text/plain' });
    });
    const res = await a.info({ body: 'x' });
    assert.deepEqual([res.statusCode, res.body?.toString()], [200, 'authorized']);
    assert.equal(seen.length, 2);
    const cseq = seen.map((req) => req.request.getHeader('cseq')!.split(' '));
    assert.deepEqual([cseq[0]![1], cseq[1]![1], Number(cseq[1]![0]) - Number(cseq[0]![0])], ['INFO', 'INFO', 1]);
    assert.match(seen[1]!.request.getHeader('authorization') ?? '', /username="alice".*realm="in-dialog\.test"/);
  });

  test('a peer that keeps answering 401: eXosip resends 3 times with the credentials, then the 401 is final', { timeout: 20_000 }, async () => {
    const { alice, a, b } = await established();
    alice.addAuthenticationInfo({ username: 'alice', password: 'secret', realm: 'in-dialog.test' });
    let seen = 0;
    b.on('request', (req) => {
      seen++;
      void req.respond(401, { headers: { 'WWW-Authenticate': `Digest realm="in-dialog.test", nonce="n${seen}", algorithm=MD5` } });
    });
    const error = await a.request({ method: 'MESSAGE', body: 'hi' }).catch((e: unknown) => e);
    assert.ok(error instanceof RequestError, String(error));
    assert.deepEqual([error.code, error.statusCode], ['ERR_REQUEST_REJECTED', 401]);
    assert.equal(seen, 4);
    assert.equal(a.state, 'confirmed');
  });

  test('a 401 for a realm without credentials is final at once (nothing resent), its message says why', { timeout: 20_000 }, async () => {
    const { a, b } = await established();
    let seen = 0;
    b.on('request', (req) => {
      if (req.method !== 'INFO') return void req.respond(200);
      seen++;
      void req.respond(401, { headers: { 'WWW-Authenticate': 'Digest realm="elsewhere", nonce="n1", algorithm=MD5' } });
    });
    const error = await a.info({ body: 'x' }).catch((e: unknown) => e);
    assert.ok(error instanceof RequestError, String(error));
    assert.deepEqual([error.code, error.statusCode, error.reason], ['ERR_REQUEST_REJECTED', 401, 'Unauthorized']);
    assert.match(error.message, /no credentials for realm "elsewhere"/);
    // A resend would have gone before this OPTIONS (automatic action runs as the 401 is queued): none did.
    assert.equal((await a.request({ method: 'OPTIONS' })).statusCode, 200);
    assert.equal(seen, 1);
  });

  test('bad input throws before anything is sent', { timeout: 20_000 }, async () => {
    const { a, b } = await established();
    const seen: IncomingRequest[] = [];
    b.on('request', (req) => {
      seen.push(req);
      void req.respond(200);
    });
    for (const method of ['BYE', 'cancel', 'ACK', 'INVITE', 'PRACK', 'IN FO', '']) {
      await assert.rejects(a.request({ method }), (e: NodeJS.ErrnoException) => e instanceof TypeError && e.code === 'ERR_INVALID_ARG_VALUE', method);
    }
    await assert.rejects(a.request({ method: 42 } as unknown as { method: string }), { code: 'ERR_INVALID_ARG_TYPE' });
    await assert.rejects(a.request({ method: 'INFO', body: 42 } as unknown as { method: string }), { code: 'ERR_INVALID_ARG_TYPE' });
    await assert.rejects(a.request({ method: 'INFO', headers: { 'X-A': 'b\r\nX-B: c' } }), { code: 'ERR_INVALID_ARG_VALUE' });
    await assert.rejects(a.info({ timeoutMs: 0 }), { code: 'ERR_OUT_OF_RANGE' });
    await assert.rejects(a.info({ contentType: 'text/plain\r\nX: y', body: 'x' }), { code: 'ERR_INVALID_ARG_VALUE' });
    await assert.rejects(a.reinvite({} as { sdp: string }), { code: 'ERR_INVALID_ARG_TYPE' });
    await assert.rejects(a.reinvite({ sdp: '' }), { code: 'ERR_INVALID_ARG_VALUE' });
    await assert.rejects(a.refer('sip:carol@x\r\nX: y'), { code: 'ERR_INVALID_ARG_VALUE' });
    // The peer turns Refer-To's headers into its INVITE's: escaped line breaks are refused, also as libosip2 reads them (%D%A).
    await assert.rejects(a.refer('<sip:carol@x?X-A=1%D%AX-B:%202>'), { code: 'ERR_INVALID_ARG_VALUE', message: /header injection/ });
    await assert.rejects(a.refer(7 as unknown as string), { code: 'ERR_INVALID_ARG_TYPE' });
    await assert.rejects(a.refer('garbage'), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE', message: /target must be a URI/ });
    // Nothing reached bob: the next request he sees is this OPTIONS.
    const next = nextRequest(b);
    assert.equal((await a.request({ method: 'OPTIONS' })).statusCode, 200);
    assert.equal((await next).method, 'OPTIONS');
    assert.equal(seen.length, 1);
  });
});
