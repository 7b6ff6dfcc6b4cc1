/**
 * register(), refresh() and unregister() queue their REGISTER to the context's
 * worker thread (native/context/commands.h, docs/threads.md "Commands"): the JS
 * thread never waits for eXosip_lock. Shown here by holding that lock from JS
 * (the compat eXosip_lock): the calls return to the event loop, nothing is
 * sent until eXosip_unlock, then the REGISTER goes and the registration ends
 * as usual, at Kamailio too (ul.dump). The result of a queued REGISTER comes
 * before its events, so no event of it is missed.
 */
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { eXosip_lock, eXosip_unlock } from '../../lib/compat';
import { type AnyExosipEvent, type Context, type Registration, RegistrationError, type SipTrace } from '../../lib/index';
import { delay, openContext } from '../helpers/context';
import { SLOW } from '../helpers/slow';
import type { TestUser } from '../helpers/kamailio';
import { useKamailio } from '../helpers/use-kamailio';

const kam = useKamailio();

/** Kamailio's count of REGISTER requests received (`rcv_requests_register`). */
async function receivedRegisters(): Promise<number> {
  const out = await kam.rpc('stats.get_statistics', 'rcv_requests_register');
  const m = /rcv_requests_register\s*[:=]\s*(\d+)/.exec(out);
  assert.ok(m, `unexpected stats.get_statistics output: ${out}`);
  return Number(m[1]);
}

/** REGISTERs the context sent, as traced. */
function sentRegisters(traces: SipTrace[]): number {
  return traces.filter((t) => t.direction === 'out' && t.text.startsWith('REGISTER ')).length;
}

/** A context holding `user`'s credentials, with the trace of what it sends and receives. */
async function tracedContext(user: TestUser): Promise<{ ctx: Context; traces: SipTrace[] }> {
  const ctx = await openContext();
  const traces: SipTrace[] = [];
  ctx.setTrace(true);
  ctx.on('trace', (t) => traces.push(t));
  ctx.addAuthenticationInfo({ username: user.user, password: user.password, realm: user.domain });
  return { ctx, traces };
}

/** A fresh user registered (expires 600) from a {@link tracedContext}, and the REGISTERs it sent so far. */
async function registeredTraced(): Promise<{ user: TestUser; ctx: Context; traces: SipTrace[]; reg: Registration; before: number }> {
  const user = kam.freshUser();
  const { ctx, traces } = await tracedContext(user);
  try {
    const reg = await ctx.register({ from: `sip:${user.aor}`, proxy: kam.proxy, expires: 600 });
    return { user, ctx, traces, reg, before: sentRegisters(traces) };
  } catch (error) {
    await ctx.close();
    throw error;
  }
}

describe('REGISTERs are sent by the worker thread', () => {
  test('register() while JS holds eXosip_lock: nothing leaves until eXosip_unlock, then it registers at Kamailio', { timeout: 20_000 }, async () => {
    const user = kam.freshUser();
    const { ctx, traces } = await tracedContext(user);
    await using _ctx = ctx;
    const seen: string[] = [];
    ctx.on('registration', (reg) => seen.push(`registration ${reg.rid}`));
    ctx.on('event', (ev: AnyExosipEvent) => seen.push(`${ev.type} ${ev.rid}`));

    assert.equal(eXosip_lock(ctx), 0);
    const registering = ctx.register({ from: `sip:${user.aor}`, proxy: kam.proxy, expires: 600 });
    // The event loop runs on while the worker waits for the lock.
    await delay(200);
    assert.equal(sentRegisters(traces), 0);
    assert.equal(ctx.registrations.size, 0);
    assert.equal(eXosip_unlock(ctx), 0);
    const reg = await registering;

    assert.equal(reg.state, 'registered');
    assert.equal(sentRegisters(traces), 2);
    // 'registration' came before the first event of its rid (the 401 eXosip answered).
    assert.deepEqual(seen, [`registration ${reg.rid}`, `EXOSIP_REGISTRATION_FAILURE ${reg.rid}`, `EXOSIP_REGISTRATION_SUCCESS ${reg.rid}`]);
    assert.equal((await kam.lookup(user.aor)).length, 1);
    await reg.unregister();
    assert.equal((await kam.lookup(user.aor)).length, 0);
  });

  test('refresh() and unregister() while JS holds eXosip_lock wait for it the same way', { timeout: 20_000 }, async () => {
    const { user, ctx, traces, reg, before } = await registeredTraced();
    await using _ctx = ctx;

    eXosip_lock(ctx);
    const refreshing = reg.refresh({ expires: 300 });
    await delay(200);
    assert.equal(sentRegisters(traces), before);
    eXosip_unlock(ctx);
    assert.equal((await refreshing).expires, 300);
    assert.equal(sentRegisters(traces), before + 1);

    eXosip_lock(ctx);
    const unregistering = reg.unregister();
    await delay(200);
    assert.equal(sentRegisters(traces), before + 1);
    assert.equal(reg.state, 'registered');
    eXosip_unlock(ctx);
    assert.equal((await unregistering).expires, 0);
    assert.equal(reg.state, 'unregistered');
    assert.equal((await kam.lookup(user.aor)).length, 0);
  });

  test('refresh() and unregister() given up while their REGISTER waits for the worker: never sent, the registration goes on', { timeout: 20_000 * SLOW }, async () => {
    const { user, ctx, traces, reg, before } = await registeredTraced();
    await using _ctx = ctx;

    assert.equal(eXosip_lock(ctx), 0);
    await assert.rejects(reg.refresh({ expires: 300, timeoutMs: 300 }), (e: unknown) => {
      assert.ok(e instanceof RegistrationError && e.code === 'ERR_REGISTRATION_TIMEOUT', String(e));
      assert.match(e.message, /no final answer within 300 ms/);
      return true;
    });
    const ac = new AbortController();
    const unregistering = reg.unregister({ signal: ac.signal });
    await delay(100);
    ac.abort();
    await assert.rejects(unregistering, (e: unknown) => e instanceof RegistrationError && e.code === 'ABORT_ERR');
    assert.equal(eXosip_unlock(ctx), 0);
    await delay(300 * SLOW);
    // The cancelled refresh was dropped by the worker: nothing left, the binding is as it was.
    assert.equal(sentRegisters(traces), before);
    assert.equal(reg.state, 'registered');
    assert.equal(reg.expires, 600);
    assert.equal((await reg.refresh({ expires: 300 })).expires, 300);
    assert.equal(sentRegisters(traces), before + 1);
    await reg.unregister();
    assert.equal((await kam.lookup(user.aor)).length, 0);
  });

  test('remove() while a refresh() waits for the worker: the refresh rejects ERR_REGISTRATION_REMOVED and is never sent', { timeout: 20_000 * SLOW }, async () => {
    const { user, ctx, traces, reg, before } = await registeredTraced();
    await using _ctx = ctx;
    assert.equal(eXosip_lock(ctx), 0);
    const refreshing = reg.refresh({ expires: 300 });
    reg.remove();
    assert.equal(eXosip_unlock(ctx), 0);
    await assert.rejects(refreshing, (e: unknown) => e instanceof RegistrationError && e.code === 'ERR_REGISTRATION_REMOVED');
    await delay(300 * SLOW);
    assert.equal(sentRegisters(traces), before);
    assert.equal(reg.state, 'removed');
    // remove() is local (eXosip_register_remove): the binding stays at Kamailio until it expires.
    assert.equal((await kam.lookup(user.aor)).length, 1);
  });

  test('close() while a register() or a refresh() waits for the worker: each rejects RegistrationError ERR_CONTEXT_CLOSED, and nothing is sent', { timeout: 20_000 }, async () => {
    const [user, other] = [kam.freshUser(), kam.freshUser()];
    const ctx = await openContext();
    for (const u of [user, other]) ctx.addAuthenticationInfo({ username: u.user, password: u.password, realm: u.domain });
    const reg = await ctx.register({ from: `sip:${other.aor}`, proxy: kam.proxy, expires: 600 });
    const before = await receivedRegisters();
    eXosip_lock(ctx);
    const registering = ctx.register({ from: `sip:${user.aor}`, proxy: kam.proxy, expires: 600 });
    const refreshing = reg.refresh();
    await delay(100);
    const rejected = [registering, refreshing].map((p) => assert.rejects(p, { name: 'RegistrationError', code: 'ERR_CONTEXT_CLOSED' }));
    // close() releases the lock JS holds, stops the worker and eXosip: the queued REGISTERs are dropped.
    await ctx.close();
    await Promise.all(rejected);
    assert.equal(ctx.registrations.size, 0);
    await delay(300);
    assert.equal(await receivedRegisters(), before);
    assert.equal((await kam.lookup(user.aor)).length, 0);
  });

  test('many register() at once: each result reaches its own Registration, all registered, all unregistered', { timeout: 30_000 }, async () => {
    await using ctx = await openContext();
    const users = Array.from({ length: 40 }, () => kam.freshUser());
    for (const u of users) ctx.addAuthenticationInfo({ username: u.user, password: u.password, realm: u.domain });
    const regs = await Promise.all(users.map((u) => ctx.register({ from: `sip:${u.aor}`, proxy: kam.proxy, expires: 600 })));
    assert.deepEqual(regs.map((r) => r.from), users.map((u) => `sip:${u.aor}`));
    assert.equal(new Set(regs.map((r) => r.rid)).size, users.length);
    assert.ok(regs.every((r) => r.state === 'registered' && ctx.registrations.get(r.rid) === r));
    const dumped = new Set((await kam.ulDump()).map((b) => b.aor));
    assert.ok(users.every((u) => dumped.has(u.aor)));
    await Promise.all(regs.map((r) => r.unregister()));
    const left = new Set((await kam.ulDump()).map((b) => b.aor));
    assert.ok(users.every((u) => !left.has(u.aor)));
  });
  test('timeoutMs and signal count from the call, also while the REGISTER waits for the worker; given up there, it is never sent', { timeout: 30_000 * SLOW }, async () => {
    const [late, aborted, next] = [kam.freshUser(), kam.freshUser(), kam.freshUser()];
    const ctx = await openContext();
    await using _ctx = ctx;
    for (const u of [late, aborted, next]) ctx.addAuthenticationInfo({ username: u.user, password: u.password, realm: u.domain });
    // JS holds eXosip_lock: the worker can send nothing, so both calls are still queued when they end.
    assert.equal(eXosip_lock(ctx), 0);
    const timedOut = ctx.register({ from: `sip:${late.aor}`, proxy: kam.proxy, expires: 600, timeoutMs: 300 });
    const ac = new AbortController();
    const abortedReg = ctx.register({ from: `sip:${aborted.aor}`, proxy: kam.proxy, expires: 600, signal: ac.signal });
    ac.abort();
    await assert.rejects(abortedReg, (e: unknown) => e instanceof RegistrationError && e.code === 'ABORT_ERR');
    await assert.rejects(timedOut, (e: unknown) => e instanceof RegistrationError && e.code === 'ERR_REGISTRATION_TIMEOUT');
    assert.equal(ctx.registrations.size, 0);
    // Released: the worker drops both commands (cancelled while queued) and sends the next one only.
    const before = await receivedRegisters();
    assert.equal(eXosip_unlock(ctx), 0);
    const reg = await ctx.register({ from: `sip:${next.aor}`, proxy: kam.proxy, expires: 600 });
    // REGISTER, 401, REGISTER with credentials, 200: the next registration's two REGISTERs, nothing else.
    await delay(300 * SLOW);
    assert.equal((await receivedRegisters()) - before, 2);
    for (const u of [late, aborted]) assert.equal((await kam.lookup(u.aor)).length, 0, `${u.aor} never registered`);
    assert.equal((await kam.lookup(next.aor)).length, 1);
    assert.deepEqual([...ctx.registrations.values()], [reg]);
    await reg.unregister();
  });
});
