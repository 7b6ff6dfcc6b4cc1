/**
 * The typed Call API between two of our own contexts on loopback: alice
 * places calls with ctx.invite(), bob takes them with ctx.on('call').
 */
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { type Call, CallError, type CallEnd, type CallProgress, type Context, type IncomingCall } from '../../lib/index';
import { endedOf, nextCall, sdp, useCallPairs } from '../helpers/calls';

const { pair } = useCallPairs();

/** alice calls bob; bob rings then answers with SDP; both sides' Calls once the ACK went. */
async function establish(alice: Context, bob: Context, to: string, from: string): Promise<{ a: Call; b: Call; progress: CallProgress[]; incoming: IncomingCall }> {
  const offered = nextCall(bob);
  const progress: CallProgress[] = [];
  const placing = alice.invite({ to, from, sdp: sdp('alice', 10500), onProgress: (p) => progress.push(p) });
  const incoming = await offered;
  incoming.ringing();
  const answering = incoming.answer({ sdp: sdp('bob', 20500) });
  const [a, b] = await Promise.all([placing, answering]);
  return { a, b, progress, incoming };
}

describe('Call', () => {
  test('alice calls bob: 180, 200 with SDP, ACK; each side has both SDPs; bob hangs up → alice ended by remote', { timeout: 20_000 }, async () => {
    const { alice, bob, to, from } = await pair();
    const { a, b, progress, incoming } = await establish(alice, bob, to, from);
    assert.match(incoming.from, /sip:alice@127\.0\.0\.1/);
    assert.match(incoming.to, /sip:bob@127\.0\.0\.1/);
    assert.equal(incoming.remoteSdp, sdp('alice', 10500));
    assert.equal(incoming.request.method, 'INVITE');
    assert.deepEqual(progress.map((p) => [p.statusCode, p.reason]), [[180, 'Ringing']]);
    assert.equal(a.state, 'confirmed');
    assert.equal(a.direction, 'outgoing');
    assert.ok(a.cid > 0 && a.did > 0);
    assert.equal(a.localSdp, sdp('alice', 10500));
    assert.equal(a.remoteSdp, sdp('bob', 20500));
    assert.equal(b.direction, 'incoming');
    assert.deepEqual([b.cid, b.did], [incoming.cid, incoming.did]);
    assert.equal(b.localSdp, sdp('bob', 20500));
    assert.equal(b.remoteSdp, sdp('alice', 10500));

    const aEnded = endedOf(a);
    const bEnds: CallEnd[] = [];
    b.on('ended', (end) => bEnds.push(end));
    await b.hangup();
    assert.deepEqual(bEnds, [{ by: 'local', reason: 'hangup', statusCode: 0 }]);
    assert.equal(b.state, 'ended');
    assert.deepEqual(await aEnded, { by: 'remote', reason: 'BYE', statusCode: 0 });
    assert.equal(a.state, 'ended');
    await b.hangup(); // nothing more
    assert.equal(bEnds.length, 1);
  });

  test('alice hangs up: bob ended by remote, exactly once, also through context close', { timeout: 20_000 }, async () => {
    const { alice, bob, to, from } = await pair();
    const { a, b } = await establish(alice, bob, to, from);
    const aEnds: CallEnd[] = [];
    const bEnds: CallEnd[] = [];
    a.on('ended', (end) => aEnds.push(end));
    b.on('ended', (end) => bEnds.push(end));
    const bEnded = endedOf(b);
    await a.hangup();
    assert.deepEqual(await bEnded, { by: 'remote', reason: 'BYE', statusCode: 0 });
    await Promise.all([alice.close(), bob.close()]);
    assert.deepEqual(aEnds, [{ by: 'local', reason: 'hangup', statusCode: 0 }]);
    assert.equal(bEnds.length, 1);
  });

  test('a call still up when the context closes ends by local, reason closed', { timeout: 20_000 }, async () => {
    const { alice, bob, to, from } = await pair();
    const { a } = await establish(alice, bob, to, from);
    const aEnded = endedOf(a);
    await alice.close();
    assert.deepEqual(await aEnded, { by: 'local', reason: 'closed', statusCode: 0 });
  });

  test('bob rejects with 486: invite() rejects with a CallError 486', { timeout: 20_000 }, async () => {
    const { alice, bob, to, from } = await pair();
    bob.on('call', (incoming) => incoming.reject(486));
    const error = await alice.invite({ to, from, sdp: sdp('alice', 10500) }).catch((e: unknown) => e);
    assert.ok(error instanceof CallError, String(error));
    assert.equal(error.name, 'CallError');
    assert.equal(error.code, 'ERR_CALL_REJECTED');
    assert.equal(error.statusCode, 486);
    assert.equal(error.reason, 'Busy Here');
    assert.equal(error.response?.statusCode, 486);
  });

  test('an IncomingCall answers once: ringing/answer/reject after reject throw ERR_CALL_ANSWERED', { timeout: 20_000 }, async () => {
    const { alice, bob, to, from } = await pair();
    const offered = nextCall(bob);
    const placing = alice.invite({ to, from }).catch((e: unknown) => e);
    const incoming = await offered;
    assert.equal(incoming.remoteSdp, null);
    assert.throws(() => incoming.reject(200), { code: 'ERR_OUT_OF_RANGE' });
    incoming.reject(603, 'Not Today');
    assert.throws(() => incoming.ringing(), { code: 'ERR_CALL_ANSWERED' });
    assert.throws(() => incoming.reject(486), { code: 'ERR_CALL_ANSWERED' });
    await assert.rejects(incoming.answer({ sdp: sdp('bob', 20500) }), { code: 'ERR_CALL_ANSWERED' });
    const error = (await placing) as CallError;
    assert.deepEqual([error.code, error.statusCode, error.reason], ['ERR_CALL_REJECTED', 603, 'Not Today']);
  });

  test('abort after 180: invite() rejects AbortError ABORT_ERR and the INVITE is cancelled', { timeout: 20_000 }, async () => {
    const { alice, bob, to, from } = await pair();
    const offered = nextCall(bob);
    const controller = new AbortController();
    const placing = alice.invite({ to, from, signal: controller.signal, onProgress: () => controller.abort() }).catch((e: unknown) => e);
    const incoming = await offered;
    const cancelled = new Promise<void>((resolve) => bob.on('event', (ev) => ev.type === 'EXOSIP_CALL_CANCELLED' && ev.cid === incoming.cid && resolve()));
    incoming.ringing();
    const error = (await placing) as CallError;
    assert.ok(error instanceof CallError);
    assert.deepEqual([error.name, error.code], ['AbortError', 'ABORT_ERR']);
    await cancelled;
  });

  test('abort as soon as bob is offered: rejects at once; eXosip\'s automatic 100 Trying lets the CANCEL go (RFC 3261 §9.1)', { timeout: 20_000 }, async () => {
    const { alice, bob, to, from } = await pair();
    const trying = new Promise<void>((resolve) => alice.on('event', (ev) => ev.type === 'EXOSIP_CALL_PROCEEDING' && ev.response?.statusCode === 100 && resolve()));
    const offered = nextCall(bob);
    const controller = new AbortController();
    const placing = alice.invite({ to, from, signal: controller.signal }).catch((e: unknown) => e);
    const incoming = await offered;
    const cancelled = new Promise<void>((resolve) => bob.on('event', (ev) => ev.type === 'EXOSIP_CALL_CANCELLED' && ev.cid === incoming.cid && resolve()));
    controller.abort();
    assert.equal(((await placing) as CallError).code, 'ABORT_ERR');
    await Promise.all([trying, cancelled]);
    await assert.rejects(incoming.answer({ sdp: sdp('bob', 20500) }), { code: 'ERR_CALL_CANCELLED' });
  });

  test('timeoutMs without a final answer: ERR_CALL_TIMEOUT and the INVITE is cancelled', { timeout: 20_000 }, async () => {
    const { alice, bob, to, from } = await pair();
    const offered = nextCall(bob);
    const placing = alice.invite({ to, from, timeoutMs: 200 }).catch((e: unknown) => e);
    const incoming = await offered;
    const cancelled = new Promise<void>((resolve) => bob.on('event', (ev) => ev.type === 'EXOSIP_CALL_CANCELLED' && ev.cid === incoming.cid && resolve()));
    const error = (await placing) as CallError;
    assert.deepEqual([error.name, error.code, error.statusCode], ['CallError', 'ERR_CALL_TIMEOUT', 0]);
    await cancelled;
  });

  test('without a call listener an INVITE still gets the default 405 through ctx.on("request")', { timeout: 20_000 }, async () => {
    const { alice, to, from } = await pair();
    const error = (await alice.invite({ to, from }).catch((e: unknown) => e)) as CallError;
    assert.deepEqual([error.code, error.statusCode], ['ERR_CALL_REJECTED', 405]);
  });

  test('bad options throw before anything is sent', async () => {
    const { alice, to, from } = await pair();
    await assert.rejects(alice.invite({ to: 'sip:bob@x\r\nX: y', from }), { code: 'ERR_INVALID_ARG_VALUE' });
    await assert.rejects(alice.invite({ to, from, sdp: 42 as unknown as string }), { code: 'ERR_INVALID_ARG_TYPE' });
    await assert.rejects(alice.invite({ to, from, timeoutMs: 0 }), { code: 'ERR_OUT_OF_RANGE' });
    // Not a sip:/sips: URI with a host: eXosip could not send it (test/reliability/non-sip-targets.test.ts).
    await assert.rejects(alice.invite({ to: 'not a uri', from }), { code: 'ERR_INVALID_ARG_VALUE' });
    // A sips: target or another ;transport= on this UDP context: eXosip would send it over UDP all the same.
    await assert.rejects(alice.invite({ to: to.replace(/^sip:/, 'sips:'), from }), { code: 'ERR_INVALID_ARG_VALUE', message: /asks for tls but this context listens on udp/ });
    await assert.rejects(alice.invite({ to: `${to};transport=tcp`, from }), { code: 'ERR_INVALID_ARG_VALUE', message: /asks for tcp but this context listens on udp/ });
  });
});
