/**
 * Issue #16, section 3: with several digest challenges, eXosip answers one
 * the credentials can answer correctly, or the registration fails at once
 * with ERR_REGISTRATION_AUTH_UNSUPPORTED naming what is missing; a digest
 * known to be wrong is never sent. The registrar (test/helpers/udp-registrar.ts)
 * verifies every digest it receives, for every algorithm RFC 8760 names.
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { Context, type RegistrationError } from '../../lib/index';
import { type DigestCheck, grant, respond, startUdpRegistrar, verifyDigest } from '../helpers/udp-registrar';

const REALM = 'example.com';
const PASSWORD = 'secret';
const HA1 = createHash('md5').update(`alice:${REALM}:${PASSWORD}`).digest('hex');

type Credentials = { password: string } | { ha1: string };

interface Outcome {
  /** 'registered' or the rejection's code and status. */
  result: string;
  /** The error's reason, when rejected. */
  reason: string;
  /** Every credentials header the registrar received, verified. */
  answers: Array<DigestCheck & { header: string }>;
  /** REGISTERs received. */
  registers: number;
}

let nonceSeq = 0;

/** One registration against a registrar offering `challenges` (header values) in a `status` response. */
async function attempt(challenges: readonly string[], credentials: Credentials, status: 401 | 407 = 401, realm: string | null = REALM): Promise<Outcome> {
  const answers: Outcome['answers'] = [];
  const header = status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate';
  await using reg = await startUdpRegistrar((req) => {
    const creds = [...req.all('authorization').map((v) => ['Authorization', v]), ...req.all('proxy-authorization').map((v) => ['Proxy-Authorization', v])];
    if (creds.length === 0) {
      const n = ++nonceSeq;
      return respond(req, status, status === 401 ? 'Unauthorized' : 'Proxy Authentication Required', challenges.map((c, i) => `${header}: ${c.replace('NONCE', `n${n}x${i}`)}`));
    }
    for (const [name, value] of creds) answers.push({ header: name, ...verifyDigest(value, { user: 'alice', password: PASSWORD }) });
    return answers.every((a) => a.ok) ? grant(req, 60) : respond(req, 403, 'Forbidden');
  });
  await using ctx = new Context();
  await ctx.listen({ address: '127.0.0.1' });
  ctx.addAuthenticationInfo({ username: 'alice', ...(realm === null ? {} : { realm }), ...credentials });
  let result = 'registered';
  let reason = '';
  try {
    await ctx.register({ from: `sip:alice@${REALM}`, proxy: reg.proxy, expires: 60, timeoutMs: 5000 });
  } catch (e) {
    const error = e as RegistrationError;
    result = `${error.code} ${error.statusCode}`;
    reason = error.reason;
  }
  await new Promise((r) => setTimeout(r, 300));
  return { result, reason, answers, registers: reg.registers().length };
}

const challenge = (algorithm: string | null, qop: string | null, realm = REALM): string =>
  `Digest realm="${realm}", nonce="NONCE"${qop === null ? '' : `, qop=${qop}`}${algorithm === null ? '' : `, algorithm=${algorithm}`}`;

const REFUSED = 'ERR_REGISTRATION_AUTH_UNSUPPORTED 401';

describe('digest challenges (issue #16, section 3)', { concurrency: true }, () => {
  test('10: SHA-256 then MD5 offered, credentials an MD5 HA1: the MD5 challenge is answered, correctly', async () => {
    const o = await attempt([challenge('SHA-256', '"auth"'), challenge('MD5', '"auth"')], { ha1: HA1 });
    assert.equal(o.result, 'registered', o.reason);
    assert.deepEqual(
      o.answers.map((a) => [a.header, a.algorithm, a.ok]),
      [['Authorization', 'MD5', true]],
    );
  });

  test('10 sha-only: SHA-256 only, credentials an MD5 HA1: rejected at once naming SHA-256, no digest sent', async () => {
    const o = await attempt([challenge('SHA-256', '"auth"')], { ha1: HA1 });
    assert.equal(o.result, REFUSED);
    assert.match(o.reason, /SHA-256 needs the password.*MD5 HA1/);
    assert.equal(o.registers, 1);
    assert.deepEqual(o.answers, []);
  });

  for (const algorithm of ['MD5', '"MD5"', null, 'SHA-256', '"SHA-256"']) {
    for (const qop of ['"auth"', '"auth,auth-int"', '"auth-int,auth"', '" auth-int , auth "', null]) {
      test(`password, algorithm ${algorithm ?? '(none)'}, qop ${qop ?? '(none)'}: answered correctly`, async () => {
        const o = await attempt([challenge(algorithm, qop)], { password: PASSWORD });
        assert.equal(o.result, 'registered', o.reason);
        assert.equal(o.answers.length, 1);
        assert.ok(o.answers[0].ok, `${o.answers[0].algorithm} qop=${o.answers[0].qop}: ${o.answers[0].reason}`);
      });
    }
    test(`password, algorithm ${algorithm ?? '(none)'}, qop "auth-int" only: rejected naming the qop, nothing sent`, async () => {
      const o = await attempt([challenge(algorithm, '"auth-int"')], { password: PASSWORD });
      assert.equal(o.result, REFUSED);
      assert.match(o.reason, /qop auth-int without auth/);
      assert.equal(o.registers, 1);
    });
  }

  for (const algorithm of ['MD5-sess', 'SHA-256-sess', 'SHA-512-256', '"SHA-512-256-sess"']) {
    test(`${algorithm} only: rejected naming the algorithm, nothing sent`, async () => {
      const o = await attempt([challenge(algorithm, '"auth"')], { password: PASSWORD });
      assert.equal(o.result, REFUSED);
      assert.match(o.reason, new RegExp(`algorithm ${algorithm.replace(/"/g, '')} is not implemented by libeXosip2 5.3.0`));
      assert.equal(o.registers, 1);
    });
    test(`${algorithm} then MD5: MD5 is answered`, async () => {
      const o = await attempt([challenge(algorithm, '"auth"'), challenge('MD5', '"auth"')], { password: PASSWORD });
      assert.equal(o.result, 'registered', o.reason);
      assert.deepEqual(o.answers.map((a) => [a.algorithm, a.ok]), [['MD5', true]]);
    });
  }

  test('password, SHA-256 then MD5: the topmost (SHA-256) is answered, once (RFC 8760 §2.4)', async () => {
    const o = await attempt([challenge('SHA-256', '"auth"'), challenge('MD5', '"auth"')], { password: PASSWORD });
    assert.equal(o.result, 'registered', o.reason);
    assert.deepEqual(o.answers.map((a) => [a.algorithm, a.ok]), [['SHA-256', true]]);
  });

  test('HA1, qop auth-int only then MD5 auth: the second is answered', async () => {
    const o = await attempt([challenge('MD5', '"auth-int"'), challenge('MD5', '"auth"')], { ha1: HA1 });
    assert.equal(o.result, 'registered', o.reason);
    assert.deepEqual(o.answers.map((a) => [a.qop, a.ok]), [['auth', true]]);
  });

  test('407 with Proxy-Authenticate, SHA-256 then MD5, HA1: MD5 is answered in Proxy-Authorization', async () => {
    const o = await attempt([challenge('SHA-256', '"auth"'), challenge('MD5', '"auth"')], { ha1: HA1 }, 407);
    assert.equal(o.result, 'registered', o.reason);
    assert.deepEqual(o.answers.map((a) => [a.header, a.algorithm, a.ok]), [['Proxy-Authorization', 'MD5', true]]);
  });

  test('407, SHA-256 only, HA1: rejected with 407 naming SHA-256', async () => {
    const o = await attempt([challenge('SHA-256', '"auth"')], { ha1: HA1 }, 407);
    assert.equal(o.result, 'ERR_REGISTRATION_AUTH_UNSUPPORTED 407');
    assert.match(o.reason, /SHA-256/);
    assert.equal(o.registers, 1);
  });

  test('credentials for another realm only: rejected (401, as before) at once naming the realm, nothing sent', async () => {
    const o = await attempt([challenge('MD5', '"auth"', 'other.test')], { password: PASSWORD });
    assert.equal(o.result, 'ERR_REGISTRATION_REJECTED 401');
    assert.match(o.reason, /no credentials for realm "other\.test"/);
    assert.equal(o.registers, 1);
  });

  test('realm-less credentials answer any realm (eXosip\'s fallback), SHA-256 included with a password', async () => {
    const o = await attempt([challenge('SHA-256', '"auth"', 'any.test')], { password: PASSWORD }, 401, null);
    // The registrar computes with the realm it offered.
    assert.equal(o.result, 'registered', o.reason);
    assert.equal(o.answers[0].ok, true);
  });

  test('a 401 without any challenge fails at once (eXosip would re-send it 3 times)', async () => {
    const o = await attempt([], { password: PASSWORD });
    assert.equal(o.result, REFUSED);
    assert.match(o.reason, /offers none libosip2 could parse/);
    assert.equal(o.registers, 1);
  });

  test('an unquoted qop (against RFC 2617): libosip2 drops the challenge, so it fails at once, nothing sent', async () => {
    const o = await attempt([challenge('MD5', 'auth')], { password: PASSWORD });
    assert.equal(o.result, REFUSED);
    assert.match(o.reason, /offers none libosip2 could parse/);
    assert.equal(o.registers, 1);
  });

  test('a Basic challenge only: rejected naming the scheme', async () => {
    const o = await attempt(['Basic realm="example.com"'], { password: PASSWORD });
    assert.equal(o.result, REFUSED);
    assert.match(o.reason, /scheme Basic is not Digest/);
    assert.equal(o.registers, 1);
  });
});
