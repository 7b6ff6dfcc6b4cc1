/**
 * The notifier's side (ctx.on('subscription') → IncomingSubscription, the
 * eXosip_insubscription_* calls, RFC 6665) against a subscriber made of
 * another of our contexts (ctx.subscribe()), on loopback over UDP; what
 * eXosip holds is read from its statistics (allocated_insubscriptions).
 */
import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import { after, describe, test } from 'node:test';
import { Context, type IncomingSubscription, type IncomingSubscriptionEnd, RequestError, type SubscriptionNotify } from '../../lib/index';
import { explainSipp, startSipp } from '../helpers/sipp';
import { SLOW } from '../helpers/slow';

const PIDF = (basic: string): string =>
  `<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:bob@127.0.0.1"><tuple id="t"><status><basic>${basic}</basic></status></tuple></presence>`;
const PIDF_TYPE = 'application/pidf+xml';

const open: Context[] = [];
after(async () => {
  for (const ctx of open) await ctx.close();
});

async function context(options: ConstructorParameters<typeof Context>[0] = {}): Promise<Context> {
  const ctx = new Context({ userAgent: 'exosip2-test/1.0', ...options });
  open.push(ctx);
  await ctx.listen({ transport: 'udp', address: '127.0.0.1', port: 0 });
  return ctx;
}

/** Alice subscribes (the typed subscriber), Bob notifies. */
async function pair(options: ConstructorParameters<typeof Context>[0] = {}): Promise<{ alice: Context; bob: Context; to: string; from: string }> {
  const alice = await context();
  const bob = await context(options);
  return { alice, bob, to: `sip:bob@127.0.0.1:${bob.address!.port}`, from: `sip:alice@127.0.0.1:${alice.address!.port}` };
}

const insubscriptions = (ctx: Context): number => ctx.statistics().inSubscriptions;

async function until(what: string, check: () => boolean, ms = 5_000 * SLOW): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("ctx.on('subscription'): the notifier", () => {
  test('accept → NOTIFY active (PIDF); a refresh; unsubscribe → the final NOTIFY from the listener; eXosip forgets it', { timeout: 30_000 * SLOW }, async () => {
    const { alice, bob, to, from } = await pair();
    const offered = once(bob, 'subscription') as Promise<[IncomingSubscription]>;
    const subscribing = alice.subscribe({ to, from, event: 'presence', expires: 600, headers: { Accept: PIDF_TYPE } });
    const [sub] = await offered;
    assert.equal(sub.state, 'offered');
    assert.equal(sub.event, 'presence');
    assert.match(sub.from, /^<sip:alice@127\.0\.0\.1:\d+>;tag=/);
    assert.equal(sub.expires, 600);
    assert.equal(sub.request.getHeader('accept'), PIDF_TYPE);
    assert.equal(insubscriptions(bob), 1);
    await sub.accept();
    assert.equal(sub.state, 'pending');
    const first = await sub.notify({ state: 'active', body: PIDF('open'), contentType: PIDF_TYPE });
    assert.equal(first.statusCode, 200);
    assert.equal(sub.state, 'active');
    const mine = await subscribing;
    if (mine.lastNotify === null) await once(mine, 'notify');
    assert.equal(mine.state, 'active');
    assert.equal(mine.lastNotify?.body?.toString(), PIDF('open'));
    assert.equal(mine.lastNotify?.contentType, PIDF_TYPE);
    assert.ok(mine.lastNotify!.expires! > 590 && mine.lastNotify!.expires! <= 600, `expires=${mine.lastNotify?.expires}`);

    // A refresh: answered 200 by the binding, emitted as 'refresh'.
    const refreshed = once(sub, 'refresh');
    await mine.refresh({ expires: 300 });
    const [expires] = await refreshed;
    assert.equal(expires, 300);
    assert.equal(sub.expires, 300);

    // Unsubscribe: the listener sends the final state itself.
    const notifies: SubscriptionNotify[] = [];
    mine.on('notify', (n) => notifies.push(n));
    const ends: IncomingSubscriptionEnd[] = [];
    sub.on('terminated', (end) => ends.push(end));
    sub.on('unsubscribe', () => void sub.notify({ state: 'terminated', reason: 'timeout', body: PIDF('closed'), contentType: PIDF_TYPE }));
    await mine.unsubscribe();
    await until('the final NOTIFY', () => notifies.length === 1);
    assert.equal(notifies[0].state, 'terminated');
    assert.equal(notifies[0].reason, 'timeout');
    assert.equal(notifies[0].body?.toString(), PIDF('closed'));
    assert.deepEqual(ends, [{ by: 'remote', reason: 'unsubscribed', statusCode: 0 }]);
    assert.equal(sub.state, 'terminated');
    await until('eXosip forgot the subscription', () => insubscriptions(bob) === 0);
    await assert.rejects(sub.notify({ state: 'active' }), { code: 'ERR_SUBSCRIPTION_ENDED' });
  });

  test('an unsubscribe nobody answers in the listener: the binding sends the final NOTIFY (terminated;reason=timeout, no body)', { timeout: 30_000 * SLOW }, async () => {
    const { alice, bob, to, from } = await pair();
    bob.on('subscription', (sub) => void sub.accept().then(() => sub.notify({ state: 'active', body: PIDF('open'), contentType: PIDF_TYPE })));
    const mine = await alice.subscribe({ to, from, event: 'presence' });
    if (mine.lastNotify === null) await once(mine, 'notify');
    const last = new Promise<SubscriptionNotify>((resolve) => mine.on('notify', (n) => n.state === 'terminated' && resolve(n)));
    await mine.unsubscribe();
    const n = await last;
    assert.equal(n.reason, 'timeout');
    assert.equal(n.body, null);
    await until('eXosip forgot the subscription', () => insubscriptions(bob) === 0);
  });

  test('NOTIFYs sent without awaiting go one at a time, in order; a terminated one ends it (by local)', { timeout: 30_000 * SLOW }, async () => {
    const { alice, bob, to, from } = await pair();
    const offered = once(bob, 'subscription') as Promise<[IncomingSubscription]>;
    const subscribing = alice.subscribe({ to, from, event: 'presence' });
    const [sub] = await offered;
    await sub.accept();
    const mine = await subscribing;
    const bodies: string[] = [];
    mine.on('notify', (n) => bodies.push(`${n.state}:${n.body?.toString() ?? ''}`));
    const sent = ['a', 'b', 'c'].map((basic) => sub.notify({ state: 'active', body: basic, contentType: 'text/plain' }));
    const last = sub.notify({ state: 'terminated', reason: 'deactivated' });
    // Nothing may follow a terminated NOTIFY, queued or sent.
    await assert.rejects(sub.notify({ state: 'active' }), { code: 'ERR_SUBSCRIPTION_ENDED' });
    const answers = await Promise.all([...sent, last]);
    assert.deepEqual(answers.map((a) => a.statusCode), [200, 200, 200, 200]);
    await until('four NOTIFYs', () => bodies.length === 4);
    assert.deepEqual(bodies, ['active:a', 'active:b', 'active:c', 'terminated:']);
    assert.deepEqual(sub.endedWith, { by: 'local', reason: 'deactivated', statusCode: 0 });
    assert.deepEqual(mine.endedWith, { by: 'remote', reason: 'deactivated', statusCode: 0 });
    await until('eXosip forgot the subscription', () => insubscriptions(bob) === 0);
  });

  test('reject(489): the subscriber gets 489; a second answer is refused; the default answer is 480', { timeout: 30_000 * SLOW }, async () => {
    const { alice, bob, to, from } = await pair({ defaultAnswerMs: 100 });
    let ended: IncomingSubscriptionEnd | null = null;
    bob.once('subscription', (sub) => {
      sub.on('terminated', (end) => (ended = end));
      void sub.reject(489, { reason: 'Bad Event' }).then(() => assert.rejects(sub.accept(), { code: 'ERR_REQUEST_ANSWERED' }));
    });
    await assert.rejects(alice.subscribe({ to, from, event: 'no-such-package' }), (e: unknown) => e instanceof RequestError && e.code === 'ERR_REQUEST_REJECTED' && e.statusCode === 489 && e.reason === 'Bad Event');
    assert.deepEqual(ended, { by: 'local', reason: 'rejected', statusCode: 489 });
    // Nobody answers the next one: 480 after defaultAnswerMs.
    let late: IncomingSubscription | null = null;
    bob.once('subscription', (sub) => (late = sub));
    await assert.rejects(alice.subscribe({ to, from, event: 'presence' }), (e: unknown) => e instanceof RequestError && e.statusCode === 480);
    assert.equal(late!.state, 'terminated');
    await assert.rejects(late!.accept(), { code: 'ERR_REQUEST_ANSWERED', message: /default answer/ });
  });

  test('accept({ expires }) grants less than asked; not refreshed, at expiry the binding sends terminated;reason=timeout; a NOTIFY answered 481 ends it', { timeout: 30_000 * SLOW }, async () => {
    const { alice, bob, to, from } = await pair();
    const offered = once(bob, 'subscription') as Promise<[IncomingSubscription]>;
    const subscribing = alice.subscribe({ to, from, event: 'presence', expires: 600 });
    const [sub] = await offered;
    await sub.accept({ expires: 2 });
    assert.equal(sub.expires, 2);
    const mine = await subscribing;
    assert.equal(mine.expires, 2, "the 2xx's Expires");
    // Alice forgets it without a word: her eXosip answers what follows 481.
    mine.remove();
    const [end] = (await once(sub, 'terminated')) as [IncomingSubscriptionEnd];
    assert.deepEqual(end, { by: 'local', reason: 'timeout', statusCode: 0 });
    await until('eXosip forgot the subscription', () => insubscriptions(bob) === 0);

    // Another one: a NOTIFY the subscriber refuses ends the subscription (eXosip drops it).
    const again = once(bob, 'subscription') as Promise<[IncomingSubscription]>;
    const second = alice.subscribe({ to, from, event: 'presence' });
    const [sub2] = await again;
    await sub2.accept();
    (await second).remove();
    const refused = sub2.notify({ state: 'active' });
    const queued = sub2.notify({ state: 'active', body: 'never sent', contentType: 'text/plain' });
    await assert.rejects(refused, (e: unknown) => e instanceof RequestError && e.code === 'ERR_REQUEST_REJECTED' && e.statusCode === 481);
    assert.equal(sub2.endedWith?.by, 'remote');
    assert.equal(sub2.endedWith?.statusCode, 481);
    await until('eXosip forgot the subscription', () => insubscriptions(bob) === 0);
    await assert.rejects(queued, { code: 'ERR_SUBSCRIPTION_ENDED' });
  });

  test('notify() before accept() is refused; remove() and a timeout settle NOTIFYs waiting, queued ones included', { timeout: 30_000 * SLOW }, async () => {
    const { alice, bob, to, from } = await pair();
    const offered = once(bob, 'subscription') as Promise<[IncomingSubscription]>;
    const subscribing = alice.subscribe({ to, from, event: 'presence' });
    const [sub] = await offered;
    await assert.rejects(sub.notify({ state: 'active' }), { code: 'ERR_SUBSCRIPTION_NOT_ACCEPTED' });
    assert.equal(sub.state, 'offered');
    await sub.accept();
    (await subscribing).remove();
    // Alice answers 481 from now on; Bob's first NOTIFY waits for it, the next ones queue behind it.
    const t0 = Date.now();
    const first = sub.notify({ state: 'active' });
    const timedOut = sub.notify({ state: 'active', timeoutMs: 1 });
    await assert.rejects(timedOut, { code: 'ERR_REQUEST_TIMEOUT' });
    assert.ok(Date.now() - t0 < 1_000 * SLOW, 'timeoutMs counts while queued');
    const controller = new AbortController();
    const aborted = sub.notify({ state: 'active', signal: controller.signal });
    controller.abort();
    await assert.rejects(aborted, { code: 'ABORT_ERR' });
    const third = sub.notify({ state: 'active' });
    sub.remove();
    await Promise.all([
      assert.rejects(first, { code: 'ERR_SUBSCRIPTION_ENDED' }),
      assert.rejects(third, { code: 'ERR_SUBSCRIPTION_ENDED' }),
    ]);
    assert.deepEqual(sub.endedWith, { by: 'local', reason: 'removed', statusCode: 0 });
    assert.equal(insubscriptions(bob), 0);
  });

  test('close() ends incoming subscriptions (by local, closed) and rejects a NOTIFY waiting with ERR_CONTEXT_CLOSED', { timeout: 30_000 * SLOW }, async () => {
    const { alice, bob, to, from } = await pair();
    const offered = once(bob, 'subscription') as Promise<[IncomingSubscription]>;
    const subscribing = alice.subscribe({ to, from, event: 'presence' });
    const [sub] = await offered;
    await sub.accept();
    (await subscribing).remove();
    // Alice's port now answers nothing for this dialog but 481; close Bob before it comes.
    const waiting = assert.rejects(sub.notify({ state: 'active', timeoutMs: 10_000 }), { code: 'ERR_CONTEXT_CLOSED' });
    await bob.close();
    await waiting;
    assert.deepEqual(sub.endedWith, { by: 'local', reason: 'closed', statusCode: 0 });
  });

  test('SIPp as the subscriber: Expires in the 200, Subscription-State and Event of each NOTIFY as RFC 6665 §8.2 writes them', { timeout: 30_000 * SLOW }, async () => {
    const bob = await context();
    const ends: IncomingSubscriptionEnd[] = [];
    bob.on('subscription', (sub) => {
      sub.on('terminated', (end) => ends.push(end));
      void sub.accept().then(() => sub.notify({ state: 'active', body: PIDF('open'), contentType: PIDF_TYPE }));
    });
    const sipp = await startSipp('uac-subscribe.xml', { remote: `127.0.0.1:${bob.address!.port}`, timeoutS: 20 });
    const r = await sipp.done;
    assert.equal(r.exitCode, 0, explainSipp(r));
    await until('the final NOTIFY answered', () => bob.statistics().inSubscriptions === 0);
    assert.deepEqual(ends, [{ by: 'remote', reason: 'unsubscribed', statusCode: 0 }]);
  });

  test('a NOTIFY challenged 401 by a subscriber the context has no credentials for: rejected with the 401, the subscription stays (eXosip keeps it)', { timeout: 30_000 * SLOW }, async () => {
    const bob = await context();
    let notified: Promise<unknown> | null = null;
    let sub: IncomingSubscription | null = null;
    bob.on('subscription', (s) => {
      sub = s;
      notified = s.accept().then(() => s.notify({ state: 'active' }));
    });
    const sipp = await startSipp('uac-subscribe-401.xml', { remote: `127.0.0.1:${bob.address!.port}`, timeoutS: 20 });
    await until('the SUBSCRIBE', () => notified !== null);
    const t0 = Date.now();
    await assert.rejects(notified!, (e: unknown) => e instanceof RequestError && e.code === 'ERR_REQUEST_REJECTED' && e.statusCode === 401);
    assert.ok(Date.now() - t0 < 10_000 * SLOW, 'not left to the timeout');
    assert.equal(sub!.state, 'active');
    const r = await sipp.done;
    assert.equal(r.exitCode, 0, explainSipp(r));
    assert.equal(r.messages.match(/^NOTIFY /gm)?.length, 1, 'no NOTIFY with credentials followed');
  });

  test("with a 'subscription' listener the default answer's Allow names SUBSCRIBE", { timeout: 30_000 * SLOW }, async () => {
    const { alice, bob, to, from } = await pair({ defaultAnswerMs: 50 });
    bob.on('subscription', (sub) => void sub.reject(403));
    const ok = await alice.options(to, { from });
    assert.deepEqual(ok.response.getHeaders('allow'), ['OPTIONS', 'SUBSCRIBE']);
  });

  test('bad input: a clear error before anything is sent', { timeout: 30_000 * SLOW }, async () => {
    const { alice, bob, to, from } = await pair();
    const offered = once(bob, 'subscription') as Promise<[IncomingSubscription]>;
    const subscribing = alice.subscribe({ to, from, event: 'presence' });
    const [sub] = await offered;
    await assert.rejects(sub.accept({ status: 201 as 200 }), { code: 'ERR_INVALID_ARG_VALUE' });
    await assert.rejects(sub.accept({ expire: 10 } as object), { code: 'ERR_INVALID_ARG_VALUE', message: /expire/ });
    await assert.rejects(sub.accept({ expires: 0 }), { code: 'ERR_OUT_OF_RANGE' });
    await assert.rejects(sub.reject(200), { code: 'ERR_OUT_OF_RANGE' });
    assert.equal(sub.state, 'offered');
    await sub.accept();
    await assert.rejects(sub.notify({ state: 'bogus' as 'active' }), { code: 'ERR_INVALID_ARG_VALUE' });
    await assert.rejects(sub.notify({ state: 'active', reason: 'timeout' }), { code: 'ERR_INVALID_ARG_VALUE' });
    await assert.rejects(sub.notify(undefined as never), { code: 'ERR_INVALID_ARG_TYPE' });
    await assert.rejects(sub.notify({ state: 'active', body: 'x' }), { code: 'ERR_INVALID_ARG_VALUE', message: /Content-Type/ });
    await assert.rejects(sub.notify({ state: 'active', headers: { 'Bad\r\nName': 'x' } }), { code: 'ERR_INVALID_ARG_VALUE' });
    // A final NOTIFY refused for its options does not end it: another may be sent.
    await assert.rejects(sub.notify({ state: 'terminated', body: 'x' }), { code: 'ERR_INVALID_ARG_VALUE', message: /Content-Type/ });
    assert.equal(sub.state, 'pending');
    // Still usable after all that.
    assert.equal((await sub.notify({ state: 'active', body: PIDF('open'), contentType: PIDF_TYPE })).statusCode, 200);
    // Alice's eXosip answered the NOTIFY before her JS thread had its event.
    const mine = await subscribing;
    await until('the subscriber saw the NOTIFY', () => mine.state === 'active');
  });
});
