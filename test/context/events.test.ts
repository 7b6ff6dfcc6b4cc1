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

test('await using closes the context', async () => {
  let closed = false;
  {
    await using ctx = await openContext();
    ctx.on('close', () => (closed = true));
  }
  assert.equal(closed, true);
});
