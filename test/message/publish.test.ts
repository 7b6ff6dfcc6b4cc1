/**
 * ctx.publish() (eX_publish.h, RFC 3903) against a presence agent made of
 * another of our contexts answering PUBLISH through ctx.on('request'), on
 * loopback over UDP: the entity tag flow (SIP-ETag, SIP-If-Match), removal.
 */
import { strict as assert } from 'node:assert';
import { after, describe, test } from 'node:test';
import { Context, type IncomingRequest, RequestError } from '../../lib/index';

const PIDF = '<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:alice@127.0.0.1"><tuple id="t"><status><basic>open</basic></status></tuple></presence>';

const open: Context[] = [];
after(async () => {
  for (const ctx of open) await ctx.close();
});

async function context(): Promise<Context> {
  const ctx = new Context({ userAgent: 'exosip2-test/1.0' });
  open.push(ctx);
  await ctx.listen({ transport: 'udp', address: '127.0.0.1', port: 0 });
  return ctx;
}

describe('Context.publish', () => {
  test('initial → SIP-ETag; a modification carries SIP-If-Match; expires 0 removes it', { timeout: 30_000 }, async () => {
    const alice = await context();
    const pa = await context();
    const seen: IncomingRequest[] = [];
    let n = 0;
    pa.on('request', (req) => {
      seen.push(req);
      n++;
      const expires = req.request.expires ?? 3600;
      void req.respond(200, { headers: [['SIP-ETag', `etag-${n}`], ['Expires', String(Math.min(expires, 1800))]] });
    });
    const to = `sip:alice@127.0.0.1:${pa.address!.port}`;
    const from = `sip:alice@127.0.0.1:${alice.address!.port}`;
    const first = await alice.publish({ to, from, event: 'presence', body: PIDF, contentType: 'application/pidf+xml' });
    assert.equal(first.statusCode, 200);
    assert.equal(first.etag, 'etag-1');
    assert.equal(first.expires, 1800);
    assert.equal(seen[0].method, 'PUBLISH');
    assert.equal(seen[0].request.getHeader('event'), 'presence');
    assert.equal(seen[0].request.getHeader('expires'), '3600');
    assert.equal(seen[0].request.getHeader('sip-if-match'), undefined);
    assert.equal(seen[0].body?.toString(), PIDF);
    assert.equal(seen[0].contentType, 'application/pidf+xml');

    const second = await alice.publish({ to, from, event: 'presence', expires: 600, body: Buffer.from(PIDF), contentType: 'application/pidf+xml' });
    assert.equal(second.etag, 'etag-2');
    assert.equal(seen[1].request.getHeader('sip-if-match'), 'etag-1');
    assert.equal(seen[1].request.getHeader('expires'), '600');

    const removed = await alice.publish({ to, from, event: 'presence', expires: 0 });
    assert.equal(removed.statusCode, 200);
    assert.equal(seen[2].request.getHeader('sip-if-match'), 'etag-2');
    assert.equal(seen[2].request.getHeader('expires'), '0');
    assert.equal(seen[2].body, null);
  });

  test('a refusal rejects with the status; bad input is refused before anything is sent', { timeout: 30_000 }, async () => {
    const alice = await context();
    const pa = await context();
    let got = 0;
    pa.on('request', (req) => {
      got++;
      void req.respond(489, { reason: 'Bad Event' });
    });
    const to = `sip:alice@127.0.0.1:${pa.address!.port}`;
    const from = `sip:alice@127.0.0.1:${alice.address!.port}`;
    await assert.rejects(alice.publish({ to, from, event: 'nope', body: 'x', contentType: 'text/plain' }), (e: unknown) => e instanceof RequestError && e.code === 'ERR_REQUEST_REJECTED' && e.statusCode === 489);
    assert.equal(got, 1);
    await assert.rejects(alice.publish({ to, from, event: 'presence', body: 'x' }), { code: 'ERR_INVALID_ARG_VALUE', message: /Content-Type/ });
    await assert.rejects(alice.publish({ to, from, event: 'pres ence' }), { code: 'ERR_INVALID_ARG_VALUE' });
    await assert.rejects(alice.publish({ to, from, event: 'presence', expires: -1 }), { code: 'ERR_OUT_OF_RANGE' });
    await assert.rejects(alice.publish({ to, from, event: 'presence', etag: 'x' } as never), { code: 'ERR_INVALID_ARG_VALUE', message: /etag/ });
    await assert.rejects(alice.publish({ to: 'tel:+123', from, event: 'presence' }), { code: 'ERR_INVALID_ARG_VALUE' });
    const idle = new Context();
    open.push(idle);
    await assert.rejects(idle.publish({ to, from, event: 'presence' }), { code: 'ERR_NOT_LISTENING' });
    assert.equal(got, 1);
  });
});
