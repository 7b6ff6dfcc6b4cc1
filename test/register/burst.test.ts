/**
 * A burst of register() calls on one Context is paced by the worker
 * (SendWindow in native/context/commands.h, docs/threads.md "Commands"): at
 * most 64 registrations wait for the answer to a REGISTER it sent, the rest
 * go as answers come in. Flow control measured on the wire, so not in the
 * memcheck list (under valgrind eXosip's answers come slower than the
 * window's 200 ms stall, which is then right to open it).
 */
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import type { SipTrace } from '../../lib/index';
import { openContext } from '../helpers/context';
import { useKamailio } from '../helpers/use-kamailio';

const kam = useKamailio();

/** How many AoRs Kamailio's location table holds (`usrloc:location_users`; ul.dump of hundreds is too big for kamcmd). */
async function locationUsers(): Promise<number> {
  const out = await kam.rpc('stats.get_statistics', 'usrloc:');
  const m = /location_users\s*[:=]\s*(\d+)/.exec(out);
  assert.ok(m, `unexpected stats.get_statistics output: ${out}`);
  return Number(m[1]);
}

describe('a burst of REGISTERs on one context', () => {
  test('a burst past the send window: REGISTERs wait for answers, all registered, all unregistered', { timeout: 60_000 }, async () => {
    // 300 register() at once. The worker keeps at most 64 REGISTERs of commands
    // unanswered (SendWindow in native/context/commands.h; a 401 counts as the
    // answer), and sends the rest as answers come in; the window reopens by
    // itself after 200 ms without answers. Sent at once (before the window),
    // all 300 left before the first 401 came back and the socket's receive
    // buffer overflowed. Counted on the wire, in the order eXosip's thread sent
    // and received (traces): first REGISTERs out, minus 401s in.
    const users = Array.from({ length: 300 }, () => kam.freshUser());
    const before = await locationUsers();
    await using ctx = await openContext();
    const traces: SipTrace[] = [];
    ctx.setTrace(true);
    ctx.on('trace', (t) => traces.push(t));
    for (const u of users) ctx.addAuthenticationInfo({ username: u.user, password: u.password, realm: u.domain });
    const regs = await Promise.all(users.map((u) => ctx.register({ from: `sip:${u.aor}`, proxy: kam.proxy, expires: 600 })));
    assert.deepEqual(regs.map((r) => r.from), users.map((u) => `sip:${u.aor}`));
    assert.ok(regs.every((r) => r.state === 'registered'));
    let unanswered = 0;
    let most = 0;
    for (const t of traces) {
      if (t.direction === 'out' && t.text.startsWith('REGISTER ') && !/\r\nAuthorization:/i.test(t.text)) most = Math.max(most, ++unanswered);
      else if (t.direction === 'in' && t.text.startsWith('SIP/2.0 401 ')) unanswered--;
    }
    // 64, plus 64 for each time no answer came for 200 ms while the window was full (a loaded machine): two allowed.
    assert.ok(most <= 3 * 64, `${most} first REGISTERs were unanswered at once`);
    assert.equal(await locationUsers(), before + users.length);
    await Promise.all(regs.map((r) => r.unregister()));
    assert.equal(await locationUsers(), before);
  });
});
