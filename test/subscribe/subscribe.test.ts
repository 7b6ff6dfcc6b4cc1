/**
 * ctx.subscribe() and Subscription (eX_subscribe.h, RFC 6665) against a
 * notifier made of another of our contexts driven through the compat API
 * (eXosip_insubscription_*), on loopback.
 */
import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import {
  DEACTIVATED,
  EXOSIP_IN_SUBSCRIPTION_NEW,
  EXOSIP_NOTIFICATION_ANSWERED,
  EXOSIP_SUBCRSTATE_ACTIVE,
  EXOSIP_SUBCRSTATE_TERMINATED,
  NORESOURCE,
  eXosip_insubscription_build_answer,
  eXosip_insubscription_build_notify,
  eXosip_insubscription_send_answer,
  eXosip_insubscription_send_request,
  eXosip_lock,
  eXosip_unlock,
  osip_message_get_expires,
  osip_message_set_body,
  osip_message_set_content_type,
  type eXosip_event_t,
  type eXosip_t,
} from '../../lib/compat';
import { type Context, RequestError, type Subscription, type SubscriptionEnd, type SubscriptionNotify } from '../../lib/index';
import { nextEvent, useCompatContexts } from '../helpers/compat';

const { newContext, track } = useCompatContexts();
const PIDF = '<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:bob@127.0.0.1"><tuple id="t"><status><basic>open</basic></status></tuple></presence>';
const isSubscribe = (e: eXosip_event_t): boolean => e.typeId === EXOSIP_IN_SUBSCRIPTION_NEW;
const expiresOf = (e: eXosip_event_t): string | undefined => osip_message_get_expires(e.request, 0)[1]?.hvalue;

/** A subscriber (the typed API) and a notifier (compat), each on 127.0.0.1 over UDP. */
function pair(): { alice: Context; bob: eXosip_t; to: string; from: string } {
  const alice = newContext();
  const bob = newContext();
  return { alice, bob, to: `sip:bob@127.0.0.1:${bob.address!.port}`, from: `sip:alice@127.0.0.1:${alice.address!.port}` };
}

/** The notifier answers the SUBSCRIBE of `ev` with `status`. */
function answer(bob: eXosip_t, ev: eXosip_event_t, status: number): void {
  const [i, msg] = eXosip_insubscription_build_answer(bob, ev.tid, status);
  assert.equal(i, 0);
  assert.equal(eXosip_insubscription_send_answer(bob, ev.tid, status, msg), 0);
}

/** The notifier sends a NOTIFY in `did`: active with a PIDF body, or terminated with `reason`. */
function notify(bob: eXosip_t, did: number, state: number, reason = DEACTIVATED): void {
  const [i, msg] = eXosip_insubscription_build_notify(bob, did, state, reason);
  assert.equal(i, 0);
  if (state !== EXOSIP_SUBCRSTATE_TERMINATED) {
    assert.equal(osip_message_set_body(msg, PIDF, PIDF.length), 0);
    assert.equal(osip_message_set_content_type(msg, 'application/pidf+xml'), 0);
  }
  assert.equal(eXosip_insubscription_send_request(bob, did, msg!), 0);
}

/** The notifier accepts the next SUBSCRIBE and notifies it active, until its NOTIFY is answered (one at a time per dialog) → that event. */
async function accept(bob: eXosip_t): Promise<eXosip_event_t> {
  const ev = await nextEvent(bob, isSubscribe);
  answer(bob, ev, 200);
  notify(bob, ev.did, EXOSIP_SUBCRSTATE_ACTIVE);
  await nextEvent(bob, (e) => e.typeId === EXOSIP_NOTIFICATION_ANSWERED);
  return ev;
}

describe('Context.subscribe', () => {
  test('subscribe → 200 + NOTIFY (active, PIDF); refresh; unsubscribe → terminated by local; the last NOTIFY still comes', { timeout: 30_000 }, async () => {
    const { alice, bob, to, from } = pair();
    const notifies: SubscriptionNotify[] = [];
    const subscribing = alice.subscribe({ to, from, event: 'presence', expires: 600, headers: { Accept: 'application/pidf+xml' } });
    const incoming = await accept(bob);
    assert.equal(expiresOf(incoming), '600');
    const sub = await subscribing;
    sub.on('notify', (n) => notifies.push(n));
    // The NOTIFY may have come with the 200 (emitted before this listener): lastNotify has it.
    if (sub.lastNotify === null) await once(sub, 'notify');
    assert.equal(sub.state, 'active');
    assert.equal(sub.lastNotify?.state, 'active');
    assert.equal(sub.lastNotify?.body?.toString(), PIDF);
    assert.equal(sub.lastNotify?.contentType, 'application/pidf+xml');
    assert.ok(sub.sid > 0 && sub.did > 0);
    assert.equal(sub.event, 'presence');
    assert.ok(sub.expires > 0 && sub.expires <= 600, String(sub.expires));

    const refreshing = sub.refresh({ expires: 300 });
    const refresh = await nextEvent(bob, isSubscribe);
    assert.equal(expiresOf(refresh), '300');
    answer(bob, refresh, 200);
    await refreshing;

    const ended: SubscriptionEnd[] = [];
    sub.on('terminated', (end) => ended.push(end));
    const leaving = sub.unsubscribe();
    const bye = await nextEvent(bob, isSubscribe);
    assert.equal(expiresOf(bye), '0');
    answer(bob, bye, 200);
    await leaving;
    assert.deepEqual(ended, [{ by: 'local', reason: 'unsubscribed', statusCode: 0 }]);
    assert.equal(sub.state, 'terminated');
    notify(bob, incoming.did, EXOSIP_SUBCRSTATE_TERMINATED, DEACTIVATED);
    const [last] = (await once(sub, 'notify')) as [SubscriptionNotify];
    assert.equal(last.state, 'terminated');
    assert.equal(last.reason, 'deactivated');
    assert.equal(ended.length, 1, 'terminated once');
    await assert.rejects(sub.refresh(), { code: 'ERR_SUBSCRIPTION_ENDED' });
    assert.equal(notifies.at(-1), last);
  });

  test('a terminated NOTIFY from the notifier ends it (by remote, its reason); a rejected SUBSCRIBE rejects', { timeout: 30_000 }, async () => {
    const { alice, bob, to, from } = pair();
    const subscribing = alice.subscribe({ to, from, event: 'presence' });
    const incoming = await accept(bob);
    const sub = await subscribing;
    const ended = once(sub, 'terminated') as Promise<[SubscriptionEnd]>;
    notify(bob, incoming.did, EXOSIP_SUBCRSTATE_TERMINATED, NORESOURCE);
    assert.deepEqual((await ended)[0], { by: 'remote', reason: 'noresource', statusCode: 0 });
    assert.equal(sub.state, 'terminated');

    const refused = alice.subscribe({ to, from, event: 'dialog' });
    answer(bob, await nextEvent(bob, isSubscribe), 489);
    const error = await refused.catch((e: unknown) => e);
    assert.ok(error instanceof RequestError, String(error));
    assert.equal(error.code, 'ERR_REQUEST_REJECTED');
    assert.equal(error.statusCode, 489);
  });

  test('unsubscribe(): a final NOTIFY that comes before the 2xx still resolves it (terminated by local, unsubscribed)', { timeout: 30_000 }, async () => {
    const { alice, bob, to, from } = pair();
    const subscribing = alice.subscribe({ to, from, event: 'presence' });
    const incoming = await accept(bob);
    const sub = await subscribing;
    const leaving = sub.unsubscribe();
    const bye = await nextEvent(bob, isSubscribe);
    // The notifier sends the final NOTIFY first, then answers the unsubscribe (on the wire in that order).
    const notified = once(sub, 'notify') as Promise<[SubscriptionNotify]>;
    // Under bob's lock: the NOTIFY's 200 may come back at once, and a 200 to a
    // NOTIFY after an unsubscribe makes eXosip free the subscription (jcallback.c:312).
    eXosip_lock(bob);
    try {
      notify(bob, incoming.did, EXOSIP_SUBCRSTATE_TERMINATED, NORESOURCE);
      answer(bob, bye, 200);
    } finally {
      eXosip_unlock(bob);
    }
    await leaving;
    assert.equal((await notified)[0].state, 'terminated');
    assert.deepEqual(sub.endedWith, { by: 'local', reason: 'unsubscribed', statusCode: 0 });
  });

  test('remove() while a refresh waits: the refresh rejects ERR_SUBSCRIPTION_ENDED, terminated by local (removed), nothing more is sent', { timeout: 30_000 }, async () => {
    const { alice, bob, to, from } = pair();
    const subscribing = alice.subscribe({ to, from, event: 'presence' });
    await accept(bob);
    const sub = await subscribing;
    const refreshing = sub.refresh().catch((e: unknown) => e);
    await nextEvent(bob, isSubscribe); // left unanswered
    const ended = once(sub, 'terminated') as Promise<[SubscriptionEnd]>;
    sub.remove();
    assert.equal(((await refreshing) as { code?: string }).code, 'ERR_SUBSCRIPTION_ENDED');
    assert.deepEqual((await ended)[0], { by: 'local', reason: 'removed', statusCode: 0 });
    sub.remove(); // idempotent
    await assert.rejects(sub.unsubscribe(), { code: 'ERR_SUBSCRIPTION_ENDED' });
  });

  test('a NOTIFY before the 2xx confirms the subscription (RFC 6665 §4.1.2.4)', { timeout: 30_000 }, async () => {
    const { alice, bob, to, from } = pair();
    const subscribing = alice.subscribe({ to, from, event: 'presence' });
    const ev = await nextEvent(bob, isSubscribe);
    // The dialog exists at the notifier once it answered 2xx: 202 it, then NOTIFY before alice can have the 202.
    answer(bob, ev, 202);
    notify(bob, ev.did, EXOSIP_SUBCRSTATE_ACTIVE);
    const sub: Subscription = await subscribing;
    assert.ok(sub.did > 0);
  });

  test('timeoutMs passes before any answer: ERR_REQUEST_TIMEOUT; the 2xx that comes later is answered by unsubscribing', { timeout: 30_000 }, async () => {
    const { alice, bob, to, from } = pair();
    const subscribing = alice.subscribe({ to, from, event: 'presence', timeoutMs: 300 });
    const ev = await nextEvent(bob, isSubscribe);
    await assert.rejects(subscribing, { code: 'ERR_REQUEST_TIMEOUT' });
    answer(bob, ev, 200);
    const bye = await nextEvent(bob, isSubscribe);
    assert.equal(expiresOf(bye), '0');
    answer(bob, bye, 200);
  });

  test('close() ends subscriptions (by local, closed) and rejects a pending subscribe() with ERR_CONTEXT_CLOSED', { timeout: 30_000 }, async () => {
    const { alice, bob, to, from } = pair();
    const subscribing = alice.subscribe({ to, from, event: 'presence' });
    await accept(bob);
    const sub = await subscribing;
    const pending = alice.subscribe({ to, from, event: 'message-summary' }).catch((e: unknown) => e);
    await nextEvent(bob, isSubscribe);
    const ended = once(sub, 'terminated') as Promise<[SubscriptionEnd]>;
    await alice.close();
    assert.deepEqual((await ended)[0], { by: 'local', reason: 'closed', statusCode: 0 });
    assert.equal((await pending as { code?: string }).code, 'ERR_CONTEXT_CLOSED');
  });

  test('bad input: a clear error before anything is sent', async () => {
    const { alice, to, from } = pair();
    await assert.rejects(alice.subscribe({ to: 'tel:+15551234', from, event: 'presence' }), { code: 'ERR_INVALID_ARG_VALUE' });
    await assert.rejects(alice.subscribe({ to, from, event: 'presence\r\nX-Evil: 1' }), { code: 'ERR_INVALID_ARG_VALUE' });
    await assert.rejects(alice.subscribe({ to, from, event: 'pres ence' }), { code: 'ERR_INVALID_ARG_VALUE' });
    await assert.rejects(alice.subscribe({ to, from, event: 'presence', expires: 0 }), { code: 'ERR_OUT_OF_RANGE' });
    // eXosip refreshes at period - 6 s: a shorter period would be refreshed without pause.
    await assert.rejects(alice.subscribe({ to, from, event: 'presence', expires: 9 }), { code: 'ERR_OUT_OF_RANGE' });
    await assert.rejects(alice.subscribe({ to, from, event: 'presence', expire: 60 } as never), { code: 'ERR_INVALID_ARG_VALUE' });
    await assert.rejects(alice.subscribe(undefined as never), { code: 'ERR_INVALID_ARG_TYPE' });
    const { Context } = await import('../../lib/index');
    const idle = track(new Context());
    await assert.rejects(idle.subscribe({ to, from, event: 'presence' }), { code: 'ERR_NOT_LISTENING' });
  });
});
