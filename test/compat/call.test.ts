/**
 * The compat API of eX_call.h between two contexts on loopback, as eXosip's
 * how-to (ht1-callcontrol.dox) uses it: C's tuples, codes, ownership and the
 * EXOSIP_CALL_* events with their cid, did and tid.
 */
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import {
  EXOSIP_CALL_ACK,
  EXOSIP_CALL_ANSWERED,
  EXOSIP_CALL_CANCELLED,
  EXOSIP_CALL_CLOSED,
  EXOSIP_CALL_INVITE,
  EXOSIP_CALL_MESSAGE_ANSWERED,
  EXOSIP_CALL_MESSAGE_NEW,
  EXOSIP_CALL_REINVITE,
  EXOSIP_CALL_REQUESTFAILURE,
  EXOSIP_CALL_RINGING,
  OSIP_BADPARAMETER,
  OSIP_NOTFOUND,
  eXosip_call_build_ack,
  eXosip_call_build_answer,
  eXosip_call_build_info,
  eXosip_call_build_initial_invite,
  eXosip_call_build_request,
  eXosip_call_find_by_replaces,
  eXosip_call_get_referto,
  eXosip_call_send_ack,
  eXosip_call_send_answer,
  eXosip_call_send_initial_invite,
  eXosip_call_send_request,
  eXosip_call_terminate,
  eXosip_call_terminate_with_reason,
  eXosip_lock,
  eXosip_unlock,
  osip_message_get_body,
  osip_message_get_content_type,
  osip_message_get_method,
  osip_message_set_body,
  osip_message_set_content_type,
  osip_message_set_supported,
  type eXosip_event_t,
  type eXosip_t,
} from '../../lib/compat';
import { codeOf, nextEvent, useCompatContexts } from '../helpers/compat';

const { newContext } = useCompatContexts();
const at = (ctx: eXosip_t, user: string): string => `sip:${user}@127.0.0.1:${ctx.address!.port}`;
const sdp = (user: string, port: number): string =>
  `v=0\r\no=${user} 0 0 IN IP4 127.0.0.1\r\ns=conversation\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n` +
  `m=audio ${port} RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n`;
const is = (type: number) => (e: eXosip_event_t): boolean => e.typeId === type;

/** The how-to's "Initiate a call": build, SDP offer, send under the lock → cid. */
function invite(alice: eXosip_t, bob: eXosip_t): number {
  const [i, msg] = eXosip_call_build_initial_invite(alice, `<${at(bob, 'bob')}>`, `<${at(alice, 'alice')}>`, null, 'This is a call for a conversation');
  assert.equal(i, 0);
  assert.equal(osip_message_set_supported(msg, '100rel'), 0);
  const offer = sdp('alice', 10500);
  assert.equal(osip_message_set_body(msg, offer, offer.length), 0);
  assert.equal(osip_message_set_content_type(msg, 'application/sdp'), 0);
  eXosip_lock(alice);
  const cid = eXosip_call_send_initial_invite(alice, msg);
  eXosip_unlock(alice);
  assert.ok(cid > 0, `cid ${cid}`);
  assert.equal(msg!.state, 'spent');
  return cid;
}

describe('eX_call.h', () => {
  test('a whole call: INVITE with SDP → 180 → 200 with SDP → ACK; INFO and re-INVITE in the dialog; BYE', { timeout: 30_000 }, async () => {
    const alice = newContext();
    const bob = newContext();
    const cid = invite(alice, bob);

    const inv = await nextEvent(bob, is(EXOSIP_CALL_INVITE));
    assert.ok(inv.cid > 0 && inv.did > 0 && inv.tid > 0);
    assert.equal(osip_message_get_body(inv.request, 0)[1]?.body, sdp('alice', 10500));
    assert.equal(eXosip_call_send_answer(bob, inv.tid, 180, null), 0);
    const ringing = await nextEvent(alice, is(EXOSIP_CALL_RINGING));
    assert.equal(ringing.cid, cid);
    assert.ok(ringing.did > 0);

    const [b, answer] = eXosip_call_build_answer(bob, inv.tid, 200);
    assert.equal(b, 0);
    const reply = sdp('bob', 20500);
    osip_message_set_body(answer, reply, reply.length);
    osip_message_set_content_type(answer, 'application/sdp');
    assert.equal(eXosip_call_send_answer(bob, inv.tid, 200, answer), 0);

    const answered = await nextEvent(alice, is(EXOSIP_CALL_ANSWERED));
    assert.deepEqual([answered.cid, answered.did, answered.response?.statusCode], [cid, ringing.did, 200]);
    assert.equal(osip_message_get_content_type(answered.response), 'application/sdp');
    assert.equal(osip_message_get_body(answered.response, 0)[1]?.body, reply);
    const [a, ack] = eXosip_call_build_ack(alice, answered.tid);
    assert.equal(a, 0);
    assert.equal(osip_message_get_method(ack), 'ACK');
    assert.equal(eXosip_call_send_ack(alice, answered.tid, ack), 0);
    assert.equal(codeOf(() => eXosip_call_send_ack(alice, answered.tid, ack)), 'ERR_MESSAGE_SPENT');
    const acked = await nextEvent(bob, is(EXOSIP_CALL_ACK));
    assert.deepEqual([acked.cid, acked.did], [inv.cid, inv.did]);

    // INFO (the how-to's DTMF), answered 200 by bob through eXosip_call_build_answer.
    const [n, info] = eXosip_call_build_info(alice, answered.did);
    assert.equal(n, 0);
    osip_message_set_content_type(info, 'application/dtmf-relay');
    const dtmf = 'Signal=5\r\nDuration=250\r\n';
    assert.equal(osip_message_set_body(info, dtmf, dtmf.length), 0);
    assert.equal(eXosip_call_send_request(alice, answered.did, info), 0);
    const got = await nextEvent(bob, is(EXOSIP_CALL_MESSAGE_NEW));
    assert.equal(osip_message_get_method(got.request), 'INFO');
    assert.equal(got.did, inv.did);
    assert.equal(osip_message_get_body(got.request, 0)[1]?.body, 'Signal=5\r\nDuration=250\r\n');
    const [, ok] = eXosip_call_build_answer(bob, got.tid, 200);
    assert.equal(eXosip_call_send_answer(bob, got.tid, 200, ok), 0);
    assert.equal((await nextEvent(alice, is(EXOSIP_CALL_MESSAGE_ANSWERED))).response?.statusCode, 200);

    // A re-INVITE (To-tagged) in our dialog goes through the INVITE guard.
    const [r, reinvite] = eXosip_call_build_request(alice, answered.did, 'INVITE');
    assert.equal(r, 0);
    const hold = sdp('alice', 10500) + 'a=sendonly\r\n';
    osip_message_set_body(reinvite, hold, hold.length);
    osip_message_set_content_type(reinvite, 'application/sdp');
    assert.equal(eXosip_call_send_request(alice, answered.did, reinvite), 0);
    const re = await nextEvent(bob, is(EXOSIP_CALL_REINVITE));
    assert.equal(re.did, inv.did);
    const [, reok] = eXosip_call_build_answer(bob, re.tid, 200);
    osip_message_set_body(reok, reply, reply.length);
    osip_message_set_content_type(reok, 'application/sdp');
    assert.equal(eXosip_call_send_answer(bob, re.tid, 200, reok), 0);
    const reanswered = await nextEvent(alice, is(EXOSIP_CALL_ANSWERED));
    assert.equal(eXosip_call_send_ack(alice, reanswered.tid, null), 0);

    // eXosip_call_get_referto / find_by_replaces name this dialog.
    const [rc, referTo] = eXosip_call_get_referto(alice, answered.did);
    assert.equal(rc, 0);
    const replaces = decodeURIComponent(/Replaces=([^>&]+)/.exec(referTo!)![1]!);
    assert.equal(eXosip_call_find_by_replaces(alice, replaces), cid);
    assert.equal(eXosip_call_find_by_replaces(alice, 'nope;to-tag=a;from-tag=b'), OSIP_NOTFOUND);

    assert.equal(eXosip_call_terminate(bob, inv.cid, inv.did), 0);
    const closed = await nextEvent(alice, is(EXOSIP_CALL_CLOSED));
    assert.deepEqual([closed.cid, closed.did], [cid, answered.did]);
  });

  test('bob rejects with 486: EXOSIP_CALL_REQUESTFAILURE with the cid (eXosip ACKs it)', { timeout: 30_000 }, async () => {
    const alice = newContext();
    const bob = newContext();
    const cid = invite(alice, bob);
    const inv = await nextEvent(bob, is(EXOSIP_CALL_INVITE));
    assert.equal(eXosip_call_send_answer(bob, inv.tid, 486, null), 0);
    const failed = await nextEvent(alice, is(EXOSIP_CALL_REQUESTFAILURE));
    assert.deepEqual([failed.cid, failed.response?.statusCode], [cid, 486]);
  });

  test('alice cancels after 180: terminate → 1, a CANCEL with Reason, bob gets EXOSIP_CALL_CANCELLED, alice the 487', { timeout: 30_000 }, async () => {
    const alice = newContext();
    const bob = newContext();
    const cid = invite(alice, bob);
    const inv = await nextEvent(bob, is(EXOSIP_CALL_INVITE));
    assert.equal(eXosip_call_send_answer(bob, inv.tid, 180, null), 0);
    await nextEvent(alice, is(EXOSIP_CALL_RINGING));
    // 1 (OSIP_SUCCESS + 1): a CANCEL was sent (eXcall_api.c).
    assert.equal(eXosip_call_terminate_with_reason(alice, cid, 0, 'SIP;cause=487;text="gone"'), 1);
    const cancelled = await nextEvent(bob, is(EXOSIP_CALL_CANCELLED));
    assert.equal(cancelled.cid, inv.cid);
    const failed = await nextEvent(alice, is(EXOSIP_CALL_REQUESTFAILURE));
    assert.deepEqual([failed.cid, failed.response?.statusCode], [cid, 487]);
  });

  test('bad input: codes as in C; every send spends its message', () => {
    const ctx = newContext();
    assert.deepEqual(eXosip_call_build_initial_invite(ctx, '', 'sip:a@127.0.0.1', null, null), [OSIP_BADPARAMETER, null]);
    assert.deepEqual(eXosip_call_build_initial_invite(ctx, 'sip:b@127.0.0.1\r\nX: y', 'sip:a@127.0.0.1', null, null), [OSIP_BADPARAMETER, null]);
    assert.equal(eXosip_call_send_initial_invite(ctx, null), OSIP_BADPARAMETER);
    assert.deepEqual(eXosip_call_build_ack(ctx, 0), [OSIP_BADPARAMETER, null]);
    assert.deepEqual(eXosip_call_build_ack(ctx, 4242), [OSIP_NOTFOUND, null]);
    assert.deepEqual(eXosip_call_build_request(ctx, 4242, 'INFO'), [OSIP_NOTFOUND, null]);
    assert.deepEqual(eXosip_call_build_request(ctx, 4242, ''), [OSIP_BADPARAMETER, null]);
    assert.deepEqual(eXosip_call_build_info(ctx, 4242), [OSIP_NOTFOUND, null]);
    assert.equal(eXosip_call_terminate(ctx, 0, 0), OSIP_BADPARAMETER);
    assert.equal(eXosip_call_terminate(ctx, 4242, 0), OSIP_NOTFOUND);
    assert.deepEqual(eXosip_call_get_referto(ctx, 4242), [OSIP_NOTFOUND, null]);
    const [, msg] = eXosip_call_build_initial_invite(ctx, 'sip:b@127.0.0.1', 'sip:a@127.0.0.1', null, null);
    assert.equal(eXosip_call_send_request(ctx, 4242, msg), OSIP_NOTFOUND);
    assert.equal(msg!.state, 'spent');
    const [, ack] = eXosip_call_build_initial_invite(ctx, 'sip:b@127.0.0.1', 'sip:a@127.0.0.1', null, null);
    assert.equal(eXosip_call_send_ack(ctx, 0, ack), OSIP_BADPARAMETER);
    assert.equal(ack!.state, 'spent');
  });
});
