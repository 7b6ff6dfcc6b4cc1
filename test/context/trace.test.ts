import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { redactCredentials, type SipTrace } from '../../lib/index';
import { once } from 'node:events';
import { openContext, registered } from '../helpers/context';
import { boundUdpSocket } from '../helpers/ports';
import { testUser, useKamailio } from '../helpers/use-kamailio';

const kam = useKamailio();

describe('SIP trace', () => {
  test('every message on the wire, in order with the events, credentials redacted', async () => {
    const log: string[] = [];
    const traces: SipTrace[] = [];
    const { ctx, reg } = await registered(kam.proxy, testUser('alice'), {
      setup(c) {
        c.on('trace', (t) => {
          traces.push(t);
          log.push(`${t.direction} ${t.text.split('\r\n')[0]}`);
        });
        c.on('event', (e) => log.push(`event ${e.type} ${e.response?.statusCode ?? 0}`));
        c.setTrace(true);
      },
    });
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
    const traces: SipTrace[] = [];
    const { ctx, reg } = await registered(kam.proxy, testUser('bob'), {
      setup(c) {
        c.on('trace', (t) => traces.push(t));
        c.setTrace(true, { redact: false });
      },
    });
    assert.match(traces[2].text, /response="[0-9a-f]{32}"/);
    await reg.unregister();
    await ctx.close();
    assert.equal(
      redactCredentials('Proxy-Authorization: Basic YWxpY2U6c2VjcmV0\r\nAuthorization: Digest username="a", response=abcdef, realm="r"\r\n'),
      'Proxy-Authorization: Basic <redacted>\r\nAuthorization: Digest username="a", response="<redacted>", realm="r"\r\n',
    );
    assert.throws(() => ctx.setTrace(true), { code: 'ERR_CONTEXT_CLOSED' });
  });

  test('the trace is what the peer received, but for the placeholder address eXosip fills in after tracing (unresolved)', async () => {
    const peer = await boundUdpSocket();
    const ctx = await openContext();
    try {
      const traces: SipTrace[] = [];
      ctx.on('trace', (t) => traces.push(t));
      ctx.setTrace(true, { redact: false });
      const port = peer.address().port;
      const datagram = once(peer, 'message') as Promise<[Buffer]>;
      const reg = ctx.register({ from: 'sip:erin@example.com', proxy: `sip:127.0.0.1:${port}`, timeoutMs: 60_000 });
      reg.catch(() => {});
      const [wire] = await datagram;
      while (traces.length === 0) await new Promise((r) => setImmediate(r));
      const sent = traces[0];
      assert.equal(sent.direction, 'out');
      assert.deepEqual(sent.unresolved, ['Via', 'Contact']);
      const traced = sent.text.split('\r\n');
      const received = wire.toString('latin1').split('\r\n');
      assert.equal(received.length, traced.length);
      const local = `127.0.0.1:${ctx.address!.port}`;
      for (const [i, line] of traced.entries()) {
        if (/^(Via|Contact):/i.test(line)) {
          assert.match(line, /999\.999\.999\.999:99999/);
          assert.equal(received[i], line.replace('999.999.999.999:99999', local), `line ${i} as sent`);
        } else {
          assert.equal(received[i], line, `line ${i} is byte for byte what was traced`);
        }
      }
      const incoming = traces.filter((t) => t.direction === 'in');
      for (const t of incoming) assert.deepEqual(t.unresolved, []);
    } finally {
      await ctx.close();
      peer.close();
    }
  });
});
