/**
 * removeAuthenticationInfo() (eXosip_remove_authentication_info): by username
 * and realm, or without a realm for the credentials added without one; what
 * it removed no longer answers a challenge (the embedded Registrar checks).
 */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { Registrar } from '../../lib/index';
import { openContext } from '../helpers/context';

test('credentials added without a realm are removed without one; removing what is not there is OSIP_NOTFOUND', async () => {
  const registrar = new Registrar({ users: { alice: 'secret' }, realm: 'example.com' });
  const at = await registrar.listen({ address: '127.0.0.1' });
  const ctx = await openContext();
  const options = { from: `sip:alice@127.0.0.1:${at.port}`, proxy: `sip:127.0.0.1:${at.port}`, timeoutMs: 5_000 };
  try {
    ctx.addAuthenticationInfo({ username: 'alice', password: 'secret', realm: 'example.com' });
    assert.throws(() => ctx.removeAuthenticationInfo({ username: 'alice' }), { code: 'OSIP_NOTFOUND' }, 'none without a realm');
    ctx.removeAuthenticationInfo({ username: 'alice', realm: 'example.com' });

    ctx.addAuthenticationInfo({ username: 'alice', password: 'secret' });
    const registration = await ctx.register(options);
    await registration.unregister();
    ctx.removeAuthenticationInfo({ username: 'alice' });
    assert.throws(() => ctx.removeAuthenticationInfo({ username: 'alice' }), { code: 'OSIP_NOTFOUND' });
    await assert.rejects(ctx.register(options), { code: 'ERR_REGISTRATION_REJECTED', statusCode: 401 });
    assert.throws(() => ctx.removeAuthenticationInfo(undefined as never), { code: 'ERR_INVALID_ARG_TYPE' });
  } finally {
    await ctx.close();
    await registrar.close();
  }
});
