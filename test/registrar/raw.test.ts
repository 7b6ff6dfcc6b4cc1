/**
 * The embedded Registrar (lib/registrar/) answering raw requests crafted here
 * (test/helpers/raw-sip.ts): the 401's parameters, stale and forged nonces,
 * MD5-sess and RFC 2069 credentials, expiry of bindings, a users function.
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { RegistrarUnregisteredEvent } from '../../lib/index';
import { delay } from '../helpers/context';
import { waitFor } from '../helpers/kamailio';
import { challengeParams, md5, Peer, RawClient } from '../helpers/raw-sip';
import { recordRegistrar, startRegistrar } from '../helpers/registrar';

describe('Registrar with raw requests', () => {
  let client: RawClient;
  before(async () => {
    client = await new RawClient().open();
  });
  after(() => client?.close());

  test('the 401 carries realm, nonce, qop="auth", algorithm=MD5; stale=true only with the right password', async () => {
    const registrar = await startRegistrar({ nonceTtlMs: 200 });
    try {
      const peer = new Peer('registrar', client, registrar.addresses[0].port);
      const r = await peer.send({ expires: 600 });
      assert.equal(r?.status, 401);
      const www = r.headers.get('www-authenticate')!;
      assert.equal(www.length, 1);
      const p = challengeParams(www[0]);
      assert.equal(p.realm, 'example.com');
      assert.equal(p.qop, 'auth');
      assert.equal(p.algorithm, 'MD5');
      assert.match(p.nonce, /^[A-Za-z0-9_-]{32}$/);
      assert.equal(p.stale, undefined);
      await delay(300);
      const stale = await peer.auth({ expires: 600 }, { password: 'secret', nonce: p.nonce });
      assert.equal(stale?.status, 401);
      assert.equal(challengeParams(stale.headers.get('www-authenticate')![0]).stale, 'true');
      assert.notEqual(challengeParams(stale.headers.get('www-authenticate')![0]).nonce, p.nonce);
      const staleWrong = await peer.auth({ expires: 600 }, { password: 'wrong', nonce: p.nonce });
      assert.equal(staleWrong?.status, 401);
      assert.equal(challengeParams(staleWrong.headers.get('www-authenticate')![0]).stale, undefined);
      // A nonce it never issued: a fresh challenge (not 403: see the Kamailio comparison).
      const forged = await peer.auth({ expires: 600 }, { password: 'secret', nonce: randomBytes(24).toString('base64url') });
      assert.equal(forged?.status, 401);
      // MD5-sess and RFC 2069 (no qop) are verified too.
      const nonce = challengeParams((await peer.send({ expires: 600 }))!.headers.get('www-authenticate')![0]).nonce;
      const noQop = await peer.auth({ expires: 600 }, { password: 'secret', nonce, qop: false });
      assert.equal(noQop?.status, 200);
      assert.deepEqual(registrar.bindings().map((b) => [b.contact, b.userAgent, b.source]), [
        [`sip:alice@127.0.0.1:${client.port}`, 'exosip2-registrar-test', `127.0.0.1:${client.port}`],
      ]);
    } finally {
      await registrar.close();
    }
  });

  test('MD5-sess credentials are verified', async () => {
    const registrar = await startRegistrar();
    try {
      const peer = new Peer('registrar', client, registrar.addresses[0].port);
      const nonce = await peer.nonce();
      const cnonce = 'c0ffee';
      const ha1 = md5(`${md5('alice:example.com:secret')}:${nonce}:${cnonce}`);
      const response = md5(`${ha1}:${nonce}:00000001:${cnonce}:auth:${md5('REGISTER:sip:example.com')}`);
      const header = `Authorization: Digest username="alice", realm="example.com", nonce="${nonce}", uri="sip:example.com", response="${response}", algorithm=MD5-sess, qop=auth, nc=00000001, cnonce="${cnonce}"`;
      assert.equal((await peer.send({ expires: 600, headers: [header] }))?.status, 200);
      assert.equal((await peer.send({ expires: 600, headers: [header.replace('MD5-sess', 'SHA-256')] }))?.status, 403);
    } finally {
      await registrar.close();
    }
  });

  test('bindings expire: the timer removes them with an "expired" event', async () => {
    const registrar = await startRegistrar({ minExpires: 1, defaultExpires: 1 });
    const events = recordRegistrar(registrar);
    try {
      const peer = new Peer('registrar', client, registrar.addresses[0].port);
      const r = await peer.auth({ expires: 1 }, { password: 'secret' });
      assert.equal(r?.status, 200);
      assert.match(r.headers.get('contact')![0], /;expires=1$/);
      const expired = await waitFor(async () => events.find(([name]) => name === 'unregistered'), { timeoutMs: 3000, intervalMs: 50, what: 'the expiry event' });
      assert.equal((expired[1] as RegistrarUnregisteredEvent).reason, 'expired');
      assert.deepEqual(registrar.bindings(), []);
    } finally {
      await registrar.close();
    }
  });

  test('a users function gets (user, realm, domain); if it throws the answer is 500 and a warning is emitted', async () => {
    const calls: string[][] = [];
    const registrar = await startRegistrar({
      realm: 'lab',
      users: (user, realm, domain) => {
        calls.push([user, realm, domain]);
        if (user === 'boom') throw new Error('lookup failed');
        return user === 'alice' ? 'secret' : undefined;
      },
    });
    const warnings: Error[] = [];
    registrar.on('warning', (e) => warnings.push(e));
    try {
      const peer = new Peer('registrar', client, registrar.addresses[0].port);
      const nonce = await peer.nonce();
      assert.equal((await peer.auth({ expires: 600, domain: 'Example.com' }, { password: 'secret', realm: 'lab', nonce }))?.status, 200);
      assert.equal((await peer.auth({ user: 'boom', expires: 600 }, { password: 'x', realm: 'lab', nonce }))?.status, 500);
      assert.deepEqual(calls, [
        ['alice', 'lab', 'example.com'],
        ['boom', 'lab', 'example.com'],
      ]);
      assert.deepEqual(
        warnings.map((w) => w.message),
        ['lookup failed'],
      );
    } finally {
      await registrar.close();
    }
  });
});
