/**
 * The compat API of eX_subscribe.h between two contexts on loopback: alice
 * subscribes to bob's presence, bob accepts and notifies, alice unsubscribes
 * (a refresh with Expires: 0), bob ends it with a terminated NOTIFY; a REFER
 * outside of a dialog; what C would crash on or misuse.
 */
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import {
  DEACTIVATED,
  EXOSIP_IN_SUBSCRIPTION_NEW,
  EXOSIP_NOTIFICATION_ANSWERED,
  EXOSIP_SUBCRSTATE_ACTIVE,
  EXOSIP_SUBCRSTATE_TERMINATED,
  EXOSIP_SUBSCRIPTION_ANSWERED,
  EXOSIP_SUBSCRIPTION_NOTIFY,
  OSIP_BADPARAMETER,
  eXosip_insubscription_build_answer,
  eXosip_insubscription_build_notify,
  eXosip_insubscription_build_request,
  eXosip_insubscription_remove,
  eXosip_insubscription_send_answer,
  eXosip_insubscription_send_request,
  eXosip_lock,
  eXosip_subscription_build_initial_refer,
  eXosip_subscription_build_initial_subscribe,
  eXosip_subscription_build_refresh_request,
  eXosip_subscription_remove,
  eXosip_subscription_send_initial_request,
  eXosip_subscription_send_refresh_request,
  eXosip_unlock,
  osip_message_get_body,
  osip_message_get_expires,
  osip_message_header_get_byname,
  osip_message_set_body,
  osip_message_set_content_type,
  osip_message_set_expires,
  osip_message_set_header,
  type eXosip_event_t,
  type eXosip_t,
} from '../../lib/compat';
import { codeOf, nextEvent, useCompatContexts } from '../helpers/compat';

const { newContext } = useCompatContexts();
const at = (ctx: eXosip_t, user: string): string => `<sip:${user}@127.0.0.1:${ctx.address!.port}>`;
const is = (type: number) => (e: eXosip_event_t): boolean => e.typeId === type;
const header = (e: eXosip_event_t, name: string): string | undefined => osip_message_header_get_byname(e.request, name, 0)[1]?.hvalue;
const PIDF = '<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:bob@127.0.0.1"><tuple id="t1"><status><basic>open</basic></status></tuple></presence>';

/** bob: answers the SUBSCRIBE of `ev` with `status` (build + send). */
function answer(bob: eXosip_t, ev: eXosip_event_t, status: number): void {
  const [i, ans] = eXosip_insubscription_build_answer(bob, ev.tid, status);
  assert.equal(i, 0);
  assert.equal(eXosip_insubscription_send_answer(bob, ev.tid, status, ans), 0);
}

/** bob: a NOTIFY in the subscription `did` with Subscription-State `state` (and a PIDF body unless terminated). */
function notify(bob: eXosip_t, did: number, state: number): void {
  const [i, msg] = eXosip_insubscription_build_notify(bob, did, state, DEACTIVATED);
  assert.equal(i, 0);
  if (state !== EXOSIP_SUBCRSTATE_TERMINATED) {
    assert.equal(osip_message_set_body(msg, PIDF, PIDF.length), 0);
    assert.equal(osip_message_set_content_type(msg, 'application/pidf+xml'), 0);
  }
  eXosip_lock(bob);
  assert.equal(eXosip_insubscription_send_request(bob, did, msg!), 0);
  eXosip_unlock(bob);
}

describe('eX_subscribe.h', () => {
  test('SUBSCRIBE → 200 → NOTIFY (active, PIDF) → refresh with Expires: 0 → NOTIFY terminated', { timeout: 30_000 }, async () => {
    const alice = newContext();
    const bob = newContext();
    const [i, sub] = eXosip_subscription_build_initial_subscribe(alice, at(bob, 'bob'), at(alice, 'alice'), null, 'presence', 600);
    assert.equal(i, 0);
    eXosip_lock(alice);
    const sid = eXosip_subscription_send_initial_request(alice, sub!);
    eXosip_unlock(alice);
    assert.ok(sid > 0, `sid ${sid}`);
    assert.equal(sub!.state, 'spent');

    const incoming = await nextEvent(bob, is(EXOSIP_IN_SUBSCRIPTION_NEW));
    assert.equal(incoming.request?.method, 'SUBSCRIBE');
    assert.equal(header(incoming, 'event'), 'presence');
    assert.equal(osip_message_get_expires(incoming.request, 0)[1]?.hvalue, '600');
    assert.ok(incoming.tid > 0 && incoming.did > 0 && incoming.nid > 0);
    answer(bob, incoming, 200);
    const answered = await nextEvent(alice, is(EXOSIP_SUBSCRIPTION_ANSWERED));
    assert.equal(answered.sid, sid);
    assert.equal(answered.response?.statusCode, 200);
    assert.ok(answered.did > 0);

    notify(bob, incoming.did, EXOSIP_SUBCRSTATE_ACTIVE);
    const notified = await nextEvent(alice, is(EXOSIP_SUBSCRIPTION_NOTIFY));
    assert.equal(notified.sid, sid);
    assert.equal(notified.did, answered.did);
    assert.match(header(notified, 'subscription-state') ?? '', /^active;expires=\d+$/);
    assert.equal(osip_message_get_body(notified.request, 0)[1]?.body, PIDF);
    // eXosip answered the NOTIFY 200 itself.
    const delivered = await nextEvent(bob, is(EXOSIP_NOTIFICATION_ANSWERED));
    assert.equal(delivered.response?.statusCode, 200);
    assert.equal(delivered.nid, incoming.nid);

    // Unsubscribe (RFC 6665 §4.1.2.3): a refresh with Expires: 0; bob accepts it and ends the subscription.
    const [r, refresh] = eXosip_subscription_build_refresh_request(alice, answered.did);
    assert.equal(r, 0);
    assert.equal(osip_message_set_expires(refresh, '0'), 0);
    eXosip_lock(alice);
    assert.equal(eXosip_subscription_send_refresh_request(alice, answered.did, refresh!), 0);
    eXosip_unlock(alice);
    const refreshed = await nextEvent(bob, is(EXOSIP_IN_SUBSCRIPTION_NEW));
    assert.equal(refreshed.did, incoming.did);
    assert.equal(osip_message_get_expires(refreshed.request, 0)[1]?.hvalue, '0');
    answer(bob, refreshed, 200);
    notify(bob, incoming.did, EXOSIP_SUBCRSTATE_TERMINATED);
    const ended = await nextEvent(alice, is(EXOSIP_SUBSCRIPTION_NOTIFY));
    assert.match(header(ended, 'subscription-state') ?? '', /^terminated;reason=deactivated$/);
  });

  test('a REFER outside of a dialog: 202 and the NOTIFYs of its implicit subscription (RFC 3515)', { timeout: 30_000 }, async () => {
    const alice = newContext();
    const bob = newContext();
    const [i, refer] = eXosip_subscription_build_initial_refer(alice, at(bob, 'bob'), at(alice, 'alice'), null, '<sip:carol@127.0.0.1>');
    assert.equal(i, 0);
    eXosip_lock(alice);
    const sid = eXosip_subscription_send_initial_request(alice, refer!);
    eXosip_unlock(alice);
    assert.ok(sid > 0);
    const incoming = await nextEvent(bob, is(EXOSIP_IN_SUBSCRIPTION_NEW));
    assert.equal(incoming.request?.method, 'REFER');
    assert.equal(header(incoming, 'refer-to'), '<sip:carol@127.0.0.1>');
    answer(bob, incoming, 202);
    assert.equal((await nextEvent(alice, is(EXOSIP_SUBSCRIPTION_ANSWERED))).response?.statusCode, 202);
    const [n, frag] = eXosip_insubscription_build_request(bob, incoming.did, 'NOTIFY');
    assert.equal(n, 0);
    const body = 'SIP/2.0 200 OK\r\n';
    assert.equal(osip_message_set_body(frag, body, body.length), 0);
    assert.equal(osip_message_set_content_type(frag, 'message/sipfrag;version=2.0'), 0);
    // Subscription-State is the sender's to set on a NOTIFY built with _build_request (eXosip answers one without it 400).
    assert.equal(osip_message_set_header(frag, 'Subscription-State', 'active;expires=60'), 0);
    eXosip_lock(bob);
    assert.equal(eXosip_insubscription_send_request(bob, incoming.did, frag!), 0);
    eXosip_unlock(bob);
    const progress = await nextEvent(alice, is(EXOSIP_SUBSCRIPTION_NOTIFY));
    assert.equal(progress.sid, sid);
    assert.equal(osip_message_get_body(progress.request, 0)[1]?.body, body);
    assert.equal((await nextEvent(bob, is(EXOSIP_NOTIFICATION_ANSWERED))).response?.statusCode, 200);
    // eXosip forgets it (nothing is sent); once.
    assert.equal(eXosip_insubscription_remove(bob, incoming.did), 0);
    assert.ok(eXosip_insubscription_remove(bob, incoming.did) < 0);
    assert.ok(eXosip_insubscription_build_notify(bob, incoming.did, EXOSIP_SUBCRSTATE_ACTIVE, DEACTIVATED)[0] < 0);
  });

  test('what C would crash on or misuse: OSIP_BADPARAMETER, negative codes, TypeErrors', () => {
    const alice = newContext();
    const bob = at(alice, 'bob');
    const me = at(alice, 'alice');
    // A target without a SIP host (C crashes sending to it), CR/LF, empty values.
    assert.deepEqual(eXosip_subscription_build_initial_subscribe(alice, '<tel:+15551234>', me, null, 'presence', 600), [OSIP_BADPARAMETER, null]);
    assert.deepEqual(eXosip_subscription_build_initial_subscribe(alice, bob, me, '<mailto:x@y>', 'presence', 600), [OSIP_BADPARAMETER, null]);
    assert.deepEqual(eXosip_subscription_build_initial_subscribe(alice, bob, me, null, '', 600), [OSIP_BADPARAMETER, null]);
    assert.deepEqual(eXosip_subscription_build_initial_subscribe(alice, bob, me, null, 'presence\r\nX-Evil: 1', 600), [OSIP_BADPARAMETER, null]);
    assert.deepEqual(eXosip_subscription_build_initial_subscribe(alice, '', me, null, 'presence', 600), [OSIP_BADPARAMETER, null]);
    assert.deepEqual(eXosip_subscription_build_initial_refer(alice, bob, me, null, '<sip:c@d>\r\nX-Evil: 1'), [OSIP_BADPARAMETER, null]);
    // Dialogs that do not exist.
    assert.ok(eXosip_subscription_build_refresh_request(alice, 4242)[0] < 0);
    assert.ok(eXosip_insubscription_build_notify(alice, 4242, EXOSIP_SUBCRSTATE_ACTIVE, DEACTIVATED)[0] < 0);
    assert.ok(eXosip_insubscription_build_request(alice, 4242, 'NOTIFY')[0] < 0);
    assert.deepEqual(eXosip_insubscription_build_request(alice, 4242, ''), [OSIP_BADPARAMETER, null]);
    assert.ok(eXosip_subscription_remove(alice, 4242) < 0);
    assert.ok(eXosip_insubscription_remove(alice, 4242) < 0);
    // NULL where C needs a request; not a number where C needs an int.
    assert.equal(codeOf(() => eXosip_subscription_send_initial_request(alice, null as never)), 'ERR_INVALID_ARG_VALUE');
    assert.equal(codeOf(() => eXosip_subscription_build_initial_subscribe(alice, bob, me, null, 'presence', '600' as never)), 'ERR_INVALID_ARG_TYPE');
    // A request spent by a send that failed cannot be sent again.
    const [, sub] = eXosip_subscription_build_initial_subscribe(alice, bob, me, null, 'presence', 600);
    assert.ok(eXosip_subscription_send_refresh_request(alice, 4242, sub!) < 0);
    assert.equal(codeOf(() => eXosip_subscription_send_initial_request(alice, sub!)), 'ERR_MESSAGE_SPENT');
  });
});
