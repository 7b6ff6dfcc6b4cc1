/**
 * Issue #16, section 1: `Registration.expires` is what the registrar granted
 * to our binding (RFC 3261 §10.2.4), however its 2xx writes it, and the next
 * REGISTER leaves at least MIN_REFRESH_LEAD_S (5 s) before that runs out.
 * The registrar is test/helpers/udp-registrar.ts; Kamailio's own table is
 * checked in register-kamailio.test.ts.
 */
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { Context } from '../../lib/index';
import { contacts, respond, type SipRequest, startUdpRegistrar } from '../helpers/udp-registrar';

/** Our Contact's URI parameters (`;line=...`), as eXosip wrote them. */
const lineOf = (req: SipRequest): string => /;line=(\w+)/.exec(contacts(req)[0])![1];

/**
 * Registers with `ask` through a registrar answering `answer`; resolves with
 * `expires` after the 2xx, and the seconds between the first REGISTER and
 * the next (none when `watch` is 0).
 */
async function run(ask: number, answer: (req: SipRequest) => string, watch: number): Promise<{ expires: number; gap: number | null; requested: number }> {
  await using reg = await startUdpRegistrar(answer);
  await using ctx = new Context();
  await ctx.listen({ address: '127.0.0.1' });
  const r = await ctx.register({ from: 'sip:alice@example.com', proxy: reg.proxy, expires: ask });
  const expires = r.expires;
  if (watch === 0) return { expires, gap: null, requested: r.requestedExpires };
  const [a, b] = await reg.waitRegisters(2, watch * 1000).catch(() => reg.registers());
  return { expires, gap: b === undefined ? null : (b.t - a.t) / 1000, requested: r.requestedExpires };
}

const ok = (req: SipRequest, lines: readonly string[]): string => respond(req, 200, 'OK', lines);

/** Asserts a refresh left at least 5 s (and at most half the grant) before `granted` ran out. */
function leftInTime(gap: number | null, granted: number): void {
  assert.ok(gap !== null, 'no refresh');
  assert.ok(gap <= granted - 5 + 0.5 && gap >= granted / 2 - 0.5, `refreshed ${gap} s after the REGISTER, granted ${granted}`);
}

describe('the grant to our binding (issue #16, section 1)', { concurrency: true }, () => {
  test('a small lowering (asked 60, granted 55): refreshed 5 s before the grant ends, not at eXosip\'s 54 s', { timeout: 90_000 }, async () => {
    const o = await run(60, (req) => ok(req, contacts(req).map((c) => `Contact: ${c};expires=55`)), 58);
    assert.equal(o.expires, 55);
    leftInTime(o.gap, 55);
  });

  test('host and port rewritten, params kept: found by eXosip\'s line parameter', { timeout: 60_000 }, async () => {
    const o = await run(30, (req) => ok(req, [`Contact: <sip:alice@198.51.100.9:7777;line=${lineOf(req)}>;expires=20`]), 25);
    assert.equal(o.expires, 20);
    leftInTime(o.gap, 20);
  });

  test('host and port rewritten, params dropped, the only binding: that one', { timeout: 60_000 }, async () => {
    const o = await run(30, (req) => ok(req, ['Contact: <sip:alice@198.51.100.9:7777>;expires=20']), 25);
    assert.equal(o.expires, 20);
    leftInTime(o.gap, 20);
  });

  test('URI params dropped, address kept, other devices listed: ours by address', { timeout: 60_000 }, async () => {
    const o = await run(
      30,
      (req) => {
        const ours = /<([^;>]+)/.exec(contacts(req)[0])![1];
        return ok(req, ['Contact: <sip:alice@198.51.100.1:5060>;expires=3600', `Contact: <${ours}>;expires=20`, 'Contact: <sip:alice@198.51.100.2:5060>;expires=8']);
      },
      25,
    );
    assert.equal(o.expires, 20);
    leftInTime(o.gap, 20);
  });

  test('the same address in another notation (IPv4-mapped) is still ours', async () => {
    const o = await run(
      30,
      (req) => {
        const ours = contacts(req)[0].replace('@127.0.0.1:', '@[::ffff:127.0.0.1]:');
        return ok(req, ['Contact: <sip:bob@127.0.0.1:5060>;expires=3000', `Contact: ${ours};expires=25`]);
      },
      0,
    );
    assert.equal(o.expires, 25);
  });

  test('Expires header only (no expires parameter): that is the grant', { timeout: 60_000 }, async () => {
    const o = await run(30, (req) => ok(req, [...contacts(req).map((c) => `Contact: ${c}`), 'Expires: 20']), 25);
    assert.equal(o.expires, 20);
    leftInTime(o.gap, 20);
  });

  test('our binding cannot be told apart from others: the shortest listed expiry is taken', async () => {
    const o = await run(30, (req) => ok(req, ['Contact: <sip:alice@198.51.100.1:5060>;expires=3600', 'Contact: <sip:alice@198.51.100.2:5060>;expires=12']), 0);
    assert.equal(o.expires, 12);
  });

  test('a grant above what was asked is reported as granted (eXosip takes it too)', async () => {
    const o = await run(30, (req) => ok(req, contacts(req).map((c) => `Contact: ${c};expires=90`)), 0);
    assert.equal(o.expires, 90);
    assert.equal(o.requested, 30);
  });

  test('the grant the registrar lists for us wins over its Expires header', async () => {
    const o = await run(60, (req) => ok(req, [...contacts(req).map((c) => `Contact: ${c};expires=40`), 'Expires: 50']), 0);
    assert.equal(o.expires, 40);
  });
});
