/**
 * The compat API, eXosip.h's eXosip_event_wait: timeouts that never block the
 * JS thread, events in order, the bounded queue, and the end at eXosip_quit.
 */
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import * as compat from '../../lib/compat';
import {
  COMPAT_EVENT_QUEUE_CAPACITY,
  EXOSIP_REGISTRATION_FAILURE,
  EXOSIP_REGISTRATION_SUCCESS,
  compatEventQueueStats,
  eXosip_add_authentication_info,
  eXosip_event_free,
  eXosip_event_wait,
  eXosip_quit,
  eXosip_register_build_initial_register,
  eXosip_register_send_register,
} from '../../lib/compat';
import type { AnyExosipEvent } from '../../lib/index';
import { useCompatContexts } from '../helpers/compat';
import { SLOW } from '../helpers/slow';
import { useKamailio } from '../helpers/use-kamailio';

const kam = useKamailio();
const { newContext } = useCompatContexts(kam);

describe('eXosip_event_wait', () => {
  test('resolves null after the timeout, at once with 0/0, and never blocks the JS thread', async () => {
    const ctx = newContext();
    let ticks = 0;
    const interval = setInterval(() => ticks++, 20);
    try {
      let t0 = Date.now();
      assert.equal(await eXosip_event_wait(ctx, 0, 300), null);
      const waited = Date.now() - t0;
      assert.ok(waited >= 290, `waited ${waited} ms`);
      // 15 ticks of 20 ms fit in 300 ms; under valgrind (SLOW) timers run late, and one proves the thread ran.
      assert.ok(ticks >= (SLOW > 1 ? 1 : 5), `${ticks} interval ticks while waiting`);
      t0 = Date.now();
      assert.equal(await eXosip_event_wait(ctx, 0, 0), null);
      assert.ok(Date.now() - t0 < 50 * SLOW);
    } finally {
      clearInterval(interval);
    }
  });

  test('events come in order, to waiting calls in the order they were made', async () => {
    const ctx = newContext();
    const first = eXosip_event_wait(ctx, 10, 0);
    const second = eXosip_event_wait(ctx, 10, 0);
    assert.equal(compatEventQueueStats(ctx).waiting, 2);
    eXosip_add_authentication_info(ctx, 'alice', 'alice', 'secret', null, null);
    const [rid, reg] = eXosip_register_build_initial_register(ctx, 'sip:alice@example.com', kam.proxy, null, 1800);
    assert.equal(eXosip_register_send_register(ctx, rid, reg), 0);
    const [a, b] = await Promise.all([first, second]);
    assert.deepEqual([a?.typeId, a?.response?.statusCode, a?.rid], [EXOSIP_REGISTRATION_FAILURE, 401, rid]);
    assert.deepEqual([b?.typeId, b?.response?.statusCode, b?.rid], [EXOSIP_REGISTRATION_SUCCESS, 200, rid]);
    // eXosip_event_free is a no-op: the event stays usable.
    eXosip_event_free(b);
    assert.equal(b?.response?.statusCode, 200);
    assert.equal(b?.type, 'EXOSIP_REGISTRATION_SUCCESS');
  });

  test('the queue is bounded: the oldest events are dropped and counted', async () => {
    const ctx = newContext();
    const fake = (n: number): AnyExosipEvent =>
      ({ type: 'EXOSIP_MESSAGE_NEW', typeId: compat.EXOSIP_MESSAGE_NEW, rid: 0, tid: n, did: 0, cid: 0, sid: 0, nid: 0, ssStatus: 0, ssReason: 0, textinfo: `fake ${n}`, request: null, response: null, ack: null }) as AnyExosipEvent;
    const extra = 5;
    for (let n = 0; n < COMPAT_EVENT_QUEUE_CAPACITY + extra; n++) ctx.emit('event', fake(n));
    assert.deepEqual(compatEventQueueStats(ctx), { queued: COMPAT_EVENT_QUEUE_CAPACITY, dropped: extra, capacity: COMPAT_EVENT_QUEUE_CAPACITY, waiting: 0 });
    assert.equal((await eXosip_event_wait(ctx, 0, 0))?.tid, extra);
    assert.equal((await eXosip_event_wait(ctx, 0, 0))?.tid, extra + 1);
    assert.equal(compatEventQueueStats(ctx).queued, COMPAT_EVENT_QUEUE_CAPACITY - 2);
    await eXosip_quit(ctx);
    assert.deepEqual(compatEventQueueStats(ctx), { queued: 0, dropped: extra, capacity: COMPAT_EVENT_QUEUE_CAPACITY, waiting: 0 });
  });

  test('eXosip_quit resolves pending calls with null, and later calls at once', async () => {
    const ctx = newContext();
    const pending = eXosip_event_wait(ctx, 30, 0);
    const t0 = Date.now();
    const quitting = eXosip_quit(ctx);
    assert.equal(await pending, null);
    assert.ok(Date.now() - t0 < 1000);
    await quitting;
    assert.equal(await eXosip_event_wait(ctx, 30, 0), null);
    assert.ok(Date.now() - t0 < 1000);
  });

  test('a loop that keeps waiting on a quit context still lets timers run (no spin)', async () => {
    const ctx = newContext();
    await eXosip_quit(ctx);
    let running = true;
    setTimeout(() => (running = false), 50);
    let turns = 0;
    while (running && turns < 1_000_000) {
      await eXosip_event_wait(ctx, 0, 50);
      turns++;
    }
    assert.equal(running, false, `the timer never ran in ${turns} turns`);
  });

  test('a wait longer than Node timers hold (2^31 - 1 ms) waits, not returns at once', async () => {
    const ctx = newContext();
    const ac = new AbortController();
    let settled = false;
    const waiting = eXosip_event_wait(ctx, 2_147_484, 0, { signal: ac.signal }).finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(settled, false);
    ac.abort();
    await waiting.catch(() => undefined);
    await eXosip_quit(ctx);
  });

  test('ctx.close() (the Context API) also ends pending calls', async () => {
    const ctx = newContext();
    const pending = eXosip_event_wait(ctx, 30, 0);
    await ctx.close();
    assert.equal(await pending, null);
  });
});
