/**
 * Requests outside of a dialog through a real proxy: Kamailio relays a
 * MESSAGE between two registered users, and pings a registered contact with
 * OPTIONS ("qualify"), which the context answers with no user code.
 */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { RequestError } from '../../lib/index';
import { openContext } from '../helpers/context';
import { testUser, useKamailio } from '../helpers/use-kamailio';
import { waitFor } from '../helpers/kamailio';

const kam = useKamailio({ relay: true, qualifyS: 1 });

test('Kamailio relays a MESSAGE between two registered users; an unknown user gets 404', { timeout: 30_000 }, async () => {
  const alice = testUser('alice');
  const bob = testUser('bob');
  const a = await openContext();
  const b = await openContext();
  try {
    for (const [ctx, u] of [[a, alice], [b, bob]] as const) {
      ctx.addAuthenticationInfo({ username: u.user, password: u.password, realm: u.domain });
      await ctx.register({ from: `sip:${u.aor}`, proxy: kam.proxy, expires: 600 });
    }
    const got: string[] = [];
    b.on('request', async (req) => {
      if (req.method !== 'MESSAGE') return;
      got.push(`${req.from.replace(/;tag=.*/, '')} ${req.body?.toString()}`);
      await req.respond(200, { body: 'hi alice', contentType: 'text/plain' });
    });
    const res = await a.message(`sip:${bob.aor}`, 'hi bob, via kamailio', { from: `sip:${alice.aor}`, route: `<${kam.proxy};lr>` });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body?.toString(), 'hi alice');
    assert.deepEqual(got, [`<sip:${alice.aor}> hi bob, via kamailio`]);
    // A bare route URI is a loose route too (taken as <URI>), not a strict one Kamailio answers 405.
    const bare = await a.message(`sip:${bob.aor}`, 'hi again', { from: `sip:${alice.aor}`, route: `${kam.proxy};lr` });
    assert.equal(bare.statusCode, 200);
    assert.deepEqual(got.at(-1), `<sip:${alice.aor}> hi again`);
    const error = await a.message(`sip:nobody@${alice.domain}`, 'x', { from: `sip:${alice.aor}`, route: `<${kam.proxy};lr>` }).catch((e: unknown) => e);
    assert.ok(error instanceof RequestError && error.statusCode === 404, String(error));
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test("Kamailio's OPTIONS qualify ping to a registered contact is answered 200 with no user code", { timeout: 30_000 }, async () => {
  const alice = testUser('alice');
  const ctx = await openContext();
  try {
    const answered: string[] = [];
    ctx.setTrace(true);
    ctx.on('trace', (t) => {
      if (t.direction === 'out' && t.text.startsWith('SIP/2.0 ') && /^CSeq: *\d+ OPTIONS/m.test(t.text)) answered.push(t.text.split('\r\n')[0]);
    });
    ctx.addAuthenticationInfo({ username: alice.user, password: alice.password, realm: alice.domain });
    await ctx.register({ from: `sip:${alice.aor}`, proxy: kam.proxy, expires: 600 });
    await waitFor(async () => answered.length > 0, { timeoutMs: 15_000, what: 'an OPTIONS ping answered' });
    assert.equal(answered[0], 'SIP/2.0 200 OK');
  } finally {
    await ctx.close();
  }
});
