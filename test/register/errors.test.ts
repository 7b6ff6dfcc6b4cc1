/**
 * What a failed or aborted registration says (issue #12): a REGISTER without
 * final answer carries its cause in words in `RegistrationError.reason` (the
 * CLI prints the same text), and an aborted wait rejects as Node's own
 * aborted APIs do (`name: 'AbortError'`, `code: 'ABORT_ERR'`), still an
 * instance of RegistrationError.
 */
import { strict as assert } from 'node:assert';
import { getEventListeners } from 'node:events';
import { describe, test } from 'node:test';
import { RegistrationError } from '../../lib/index';
import { openContext } from '../helpers/context';
import { boundUdpSocket, freePort } from '../helpers/ports';
import { grant, type SipRequest, startUdpRegistrar } from '../helpers/udp-registrar';

const FROM = 'sip:alice@example.com';

async function rejection(p: Promise<unknown>): Promise<RegistrationError> {
  const error = await p.then(
    () => assert.fail('resolved'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof RegistrationError, String(error));
  return error;
}

describe('a registration without final answer says why in words', { concurrency: true }, () => {
  test('UDP, nothing answers: "no answer from 127.0.0.1:<port> (udp) within 32 s"', { timeout: 60_000 }, async () => {
    const silent = await boundUdpSocket();
    try {
      await using ctx = await openContext();
      const port = silent.address().port;
      const error = await rejection(ctx.register({ from: FROM, proxy: `sip:127.0.0.1:${port}`, expires: 60 }));
      assert.equal(error.code, 'ERR_REGISTRATION_NO_RESPONSE');
      assert.equal(error.statusCode, 0);
      assert.equal(error.reason, `no answer from 127.0.0.1:${port} (udp) within 32 s`);
      assert.equal(error.retryAfter, null);
      assert.match(error.message, /failed: no answer from 127\.0\.0\.1:\d+ \(udp\) within 32 s$/);
    } finally {
      silent.close();
    }
  });

  test('TCP, the connection is refused: the transport failed, after how long', { timeout: 30_000 }, async () => {
    await using ctx = await openContext({ transport: 'tcp' });
    const port = await freePort();
    const error = await rejection(ctx.register({ from: FROM, proxy: `sip:127.0.0.1:${port};transport=tcp`, expires: 60 }));
    assert.equal(error.code, 'ERR_REGISTRATION_NO_RESPONSE');
    assert.match(error.reason, new RegExp(`^no answer from 127\\.0\\.0\\.1:${port} \\(tcp\\): eXosip gave up after \\d+ ms, the transport failed \\(e\\.g\\. the connection was refused, or the name did not resolve\\)$`));
  });

  test('headers or a From that make the REGISTER outgrow one UDP datagram: ERR_MESSAGE_TOO_LARGE before anything is sent, not a transport failure', async () => {
    await using ctx = await openContext();
    const silent = await boundUdpSocket();
    let received = 0;
    silent.on('message', () => received++);
    try {
      const proxy = `sip:127.0.0.1:${silent.address().port}`;
      await assert.rejects(ctx.register({ from: FROM, proxy, headers: { 'X-Big': 'a'.repeat(65_600) } }), (e: Error & { code?: string }) => {
        assert.equal(e.name, 'RangeError');
        assert.equal(e.code, 'ERR_MESSAGE_TOO_LARGE');
        assert.match(e.message, /^The REGISTER is \d+ bytes: over UDP one datagram carries at most 65507 \(and a peer built on eXosip receives at most 8000\); listen over TCP$/);
        return true;
      });
      assert.equal(ctx.registrations.size, 0, 'nothing kept');
      // A 100 kB From does the same (it was sent, and failed as a transport error).
      await assert.rejects(ctx.register({ from: `sip:${'a'.repeat(100_000)}@example.com`, proxy }), { code: 'ERR_MESSAGE_TOO_LARGE' });
      assert.equal(ctx.registrations.size, 0, 'nothing kept');
      // Just under the limit still goes: the check is the datagram's size, not a guess.
      const reg = ctx.register({ from: FROM, proxy, headers: { 'X-Big': 'a'.repeat(64_000) }, timeoutMs: 500 });
      await assert.rejects(reg, { code: 'ERR_REGISTRATION_TIMEOUT' });
      assert.ok(received >= 1, 'the 64 KB REGISTER reached the peer');
    } finally {
      silent.close();
    }
  });
});

describe('aborted registration waits reject with an AbortError', { concurrency: true }, () => {
  const isAbort = (error: RegistrationError, rid: number): void => {
    assert.equal(error.name, 'AbortError');
    assert.equal(error.code, 'ABORT_ERR');
    assert.ok(error instanceof Error);
    assert.equal(error.rid, rid);
    assert.equal(error.statusCode, 0);
  };

  test('register(): a signal already aborted, one aborted while the REGISTER waits for the worker, and one aborted while it is in flight', async () => {
    const silent = await boundUdpSocket();
    try {
      await using ctx = await openContext();
      const proxy = `sip:127.0.0.1:${silent.address().port}`;
      const reason = new Error('stop');
      isAbort(await rejection(ctx.register({ from: FROM, proxy, signal: AbortSignal.abort(reason) })), 0);
      // Aborted while the REGISTER still waits for the worker: no rid yet
      // (0), and no 'registration' event ever comes for it.
      let announced = 0;
      ctx.on('registration', () => announced++);
      const queued = new AbortController();
      const early = ctx.register({ from: FROM, proxy, signal: queued.signal });
      queued.abort(reason);
      const first = await rejection(early);
      isAbort(first, 0);
      assert.equal(first.cause, reason);
      // Aborted once the REGISTER is on the wire: the error carries its rid.
      const controller = new AbortController();
      const announcedRid = new Promise<number>((resolve) => ctx.once('registration', (r) => resolve(r.rid)));
      const pending = ctx.register({ from: FROM, proxy, signal: controller.signal });
      const rid = await announcedRid;
      assert.ok(rid > 0);
      controller.abort(reason);
      const error = await rejection(pending);
      isAbort(error, rid);
      assert.equal(error.cause, reason);
      assert.equal(announced, 1, 'only the REGISTER that went out as a live registration was announced');
      assert.equal(ctx.registrations.size, 0);
      // A timeout after the REGISTER left names the caller's timeoutMs, not what was left of it.
      await assert.rejects(ctx.register({ from: FROM, proxy, timeoutMs: 200 }), { code: 'ERR_REGISTRATION_TIMEOUT', message: /: no final answer within 200 ms$/ });
    } finally {
      silent.close();
    }
  });

  test('one AbortSignal shared by many calls: one listener on it, no MaxListenersExceededWarning, every call aborted', { timeout: 30_000 }, async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    const silent = await boundUdpSocket();
    try {
      await using registrar = await startUdpRegistrar((req) => grant(req, /expires=0\b/i.test(req.get('contact') ?? '') || req.get('expires') === '0' ? 0 : 60));
      await using ctx = await openContext();
      // Granted: once they settled, the signal holds no listener of ours.
      const kept = new AbortController();
      const granted = await Promise.all(Array.from({ length: 30 }, (_, i) => ctx.register({ from: `sip:shared${i}@example.com`, proxy: registrar.proxy, signal: kept.signal })));
      assert.equal(getEventListeners(kept.signal, 'abort').length, 0);
      await Promise.all(granted.map((r) => r.unregister({ signal: kept.signal })));
      assert.equal(getEventListeners(kept.signal, 'abort').length, 0);
      // Unanswered: 30 register() and 5 request() wait on one signal through one listener.
      const controller = new AbortController();
      const proxy = `sip:127.0.0.1:${silent.address().port}`;
      const waits = [
        ...Array.from({ length: 30 }, (_, i) => ctx.register({ from: `sip:shared${i}@example.com`, proxy, signal: controller.signal })),
        ...Array.from({ length: 5 }, () => ctx.request({ method: 'MESSAGE', to: `sip:bob@127.0.0.1:${silent.address().port}`, from: FROM, signal: controller.signal })),
      ];
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
      controller.abort(new Error('stop'));
      const outcomes = await Promise.allSettled(waits);
      assert.deepEqual(
        outcomes.map((o) => (o.status === 'rejected' ? (o.reason as { code?: string }).code : o.status)),
        Array.from({ length: 35 }, () => 'ABORT_ERR'),
      );
      assert.equal(ctx.registrations.size, 0);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message), []);
    } finally {
      process.off('warning', onWarning);
      silent.close();
    }
  });

  test('a REGISTER the registrar grants after register() was aborted (or timed out) is removed at once', { timeout: 30_000 }, async () => {
    // The registrar answers each first REGISTER 1 s late; removals at once.
    const isRemoval = (req: SipRequest): boolean => /expires=0\b/i.test(req.get('contact') ?? '') || req.get('expires') === '0';
    await using registrar = await startUdpRegistrar((req) => (isRemoval(req) ? grant(req, 0) : [{ delayMs: 1000, text: grant(req, 60) }]));
    await using ctx = await openContext();
    for (const stop of ['abort', 'timeout'] as const) {
      const before = registrar.registers().length;
      const controller = new AbortController();
      const pending = ctx.register({ from: FROM, proxy: registrar.proxy, expires: 60, ...(stop === 'abort' ? { signal: controller.signal } : { timeoutMs: 200 }) });
      if (stop === 'abort') setTimeout(() => controller.abort(), 200);
      const error = await rejection(pending);
      assert.equal(error.code, stop === 'abort' ? 'ABORT_ERR' : 'ERR_REGISTRATION_TIMEOUT');
      assert.equal(ctx.registrations.size, 0, 'gone from the registrations at once');
      // The late 200 comes; the binding answers it with a REGISTER expires 0, same Call-ID.
      const first = (await registrar.waitRegisters(before + 1, 5_000))[before].req;
      const deadline = Date.now() + 10_000;
      let removal: SipRequest | undefined;
      while (removal === undefined && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        removal = registrar.registers().slice(before).map((l) => l.req).find(isRemoval);
      }
      assert.ok(removal !== undefined, 'a REGISTER with expires 0 followed the late 200');
      assert.equal(removal.get('call-id'), first.get('call-id'));
    }
  });

  test('refresh() and unregister() waiting for an answer', async () => {
    let answer = true;
    await using registrar = await startUdpRegistrar((req) => (answer ? grant(req, 60) : undefined));
    await using ctx = await openContext();
    const reg = await ctx.register({ from: FROM, proxy: registrar.proxy, expires: 60 });
    answer = false;
    const refreshing = new AbortController();
    const refresh = reg.refresh({ signal: refreshing.signal });
    refreshing.abort();
    isAbort(await rejection(refresh), reg.rid);
    isAbort(await rejection(reg.unregister({ signal: AbortSignal.abort() })), reg.rid);
  });
});
