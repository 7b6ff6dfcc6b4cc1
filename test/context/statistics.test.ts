/**
 * eXosip's counters (EXOSIP_OPT_GET_STATISTICS): ctx.statistics() and the
 * compat out-parameter form, against registrations Kamailio really answers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  EXOSIP_OPT_GET_STATISTICS,
  EXOSIP_REGISTRATION_SUCCESS,
  eXosip_add_authentication_info,
  eXosip_lock,
  eXosip_register_build_initial_register,
  eXosip_register_send_register,
  eXosip_set_option,
  eXosip_unlock,
  type eXosip_stats,
} from '../../lib/compat';
import { Context } from '../../lib/index';
import { nextEvent, useCompatContexts } from '../helpers/compat';
import { registered } from '../helpers/context';
import { useKamailio } from '../helpers/use-kamailio';

const kam = useKamailio();

/**
 * eXosip divides by the whole seconds since its first count: a rate reads 0
 * within that first second. Waits past it.
 */
function eXosipClockTick(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 1100));
}
const compat = useCompatContexts(kam);

test('a fresh context counts nothing', async () => {
  await using ctx = new Context();
  const s = ctx.statistics();
  assert.deepEqual(s, {
    transactions: 0, transactionsPerHour: 0, registrations: 0, registrationsPerHour: 0, calls: 0, callsPerHour: 0,
    publications: 0, publicationsPerHour: 0, subscriptions: 0, subscriptionsPerHour: 0, inSubscriptions: 0, inSubscriptionsPerHour: 0,
  });
  assert.ok(Object.isFrozen(s));
});

test('registrations are counted while eXosip holds them, and their rate per hour grows', async () => {
  const first = kam.freshUser();
  const second = kam.freshUser();
  await using a = await registered(kam.proxy, first, { expires: 300 });
  await registered(kam.proxy, second, { ctx: a.ctx, expires: 300 });
  assert.equal(a.ctx.statistics().registrations, 2);
  await eXosipClockTick();
  const s = a.ctx.statistics();
  assert.ok(s.registrationsPerHour > 0, `registrationsPerHour ${s.registrationsPerHour}`);
  assert.ok(s.transactionsPerHour > 0, `transactionsPerHour ${s.transactionsPerHour}`);
  a.reg.remove();
  assert.equal(a.ctx.statistics().registrations, 1);
});

test('statistics() on a closed context throws ERR_CONTEXT_CLOSED', async () => {
  const ctx = new Context();
  await ctx.close();
  assert.throws(() => ctx.statistics(), { code: 'ERR_CONTEXT_CLOSED' });
});

test('setOption cannot read statistics: it points to statistics()', async () => {
  await using ctx = new Context();
  assert.throws(() => ctx.setOption('EXOSIP_OPT_GET_STATISTICS', 0), { code: 'ERR_INVALID_ARG_VALUE', message: /statistics\(\)/ });
});

test('compat: eXosip_set_option(ctx, EXOSIP_OPT_GET_STATISTICS, &stats) fills the struct, as in C', async () => {
  const ctx = compat.newContext();
  const user = kam.freshUser();
  eXosip_add_authentication_info(ctx, user.user, user.user, user.password, null, null);
  eXosip_lock(ctx);
  const [rid, reg] = eXosip_register_build_initial_register(ctx, `sip:${user.aor}`, kam.proxy, null, 300);
  assert.ok(rid > 0);
  assert.ok(eXosip_register_send_register(ctx, rid, reg) >= 0);
  eXosip_unlock(ctx);
  await nextEvent(ctx, (ev) => ev.typeId === EXOSIP_REGISTRATION_SUCCESS && ev.rid === rid);
  await eXosipClockTick();
  const stats = {} as eXosip_stats;
  assert.equal(eXosip_set_option(ctx, EXOSIP_OPT_GET_STATISTICS, stats), 0);
  assert.equal(stats.allocated_registrations, 1);
  assert.equal(stats.allocated_calls, 0);
  assert.ok(stats.average_transactions > 0);
  assert.deepEqual(Object.keys(stats).sort(), [
    'allocated_calls', 'allocated_insubscriptions', 'allocated_publications', 'allocated_registrations', 'allocated_subscriptions', 'allocated_transactions',
    'average_calls', 'average_insubscriptions', 'average_publications', 'average_registrations', 'average_subscriptions', 'average_transactions',
  ]);
  assert.throws(() => eXosip_set_option(ctx, EXOSIP_OPT_GET_STATISTICS, null as never), { code: 'ERR_INVALID_ARG_TYPE' });
});
