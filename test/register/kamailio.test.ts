/**
 * Self-test of the Kamailio registrar harness (test/helpers/kamailio.ts) only;
 * no exosip2 code involved.  REGISTERs are sent with SIPp
 * (test/sipp/register-auth.xml).
 */

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';

import { startKamailio, waitFor, type Kamailio } from '../helpers/kamailio';
import { type SippRegisterResult, sippRegisterAuth } from '../helpers/sipp';
import { useKamailio } from '../helpers/use-kamailio';

/** One REGISTER -> 401 -> REGISTER with credentials exchange, via sipp. */
function sippRegister(kam: Kamailio, o: Parameters<typeof sippRegisterAuth>[2]): Promise<SippRegisterResult> {
  return sippRegisterAuth(kam.host, kam.port, o);
}

function explain(kam: Kamailio, r: SippRegisterResult): string {
  return `\n--- sipp messages ---\n${r.messages}\n--- kamailio log (tail) ---\n${kam.log().slice(-4000)}`;
}

describe('kamailio registrar harness', { timeout: 60000 }, () => {
  const kam = useKamailio();

  test('instance basics', () => {
    assert.equal(kam.host, '127.0.0.1');
    assert.ok(kam.port > 0);
    assert.equal(kam.proxy, `sip:127.0.0.1:${kam.port}`);
    assert.equal(kam.proxyV6, `sip:[::1]:${kam.port}`);
  });

  test('REGISTER with digest auth over UDP creates one binding', { timeout: 20000 }, async () => {
    assert.deepEqual(await kam.lookup('alice@example.com'), []);
    const before = await kam.registerCount();
    const r = await sippRegister(kam, { user: 'alice', password: 'secret', domain: 'example.com', expires: 600 });
    assert.equal(r.status, 200, explain(kam, r));
    assert.equal(r.exitCode, 0, explain(kam, r));
    assert.match(r.messages, /WWW-Authenticate: Digest realm="example\.com"/);

    const bindings = await kam.lookup('alice@example.com');
    assert.equal(bindings.length, 1, JSON.stringify(bindings));
    const b = bindings[0];
    assert.equal(b.aor, 'alice@example.com');
    assert.equal(b.contact, `sip:alice@127.0.0.1:${r.localPort};transport=UDP`);
    assert.ok(b.expires > 590 && b.expires <= 600, `expires ${b.expires}`);
    assert.equal(b.cseq, 2);
    assert.ok(b.callId.length > 0);
    assert.equal(b.userAgent, 'sipp-register-auth');
    assert.equal(b.socket, `udp:127.0.0.1:${kam.port}`);

    const all = await kam.ulDump();
    assert.deepEqual(
      all.filter((x) => x.aor === 'alice@example.com').map((x) => x.contact),
      [b.contact],
    );
    // unauthenticated + authenticated REGISTER
    assert.equal((await kam.registerCount()) - before, 2);
  });

  test('wrong password is rejected with 403 and creates no binding', { timeout: 20000 }, async () => {
    const r = await sippRegister(kam, { user: 'bob', password: 'not-bobpass', domain: 'example.com', expires: 600 });
    assert.ok(r.status === 403 || r.status === 401, `status ${r.status}${explain(kam, r)}`);
    assert.equal(r.status, 403);
    assert.deepEqual(await kam.lookup('bob@example.com'), []);
  });

  test('unknown user is rejected', { timeout: 20000 }, async () => {
    const r = await sippRegister(kam, { user: 'mallory', password: 'x', domain: 'example.com', expires: 600 });
    assert.equal(r.status, 403, explain(kam, r));
    assert.deepEqual(await kam.lookup('mallory@example.com'), []);
  });

  test('REGISTER over TCP, expires above max_expires is lowered to 3600', { timeout: 20000 }, async () => {
    const r = await sippRegister(kam, { user: 'carol', password: 'carolpw', domain: 'other.test', expires: 7200, transport: 'tcp' });
    assert.equal(r.status, 200, explain(kam, r));
    assert.match(r.messages, /SIP\/2\.0 200 OK[\s\S]*Contact: <[^>]*>;expires=3600/);
    const [b, ...rest] = await kam.lookup('sip:carol@other.test');
    assert.equal(rest.length, 0);
    assert.ok(b.expires > 3590 && b.expires <= 3600, `expires ${b.expires}`);
    assert.equal(b.socket, `tcp:127.0.0.1:${kam.port}`);
  });

  test('expires below min_expires gets 423 with Min-Expires: 60', { timeout: 20000 }, async () => {
    const r = await sippRegister(kam, { user: 'dave', password: 'davepw', domain: 'example.com', expires: 30 });
    assert.equal(r.status, 423, explain(kam, r));
    assert.match(r.messages, /Min-Expires: 60/);
    assert.deepEqual(await kam.lookup('dave@example.com'), []);
  });

  test('a second instance runs side by side; rechallengeOnBadPassword gives 401', { timeout: 30000 }, async () => {
    const other = await startKamailio({ rechallengeOnBadPassword: true });
    try {
      assert.notEqual(other.port, kam.port);
      const bad = await sippRegister(other, { user: 'load7', password: 'wrong', domain: 'example.com', expires: 600 });
      assert.equal(bad.status, 401, explain(other, bad));
      const good = await sippRegister(other, { user: 'load7', password: 'loadpw', domain: 'example.com', expires: 600 });
      assert.equal(good.status, 200, explain(other, good));
      assert.equal((await other.lookup('load7@example.com')).length, 1);
      // separate location tables
      assert.deepEqual(await kam.lookup('load7@example.com'), []);
      assert.equal(await other.registerCount(), 4);
    } finally {
      await other.stop();
    }
    assert.ok(!fs.existsSync(other.dir), 'temp dir removed by stop()');
  });

  test('waitFor returns the first truthy value and times out clearly', async () => {
    let n = 0;
    assert.equal(await waitFor(async () => ++n >= 3 && n, { intervalMs: 10 }), 3);
    await assert.rejects(
      waitFor(async () => false, { timeoutMs: 100, intervalMs: 20, what: 'never' }),
      /Timed out after 100 ms waiting for never/,
    );
  });
});
