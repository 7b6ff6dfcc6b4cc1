/**
 * Edges of the call API between two of our own contexts on loopback: an
 * IncomingCall cancelled by the caller (or by its own context closing),
 * messages too large for one UDP datagram, options refused before anything
 * is sent, and SDP libosip2 cannot parse.
 */
import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { CallError, type IncomingCallCancel } from '../../lib/index';
import { EXOSIP_CALL_RINGING, eXosip_call_build_initial_invite, eXosip_call_send_initial_invite, eXosip_call_terminate_with_reason, eXosip_lock, eXosip_unlock } from '../../lib/compat';
import { nextEvent, useCompatContexts } from '../helpers/compat';
import { delay, openContext } from '../helpers/context';
import { nextCall, sdp, useCallPairs } from '../helpers/calls';

const { newContext } = useCompatContexts();
const { pair, track } = useCallPairs();

describe('IncomingCall cancelled', () => {
  test("the caller's CANCEL: 'cancelled' once, state 'cancelled', ringing/reject throw and answer rejects ERR_CALL_CANCELLED", { timeout: 20_000 }, async () => {
    const { alice, bob, to, from } = await pair();
    const offered = nextCall(bob);
    const abort = new AbortController();
    const placing = alice.invite({ to, from, sdp: sdp('alice', 10500), signal: abort.signal });
    const incoming = await offered;
    assert.equal(incoming.state, 'offered');
    const cancels: IncomingCallCancel[] = [];
    incoming.on('cancelled', (c) => cancels.push(c));
    const cancelled = once(incoming, 'cancelled');
    incoming.ringing();
    assert.equal(incoming.state, 'ringing');
    await delay(100); // the 180 reaches alice: her CANCEL can go (RFC 3261 §9.1)
    abort.abort();
    await assert.rejects(placing, { code: 'ABORT_ERR' });
    const [cancel] = (await cancelled) as [IncomingCallCancel];
    assert.equal(incoming.state, 'cancelled');
    assert.equal(incoming.answered, false);
    assert.equal(cancel.by, 'remote');
    assert.equal(cancel.reason, 'CANCEL');
    assert.equal(cancel.statusCode, 0);
    assert.equal(cancel.request?.method, 'CANCEL');
    assert.equal(incoming.cancelledWith, cancel);
    for (const late of [() => incoming.ringing(), () => incoming.reject(486)]) {
      assert.throws(late, (error: unknown) => error instanceof CallError && error.code === 'ERR_CALL_CANCELLED');
    }
    await assert.rejects(incoming.answer({ sdp: sdp('bob', 20500) }), (error: unknown) => error instanceof CallError && error.code === 'ERR_CALL_CANCELLED');
    await delay(200);
    assert.equal(cancels.length, 1);
  });

  test('a CANCEL with an RFC 3326 Reason (a compat caller): reason and its SIP cause in the event', { timeout: 20_000 }, async () => {
    const bob = track(await openContext());
    const alice = newContext();
    const offered = nextCall(bob);
    const [built, invite] = eXosip_call_build_initial_invite(alice, `<sip:bob@127.0.0.1:${bob.address!.port}>`, `<sip:alice@127.0.0.1:${alice.address!.port}>`, null, null);
    assert.equal(built, 0);
    eXosip_lock(alice);
    const cid = eXosip_call_send_initial_invite(alice, invite);
    eXosip_unlock(alice);
    assert.ok(cid > 0);
    const incoming = await offered;
    const cancelled = once(incoming, 'cancelled');
    incoming.ringing();
    await nextEvent(alice, (ev) => ev.typeId === EXOSIP_CALL_RINGING);
    const reason = 'SIP ;cause=200 ;text="Call completed elsewhere"';
    eXosip_lock(alice);
    const code = eXosip_call_terminate_with_reason(alice, cid, 0, reason);
    eXosip_unlock(alice);
    assert.ok(code >= 0, `eXosip_call_terminate_with_reason: ${code}`);
    const [cancel] = (await cancelled) as [IncomingCallCancel];
    assert.equal(cancel.by, 'remote');
    assert.equal(cancel.reason, reason);
    assert.equal(cancel.statusCode, 200);
    assert.equal(cancel.request?.method, 'CANCEL');
  });

  test("cancelled with no 'cancelled' listener: state and cancelledWith tell it afterwards", { timeout: 20_000 }, async () => {
    const { alice, bob, to, from } = await pair();
    const offered = nextCall(bob);
    const abort = new AbortController();
    const placing = alice.invite({ to, from, signal: abort.signal }).catch((error: unknown) => error);
    const incoming = await offered;
    incoming.ringing();
    await delay(100);
    abort.abort();
    await placing;
    await delay(300); // the CANCEL came and went with no listener
    assert.equal(incoming.state, 'cancelled');
    assert.equal(incoming.cancelledWith?.reason, 'CANCEL');
  });

  test("the callee's context closes while offered: 'cancelled' by local, later calls ERR_CONTEXT_CLOSED", { timeout: 20_000 }, async () => {
    const { alice, bob, to, from } = await pair();
    const offered = nextCall(bob);
    const placing = alice.invite({ to, from, timeoutMs: 5000 }).catch((error: unknown) => error);
    const incoming = await offered;
    const cancelled = once(incoming, 'cancelled');
    await bob.close();
    const [cancel] = (await cancelled) as [IncomingCallCancel];
    assert.deepEqual({ ...cancel }, { by: 'local', reason: 'closed', statusCode: 0, request: null });
    assert.equal(incoming.state, 'cancelled');
    assert.throws(() => incoming.ringing(), (error: unknown) => error instanceof CallError && error.code === 'ERR_CONTEXT_CLOSED');
    await alice.close();
    await placing;
  });

  test('an answered call is not cancelled; a rejected one neither (state answered / rejected)', { timeout: 20_000 }, async () => {
    const { alice, bob, to, from } = await pair();
    const offered = nextCall(bob);
    const placing = alice.invite({ to, from, sdp: sdp('alice', 10500) });
    const incoming = await offered;
    const call = await incoming.answer({ sdp: sdp('bob', 20500) });
    assert.equal(incoming.state, 'answered');
    const a = await placing;
    await a.hangup();
    assert.equal(incoming.state, 'answered');
    assert.equal(call.direction, 'incoming');

    const offered2 = nextCall(bob);
    const placing2 = alice.invite({ to, from });
    const incoming2 = await offered2;
    incoming2.reject(486);
    assert.equal(incoming2.state, 'rejected');
    await assert.rejects(placing2, { code: 'ERR_CALL_REJECTED', statusCode: 486 });
  });
});


const tooLarge = (error: unknown): boolean => error instanceof RangeError && (error as { code?: string }).code === 'ERR_MESSAGE_TOO_LARGE';
const typeCode = (code: string) => (error: unknown): boolean => error instanceof TypeError && (error as { code?: string }).code === code;

describe('Calls: messages over UDP, options, SDP', () => {
  test('over UDP a message larger than one datagram is refused before sending: invite, answer, info, request, reinvite, respond', { timeout: 20_000 }, async () => {
    const { alice, bob, to, from } = await pair();
    const big = sdp('alice', 10500) + `a=x:${'y'.repeat(70_000)}\r\n`;
    await assert.rejects(alice.invite({ to, from, sdp: big }), tooLarge);
    const offered = nextCall(bob);
    const placing = alice.invite({ to, from, sdp: sdp('alice', 10500) });
    const incoming = await offered;
    await assert.rejects(incoming.answer({ sdp: sdp('bob', 1) + `a=x:${'y'.repeat(70_000)}\r\n` }), tooLarge);
    assert.equal(incoming.state, 'offered'); // nothing went: still answerable
    const b = await incoming.answer({ sdp: sdp('bob', 20500) });
    const a = await placing;
    await assert.rejects(a.info({ body: 'q'.repeat(70_000) }), tooLarge);
    await assert.rejects(a.request({ method: 'MESSAGE', body: 'q'.repeat(70_000) }), tooLarge);
    await assert.rejects(a.reinvite({ sdp: big }), tooLarge);
    const got = once(b, 'request');
    const info = a.info({ body: 'small' });
    const [req] = (await got) as [import('../../lib/index').IncomingRequest];
    await assert.rejects(req.respond(200, { body: 'z'.repeat(70_000) }), tooLarge);
    await assert.rejects(req.respond('200' as unknown as number), typeCode('ERR_INVALID_ARG_TYPE'));
    await req.respond(200);
    assert.equal((await info).statusCode, 200);
    await a.hangup();
  });

  test('out of dialog: respond() with a body larger than one datagram is refused; a status that is not a number is a TypeError', { timeout: 20_000 }, async () => {
    const { alice, bob, to, from } = await pair();
    const got = once(bob, 'request');
    const sending = alice.request({ method: 'MESSAGE', to, from, body: 'hi' });
    const [req] = (await got) as [import('../../lib/index').IncomingRequest];
    await assert.rejects(req.respond('200' as unknown as number), typeCode('ERR_INVALID_ARG_TYPE'));
    await assert.rejects(req.respond(200, { body: 'z'.repeat(70_000) }), tooLarge);
    assert.equal(req.answered, false);
    await req.respond(200);
    assert.equal((await sending).statusCode, 200);
  });

  test('answer()/reject() options are checked in TS before anything is sent, as call.request() checks them', { timeout: 20_000 }, async () => {
    const { alice, bob, to, from } = await pair();
    const offered = nextCall(bob);
    const placing = alice.invite({ to, from, sdp: sdp('alice', 10500) });
    const incoming = await offered;
    await assert.rejects(incoming.answer({ headers: [['Bad Name', 'v']] }), typeCode('ERR_INVALID_ARG_VALUE'));
    assert.throws(() => incoming.reject('486' as unknown as number), typeCode('ERR_INVALID_ARG_TYPE'));
    assert.throws(() => incoming.reject(200), { code: 'ERR_OUT_OF_RANGE' });
    assert.equal(incoming.state, 'offered');
    incoming.reject(486);
    await assert.rejects(placing, { code: 'ERR_CALL_REJECTED', statusCode: 486 });
  });

  test('SDP libosip2 cannot parse is refused (TypeError ERR_INVALID_ARG_VALUE): invite, answer, reinvite', { timeout: 20_000 }, async () => {
    const { alice, bob, to, from } = await pair();
    await assert.rejects(alice.invite({ to, from, sdp: 'hello' }), typeCode('ERR_INVALID_ARG_VALUE'));
    const offered = nextCall(bob);
    const placing = alice.invite({ to, from, sdp: sdp('alice', 10500) });
    const incoming = await offered;
    await assert.rejects(incoming.answer({ sdp: 'v=0\r\nnot sdp' }), typeCode('ERR_INVALID_ARG_VALUE'));
    await incoming.answer({ sdp: sdp('bob', 20500) });
    const a = await placing;
    await assert.rejects(a.reinvite({ sdp: 'hello' }), typeCode('ERR_INVALID_ARG_VALUE'));
    await a.hangup();
  });
});
