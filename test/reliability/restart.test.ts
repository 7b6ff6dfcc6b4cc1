/**
 * Registrar restart: Kamailio is killed (SIGKILL) while registrations are
 * active and started again on the same port with an empty location table.
 * Every registration must be back in Kamailio's table within one refresh
 * interval of the restart, with 'failed' events while it was down and no
 * action from the application.
 *
 * How eXosip gets there (eXosip.c, eXosip_automatic_action; measured in
 * docs/reliability.md):
 * - UDP, expires 30: the refresh due ~25 s after the 200 goes unanswered;
 *   its transaction times out 32 s later ('failed', no response), and since
 *   more than 90% of the period has passed since that REGISTER, eXosip sends
 *   a new one at once, whose retransmissions reach the restarted registrar.
 * - TCP: the dropped connection makes eXosip re-REGISTER at once; the
 *   refused connects fail fast ('failed') and are retried after 1, 2, 3... s
 *   (r_retryfailover), so the first retry after the restart gets through.
 *   With a period under ~66 s that backoff does not apply and eXosip would
 *   re-send at once, in a loop: the worker's RetryPacer (native/util/
 *   retry_pacer.h) spaces those retries; see the second test.
 */
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import type { Context, Registration, RegistrationError } from '../../lib/index';
import { openContext, registered } from '../helpers/context';
import { startKamailio, waitFor } from '../helpers/kamailio';
import { loadUser, useKamailio } from '../helpers/use-kamailio';

/** One refresh interval of the shortest registration below (expires 30). */
const REFRESH_INTERVAL_MS = 30_000;

interface Tracked {
  reg: Registration;
  aor: string;
  transport: 'udp' | 'tcp';
  log: Array<{ at: number; what: string }>;
}

function track(reg: Registration, aor: string, transport: 'udp' | 'tcp'): Tracked {
  const t: Tracked = { reg, aor, transport, log: [] };
  reg.on('failed', (e: RegistrationError) => t.log.push({ at: Date.now(), what: `failed ${e.code}` }));
  reg.on('refreshed', () => t.log.push({ at: Date.now(), what: 'refreshed' }));
  reg.on('challenge', (c) => t.log.push({ at: Date.now(), what: `challenge ${c.statusCode}` }));
  return t;
}

const kam = useKamailio({ minExpires: 30 });

describe('registrar restart', () => {
  test('killed and restarted with an empty table: every registration comes back within one refresh interval', { timeout: 150_000 }, async () => {
    const contexts: Context[] = [];
    const tracked: Tracked[] = [];
    try {
      // UDP: three registrations in one context. TCP: one registration per
      // context, since eXosip ties a TCP connection to one registration: when
      // the connection drops, only that one hears of it at once (the others
      // of the context find out at their next scheduled refresh).
      const udp = await openContext();
      contexts.push(udp);
      for (let i = 401; i < 404; i++) {
        const { reg } = await registered(kam.proxy, loadUser(i), { ctx: udp, expires: 30 });
        tracked.push(track(reg, `load${i}@example.com`, 'udp'));
      }
      for (let i = 411; i < 414; i++) {
        const tcp = await openContext({ transport: 'tcp' });
        contexts.push(tcp);
        const { reg } = await registered(`${kam.proxy};transport=tcp`, loadUser(i), { ctx: tcp, expires: 120 });
        tracked.push(track(reg, `load${i}@example.com`, 'tcp'));
      }
      const aors = tracked.map((t) => t.aor).sort();
      assert.deepEqual((await kam.ulDump()).map((b) => b.aor).sort(), aors);

      const t0 = Date.now();
      await kam.kill();
      // Down until every registration has reported the outage by itself.
      const history = (): string =>
        tracked.map((t) => `${t.transport} ${t.aor}: ${t.log.map((e) => `${((e.at - t0) / 1000).toFixed(1)} ${e.what}`).join(', ')}`).join('\n');
      await waitFor(async () => tracked.every((t) => t.log.some((e) => e.what.startsWith('failed'))), {
        timeoutMs: 80_000,
        intervalMs: 250,
        what: "a 'failed' event on every registration",
      }).catch((error: Error) => {
        throw new Error(`${error.message}\n${history()}`);
      });
      const down = Date.now();
      for (const t of tracked) {
        assert.ok(
          t.log.filter((e) => e.what.startsWith('failed')).every((e) => e.what === 'failed ERR_REGISTRATION_NO_RESPONSE'),
          `${t.aor}: ${JSON.stringify(t.log)}`,
        );
      }

      await kam.restart();
      const restarted = Date.now();
      assert.deepEqual(await kam.ulDump(), [], 'the restarted registrar starts with an empty table');
      // No action from us: eXosip re-registers everything by itself.
      await waitFor(async () => JSON.stringify((await kam.ulDump()).map((b) => b.aor).sort()) === JSON.stringify(aors), {
        timeoutMs: REFRESH_INTERVAL_MS,
        intervalMs: 250,
        what: 'every registration back in the location table',
      });
      const back = Date.now();
      for (const t of tracked) {
        await waitFor(async () => t.log.some((e) => e.what === 'refreshed' && e.at >= restarted), {
          timeoutMs: 5_000,
          what: `${t.aor} refreshed after the restart`,
        });
        assert.equal(t.reg.state, 'registered', t.aor);
      }
      const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
      console.log(
        `# killed at 0, every registration failed by ${s(down - t0)}, restarted at ${s(restarted - t0)}, ` +
          `all ${aors.length} back in the table by ${s(back - t0)} (${s(back - restarted)} after the restart)`,
      );
      for (const t of tracked) {
        const failures = t.log.filter((e) => e.what.startsWith('failed'));
        console.log(`#   ${t.transport} ${t.aor}: ${failures.length} failed, first at ${s(failures[0].at - t0)}; back at ${s(t.log.find((e) => e.what === 'refreshed' && e.at >= restarted)!.at - t0)}`);
      }
      for (const t of tracked.filter((x) => x.transport === 'tcp')) {
        // A burst of ~11 immediate retries, then 1, 2, 3... s apart (r_retryfailover).
        assert.ok(t.log.filter((e) => e.what.startsWith('failed')).length < 40, `${t.aor}: bounded retries while down`);
      }
    } finally {
      await Promise.all(contexts.map((c) => c.close()));
    }
  });

  test('TCP with a period under ~66 s: no tight retry loop while the registrar is down', { timeout: 60_000 }, async () => {
    // libeXosip2 5.3 alone re-sends at once after each refused connect here
    // (9,345 failed REGISTERs in 2 s); the worker's RetryPacer spaces them.
    const own = await startKamailio({ minExpires: 30 });
    const ctx = await openContext({ transport: 'tcp' });
    try {
      const { reg } = await registered(`${own.proxy};transport=tcp`, loadUser(421), { ctx, expires: 30 });
      const failures: number[] = [];
      reg.on('failed', () => failures.push(Date.now()));
      const t0 = Date.now();
      await own.kill();
      await new Promise((r) => setTimeout(r, 5_000));
      const down = failures.length;
      console.log(`# TCP, expires 30, registrar down: ${down} failed REGISTERs in 5 s, automatic action paused ${ctx.retryPauses} times`);
      assert.ok(down >= 2, `eXosip keeps retrying while the registrar is down (${down} failures)`);
      assert.ok(down <= 12, `${down} failed REGISTERs in 5 s: at most about two a second`);
      assert.ok(ctx.retryPauses >= 1, 'the pacer held automatic action back');

      // The registrar comes back: the registration is back without any action from us.
      await own.restart();
      const restarted = Date.now();
      await waitFor(async () => (await own.ulDump()).some((b) => b.aor === 'load421@example.com'), {
        timeoutMs: 10_000,
        intervalMs: 250,
        what: 'load421 back in the restarted registrar',
      });
      await waitFor(async () => reg.state === 'registered', { timeoutMs: 5_000, what: 'registered again' });
      console.log(`# back in the table ${((Date.now() - restarted) / 1000).toFixed(1)} s after the restart (killed at ${((restarted - t0) / 1000).toFixed(1)} s)`);
    } finally {
      await ctx.close();
      await own.stop();
    }
  });
});
