import { strict as assert } from 'node:assert';
import { after, before, describe, test } from 'node:test';
import { Context, RegistrationError, type AnyExosipEvent } from '../lib/index';
import { type Kamailio, startKamailio, waitFor } from './helpers/kamailio';

let kam: Kamailio;
before(async () => {
  kam = await startKamailio();
});
after(async () => {
  await kam?.stop();
});

async function openContext(): Promise<Context> {
  const ctx = new Context({ userAgent: 'exosip2-test/1.0' });
  await ctx.listen({ transport: 'udp', address: '127.0.0.1', port: 0 });
  return ctx;
}

describe('registration against Kamailio', () => {
  test('initial REGISTER with digest auth lands in the location table', async () => {
    const ctx = await openContext();
    const events: AnyExosipEvent[] = [];
    ctx.on('event', (ev) => events.push(ev));
    ctx.addAuthenticationInfo({ username: 'alice', password: 'secret', realm: 'example.com' });
    const reg = await ctx.register({ from: 'sip:alice@example.com', proxy: kam.proxy, expires: 1800, supported: ['100rel', 'path'] });
    assert.ok(reg.rid > 0);
    assert.equal(reg.state, 'registered');
    assert.equal(reg.expires, 1800);
    // The 401 eXosip answered by itself came first, as a failure event.
    assert.deepEqual(events.map((e) => [e.type, e.response?.statusCode]), [
      ['EXOSIP_REGISTRATION_FAILURE', 401],
      ['EXOSIP_REGISTRATION_SUCCESS', 200],
    ]);
    const sent = events[1].request!;
    assert.deepEqual(sent.getHeaders('supported'), ['100rel', 'path']);
    const bindings = await kam.lookup('alice@example.com');
    assert.equal(bindings.length, 1);
    assert.match(bindings[0].contact, new RegExp(`^sip:alice@127\\.0\\.0\\.1:${ctx.address!.port}`));
    assert.equal(bindings[0].userAgent, 'exosip2-test/1.0');
    assert.ok(bindings[0].expires > 1790 && bindings[0].expires <= 1800);
    await reg.unregister();
    assert.deepEqual(await kam.lookup('alice@example.com'), []);
    await ctx.close();
  });

  test('wrong password rejects after a bounded number of REGISTERs', async () => {
    const ctx = await openContext();
    ctx.addAuthenticationInfo({ username: 'bob', password: 'not-his', realm: 'example.com' });
    const before = await kam.registerCount();
    const err = await ctx.register({ from: 'sip:bob@example.com', proxy: kam.proxy }).then(
      () => assert.fail('registered with a wrong password'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof RegistrationError);
    assert.equal(err.code, 'ERR_REGISTRATION_REJECTED');
    assert.ok([401, 403].includes(err.statusCode), `status ${err.statusCode}`);
    assert.equal(ctx.registrations.size, 0);
    const sent = (await kam.registerCount()) - before;
    assert.ok(sent >= 2 && sent <= 4, `${sent} REGISTERs`);
    // Nothing more goes out afterwards.
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await kam.registerCount()) - before, sent);
    assert.deepEqual(await kam.lookup('bob@example.com'), []);
    await ctx.close();
  });
});
