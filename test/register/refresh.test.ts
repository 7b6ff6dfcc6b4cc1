import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { RegistrationInfo } from '../../lib/index';
import { delay, openContext, registered, summary } from '../helpers/context';
import { testUser, useKamailio } from '../helpers/use-kamailio';

// eXosip refreshes at 90% of the period (or 6 s before it ends) and raises
// periods under 30 s to 30: with a registrar that accepts 30 s, the first
// automatic refresh comes about 25 s after the REGISTER. This is the one slow
// test, and the proof that eXosip_automatic_action runs on every pass.
const kam = useKamailio({ minExpires: 30 });

test('eXosip refreshes the registration by itself before it expires', { timeout: 60_000 }, async () => {
  const { ctx, reg, events } = await registered(kam.proxy, testUser('alice'), { expires: 30 });
  assert.equal(reg.expires, 30);
  const [before] = await kam.lookup('alice@example.com');
  const started = Date.now();
  const info = await new Promise<RegistrationInfo>((resolve) => reg.once('refreshed', resolve));
  const elapsed = (Date.now() - started) / 1000;
  assert.ok(elapsed > 15 && elapsed < 30, `refreshed after ${elapsed} s`);
  assert.equal(info.expires, 30);
  assert.equal(reg.state, 'registered');
  const [after] = await kam.lookup('alice@example.com');
  assert.equal(after.callId, before.callId);
  assert.ok(after.cseq > before.cseq, 'a new REGISTER reached Kamailio');
  assert.ok(after.expires > 25, `binding renewed (${after.expires} s left)`);
  // Only successes (and possibly a stale-nonce challenge) on the way.
  for (const [type, status] of summary(events)) {
    assert.ok(type === 'EXOSIP_REGISTRATION_SUCCESS' || status === 401, `${type} ${status}`);
  }
  await reg.unregister();
  await ctx.close();
});

// The binding arms its own refresh timer when a 2xx reaches JS (lib/register/
// schedule.ts), refreshLead(30) = 5 s before a 30 s grant runs out: due 25 s
// after the 2xx, as eXosip's own refresh (24-25 s after its REGISTER left,
// whole seconds, plus up to a worker tick). A JS thread busy while both come
// due runs the binding's timer before it learns of eXosip's refresh: the
// binding sent a second REGISTER (CI: test/reliability/hostile.test.ts, 7
// REGISTERs for 6). It must stand down: eXosip's REGISTER left after the 2xx.
test("the binding's own refresh stands down when eXosip refreshed first while the JS thread was busy", { timeout: 60_000 }, async () => {
  const user = kam.freshUser();
  await using ctx = await openContext();
  ctx.addAuthenticationInfo({ username: user.user, password: user.password, realm: user.domain });
  ctx.setTrace(true);
  const registers: string[] = [];
  const oks: string[] = [];
  ctx.on('trace', (t) => {
    const cseq = /^CSeq:\s*(\d+) REGISTER/im.exec(t.text)?.[1];
    if (cseq === undefined) return;
    if (t.direction === 'out') registers.push(cseq);
    else if (t.text.startsWith('SIP/2.0 200 ')) oks.push(cseq);
  });
  const reg = await ctx.register({ from: `sip:${user.aor}`, proxy: kam.proxy, expires: 30 });
  const grantedAt = Date.now();
  assert.equal(reg.expires, 30);
  let refreshes = 0;
  reg.on('refreshed', () => refreshes++);
  const sent = registers.length;
  const okCount = oks.length;
  const received = await kam.registerCount();
  // Busy from 22 s to 28 s after the 2xx: eXosip refreshes meanwhile on its
  // own threads, and the binding's timer comes due; it runs as the busy
  // callback returns, before the event of eXosip's 2xx (a later loop phase).
  await delay(22_000 - (Date.now() - grantedAt));
  const until = grantedAt + 28_000;
  while (Date.now() < until) {
    // the JS thread does nothing else
  }
  await delay(3_000);
  assert.equal(oks.length - okCount, 1, `REGISTERs sent ${registers.slice(sent).join(', ')}; 200s for CSeq ${oks.slice(okCount).join(', ')}`);
  assert.equal(refreshes, 1);
  assert.equal(reg.state, 'registered');
  // Kamailio got exactly the REGISTERs we sent, and holds the refreshed binding.
  assert.equal((await kam.registerCount()) - received, registers.length - sent);
  const [binding] = await kam.lookup(user.aor);
  assert.equal(binding.cseq, Number(oks.at(-1)));
  await reg.unregister();
});
