/**
 * The compat and Context APIs on one context: the same events through
 * eXosip_event_wait and ctx.on('event'), registrations of either kind side by
 * side, against a real Kamailio.
 */
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import {
  EXOSIP_REGISTRATION_FAILURE,
  EXOSIP_REGISTRATION_SUCCESS,
  OSIP_BADPARAMETER,
  compatEventQueueStats,
  eXosip_add_authentication_info,
  eXosip_default_action,
  eXosip_event_wait,
  eXosip_lock,
  eXosip_register_build_initial_register,
  eXosip_register_build_register,
  eXosip_register_send_register,
  eXosip_unlock,
  type eXosip_event_t,
} from '../../lib/compat';
import { type AnyExosipEvent, Context } from '../../lib/index';
import { isSuccess, nextEvent, useCompatContexts } from '../helpers/compat';
import { waitFor } from '../helpers/kamailio';
import { useKamailio } from '../helpers/use-kamailio';

const kam = useKamailio();
const { newContext, track } = useCompatContexts(kam);

describe('compat and Context API on one context', () => {
  test('register with compat; ctx.on("event") sees the same event objects; ctx.register works alongside', async () => {
    const ctx = newContext();
    const emitted: AnyExosipEvent[] = [];
    ctx.on('event', (ev) => emitted.push(ev));
    eXosip_add_authentication_info(ctx, 'alice', 'alice', 'secret', null, 'example.com');
    ctx.addAuthenticationInfo({ username: 'dave', password: 'davepw', realm: 'example.com' });
    eXosip_lock(ctx);
    const [rid, reg] = eXosip_register_build_initial_register(ctx, 'sip:alice@example.com', kam.proxy, null, 1800);
    assert.equal(eXosip_register_send_register(ctx, rid, reg), 0);
    eXosip_unlock(ctx);
    const ev = await nextEvent(ctx, (e) => isSuccess(e) && e.rid === rid);
    assert.ok(emitted.includes(ev), 'eXosip_event_wait returned the object ctx emitted');
    // The Context API on the same context (listen was done by eXosip_listen_addr).
    const dave = await ctx.register({ from: 'sip:dave@example.com', proxy: kam.proxy, expires: 900 });
    assert.notEqual(dave.rid, rid);
    assert.equal(ctx.registrations.size, 1, 'compat rids are not Context registrations');
    const daveEvent = await nextEvent(ctx, (e) => isSuccess(e) && e.rid === dave.rid);
    assert.equal(daveEvent.response?.statusCode, 200);
    const port = ctx.address!.port;
    assert.match((await kam.lookup('alice@example.com'))[0].contact, new RegExp(`:${port}`));
    assert.match((await kam.lookup('dave@example.com'))[0].contact, new RegExp(`:${port}`));
    // And the compat calls work on a Context registration's rid.
    assert.equal(eXosip_register_build_register(ctx, dave.rid, 900)[1]?.method, 'REGISTER');
    await dave.unregister();
    assert.deepEqual(await kam.lookup('dave@example.com'), []);
  });

  test('register with ctx.register (a new Context()); receive its events with eXosip_event_wait', async () => {
    const ctx = new Context({ userAgent: 'mixed/1.0' });
    track(ctx);
    await ctx.listen({ address: '127.0.0.1' });
    // A Context made with new Context() starts queueing at its first eXosip_event_wait.
    assert.equal(compatEventQueueStats(ctx).queued, 0);
    assert.equal(await eXosip_event_wait(ctx, 0, 0), null);
    ctx.addAuthenticationInfo({ username: 'alice', password: 'secret' });
    const registration = await ctx.register({ from: 'sip:alice@example.com', proxy: kam.proxy, expires: 1800 });
    const a = await eXosip_event_wait(ctx, 5, 0);
    const b = await eXosip_event_wait(ctx, 5, 0);
    assert.deepEqual([a?.typeId, a?.response?.statusCode, a?.rid], [EXOSIP_REGISTRATION_FAILURE, 401, registration.rid]);
    assert.deepEqual([b?.typeId, b?.response?.statusCode, b?.rid], [EXOSIP_REGISTRATION_SUCCESS, 200, registration.rid]);
    const [binding] = await waitFor(async () => {
      const list = await kam.lookup('alice@example.com');
      return list.length === 1 ? list : undefined;
    });
    assert.equal(binding.userAgent, 'mixed/1.0');
    // eXosip_default_action on those events: nothing to do for a 200, BADPARAMETER without a response.
    assert.equal(eXosip_default_action(ctx, b), 1);
    assert.equal(eXosip_default_action(ctx, null), OSIP_BADPARAMETER);
    assert.equal(eXosip_default_action(ctx, { ...b!, response: null } as eXosip_event_t), OSIP_BADPARAMETER);
  });
});
