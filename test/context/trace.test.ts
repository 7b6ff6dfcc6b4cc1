import { strict as assert } from 'node:assert';
import { after, before, describe, test } from 'node:test';
import { redactCredentials, type SipTrace } from '../../lib/index';
import { openContext } from '../helpers/context';
import { type Kamailio, startKamailio } from '../helpers/kamailio';

let kam: Kamailio;
before(async () => {
  kam = await startKamailio();
});
after(async () => {
  await kam?.stop();
});

describe('SIP trace', () => {
  test('every message on the wire, in order with the events, credentials redacted', async () => {
    const ctx = await openContext();
    const log: string[] = [];
    const traces: SipTrace[] = [];
    ctx.on('trace', (t) => {
      traces.push(t);
      log.push(`${t.direction} ${t.text.split('\r\n')[0]}`);
    });
    ctx.on('event', (e) => log.push(`event ${e.type} ${e.response?.statusCode ?? 0}`));
    ctx.setTrace(true);
    ctx.addAuthenticationInfo({ username: 'alice', password: 'secret', realm: 'example.com' });
    const reg = await ctx.register({ from: 'sip:alice@example.com', proxy: kam.proxy });
    assert.deepEqual(log, [
      `out REGISTER ${kam.proxy} SIP/2.0`,
      'in SIP/2.0 401 Unauthorized',
      'event EXOSIP_REGISTRATION_FAILURE 401',
      `out REGISTER ${kam.proxy} SIP/2.0`,
      'in SIP/2.0 200 OK',
      'event EXOSIP_REGISTRATION_SUCCESS 200',
    ]);
    const remote = `127.0.0.1:${kam.port}`;
    assert.deepEqual(traces.map((t) => [t.direction, t.transport, t.remote]), [
      ['out', 'UDP', remote],
      ['in', 'UDP', remote],
      ['out', 'UDP', remote],
      ['in', 'UDP', remote],
    ]);
    const authorization = /^Authorization: .*$/m.exec(traces[2].text)?.[0] ?? '';
    assert.match(authorization, /username="alice"/);
    assert.match(authorization, /response="<redacted>"/);
    for (const t of traces) assert.ok(!t.text.includes('secret'));
    ctx.setTrace(false);
    await reg.unregister();
    assert.equal(traces.length, 4, 'nothing traced once off');
    await ctx.close();
  });

  test('redact: false keeps the digest response; redactCredentials handles Basic too', async () => {
    const ctx = await openContext();
    const traces: SipTrace[] = [];
    ctx.on('trace', (t) => traces.push(t));
    ctx.setTrace(true, { redact: false });
    ctx.addAuthenticationInfo({ username: 'bob', password: 'bobpass', realm: 'example.com' });
    const reg = await ctx.register({ from: 'sip:bob@example.com', proxy: kam.proxy });
    assert.match(traces[2].text, /response="[0-9a-f]{32}"/);
    await reg.unregister();
    await ctx.close();
    assert.equal(
      redactCredentials('Proxy-Authorization: Basic YWxpY2U6c2VjcmV0\r\nAuthorization: Digest username="a", response=abcdef, realm="r"\r\n'),
      'Proxy-Authorization: Basic <redacted>\r\nAuthorization: Digest username="a", response="<redacted>", realm="r"\r\n',
    );
    assert.throws(() => ctx.setTrace(true), { code: 'ERR_CONTEXT_CLOSED' });
  });
});
