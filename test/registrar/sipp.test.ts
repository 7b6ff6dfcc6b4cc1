/**
 * SIPp, an independent client, registers against the embedded Registrar
 * (lib/registrar/) with test/sipp/register-auth.xml, as
 * test/register/kamailio.test.ts runs it against Kamailio.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, test } from 'node:test';
import { Registrar } from '../../lib/index';
import { sippRegisterAuth } from '../helpers/sipp';

/** test/sipp/register-auth.xml against the Registrar on 127.0.0.1:port (as test/register/kamailio.test.ts runs it). */
function sippRegister(port: number, o: { user: string; password: string; domain: string; expires: number }) {
  return sippRegisterAuth('127.0.0.1', port, o);
}

describe('SIPp (test/sipp/register-auth.xml) registers against the Registrar', () => {
  let registrar: Registrar;
  before(async () => {
    registrar = new Registrar({ users: { alice: 'secret', 'carol@other.test': 'carolpw' } });
    await registrar.listen();
  });
  after(async () => {
    await registrar?.close();
  });

  test('REGISTER → 401 → REGISTER with credentials → 200, one binding', { timeout: 20000 }, async () => {
    const r = await sippRegister(registrar.addresses[0].port, { user: 'alice', password: 'secret', domain: 'example.com', expires: 600 });
    assert.equal(r.status, 200, r.messages);
    assert.equal(r.exitCode, 0, r.messages);
    assert.match(r.messages, /WWW-Authenticate: Digest realm="example\.com", nonce="[^"]+", algorithm=MD5, qop="auth"/);
    const [b, ...rest] = registrar.bindings('alice@example.com');
    assert.equal(rest.length, 0);
    assert.equal(b.contact, `sip:alice@127.0.0.1:${r.localPort};transport=UDP`);
    assert.equal(b.cseq, 2);
    assert.equal(b.userAgent, 'sipp-register-auth');
    assert.ok(b.expires > 595 && b.expires <= 600);
  });

  test('another domain, an expiry above 3600 is lowered', { timeout: 20000 }, async () => {
    const r = await sippRegister(registrar.addresses[0].port, { user: 'carol', password: 'carolpw', domain: 'other.test', expires: 7200 });
    assert.equal(r.status, 200, r.messages);
    assert.match(r.messages, /SIP\/2\.0 200 OK[\s\S]*Contact: <[^>]*>;expires=3600/);
    assert.equal(registrar.bindings('carol@other.test')[0].expires, 3600);
  });

  test('wrong password → 403, expires 30 → 423', { timeout: 20000 }, async () => {
    const wrong = await sippRegister(registrar.addresses[0].port, { user: 'alice', password: 'nope', domain: 'example.com', expires: 600 });
    assert.equal(wrong.status, 403, wrong.messages);
    const brief = await sippRegister(registrar.addresses[0].port, { user: 'alice', password: 'secret', domain: 'example.com', expires: 30 });
    assert.equal(brief.status, 423, brief.messages);
    assert.match(brief.messages, /Min-Expires: 60/);
  });
});
