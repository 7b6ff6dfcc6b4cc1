/**
 * eXosip_call_set_reference / eXosip_call_get_reference (a JS value per
 * call, kept while the call exists in eXosip) and eXosip_guess_localip,
 * between two contexts on loopback.
 */
import { strict as assert } from 'node:assert';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, test } from 'node:test';
import {
  AF_INET,
  EXOSIP_CALL_INVITE,
  EXOSIP_CALL_RELEASED,
  EXOSIP_CALL_RINGING,
  EXOSIP_OPT_SET_IPV4_FOR_GATEWAY,
  OSIP_BADPARAMETER,
  OSIP_NOTFOUND,
  eXosip_call_build_initial_invite,
  eXosip_call_get_reference,
  eXosip_call_send_answer,
  eXosip_call_send_initial_invite,
  eXosip_call_set_reference,
  eXosip_guess_localip,
  eXosip_malloc,
  eXosip_set_option,
  type eXosip_event_t,
  type eXosip_t,
} from '../../lib/compat';
import { callReferenceCount } from '../../lib/compat/call-reference';
import { codeOf, nextEvent, useCompatContexts } from '../helpers/compat';
import { SLOW } from '../helpers/slow';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const { newContext } = useCompatContexts();
const at = (ctx: eXosip_t, user: string): string => `sip:${user}@127.0.0.1:${ctx.address!.port}`;
const is = (type: number) => (e: eXosip_event_t): boolean => e.typeId === type;

function call(alice: eXosip_t, bob: eXosip_t): number {
  const [i, invite] = eXosip_call_build_initial_invite(alice, `<${at(bob, 'bob')}>`, `<${at(alice, 'alice')}>`, null, null);
  assert.equal(i, 0);
  const cid = eXosip_call_send_initial_invite(alice, invite);
  assert.ok(cid > 0, `cid ${cid}`);
  return cid;
}

async function settleGc(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
}

describe('eXosip_call_set_reference / eXosip_call_get_reference', () => {
  test('any value, by cid or by did; read back with the cid of every event; null clears it', { timeout: 30_000 }, async () => {
    const alice = newContext();
    const bob = newContext();
    const cid = call(alice, bob);
    const mine = { name: 'alice leg', rtpPort: 40000 };
    assert.equal(eXosip_call_set_reference(alice, cid, mine), 0);
    assert.equal(eXosip_call_get_reference(alice, cid), mine);

    // Bob sets his by did (the how-to's "id": a call or dialog id).
    const inv = await nextEvent(bob, is(EXOSIP_CALL_INVITE));
    assert.notEqual(inv.did, inv.cid);
    assert.equal(eXosip_call_set_reference(bob, inv.did, 'bob leg'), 0);
    assert.equal(eXosip_call_get_reference(bob, inv.cid), 'bob leg');
    assert.equal(eXosip_call_get_reference(bob, inv.did), null, 'get takes a cid only, as C');
    assert.equal(eXosip_call_send_answer(bob, inv.tid, 180, null), 0);
    const ringing = await nextEvent(alice, is(EXOSIP_CALL_RINGING));
    assert.equal(eXosip_call_get_reference(alice, ringing.cid), mine);

    assert.equal(eXosip_call_set_reference(alice, cid, 42), 0, 'replacing it');
    assert.equal(eXosip_call_get_reference(alice, cid), 42);
    assert.equal(eXosip_call_set_reference(alice, cid, null), 0);
    assert.equal(eXosip_call_get_reference(alice, cid), null);
    assert.equal(callReferenceCount(alice), 0);

    // No such call: C's codes.
    assert.equal(eXosip_call_set_reference(alice, 999_999, 'x'), OSIP_NOTFOUND);
    assert.equal(eXosip_call_set_reference(alice, -1, 'x'), OSIP_NOTFOUND);
    assert.equal(eXosip_call_get_reference(alice, 999_999), null);
    assert.equal(codeOf(() => eXosip_call_set_reference(alice, 1.5, 'x')), 'ERR_INVALID_ARG_TYPE');
    assert.equal(codeOf(() => eXosip_call_get_reference(eXosip_malloc(), 1)), 'ERR_CONTEXT_NOT_INITIALIZED');
  });

  test('the value is kept while the call exists and let go once eXosip releases it (after Timer D: ~32 s over UDP)', { timeout: 100_000 * SLOW }, async () => {
    const alice = newContext();
    const bob = newContext();
    const cid = call(alice, bob);
    let ref: WeakRef<object>;
    (() => {
      const value = { big: new Array(1000).fill('x') };
      ref = new WeakRef(value);
      assert.equal(eXosip_call_set_reference(alice, cid, value), 0);
    })();
    await settleGc();
    assert.ok(ref!.deref() !== undefined, 'kept alive while the call exists');
    assert.equal(eXosip_call_get_reference(alice, cid), ref!.deref());

    // Bob refuses: the call fails; eXosip releases it once its INVITE
    // client transaction ends (Timer D, 32 s over UDP: RFC 3261 §17.1.1.2).
    const inv = await nextEvent(bob, is(EXOSIP_CALL_INVITE));
    assert.equal(eXosip_call_send_answer(bob, inv.tid, 486, null), 0);
    const released = await nextEvent(alice, is(EXOSIP_CALL_RELEASED), 80_000 * SLOW);
    assert.equal(released.cid, cid);
    assert.equal(eXosip_call_get_reference(alice, cid), null);
    assert.equal(callReferenceCount(alice), 0);
    await settleGc();
    assert.equal(ref!.deref(), undefined, 'collected once the call was released');
  });

  test('closing the context lets every value go', { timeout: 30_000 }, async () => {
    const alice = newContext();
    const bob = newContext();
    const cid = call(alice, bob);
    let ref: WeakRef<object>;
    (() => {
      const value = { leg: 'a' };
      ref = new WeakRef(value);
      assert.equal(eXosip_call_set_reference(alice, cid, value), 0);
    })();
    assert.equal(callReferenceCount(alice), 1);
    await nextEvent(bob, is(EXOSIP_CALL_INVITE));
    await alice.close();
    assert.equal(callReferenceCount(alice), 0);
    await settleGc();
    assert.equal(ref!.deref(), undefined);
    assert.equal(codeOf(() => eXosip_call_set_reference(alice, cid, 'late')), 'ERR_CONTEXT_CLOSED');
    assert.equal(codeOf(() => eXosip_call_get_reference(alice, cid)), 'ERR_CONTEXT_CLOSED');
  });
});

describe('eXosip_guess_localip', () => {
  test('the address towards the gateway option; size bounds the text; size < 1 refused', () => {
    const ctx = newContext();
    assert.equal(eXosip_set_option(ctx, EXOSIP_OPT_SET_IPV4_FOR_GATEWAY, '127.0.0.1'), 0);
    assert.deepEqual(eXosip_guess_localip(ctx, AF_INET, 128), [0, '127.0.0.1']);
    assert.deepEqual(eXosip_guess_localip(ctx, AF_INET, 4), [0, '127']);
    assert.deepEqual(eXosip_guess_localip(ctx, AF_INET, 0), [OSIP_BADPARAMETER, null]);
  });
});
