/**
 * A late offer (RFC 3264 §5) between two of our contexts: alice invites
 * without SDP, bob's 200 carries the offer, alice's `answerOffer` answers it
 * in the ACK, and bob's Call takes that answer from the ACK.
 */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { CallError } from '../../lib/index';
import { endedOf, nextCall, sdp, useCallPairs } from '../helpers/calls';

const { pair } = useCallPairs();

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
