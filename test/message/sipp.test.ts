import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { Context, type ContextOptions, RequestError } from '../../lib/index';
import { explainSipp, scenarioFrom, startSipp } from '../helpers/sipp';

/** A context on 127.0.0.1 over UDP with these options, closed by the caller. */
async function open(options: ContextOptions = {}): Promise<Context> {
  const ctx = new Context({ userAgent: 'exosip2-test/1.0', ...options });
  await ctx.listen({ address: '127.0.0.1' });
  return ctx;
}

/** The status lines SIPp received, in order (from its -trace_msg). */
function statusLines(messages: string): string[] {
  return [...messages.matchAll(/^SIP\/2\.0 (\d{3}) .*$/gm)].map((m) => m[0].trim());
}

describe('SIPp sends requests outside of a dialog to a context', () => {
  for (const [method, answer, expected] of [
    ['MESSAGE', true, 'SIP/2.0 200 OK'],
    ['MESSAGE', false, 'SIP/2.0 405 Method Not Allowed'],
    ['OPTIONS', false, 'SIP/2.0 200 OK'],
    ['NOTIFY', false, 'SIP/2.0 405 Method Not Allowed'],
    ['SUBSCRIBE', false, 'SIP/2.0 405 Method Not Allowed'],
    ['INFO', false, 'SIP/2.0 481 Call/Transaction Does Not Exist'],
  ] as const) {
    test(`${method} ${answer ? 'answered by the listener' : 'with no answer from user code'} gets ${expected.slice(8)}`, { timeout: 30_000 }, async () => {
      const ctx = await open({ defaultAnswerMs: 200 });
      const seen: string[] = [];
      if (answer) {
        ctx.on('request', async (req) => {
          seen.push(`${req.method} ${req.body?.toString().trim()} ${req.contentType}`);
          await req.respond(200);
        });
      }
      try {
        const sipp = await startSipp(scenarioFrom('uac-request.xml', { METHOD: method, TOTAG: '' }), { remote: `127.0.0.1:${ctx.address!.port}`, timeoutS: 20 });
        const r = await sipp.done;
        assert.equal(r.exitCode, 0, explainSipp(r));
        const finals = statusLines(r.messages).filter((l) => !l.startsWith('SIP/2.0 1'));
        assert.deepEqual(finals.slice(0, 1), [expected], explainSipp(r));
        if (answer) assert.deepEqual(seen, ['MESSAGE hello from sipp text/plain']);
        if (method === 'OPTIONS') assert.match(r.messages, /^Allow: OPTIONS\s*$/m);
        if (expected.includes('405')) assert.match(r.messages, /^Allow: OPTIONS\s*$/m);
      } finally {
        await ctx.close();
      }
    });
  }

  test('INFO and BYE outside of a dialog, and a MESSAGE with a To tag of no dialog, never reach a listener that answers everything: 481 (eXosip\'s own for INFO and BYE)', { timeout: 30_000 }, async () => {
    const ctx = await open({ defaultAnswerMs: 200 });
    const seen: string[] = [];
    const failures: string[] = [];
    ctx.on('request', (req) => {
      seen.push(req.method);
      req.respond(200).catch((e: { code?: string }) => failures.push(String(e.code)));
    });
    try {
      for (const [method, toTag] of [
        ['INFO', ''],
        ['BYE', ''],
        ['MESSAGE', ';tag=nodialog1'],
        ['INFO', ';tag=nodialog2'],
      ] as const) {
        const sipp = await startSipp(scenarioFrom('uac-request.xml', { METHOD: method, TOTAG: toTag }), { remote: `127.0.0.1:${ctx.address!.port}`, timeoutS: 20 });
        const r = await sipp.done;
        assert.equal(r.exitCode, 0, explainSipp(r));
        const finals = statusLines(r.messages).filter((l) => !l.startsWith('SIP/2.0 1'));
        assert.deepEqual(finals.slice(0, 1), ['SIP/2.0 481 Call/Transaction Does Not Exist'], `${method}${toTag}\n${explainSipp(r)}`);
      }
      assert.deepEqual(seen, []);
      assert.deepEqual(failures, []);
    } finally {
      await ctx.close();
    }
  });

  test('with a \'call\' listener, the default OPTIONS 200 and 405 list the methods of a call in Allow', { timeout: 30_000 }, async () => {
    const ctx = await open({ defaultAnswerMs: 200 });
    ctx.on('call', (incoming) => incoming.reject(486));
    try {
      for (const method of ['OPTIONS', 'MESSAGE']) {
        const r = await (await startSipp(scenarioFrom('uac-request.xml', { METHOD: method, TOTAG: '' }), { remote: `127.0.0.1:${ctx.address!.port}`, timeoutS: 20 })).done;
        assert.equal(r.exitCode, 0, explainSipp(r));
        assert.match(r.messages, /^Allow: OPTIONS, INVITE, ACK, CANCEL, BYE, INFO, UPDATE\s*$/m, explainSipp(r));
      }
    } finally {
      await ctx.close();
    }
  });

  test('an INVITE reaches the listener and is refused with 603; one nobody answers gets 405', { timeout: 30_000 }, async () => {
    const ctx = await open({ defaultAnswerMs: 200 });
    try {
      const kinds: string[] = [];
      ctx.once('request', async (req) => {
        kinds.push(`${req.kind} ${req.method}`);
        await assert.rejects(req.respond(200), { code: 'ERR_OUT_OF_RANGE' });
        await req.respond(603, { reason: 'Declined' });
      });
      let r = await (await startSipp(scenarioFrom('uac-invite.xml', { STATUS: 603 }), { remote: `127.0.0.1:${ctx.address!.port}`, timeoutS: 20 })).done;
      assert.equal(r.exitCode, 0, explainSipp(r));
      assert.deepEqual(kinds, ['EXOSIP_CALL_INVITE INVITE']);
      r = await (await startSipp(scenarioFrom('uac-invite.xml', { STATUS: 405 }), { remote: `127.0.0.1:${ctx.address!.port}`, timeoutS: 20 })).done;
      assert.equal(r.exitCode, 0, explainSipp(r));
      assert.match(r.messages, /^Allow: OPTIONS\s*$/m);
    } finally {
      await ctx.close();
    }
  });
});

describe('a context sends MESSAGE/OPTIONS to SIPp', () => {
  for (const [scenario, status, reason] of [
    ['uas-message.xml', 200, 'OK'],
    ['uas-options.xml', 200, 'OK'],
    ['uas-message.xml', 404, 'Not Found'],
    ['uas-message.xml', 500, 'Server Internal Error'],
  ] as const) {
    test(`${scenario.includes('options') ? 'OPTIONS' : 'MESSAGE'} answered ${status}`, { timeout: 30_000 }, async () => {
      const ctx = await open();
      const sipp = await startSipp(scenarioFrom(scenario, { STATUS: status, REASON: reason }), { timeoutS: 20 });
      try {
        const to = `sip:peer@127.0.0.1:${sipp.port}`;
        const from = `sip:me@127.0.0.1:${ctx.address!.port}`;
        const outcome = scenario.includes('options') ? ctx.options(to, { from }) : ctx.message(to, 'hi sipp', { from });
        if (status === 200) {
          const res = await outcome;
          assert.equal(res.statusCode, 200);
          assert.equal(res.body?.toString().trim(), 'sipp says 200');
          assert.equal(res.contentType, 'text/plain');
        } else {
          const error = await outcome.catch((e: unknown) => e);
          assert.ok(error instanceof RequestError, String(error));
          assert.deepEqual([error.code, error.statusCode, error.reason], ['ERR_REQUEST_REJECTED', status, reason]);
          assert.equal(error.response?.body?.toString().trim(), `sipp says ${status}`);
        }
        const r = await sipp.done;
        assert.equal(r.exitCode, 0, explainSipp(r));
        if (!scenario.includes('options')) assert.match(r.received[0], /\r?\n\r?\nhi sipp$/);
      } finally {
        await sipp.stop();
        await ctx.close();
      }
    });
  }

  test('401 then 200: eXosip answers the challenge with the context credentials', { timeout: 30_000 }, async () => {
    const ctx = await open();
    ctx.addAuthenticationInfo({ username: 'alice', password: 's3cret', realm: 'sipp.test' });
    const sipp = await startSipp('uas-message-401-200.xml', { keys: { user: 'alice', pass: 's3cret', realm: 'sipp.test' }, timeoutS: 20 });
    try {
      const res = await ctx.message(`sip:peer@127.0.0.1:${sipp.port}`, 'with auth', { from: `sip:alice@127.0.0.1:${ctx.address!.port}` });
      assert.equal(res.statusCode, 200);
      const r = await sipp.done;
      assert.equal(r.exitCode, 0, explainSipp(r));
      assert.equal(r.received.length, 2);
      assert.match(r.received[1], /^Authorization: Digest /m);
    } finally {
      await sipp.stop();
      await ctx.close();
    }
  });

  test('silence: timeoutMs rejects with ERR_REQUEST_TIMEOUT; an abort with AbortError', { timeout: 30_000 }, async () => {
    const ctx = await open();
    const sipp = await startSipp('uas-message-silent.xml', { timeoutS: 20 });
    try {
      const to = `sip:peer@127.0.0.1:${sipp.port}`;
      const from = `sip:me@127.0.0.1:${ctx.address!.port}`;
      const t0 = Date.now();
      await assert.rejects(ctx.message(to, 'anyone?', { from, timeoutMs: 1500 }), (e: unknown) => e instanceof RequestError && e.code === 'ERR_REQUEST_TIMEOUT' && e.statusCode === 0);
      assert.ok(Date.now() - t0 >= 1400);
      const ac = new AbortController();
      const pending = ctx.message(to, 'again?', { from, signal: ac.signal });
      ac.abort();
      await assert.rejects(pending, { name: 'AbortError', code: 'ABORT_ERR' });
    } finally {
      await sipp.stop();
      await ctx.close();
    }
  });
});

test('a 60 KB binary MESSAGE over TCP arrives whole (one UDP datagram could not carry it)', { timeout: 30_000 }, async () => {
  const ctx = new Context({ userAgent: 'exosip2-test/1.0' });
  await ctx.listen({ transport: 'tcp', address: '127.0.0.1' });
  const sipp = await startSipp(scenarioFrom('uas-message.xml', { STATUS: 200, REASON: 'OK' }), { transport: 'tcp', timeoutS: 20 });
  try {
    const body = Buffer.alloc(60 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = 0x41 + (i % 26);
    const res = await ctx.message(`sip:peer@127.0.0.1:${sipp.port};transport=tcp`, body, { from: `sip:me@127.0.0.1:${ctx.address!.port}`, contentType: 'application/octet-stream' });
    assert.equal(res.statusCode, 200);
    const r = await sipp.done;
    assert.equal(r.exitCode, 0, explainSipp(r));
    assert.match(r.received[0], /^Content-Length: +61440$/m);
    assert.ok(r.received[0].endsWith(body.toString('latin1')), 'the body arrived byte for byte');
  } finally {
    await sipp.stop();
    await ctx.close();
  }
});
