/**
 * A late offer (RFC 3264 §5): an INVITE without SDP whose offer comes in
 * the 2xx (answered in the ACK; between two of our contexts, bob's Call takes
 * the answer from the ACK) or in a reliable 183 (answered in the PRACK, RFC
 * 3262 §5; SIPp as the callee), and what happens when it cannot be answered,
 * or when `answerOffer` closes the context or aborts the call.
 */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { CallError, type Context } from '../../lib/index';
import { endedOf, nextCall, sdp, useCallPairs, useSippCalls } from '../helpers/calls';
import { explainSipp, type SippResult } from '../helpers/sipp';

const { pair } = useCallPairs();
const { context, sipp } = useSippCalls();

/** SIPp ran its scenario as written: one successful call. */
function succeeded(r: SippResult): void {
  assert.equal(r.exitCode, 0, explainSipp(r));
  assert.deepEqual([r.successful, r.failed], [1, 0], explainSipp(r));
}

/** The body of a message as SIPp traced it. */
const bodyOf = (text: string): string => text.slice(text.indexOf('\r\n\r\n') + 4);

const from = (ctx: Context): string => `sip:ctx@127.0.0.1:${ctx.address!.port}`;

test('the answer goes in the ACK: each side has both SDPs', { timeout: 20_000 }, async () => {
  const { alice, bob, to, from } = await pair();
  const offered = nextCall(bob);
  const seen: Array<[string, number]> = [];
  const placing = alice.invite({
    to,
    from,
    answerOffer: (offer, response) => {
      seen.push([offer, response.statusCode]);
      return sdp('alice', 10700);
    },
  });
  const incoming = await offered;
  assert.equal(incoming.remoteSdp, null, 'the INVITE carried no offer');
  const [a, b] = await Promise.all([placing, incoming.answer({ sdp: sdp('bob', 20700) })]);
  assert.deepEqual(seen, [[sdp('bob', 20700), 200]]);
  assert.equal(a.localSdp, sdp('alice', 10700));
  assert.equal(a.remoteSdp, sdp('bob', 20700));
  assert.equal(b.localSdp, sdp('bob', 20700));
  assert.equal(b.remoteSdp, sdp('alice', 10700), "bob's Call has the answer the ACK carried");
  const ended = endedOf(b);
  await a.hangup();
  assert.equal((await ended).by, 'remote');
});

test('answerOffer throws, or returns no SDP, or the 200 has no offer: ACK, then BYE; invite() rejects ERR_CALL_OFFER_UNANSWERED', { timeout: 30_000 }, async () => {
  const { alice, bob, to, from } = await pair();
  const failure = new Error('no codec in common');
  const cases: Array<{ answerOffer: (offer: string) => string; bobSdp: string | undefined; reason: string; cause: (c: unknown) => boolean }> = [
    { answerOffer: () => { throw failure; }, bobSdp: sdp('bob', 20800), reason: 'answerOffer failed', cause: (c) => c === failure },
    { answerOffer: () => 'not sdp', bobSdp: sdp('bob', 20802), reason: 'answerOffer failed', cause: (c) => (c as { code?: string }).code === 'ERR_INVALID_ARG_VALUE' },
    { answerOffer: () => sdp('alice', 10800), bobSdp: undefined, reason: 'no offer', cause: (c) => c === undefined },
  ];
  for (const { answerOffer, bobSdp, reason, cause } of cases) {
    const offered = nextCall(bob);
    const placing = alice.invite({ to, from, answerOffer });
    const incoming = await offered;
    // The ACK goes (bob's answer() resolves with a Call), then the BYE ends it.
    const bEnded = incoming.answer(bobSdp === undefined ? {} : { sdp: bobSdp }).then(endedOf);
    const error = await placing.catch((e: unknown) => e);
    assert.ok(error instanceof CallError, String(error));
    assert.equal(error.code, 'ERR_CALL_OFFER_UNANSWERED');
    assert.equal(error.reason, reason);
    assert.equal(error.statusCode, 200);
    assert.ok(cause(error.cause), `cause: ${String(error.cause)}`);
    assert.deepEqual(await bEnded, { by: 'remote', reason: 'BYE', statusCode: 0 });
  }
});

test('answerOffer with sdp, or not a function: TypeError, nothing sent', async () => {
  const { alice, to, from } = await pair();
  await assert.rejects(alice.invite({ to, from, sdp: sdp('alice', 10900), answerOffer: () => '' }), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
  await assert.rejects(alice.invite({ to, from, answerOffer: 'v=0' as never }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
});

test('the offer in a reliable 183: answered in its PRACK; the 200 without SDP completes the call', { timeout: 30_000 }, async () => {
  const ctx = await context();
  const peer = await sipp('uas-late-offer-183.xml', { timeoutS: 20 });
  const offers: Array<[string, number]> = [];
  const call = await ctx.invite({
    to: `sip:sipp@127.0.0.1:${peer.port}`,
    from: from(ctx),
    answerOffer: (offer, response) => {
      offers.push([offer, response.statusCode]);
      return sdp('ctx', 10710);
    },
  });
  assert.equal(offers.length, 1, 'asked once');
  assert.equal(offers[0][1], 183);
  assert.match(offers[0][0], /^m=audio 40100 RTP\/AVP 0\r$/m);
  assert.equal(call.localSdp, sdp('ctx', 10710));
  assert.match(call.remoteSdp ?? '', /^s=offer\r\n[^]*^m=audio 40100 /m);
  await call.hangup();
  const r = await peer.done;
  succeeded(r);
  assert.deepEqual(r.received.map((m) => m.split(' ')[0]), ['INVITE', 'PRACK', 'ACK', 'BYE']);
  // SIPp's trace drops the last CRLF; Content-Length counts it.
  assert.equal(bodyOf(r.received[1]).trimEnd(), sdp('ctx', 10710).trimEnd(), 'the PRACK carries the answer');
  assert.match(r.received[1], new RegExp(`^Content-Length: *${Buffer.byteLength(sdp('ctx', 10710))}\\s*$`, 'im'));
  assert.match(r.received[1], /^Content-Type: *application\/sdp\s*$/im);
  assert.match(r.received[2], /^Content-Length: *0\s*$/im, 'the ACK carries nothing more');
});

test('an offer in a reliable 183 answerOffer cannot answer: PRACK without a body, CANCEL; invite() rejects ERR_CALL_OFFER_UNANSWERED', { timeout: 30_000 }, async () => {
  const ctx = await context();
  const peer = await sipp('uas-late-offer-183-cancel.xml', { timeoutS: 20 });
  const failure = new Error('no codec in common');
  const error = await ctx
    .invite({ to: `sip:sipp@127.0.0.1:${peer.port}`, from: from(ctx), answerOffer: () => { throw failure; } })
    .catch((e: unknown) => e);
  assert.ok(error instanceof CallError, String(error));
  assert.equal(error.code, 'ERR_CALL_OFFER_UNANSWERED');
  assert.equal(error.statusCode, 183);
  assert.equal(error.cause, failure);
  const r = await peer.done;
  succeeded(r);
  assert.deepEqual(r.received.map((m) => m.split(' ')[0]), ['INVITE', 'PRACK', 'CANCEL', 'ACK']);
  assert.match(r.received[1], /^Content-Length: *0\s*$/im);
});

test('answerOffer closes the context: invite() rejects ERR_CONTEXT_CLOSED at once, nothing thrown elsewhere', { timeout: 20_000 }, async () => {
  const { alice, bob, to, from: aliceUri } = await pair();
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown): void => void uncaught.push(error);
  process.on('uncaughtException', onUncaught);
  try {
    const offered = nextCall(bob);
    const placing = alice.invite({ to, from: aliceUri, timeoutMs: 10_000, answerOffer: () => { void alice.close(); return sdp('alice', 10750); } });
    const incoming = await offered;
    void incoming.answer({ sdp: sdp('bob', 20750), timeoutMs: 2_000 }).catch(() => undefined);
    const started = Date.now();
    await assert.rejects(placing, { code: 'ERR_CONTEXT_CLOSED' });
    assert.ok(Date.now() - started < 5_000, 'not at the timeout');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(uncaught, []);
  } finally {
    process.off('uncaughtException', onUncaught);
  }
});

test('answerOffer aborts the signal: invite() rejects ABORT_ERR; the 200 is ACKed and the call ended with BYE', { timeout: 20_000 }, async () => {
  const { alice, bob, to, from: aliceUri } = await pair();
  const ac = new AbortController();
  const offered = nextCall(bob);
  const placing = alice.invite({ to, from: aliceUri, signal: ac.signal, answerOffer: () => { ac.abort(); return sdp('alice', 10760); } });
  const incoming = await offered;
  const bEnded = incoming.answer({ sdp: sdp('bob', 20760) }).then(endedOf);
  await assert.rejects(placing, { code: 'ABORT_ERR' });
  assert.deepEqual(await bEnded, { by: 'remote', reason: 'BYE', statusCode: 0 });
});
