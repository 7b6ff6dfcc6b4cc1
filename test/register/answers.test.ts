/**
 * Issue #16, section 2: every final answer to a REGISTER (3xx-6xx, with and
 * without the headers it should carry) settles register()/refresh() at once
 * with the right error, emits 'failed', leaves a true `state`, and a failed
 * refresh is retried on eXosip's failure schedule, or after Retry-After when
 * that is later, in the same registration (same Call-ID, next CSeq; RFC 3261
 * §10.2.4). docs/reliability.md, "Final answers to REGISTER", is the table.
 */
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { Context, type RegistrationError } from '../../lib/index';
import { grant, type Logged, respond, startUdpRegistrar } from '../helpers/udp-registrar';

const FINAL: ReadonlyArray<readonly [number, string, readonly string[]]> = [
  [301, 'Moved Permanently', ['Contact: <sip:alice@192.0.2.1>']],
  [302, 'Moved Temporarily', []],
  [400, 'Bad Request', []],
  [403, 'Forbidden', []],
  [404, 'Not Found', []],
  [408, 'Request Timeout', []],
  [423, 'Interval Too Brief', []],
  [480, 'Temporarily Unavailable', []],
  [486, 'Busy Here', []],
  [500, 'Server Internal Error', []],
  [503, 'Service Unavailable', []],
  [504, 'Server Time-out', []],
  [600, 'Busy Everywhere', []],
  [603, 'Decline', []],
  [604, 'Does Not Exist Anywhere', []],
  [606, 'Not Acceptable', []],
];

const cseq = (e: Logged): number => Number(e.req.get('cseq')!.split(/\s+/)[0]);
const callId = (e: Logged): string => e.req.get('call-id')!;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function rejection(p: Promise<unknown>): Promise<RegistrationError> {
  return (await p.then(
    () => assert.fail('resolved'),
    (e: unknown) => e,
  )) as RegistrationError;
}

/** A registrar granting 30 s, answering the REGISTERs listed in `failing` (1-based) with `answer`. */
async function scripted(failing: ReadonlySet<number>, answer: (req: Parameters<typeof respond>[0]) => string) {
  return startUdpRegistrar((req, e) => (failing.has(e.n) ? answer(req) : grant(req, 30)));
}

describe('every final answer to REGISTER (issue #16, section 2)', { concurrency: true }, () => {
  for (const [status, reason, extra] of FINAL) {
    test(`${status} to the first REGISTER: register() rejects at once, one 'failed', nothing more is sent`, async () => {
      await using reg = await scripted(new Set([1]), (req) => respond(req, status, reason, extra));
      await using ctx = new Context();
      await ctx.listen({ address: '127.0.0.1' });
      const failed: RegistrationError[] = [];
      ctx.on('registration', (r) => r.on('failed', (e) => failed.push(e)));
      const started = Date.now();
      const error = await rejection(ctx.register({ from: 'sip:alice@example.com', proxy: reg.proxy, expires: 30 }));
      assert.ok(Date.now() - started < 2000, `settled after ${Date.now() - started} ms`);
      assert.equal(error.code, 'ERR_REGISTRATION_REJECTED');
      assert.equal(error.statusCode, status);
      assert.ok(error.reason.startsWith(reason), error.reason);
      assert.equal(failed.length, 1);
      assert.equal(ctx.registrations.size, 0);
      await sleep(1500);
      assert.equal(reg.registers().length, 1);
    });

    test(`${status} to a refresh: refresh() rejects at once, state 'failed', then the same registration is retried ~24 s later`, { timeout: 60_000 }, async () => {
      await using reg = await scripted(new Set([2]), (req) => respond(req, status, reason, extra));
      await using ctx = new Context();
      await ctx.listen({ address: '127.0.0.1' });
      const r = await ctx.register({ from: 'sip:alice@example.com', proxy: reg.proxy, expires: 30 });
      const failed: RegistrationError[] = [];
      r.on('failed', (e) => failed.push(e));
      const started = Date.now();
      const error = await rejection(r.refresh());
      assert.ok(Date.now() - started < 2000, `settled after ${Date.now() - started} ms`);
      assert.equal(error.statusCode, status);
      assert.equal(failed.length, 1);
      assert.equal(r.state, 'failed');
      assert.equal(r.retryAt, null);
      const failedAt = reg.now();
      const refreshed = new Promise((resolve) => r.once('refreshed', resolve));
      const [first, failedOne, retry] = await reg.waitRegisters(3, 40_000);
      const after = (retry.t - failedAt) / 1000;
      // eXosip's failure schedule for a 30 s period: 90% of it or 6 s before it ends, whichever is first.
      assert.ok(after > 20 && after < 30, `retried ${after} s after the failure`);
      assert.equal(callId(retry), callId(first));
      assert.equal(cseq(retry), cseq(failedOne) + 1);
      await refreshed;
      assert.equal(r.state, 'registered');
      assert.equal(reg.registers().length, 3);
    });
  }

  for (const status of [503, 500, 480, 486, 600, 603]) {
    test(`${status} with Retry-After: 40 to a refresh: nothing for 40 s (eXosip alone: ~24 s), then the same registration`, { timeout: 80_000 }, async () => {
      await using reg = await scripted(new Set([2]), (req) => respond(req, status, 'Try Later', ['Retry-After: 40 (maintenance);duration=600']));
      await using ctx = new Context();
      await ctx.listen({ address: '127.0.0.1' });
      const r = await ctx.register({ from: 'sip:alice@example.com', proxy: reg.proxy, expires: 30 });
      const error = await rejection(r.refresh());
      assert.equal(error.statusCode, status);
      assert.equal(error.retryAfter, 40);
      assert.equal(r.state, 'failed');
      const failedAt = reg.now();
      const [, failedOne, retry] = await reg.waitRegisters(3, 60_000);
      const after = (retry.t - failedAt) / 1000;
      assert.ok(after >= 39.5 && after < 43, `retried ${after} s after the failure`);
      assert.equal(callId(retry), callId(failedOne));
      assert.equal(cseq(retry), cseq(failedOne) + 1);
      await new Promise((resolve) => r.once('refreshed', resolve));
      assert.equal(r.retryAt, null);
    });
  }

  test('Retry-After shorter than eXosip would wait (10 s): eXosip retries on its own schedule, never before 10 s', { timeout: 60_000 }, async () => {
    await using reg = await scripted(new Set([2]), (req) => respond(req, 503, 'Service Unavailable', ['Retry-After: 10']));
    await using ctx = new Context();
    await ctx.listen({ address: '127.0.0.1' });
    const r = await ctx.register({ from: 'sip:alice@example.com', proxy: reg.proxy, expires: 30 });
    const error = await rejection(r.refresh());
    assert.equal(error.retryAfter, 10);
    assert.equal(r.retryAt, null);
    const failedAt = reg.now();
    const [, , retry] = await reg.waitRegisters(3, 40_000);
    const after = (retry.t - failedAt) / 1000;
    assert.ok(after > 20 && after < 30, `retried ${after} s after the failure`);
  });

  test('Retry-After on the first REGISTER: rejected with retryAfter, nothing retried (the caller decides)', async () => {
    await using reg = await scripted(new Set([1]), (req) => respond(req, 503, 'Service Unavailable', ['Retry-After: 5']));
    await using ctx = new Context();
    await ctx.listen({ address: '127.0.0.1' });
    const error = await rejection(ctx.register({ from: 'sip:alice@example.com', proxy: reg.proxy, expires: 30 }));
    assert.equal(error.statusCode, 503);
    assert.equal(error.retryAfter, 5);
    assert.match(error.message, /Retry-After: 5 s/);
    await sleep(6000);
    assert.equal(reg.registers().length, 1);
  });

  test('refresh() while a REGISTER is held for Retry-After sends that one now: same Call-ID, next CSeq', { timeout: 30_000 }, async () => {
    await using reg = await scripted(new Set([2]), (req) => respond(req, 503, 'Service Unavailable', ['Retry-After: 300']));
    await using ctx = new Context();
    await ctx.listen({ address: '127.0.0.1' });
    const r = await ctx.register({ from: 'sip:alice@example.com', proxy: reg.proxy, expires: 30 });
    await rejection(r.refresh());
    assert.ok(r.retryAt !== null);
    const info = await r.refresh({ expires: 40 });
    assert.equal(info.expires, 30);
    const [first, failedOne, again] = reg.registers();
    assert.equal(callId(again), callId(first));
    assert.equal(cseq(again), cseq(failedOne) + 1);
    assert.equal(again.req.get('expires'), '40');
    assert.equal(r.retryAt, null);
    assert.equal(r.state, 'registered');
  });

  test('a failed unregister() is not retried, Retry-After or not (eXosip does not retry a removal either)', { timeout: 30_000 }, async () => {
    await using reg = await scripted(new Set([2]), (req) => respond(req, 503, 'Service Unavailable', ['Retry-After: 300']));
    await using ctx = new Context();
    await ctx.listen({ address: '127.0.0.1' });
    const r = await ctx.register({ from: 'sip:alice@example.com', proxy: reg.proxy, expires: 30 });
    const error = await rejection(r.unregister());
    assert.equal(error.statusCode, 503);
    assert.equal(r.retryAt, null);
    await sleep(4000);
    assert.equal(reg.registers().length, 2);
  });

  test('unregister() while a REGISTER is held sends it with expires 0, then the registration is gone', { timeout: 30_000 }, async () => {
    await using reg = await scripted(new Set([2]), (req) => respond(req, 500, 'Server Internal Error', ['Retry-After: 300']));
    await using ctx = new Context();
    await ctx.listen({ address: '127.0.0.1' });
    const r = await ctx.register({ from: 'sip:alice@example.com', proxy: reg.proxy, expires: 30 });
    await rejection(r.refresh());
    await r.unregister();
    const [first, , last] = reg.registers();
    assert.equal(callId(last), callId(first));
    assert.equal(last.req.get('expires'), '0');
    assert.equal(r.state, 'unregistered');
    await sleep(1000);
    assert.equal(reg.registers().length, 3);
  });
});
