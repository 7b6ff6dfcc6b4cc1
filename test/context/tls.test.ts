/**
 * TLS with certificates (the `tls` option of Context; eXosip's
 * EXOSIP_OPT_SET_TLS_CERTIFICATES_INFO / _VERIFY_CERTIFICATE) against
 * Kamailio's tls module, with a PKI made by `openssl` for this run.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Context, RegistrationError, RequestError, type TlsOptions } from '../../lib/index';
import { type KamailioFixture, useKamailio } from '../helpers/use-kamailio';
import { makeTestPki } from '../helpers/tls-certs';

const pki = makeTestPki();
after(() => pki.remove());

/** A context with `tls`, listening for TLS on loopback, the user's credentials added. */
async function tlsContext(kam: KamailioFixture, tls: TlsOptions | undefined): Promise<{ ctx: Context; from: string; proxy: string; aor: string }> {
  const ctx = new Context({ userAgent: 'exosip2-tls-test', ...(tls === undefined ? {} : { tls }) });
  await ctx.listen({ transport: 'tls', address: '127.0.0.1', port: 0 });
  const user = kam.freshUser();
  ctx.addAuthenticationInfo({ username: user.user, password: user.password, realm: user.domain });
  return { ctx, from: `sip:${user.aor}`, proxy: `sip:127.0.0.1:${kam.tlsPort};transport=tls`, aor: user.aor };
}

/** Kamailio's log lines the cfg writes for each REGISTER over TLS. */
function tlsPeerLines(kam: KamailioFixture): string[] {
  return kam.log().split('\n').filter((l) => l.includes('TLS peer: verified='));
}

describe('a registrar that asks for no client certificate', () => {
  const kam = useKamailio({ tls: { certificate: pki.serverCert, privateKey: pki.serverKey } });

  test('REGISTER over TLS with the CA file: verified, and Kamailio holds the binding on its TLS socket', async () => {
    const { ctx, from, proxy, aor } = await tlsContext(kam, { ca: pki.caCert });
    try {
      const reg = await ctx.register({ from, proxy, expires: 300, timeoutMs: 15_000 });
      assert.equal(reg.state, 'registered');
      const bindings = await kam.lookup(aor);
      assert.equal(bindings.length, 1);
      assert.match(bindings[0].socket, new RegExp(`^tls:127\\.0\\.0\\.1:${kam.tlsPort}$`));
    } finally {
      await ctx.close();
    }
  });

  test('the CA as a hashed directory verifies too', async () => {
    const { ctx, from, proxy, aor } = await tlsContext(kam, { ca: pki.caDir });
    try {
      await ctx.register({ from, proxy, expires: 300, timeoutMs: 15_000 });
      assert.equal((await kam.lookup(aor)).length, 1);
    } finally {
      await ctx.close();
    }
  });

  // eXosip 5.3 starts the TLS handshake of a connection that completed at
  // once (loopback) only at its 5 s connection check: the verdict comes within
  // ~10 s, long before the transaction's 32 s timeout.
  test('an unknown CA: register() rejects with ERR_TLS_CERT_NOT_VERIFIED and OpenSSL\'s reason, not a timeout', async () => {
    const { ctx, from, proxy, aor } = await tlsContext(kam, { ca: pki.otherCaCert });
    try {
      const started = Date.now();
      const error = await ctx.register({ from, proxy, expires: 300, timeoutMs: 15_000 }).then(
        () => assert.fail('registered with an unverified certificate'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof RegistrationError, String(error));
      assert.equal(error.code, 'ERR_TLS_CERT_NOT_VERIFIED');
      assert.equal(error.statusCode, 0);
      assert.match(error.reason, /unable to get local issuer certificate/);
      assert.match(error.reason, /CN ?= ?127\.0\.0\.1/);
      assert.ok(Date.now() - started < 12_000, `took ${Date.now() - started} ms`);
      assert.deepEqual(await kam.lookup(aor), []);
    } finally {
      await ctx.close();
    }
  });

  test('an unknown CA: a request outside a dialog (ctx.options) rejects with ERR_TLS_CERT_NOT_VERIFIED too', async () => {
    const { ctx, proxy } = await tlsContext(kam, { ca: pki.otherCaCert });
    try {
      const error = await ctx.options(proxy.replace(/^sip:/, 'sip:ping@'), { from: 'sip:alice@example.com', timeoutMs: 15_000 }).then(
        () => assert.fail('answered over an unverified connection'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof RequestError, String(error));
      assert.equal(error.code, 'ERR_TLS_CERT_NOT_VERIFIED');
      assert.match(error.reason, /unable to get local issuer certificate/);
    } finally {
      await ctx.close();
    }
  });

  test('no CA at all: verification is on by default, so the certificate is refused', async () => {
    const { ctx, from, proxy } = await tlsContext(kam, undefined);
    try {
      await assert.rejects(ctx.register({ from, proxy, expires: 300, timeoutMs: 15_000 }), { code: 'ERR_TLS_CERT_NOT_VERIFIED' });
    } finally {
      await ctx.close();
    }
  });

  test('verify: false (unsafe) registers without checking the certificate', async () => {
    const { ctx, from, proxy, aor } = await tlsContext(kam, { verify: false });
    try {
      await ctx.register({ from, proxy, expires: 300, timeoutMs: 15_000 });
      assert.equal((await kam.lookup(aor)).length, 1);
    } finally {
      await ctx.close();
    }
  });
});

describe('a registrar that requires a client certificate', () => {
  const kam = useKamailio({ tls: { certificate: pki.serverCert, privateKey: pki.serverKey, caList: pki.caCert, clientCertificate: 'required' } });

  test('the client certificate (its key under a password) is presented and Kamailio verified it', async () => {
    const { ctx, from, proxy, aor } = await tlsContext(kam, { ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey, keyPassword: pki.clientKeyPassword });
    try {
      await ctx.register({ from, proxy, expires: 300, timeoutMs: 15_000 });
      assert.equal((await kam.lookup(aor)).length, 1);
      const lines = tlsPeerLines(kam);
      assert.ok(lines.length > 0, 'Kamailio logged no REGISTER over TLS');
      assert.match(lines.at(-1)!, new RegExp(`verified=1 subject_cn=${pki.clientCn}`));
    } finally {
      await ctx.close();
    }
  });

  test('without a client certificate Kamailio refuses the connection: no binding', async () => {
    const { ctx, from, proxy, aor } = await tlsContext(kam, { ca: pki.caCert });
    try {
      await assert.rejects(ctx.register({ from, proxy, expires: 300, timeoutMs: 15_000 }), (e: unknown) => e instanceof RegistrationError && e.statusCode === 0);
      assert.deepEqual(await kam.lookup(aor), []);
    } finally {
      await ctx.close();
    }
  });
});

test('the tls option is checked before anything is opened: missing files, cert without key, wrong types', () => {
  assert.throws(() => new Context({ tls: { ca: `${pki.dir}/missing.pem` } }), { code: 'ERR_INVALID_ARG_VALUE', message: /options\.tls\.ca: no file or directory/ });
  assert.throws(() => new Context({ tls: { cert: pki.clientCert } }), { code: 'ERR_INVALID_ARG_VALUE', message: /cert and options\.tls\.key go together/ });
  assert.throws(() => new Context({ tls: { cert: pki.caDir, key: pki.clientKey } }), { code: 'ERR_INVALID_ARG_VALUE', message: /is not a file/ });
  assert.throws(() => new Context({ tls: { verify: 'no' as never } }), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => new Context({ tls: { keyPassword: 'x' } }), { code: 'ERR_INVALID_ARG_VALUE' });
});
