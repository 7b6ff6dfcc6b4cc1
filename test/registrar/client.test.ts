/**
 * The embedded Registrar (lib/registrar/) with our own Context as the client:
 * challenge, refresh, unregister, Contact: *, 423, 403, lowered expires,
 * bounded bindings, stale nonces.
 */
import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import { describe, test } from 'node:test';
import {
  type Context,
  Registrar,
  type RegistrarChallenge,
  type RegistrarRegisteredEvent,
  type RegistrarRejection,
  type RegistrarUnregisteredEvent,
  type Registration,
  RegistrationError,
} from '../../lib/index';
import { type Account, delay, openContext, registered, type RegisteredOptions } from '../helpers/context';
import { recordRegistrar, startRegistrar } from '../helpers/registrar';

/** alice of startRegistrar()'s users. */
const ALICE: Account = { user: 'alice', domain: 'example.com', password: 'secret' };

/** A context with credentials for `username` in any realm. */
async function clientFor(username: string, password: string, listen = {}): Promise<Context> {
  const ctx = await openContext(listen);
  ctx.addAuthenticationInfo({ username, password });
  return ctx;
}

/** alice registered at `registrar` with credentials for any realm (as {@link clientFor} gives). */
function aliceAt(registrar: Registrar, options: RegisteredOptions = {}): ReturnType<typeof registered> {
  return registered(registrar.uri!, ALICE, { realm: null, ...options });
}

/** Challenges a registration reported, from the 'registration' event on, pushed to `seen`. */
function challenges(ctx: Context, seen: number[]): void {
  ctx.on('registration', (reg: Registration) => reg.on('challenge', (c) => seen.push(c.statusCode)));
}

describe('Registrar with our own Context as the client', () => {
  test('registers through a 401 challenge, refreshes, unregisters; bindings() and events follow', async () => {
    await using registrar = await startRegistrar();
    const events = recordRegistrar(registrar);
    const seen: number[] = [];
    await using alice = await aliceAt(registrar, { expires: 600, setup: (ctx) => challenges(ctx, seen) });
    const { ctx, reg } = alice;
    assert.deepEqual(seen, [401]);
    assert.equal(reg.expires, 600);
    const [binding, ...rest] = registrar.bindings('alice@example.com');
    assert.equal(rest.length, 0);
    assert.equal(binding.aor, 'alice@example.com');
    assert.equal(`<${binding.contact}>`, reg.contact);
    assert.ok(binding.expires > 595 && binding.expires <= 600, String(binding.expires));
    assert.equal(binding.cseq, 2);
    assert.equal(binding.transport, 'UDP');
    assert.equal(binding.source, `127.0.0.1:${ctx.address!.port}`);
    assert.match(binding.userAgent, /^exosip2-test/);
    assert.deepEqual(registrar.bindings('sip:alice@EXAMPLE.com').map((b) => b.contact), [binding.contact]);
    assert.deepEqual(registrar.bindings('bob@example.com'), []);

    const refreshed = await reg.refresh({ expires: 900 });
    assert.equal(refreshed.expires, 900);
    const after = registrar.bindings()[0];
    assert.equal(after.registeredAt, binding.registeredAt);
    assert.equal(after.callId, binding.callId);
    assert.ok(after.cseq > binding.cseq);

    await reg.unregister();
    assert.deepEqual(registrar.bindings(), []);
    const names = events.map(([name, payload]) => {
      if (name === 'challenge') return `challenge ${(payload as RegistrarChallenge).cause}`;
      if (name === 'registered') return `registered refreshed=${(payload as RegistrarRegisteredEvent).refreshed}`;
      if (name === 'unregistered') return `unregistered ${(payload as RegistrarUnregisteredEvent).reason}`;
      return name;
    });
    assert.deepEqual(names, ['challenge no-credentials', 'registered refreshed=false', 'registered refreshed=true', 'unregistered unregister']);
    const challenge = events[0][1] as RegistrarChallenge;
    assert.deepEqual(
      { ...challenge, callId: '', source: '' },
      { method: 'REGISTER', aor: 'alice@example.com', callId: '', source: '', status: 401, realm: 'example.com', stale: false, cause: 'no-credentials' },
    );
  });

  test('a fixed realm and a list of domains', async () => {
    await using registrar = await startRegistrar({ realm: 'lab', domains: ['Example.COM'] });
    const events = recordRegistrar(registrar);
    await using alice = await aliceAt(registrar, { expires: 600 });
    assert.equal((events[0][1] as RegistrarChallenge).realm, 'lab');
    const outside = alice.ctx.register({ from: 'sip:alice@elsewhere.test', proxy: registrar.uri!, expires: 600 });
    await assert.rejects(outside, (e: RegistrationError) => e.statusCode === 403);
    assert.equal((events.at(-1)![1] as RegistrarRejection).cause, 'domain-not-served');
    await alice.reg.unregister();
  });

  test('TCP: served when libeXosip2 accepts connections, else listen() says why', async () => {
    await using registrar = new Registrar({ users: { alice: 'secret' } });
    let served = true;
    await registrar.listen({ transport: 'tcp' }).catch((error: Error & { code?: string }) => {
      assert.equal(error.code, 'ERR_TRANSPORT_NOT_SERVED');
      assert.match(error.message, /built without ENABLE_MAIN_SOCKET/);
      served = false;
    });
    if (!served) {
      // The claim holds: eXosip "listens" on TCP but nothing accepts.
      const ctx = await openContext({ transport: 'tcp' });
      const port = ctx.address!.port;
      const refused = await new Promise<boolean>((resolve) => {
        const socket = net.connect({ host: '127.0.0.1', port });
        socket.once('connect', () => resolve(false));
        socket.once('error', () => resolve(true));
      });
      await ctx.close();
      assert.equal(refused, true);
      assert.deepEqual(registrar.addresses, []);
      return;
    }
    assert.match(registrar.uri!, /^sip:127\.0\.0\.1:\d+;transport=tcp$/);
    await using alice = await aliceAt(registrar, { listen: { transport: 'tcp' }, expires: 600 });
    assert.equal(registrar.bindings('alice@example.com')[0].transport, 'TCP');
    await alice.reg.unregister();
  });

  test('Contact: * (ctx.unregisterAll) removes every binding of the AoR', async () => {
    await using registrar = await startRegistrar();
    const events = recordRegistrar(registrar);
    const proxy = registrar.uri!;
    await using _phoneA = await aliceAt(registrar, { expires: 600 });
    await using phoneB = await aliceAt(registrar, { expires: 600 });
    await using admin = await clientFor('alice', 'secret');
    assert.equal(phoneB.reg.contacts.length, 2);
    assert.equal(registrar.bindings('alice@example.com').length, 2);
    // Given up before it started, it names itself for what it is (not "Registration of").
    await assert.rejects(admin.unregisterAll({ from: 'sip:alice@example.com', proxy, signal: AbortSignal.abort() }), {
      code: 'ABORT_ERR',
      message: 'Unregistration of every binding of sip:alice@example.com was aborted before it started',
    });
    const info = await admin.unregisterAll({ from: 'sip:alice@example.com', proxy });
    assert.deepEqual(info.contacts, []);
    assert.deepEqual(registrar.bindings(), []);
    const removed = events.filter(([name]) => name === 'unregistered').map(([, p]) => (p as RegistrarUnregisteredEvent).reason);
    assert.deepEqual(removed, ['wildcard', 'wildcard']);
  });

  test('423 with Min-Expires: eXosip retries at the minimum by itself and ends registered', async () => {
    await using registrar = await startRegistrar({ minExpires: 120 });
    const events = recordRegistrar(registrar);
    const seen: number[] = [];
    await using alice = await aliceAt(registrar, { expires: 60, setup: (ctx) => challenges(ctx, seen) });
    assert.deepEqual(seen, [401, 423]);
    assert.equal(alice.reg.expires, 120);
    assert.equal(registrar.bindings()[0].expires, 120);
    const rejected = events.find(([name]) => name === 'rejected')?.[1] as RegistrarRejection;
    assert.equal(rejected.status, 423);
    assert.equal(rejected.cause, 'interval-too-brief');
    await alice.reg.unregister();
  });

  test('a wrong password is rejected with 403', async () => {
    await using registrar = await startRegistrar();
    const events = recordRegistrar(registrar);
    await using ctx = await clientFor('alice', 'not-the-password');
    await assert.rejects(ctx.register({ from: 'sip:alice@example.com', proxy: registrar.uri!, expires: 600 }), (e: RegistrationError) => {
      assert.equal(e.code, 'ERR_REGISTRATION_REJECTED');
      assert.equal(e.statusCode, 403);
      return true;
    });
    assert.deepEqual(
      events.map(([name, p]) => `${name} ${(p as { cause: string }).cause}`),
      ['challenge no-credentials', 'rejected wrong-password'],
    );
    assert.deepEqual(registrar.bindings(), []);
  });

  test('an expiry above maxExpires is lowered in the 200 OK, and eXosip takes it', async () => {
    await using registrar = await startRegistrar({ maxExpires: 1000, defaultExpires: 500 });
    await using alice = await aliceAt(registrar, { expires: 7200 });
    assert.equal(alice.reg.expires, 1000);
    assert.match(alice.reg.contacts[0], /;expires=1000$/);
    assert.equal(registrar.bindings()[0].expires, 1000);
    await alice.reg.unregister();
  });

  test('maxBindingsPerAor: one binding too many gets 503 and changes nothing', async () => {
    await using registrar = await startRegistrar({ maxBindingsPerAor: 2 });
    const events = recordRegistrar(registrar);
    await using first = await aliceAt(registrar, { expires: 600 });
    await using second = await aliceAt(registrar, { expires: 600 });
    await using third = await clientFor('alice', 'secret');
    await assert.rejects(third.register({ from: 'sip:alice@example.com', proxy: registrar.uri!, expires: 600 }), (e: RegistrationError) => e.statusCode === 503);
    assert.deepEqual(
      registrar.bindings().map((b) => b.source),
      [first.ctx, second.ctx].map((c) => `127.0.0.1:${c.address!.port}`),
    );
    const rejected = events.filter(([name]) => name === 'rejected').map(([, p]) => (p as RegistrarRejection).cause);
    assert.deepEqual(rejected, ['too-many-bindings']);
    // A refresh of a binding that is there is no new binding.
    assert.equal((await first.reg.refresh()).expires, 600);
    for (const { reg } of [first, second]) await reg.unregister();
  });

  test('a stale nonce gets 401 stale=true, and eXosip re-authenticates on its own', async () => {
    await using registrar = await startRegistrar({ nonceTtlMs: 300 });
    const events = recordRegistrar(registrar);
    const seen: number[] = [];
    await using alice = await aliceAt(registrar, { expires: 600, setup: (ctx) => challenges(ctx, seen) });
    await delay(450);
    // eXosip's refresh carries the old nonce: stale, then a fresh one.
    assert.equal((await alice.reg.refresh()).expires, 600);
    assert.deepEqual(seen, [401, 401]);
    const stale = events.filter(([name]) => name === 'challenge').map(([, p]) => p as RegistrarChallenge);
    assert.deepEqual(
      stale.map((c) => [c.cause, c.stale]),
      [
        ['no-credentials', false],
        ['stale-nonce', true],
      ],
    );
    await alice.reg.unregister();
  });
});
