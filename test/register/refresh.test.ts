import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { RegistrationInfo } from '../../lib/index';
import { registered, summary } from '../helpers/context';
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
