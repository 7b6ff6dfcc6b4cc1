import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { ExosipEvent } from '../../lib/index';
import { openContext } from '../helpers/context';
import { useKamailio } from '../helpers/use-kamailio';

const kam = useKamailio();

test('for await over ctx.events(): typed, filtered, nothing lost, ends at close', async () => {
  const ctx = await openContext();
  ctx.addAuthenticationInfo({ username: 'alice', password: 'secret', realm: 'example.com' });
  const seen: Array<ExosipEvent<'EXOSIP_REGISTRATION_SUCCESS'>> = [];
  const all: string[] = [];
  const loop = (async () => {
    for await (const ev of ctx.events({ types: ['EXOSIP_REGISTRATION_SUCCESS'] })) {
      seen.push(ev);
      await new Promise((r) => setTimeout(r, 50)); // a slow body: events wait in the buffer
    }
  })();
  const everything = (async () => {
    for await (const ev of ctx.events()) all.push(`${ev.type} ${ev.response?.statusCode}`);
  })();
  const reg = await ctx.register({ from: 'sip:alice@example.com', proxy: kam.proxy });
  await reg.refresh();
  await reg.unregister();
  await ctx.close();
  await Promise.all([loop, everything]);
  assert.equal(seen.length, 3);
  assert.ok(seen.every((ev) => ev.type === 'EXOSIP_REGISTRATION_SUCCESS' && ev.rid === reg.rid));
  assert.deepEqual(all, [
    'EXOSIP_REGISTRATION_FAILURE 401',
    'EXOSIP_REGISTRATION_SUCCESS 200',
    'EXOSIP_REGISTRATION_SUCCESS 200',
    'EXOSIP_REGISTRATION_SUCCESS 200',
  ]);
});

test('ctx.events() stops with an AbortError when its signal aborts; break detaches', async () => {
  const ctx = await openContext();
  const controller = new AbortController();
  const iterating = (async () => {
    for await (const ev of ctx.events({ signal: controller.signal })) void ev;
  })();
  controller.abort();
  await assert.rejects(iterating, { name: 'AbortError', code: 'ABORT_ERR' });
  const it = ctx.events();
  assert.equal(ctx.listenerCount('event'), 1);
  await it.return!();
  assert.equal(ctx.listenerCount('event'), 0);
  await ctx.close();
  const after = ctx.events();
  assert.deepEqual(await after.next(), { value: undefined, done: true });
});

test('ctx.events({ types }) refuses a name that is no eXosip event type (EXOSIP_CALL_NEW is C folklore, not eXosip 5.3)', async () => {
  const ctx = await openContext();
  try {
    for (const bad of ['EXOSIP_CALL_NEW', 'exosip_call_invite', 7]) {
      assert.throws(() => ctx.events({ types: [bad as 'EXOSIP_CALL_INVITE'] }), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
    }
    assert.throws(() => ctx.events({ types: 'EXOSIP_CALL_INVITE' as never }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    const it = ctx.events({ types: ['EXOSIP_CALL_INVITE', 'EXOSIP_MESSAGE_NEW'] });
    await it.return?.();
  } finally {
    await ctx.close();
  }
});

test('await using closes the context', async () => {
  let closed = false;
  {
    await using ctx = await openContext();
    ctx.on('close', () => (closed = true));
  }
  assert.equal(closed, true);
});

test('every event carries receivedNs: when the worker took it from eXosip, in ns of process.hrtime.bigint()\'s clock, in order', async () => {
  const ctx = await openContext();
  try {
    const user = kam.freshUser();
    ctx.addAuthenticationInfo({ username: user.user, password: user.password, realm: user.domain });
    const stamps: Array<[bigint, bigint]> = [];
    ctx.on('event', (ev) => stamps.push([ev.receivedNs, process.hrtime.bigint()]));
    const start = process.hrtime.bigint();
    const reg = await ctx.register({ from: `sip:${user.user}@${user.domain}`, proxy: kam.proxy });
    await reg.unregister();
    assert.equal(stamps.length, 3, '401, 200, 200');
    let previous = start;
    for (const [received, seen] of stamps) {
      assert.equal(typeof received, 'bigint');
      assert.ok(received >= previous, 'taken after the REGISTER was sent and after the event before it');
      assert.ok(received <= seen, 'taken before the listener ran');
      assert.ok(seen - received < 2_000_000_000n, 'a delivery time, not another clock');
      previous = received;
    }
  } finally {
    await ctx.close();
  }
});
