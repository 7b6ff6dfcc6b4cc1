import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { Context, RegistrationError, type RegistrationInfo } from '../../lib/index';
import { openContext, recordEvents, registered, summary, delay } from '../helpers/context';
import { waitFor } from '../helpers/kamailio';
import { boundUdpSocket } from '../helpers/ports';
import { loadUser, testUser, useKamailio } from '../helpers/use-kamailio';

const kam = useKamailio();
const [alice, bob, carol, dave] = ['alice', 'bob', 'carol', 'dave'].map(testUser);

describe('registration against Kamailio', () => {
  test('initial REGISTER with digest auth lands in the location table', async () => {
    // A user of its own: the binding stays at the registrar after close().
    const user = kam.freshUser();
    const { ctx, reg, events } = await registered(kam.proxy, user, { expires: 1800, supported: ['100rel', 'path'] });
    assert.ok(reg.rid > 0);
    assert.equal(reg.state, 'registered');
    assert.equal(reg.expires, 1800);
    // The 401 eXosip answered by itself came first, as a failure event.
    assert.deepEqual(summary(events), [
      ['EXOSIP_REGISTRATION_FAILURE', 401],
      ['EXOSIP_REGISTRATION_SUCCESS', 200],
    ]);
    assert.deepEqual(events[1].request!.getHeaders('supported'), ['100rel', 'path']);
    const bindings = await kam.lookup(user.aor);
    assert.equal(bindings.length, 1);
    assert.match(bindings[0].contact, new RegExp(`^sip:${user.user}@127\\.0\\.0\\.1:${ctx.address!.port}`));
    assert.equal(bindings[0].userAgent, 'exosip2-test/1.0');
    assert.ok(bindings[0].expires > 1790 && bindings[0].expires <= 1800, `expires ${bindings[0].expires}`);
    assert.deepEqual(reg.contacts.length, 1);
    await ctx.close();
    assert.equal(reg.state, 'closed');
  });

  test('a Contact of our own (name-addr with a parameter): Kamailio binds it, the registration reports it', async () => {
    const user = kam.freshUser();
    await using ctx = await openContext();
    ctx.addAuthenticationInfo({ username: user.user, password: user.password, realm: user.domain });
    const contact = `<sip:${user.user}@127.0.0.1:${ctx.address!.port};line=mine>`;
    const reg = await ctx.register({ from: `sip:${user.aor}`, proxy: kam.proxy, contact, expires: 600 });
    assert.equal(reg.state, 'registered');
    assert.equal(reg.contact, contact);
    const bindings = await kam.lookup(user.aor);
    assert.deepEqual(bindings.map((b) => b.contact), [`sip:${user.user}@127.0.0.1:${ctx.address!.port};line=mine`]);
    await reg.unregister();
    assert.deepEqual(await kam.lookup(user.aor), []);
  });

  test('credentials without a realm answer any realm (the how-to\'s simple way)', async () => {
    const ctx = await openContext();
    ctx.addAuthenticationInfo({ username: 'bob', userid: 'bob', password: 'bobpass' });
    const reg = await ctx.register({ from: 'sip:bob@example.com', proxy: kam.proxy });
    assert.equal((await kam.lookup('bob@example.com')).length, 1);
    await reg.unregister();
    ctx.clearAuthenticationInfo();
    await assert.rejects(ctx.register({ from: 'sip:bob@example.com', proxy: kam.proxy }), { statusCode: 401 });
    assert.deepEqual(await kam.lookup('bob@example.com'), []);
    await ctx.close();
  });

  test('refresh with a new expires changes the binding', async () => {
    const { ctx, reg } = await registered(kam.proxy, alice, { expires: 1800 });
    const [first] = await kam.lookup('alice@example.com');
    const refreshed: RegistrationInfo[] = [];
    reg.on('refreshed', (info) => refreshed.push(info));
    const info = await reg.refresh({ expires: 3000 });
    assert.equal(info.expires, 3000);
    assert.equal(reg.expires, 3000);
    assert.equal(reg.requestedExpires, 3000);
    assert.deepEqual(refreshed, [info]);
    const bindings = await kam.lookup('alice@example.com');
    assert.equal(bindings.length, 1, 'the refresh updated the binding, it did not add one');
    assert.equal(bindings[0].callId, first.callId);
    assert.ok(bindings[0].cseq > first.cseq);
    assert.ok(bindings[0].expires > 2990 && bindings[0].expires <= 3000, `expires ${bindings[0].expires}`);
    await reg.unregister();
    await ctx.close();
  });

  test('refresh() waits for a REGISTER already in flight; the registration event comes first', async () => {
    const seen: string[] = [];
    const { ctx, reg } = await registered(kam.proxy, alice, {
      expires: 1800,
      setup: (c) =>
        c.on('registration', (r) => {
          r.on('challenge', (ch) => seen.push(`challenge ${ch.statusCode} ${ch.attempt}`));
          r.on('registered', (i) => seen.push(`registered ${i.expires}`));
          r.on('refreshed', (i) => seen.push(`refreshed ${i.expires}`));
        }),
    });
    const [a, b] = await Promise.all([reg.refresh({ expires: 2000 }), reg.refresh({ expires: 2400 })]);
    assert.equal(a.expires, 2000);
    assert.equal(b.expires, 2400);
    assert.deepEqual(seen, ['challenge 401 1', 'registered 1800', 'refreshed 2000', 'refreshed 2400']);
    const [binding] = await kam.lookup('alice@example.com');
    assert.ok(binding.expires > 2390, `expires ${binding.expires}`);
    await reg.unregister();
    await ctx.close();
  });

  test('an already aborted signal sends nothing', async () => {
    const ctx = await openContext();
    const count = await kam.registerCount();
    await assert.rejects(ctx.register({ from: 'sip:alice@example.com', proxy: kam.proxy, signal: AbortSignal.abort() }), { code: 'ABORT_ERR' });
    assert.equal(ctx.registrations.size, 0);
    await delay(200);
    assert.equal(await kam.registerCount(), count);
    await ctx.close();
  });

  test('unregister (expires 0) removes the binding', async () => {
    const { ctx, reg } = await registered(kam.proxy, alice);
    assert.equal((await kam.lookup('alice@example.com')).length, 1);
    const seen: string[] = [];
    reg.on('unregistered', () => seen.push('unregistered'));
    const info = await reg.unregister();
    assert.equal(info.expires, 0);
    assert.equal(reg.state, 'unregistered');
    assert.deepEqual(seen, ['unregistered']);
    assert.equal(ctx.registrations.size, 0);
    assert.deepEqual(await kam.lookup('alice@example.com'), []);
    await assert.rejects(reg.refresh(), { code: 'ERR_REGISTRATION_CLOSED' });
    await ctx.close();
  });

  test('Contact: * removes every binding of the AoR', async () => {
    const phones = [await openContext(), await openContext()];
    for (const ctx of phones) await registered(kam.proxy, dave, { ctx });
    assert.equal((await kam.lookup('dave@example.com')).length, 2);
    const admin = await openContext();
    admin.addAuthenticationInfo({ username: 'dave', password: 'davepw', realm: 'example.com' });
    const events = recordEvents(admin);
    const info = await admin.unregisterAll({ from: 'sip:dave@example.com', proxy: kam.proxy });
    assert.equal(info.expires, 0);
    assert.deepEqual(events.at(-1)!.request!.getHeaders('contact'), ['*']);
    assert.equal(events.at(-1)!.request!.expires, 0);
    assert.deepEqual(await kam.lookup('dave@example.com'), []);
    assert.equal(admin.registrations.size, 0);
    await Promise.all([...phones, admin].map((c) => c.close()));
  });

  test('remove() forgets the registration and sends nothing', async () => {
    // A user of its own: the binding stays at the registrar.
    const user = kam.freshUser();
    const { ctx, reg } = await registered(kam.proxy, user);
    const count = await kam.registerCount();
    reg.remove();
    reg.remove();
    assert.equal(reg.state, 'removed');
    assert.equal(ctx.registrations.size, 0);
    await delay(300);
    assert.equal(await kam.registerCount(), count, 'no REGISTER was sent');
    assert.equal((await kam.lookup(user.aor)).length, 1, 'the registrar keeps the binding');
    await ctx.close();
  });

  test('wrong password rejects after a bounded number of REGISTERs', async () => {
    const ctx = await openContext();
    const events = recordEvents(ctx);
    ctx.addAuthenticationInfo({ username: 'bob', password: 'not-his', realm: 'example.com' });
    const before = await kam.registerCount();
    const err = await ctx.register({ from: 'sip:bob@example.com', proxy: kam.proxy }).then(
      () => assert.fail('registered with a wrong password'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof RegistrationError);
    assert.equal(err.code, 'ERR_REGISTRATION_REJECTED');
    assert.equal(err.statusCode, 403);
    assert.equal(err.reason, 'Forbidden');
    assert.ok(!err.message.includes('not-his'));
    assert.deepEqual(summary(events), [
      ['EXOSIP_REGISTRATION_FAILURE', 401],
      ['EXOSIP_REGISTRATION_FAILURE', 403],
    ]);
    assert.equal(ctx.registrations.size, 0);
    assert.equal((await kam.registerCount()) - before, 2);
    await delay(500);
    assert.equal((await kam.registerCount()) - before, 2, 'nothing more is sent afterwards');
    assert.deepEqual(await kam.lookup('bob@example.com'), []);
    await ctx.close();
  });

  test('two services with different realms in one context', async () => {
    const ctx = await openContext();
    const [{ reg: a }, { reg: c }] = await Promise.all([registered(kam.proxy, alice, { ctx }), registered(kam.proxy, carol, { ctx })]);
    assert.notEqual(a.rid, c.rid);
    assert.equal(ctx.registrations.size, 2);
    assert.equal((await kam.lookup('alice@example.com')).length, 1);
    assert.equal((await kam.lookup('carol@other.test')).length, 1);
    await Promise.all([a.unregister(), c.unregister()]);
    assert.deepEqual(await kam.lookup('alice@example.com'), []);
    assert.deepEqual(await kam.lookup('carol@other.test'), []);
    await ctx.close();
  });

  test('any loadN@example.com user registers with password loadpw (for load tests)', async () => {
    const { ctx, reg } = await registered(kam.proxy, loadUser(4242));
    assert.equal((await kam.lookup('load4242@example.com')).length, 1);
    await reg.unregister();
    await ctx.close();
  });

  test('an expires lowered by the registrar is reported', async () => {
    const { ctx, reg } = await registered(kam.proxy, carol, { expires: 7200 });
    assert.equal(reg.requestedExpires, 7200);
    assert.equal(reg.expires, 3600);
    const [binding] = await kam.lookup('carol@other.test');
    assert.ok(binding.expires <= 3600 && binding.expires > 3590, `expires ${binding.expires}`);
    await reg.unregister();
    await ctx.close();
  });

  test('over TCP and over IPv6', async () => {
    const { ctx: tcp, reg: a } = await registered(`${kam.proxy};transport=tcp`, alice, { listen: { transport: 'tcp' } });
    const v6 = await openContext({ address: '::1' });
    assert.equal(v6.address!.family, 6);
    const { reg: b } = await registered(kam.proxyV6, bob, { ctx: v6 });
    const [aliceBinding] = await kam.lookup('alice@example.com');
    assert.match(aliceBinding.socket, /^tcp:/);
    const [bobBinding] = await kam.lookup('bob@example.com');
    assert.match(bobBinding.socket, /^udp:\[::1\]/);
    assert.match(bobBinding.contact, /\[::1\]/);
    await Promise.all([a.unregister(), b.unregister()]);
    await Promise.all([tcp.close(), v6.close()]);
  });
});

describe('failures without a registrar', () => {
  test('close() with REGISTERs in flight rejects them and neither crashes nor hangs', async () => {
    const silent = await boundUdpSocket();
    let received = 0;
    silent.on('message', () => received++);
    const ctx = await openContext();
    const pending = [1, 2, 3].map((i) =>
      ctx.register({ from: `sip:load${i}@example.com`, proxy: `sip:127.0.0.1:${silent.address().port}` }),
    );
    const outcomes = Promise.allSettled(pending);
    await waitFor(async () => received >= 3, { timeoutMs: 5000, what: 'REGISTERs on the wire' });
    const started = Date.now();
    await ctx.close();
    for (const outcome of await outcomes) {
      assert.equal(outcome.status, 'rejected');
      assert.equal((outcome as PromiseRejectedResult).reason.code, 'ERR_CONTEXT_CLOSED');
    }
    assert.ok(Date.now() - started < 2000, 'close() returned promptly');
    assert.equal(ctx.closed, true);
    assert.throws(() => ctx.addAuthenticationInfo({ username: 'x', password: 'y' }), { code: 'ERR_CONTEXT_CLOSED' });
    await ctx.close();
    silent.close();
  });

  test('timeoutMs rejects and forgets the registration', async () => {
    const silent = await boundUdpSocket();
    const ctx = await openContext();
    await assert.rejects(
      ctx.register({ from: 'sip:alice@example.com', proxy: `sip:127.0.0.1:${silent.address().port}`, timeoutMs: 300 }),
      { name: 'RegistrationError', code: 'ERR_REGISTRATION_TIMEOUT', statusCode: 0 },
    );
    assert.equal(ctx.registrations.size, 0);
    const controller = new AbortController();
    const p = ctx.register({ from: 'sip:alice@example.com', proxy: `sip:127.0.0.1:${silent.address().port}`, signal: controller.signal });
    controller.abort();
    await assert.rejects(p, { code: 'ABORT_ERR' });
    assert.equal(ctx.registrations.size, 0);
    await ctx.close();
    silent.close();
  });

  test('a proxy literal of the other address family is refused before anything is sent', async () => {
    // eXosip has no socket of that family: it could never send, and leaked the
    // resolved address on every try (eXtl_udp.c "missing matching family").
    const v4 = await openContext();
    const v6 = await openContext({ address: '::1' });
    try {
      let traced = 0;
      v4.setTrace(true);
      v4.on('trace', () => traced++);
      for (const proxy of ['sip:[::1]:5060', 'sip:alice@[::1];transport=udp']) {
        await assert.rejects(v4.register({ from: 'sip:alice@example.com', proxy }), {
          name: 'TypeError',
          code: 'ERR_INVALID_ARG_VALUE',
          message: `options.proxy ${proxy} is an IPv6 address but this context listens on IPv4`,
        });
      }
      await assert.rejects(v6.register({ from: 'sip:alice@example.com', proxy: 'sip:127.0.0.1:5060' }), {
        code: 'ERR_INVALID_ARG_VALUE',
        message: 'options.proxy sip:127.0.0.1:5060 is an IPv4 address but this context listens on IPv6',
      });
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(traced, 0, 'nothing was sent');
      assert.equal(v4.registrations.size, 0);
      assert.equal(v6.registrations.size, 0);
    } finally {
      await v4.close();
      await v6.close();
    }
  });
});

describe('argument errors come before any native call', () => {
  test('register() and friends validate their input', async () => {
    const ctx = new Context();
    await assert.rejects(ctx.register({ from: 'sip:alice@example.com', proxy: 'sip:127.0.0.1' }), { code: 'ERR_NOT_LISTENING' });
    await ctx.listen({ address: '127.0.0.1' });
    await assert.rejects(ctx.register({ from: 'alice@example.com', proxy: 'sip:127.0.0.1' }), { name: 'TypeError', message: /options.from must be a sip: or sips: URI/ });
    await assert.rejects(ctx.register({ from: 'sip:alice@example.com', proxy: 'sip:127.0.0.1', expires: -1 }), { name: 'RangeError' });
    await assert.rejects(ctx.register({ from: 'sip:alice@example.com', proxy: 'sip:127.0.0.1', expires: 1.5 }), { name: 'RangeError' });
    await assert.rejects(
      ctx.register({ from: 'sip:alice@example.com', proxy: 'sip:127.0.0.1', headers: { 'X-Evil': 'a\r\nContact: <sip:x@y>' } }),
      { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE', message: /header injection/ },
    );
    // Escaped CR LF in a URI's headers (eXosip unescapes them into the REGISTER), or headers at all in From or the proxy (RFC 3261 §19.1.1).
    await assert.rejects(ctx.register({ from: 'sip:alice@example.com?X-A=1%0D%0AX-Injected:%202', proxy: 'sip:127.0.0.1' }), { code: 'ERR_INVALID_ARG_VALUE', message: /header injection/ });
    await assert.rejects(ctx.register({ from: 'sip:alice@example.com?Expires=0', proxy: 'sip:127.0.0.1' }), { code: 'ERR_INVALID_ARG_VALUE', message: /headers part/ });
    for (const proxy of ['sip:127.0.0.1:99999', 'sip:127.0.0.1:0', 'sip:[::1]:65536', 'sip:example.com:5x']) {
      await assert.rejects(ctx.register({ from: 'sip:alice@example.com', proxy }), { code: 'ERR_INVALID_ARG_VALUE', message: /a port is 1 to 65535/ });
    }
    await assert.rejects(ctx.register({ from: 'sip:alice@example.com', proxy: 'sip:127.0.0.1?X-A=1' }), { code: 'ERR_INVALID_ARG_VALUE', message: /headers part/ });
    await assert.rejects(ctx.register({ from: 'sip:alice@example.com', proxy: 'sip:127.0.0.1', contact: 'sip:alice@127.0.0.1?X-A=%0d%0a' }), { code: 'ERR_INVALID_ARG_VALUE', message: /header injection/ });
    // A Contact eXosip would drop (the REGISTER then binds nothing), or one whose expires overrides options.expires.
    for (const [contact, says] of [
      ['garbage', /must be a URI/],
      ['"Alice" <>', /must be a URI/],
      ['<sip:alice@127.0.0.1>;expires=0', /must not carry an expires parameter/],
      ['sip:alice@127.0.0.1;expires=0', /must not carry an expires parameter/],
    ] as const) {
      await assert.rejects(ctx.register({ from: 'sip:alice@example.com', proxy: 'sip:127.0.0.1', contact }), { code: 'ERR_INVALID_ARG_VALUE', message: says });
    }
    for (const contact of ['<sip:alice@127.0.0.1?X-A=%D%A>', 'sip:alice@127.0.0.1?X-A=% D', 'sip:alice@127.0.0.1?X-A=%+A', 'sip:alice@127.0.0.1;x=%']) {
      await assert.rejects(ctx.register({ from: 'sip:alice@example.com', proxy: 'sip:127.0.0.1', contact }), { code: 'ERR_INVALID_ARG_VALUE', message: /header injection/ });
    }
    await assert.rejects(ctx.register({ from: 'sip:alice@example.com', proxy: 'sip:127.0.0.1;transport=tcp' }), { code: 'ERR_INVALID_ARG_VALUE', message: /asks for tcp but this context listens on udp/ });
    await assert.rejects(ctx.register({ from: 'sip:alice@example.com', proxy: 'sips:127.0.0.1' }), { code: 'ERR_INVALID_ARG_VALUE', message: /asks for tls/ });
    for (const name of ['Via', 'call-id', 'CSeq', 'i']) {
      await assert.rejects(ctx.register({ from: 'sip:alice@example.com', proxy: 'sip:127.0.0.1', headers: { [name]: 'x' } }), {
        code: 'ERR_INVALID_ARG_VALUE',
        message: /which eXosip writes itself/,
      });
    }
    // Contact and Expires come from options.contact / options.expires: a second one in headers would contradict them.
    for (const [name, option] of [['Contact', 'options.contact'], ['m', 'options.contact'], ['EXPIRES', 'options.expires']] as const) {
      await assert.rejects(ctx.register({ from: 'sip:alice@example.com', proxy: 'sip:127.0.0.1', headers: [[name, '5']] }), {
        code: 'ERR_INVALID_ARG_VALUE',
        message: new RegExp(`^options\\.headers\\[0\\] is ${name}, which eXosip writes from ${option.replace('.', '\\.')}`),
      });
    }
    await assert.rejects(ctx.register({ from: 'sip:alice@example.com', proxy: 'sip:127.0.0.1;transport=sctp' }), {
      code: 'ERR_INVALID_ARG_VALUE',
      message: /asks for sctp but this context listens on udp: no context of this binding can use sctp/,
    });
    // A From without a host is refused as a proxy without one is (eXosip's own check says only OSIP_SYNTAXERROR).
    for (const from of ['sip:alice@', 'sip:@', 'sip:alice@:5060']) {
      await assert.rejects(ctx.register({ from, proxy: 'sip:127.0.0.1' }), { code: 'ERR_INVALID_ARG_VALUE', message: /^options\.from .* has no host/ });
    }
    await assert.rejects(ctx.register(undefined as never), { name: 'TypeError' });
    assert.equal(ctx.registrations.size, 0);
    // unregisterAll()'s errors name it for what it is, also once its REGISTER is out.
    const silent = await boundUdpSocket();
    try {
      const proxy = `sip:127.0.0.1:${silent.address().port}`;
      await assert.rejects(ctx.unregisterAll({ from: 'sip:alice@example.com', proxy, timeoutMs: 200 }), {
        code: 'ERR_REGISTRATION_TIMEOUT',
        message: /^Unregistration \d+ of every binding of sip:alice@example\.com failed: no final answer within 200 ms/,
      });
    } finally {
      silent.close();
    }
    assert.throws(() => ctx.addAuthenticationInfo({ username: 'alice', password: 'x'.repeat(50) }), {
      name: 'RangeError',
      message: /50 bytes long; libeXosip2 keeps at most 49/,
    });
    assert.throws(() => ctx.addAuthenticationInfo({ username: 'alice' }), { name: 'TypeError', message: /password or info.ha1/ });
    // An HA1 that is no MD5 digest, and both forms at once: refused, the value never echoed.
    assert.throws(() => ctx.addAuthenticationInfo({ username: 'alice', ha1: 'zz' }), { code: 'ERR_INVALID_ARG_VALUE', message: /^info\.ha1 must be 32 hexadecimal digits/ });
    assert.throws(() => ctx.addAuthenticationInfo({ username: 'alice', password: 'secret', ha1: 'a'.repeat(32) }), { code: 'ERR_INVALID_ARG_VALUE', message: /not both/ });
    ctx.addAuthenticationInfo({ username: 'alice', ha1: 'A'.repeat(32) });
    assert.throws(() => ctx.setOption('EXOSIP_OPT_UDP_KEEP_ALIVE', 'soon' as never), { name: 'TypeError' });
    assert.throws(() => ctx.setOption('EXOSIP_OPT_NOPE' as never, 1), { name: 'TypeError', message: /Unknown eXosip option/ });
    ctx.setOption('EXOSIP_OPT_UDP_KEEP_ALIVE', 25000);
    ctx.setOption('EXOSIP_OPT_SET_OC_PORT_RANGE', [40000, 40100]);
    ctx.setOption('EXOSIP_OPT_ADD_DNS_CACHE', { host: 'registrar.test', ip: '127.0.0.1' });
    assert.throws(() => ctx.setOption('EXOSIP_OPT_SET_OC_PORT_RANGE', [1] as never), { name: 'TypeError' });
    await assert.rejects(ctx.listen({ transport: 'sctp' as never }), { name: 'TypeError' });
    await assert.rejects(ctx.listen({ family: 5 as never }), { code: 'ERR_INVALID_ARG_VALUE', message: 'options.family must be 4 or 6 (a number), got 5' });
    await assert.rejects(ctx.listen({ family: '6' as never }), { code: 'ERR_INVALID_ARG_VALUE', message: "options.family must be 4 or 6 (a number), got '6'" });
    await ctx.close();
  });
});
