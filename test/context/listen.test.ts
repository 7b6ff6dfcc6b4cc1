/**
 * listen() failures say what went wrong: a port in use is EADDRINUSE, an
 * address this host does not have names EADDRNOTAVAIL; the context can still
 * listen afterwards.
 */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { Context } from '../../lib/index';
import { boundUdpSocket } from '../helpers/ports';

test('listen() on a port in use fails with EADDRINUSE', async () => {
  const taken = await boundUdpSocket();
  const ctx = new Context();
  await assert.rejects(ctx.listen({ address: '127.0.0.1', port: taken.address().port }), { code: 'EADDRINUSE' });
  const info = await ctx.listen({ address: '127.0.0.1' });
  assert.ok(info.port > 0);
  await assert.rejects(ctx.listen({ address: '127.0.0.1' }), { code: 'OSIP_WRONG_STATE' });
  await ctx.close();
  taken.close();
});

test('listen() on an address this host does not have says so (EADDRNOTAVAIL, not a bare errno)', async () => {
  const ctx = new Context();
  // 192.0.2.1 (TEST-NET-1, RFC 5737) is nobody's address: bind() fails, nothing is sent.
  await assert.rejects(ctx.listen({ address: '192.0.2.1' }), (error: Error) => {
    assert.match(error.message, /cannot bind udp 192\.0\.2\.1:0: EADDRNOTAVAIL \(errno 99\): not an address of this host/);
    return true;
  });
  await ctx.close();
});
