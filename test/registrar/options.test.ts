/**
 * The embedded Registrar's (lib/registrar/) options and lifecycle: precise
 * TypeError/RangeError for bad options, listen() and close(), AbortSignal.
 */
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { Registrar, type RegistrarOptions } from '../../lib/index';

describe('Registrar options and lifecycle', () => {
  test('constructor options are checked with precise TypeError/RangeError', () => {
    const bad: Array<[unknown, RegExp, string]> = [
      [undefined, /options must be an object/, 'ERR_INVALID_ARG_TYPE'],
      [{}, /options\.users is required/, 'ERR_INVALID_ARG_TYPE'],
      [{ users: [] }, /options\.users must be a record of passwords or a function, got an array/, 'ERR_INVALID_ARG_TYPE'],
      [{ users: { alice: 1 } }, /options\.users\["alice"\] must be a string password/, 'ERR_INVALID_ARG_TYPE'],
      [{ users: { 'a b': 'x' } }, /options\.users key "a b" must be "user" or "user@domain"/, 'ERR_INVALID_ARG_VALUE'],
      [{ users: {}, realm: 'a"b' }, /options\.realm must not contain/, 'ERR_INVALID_ARG_VALUE'],
      [{ users: {}, realm: 'a\r\nb' }, /options\.realm must not contain NUL, CR or LF/, 'ERR_INVALID_ARG_VALUE'],
      [{ users: {}, domains: 'example.com' }, /options\.domains must be an array/, 'ERR_INVALID_ARG_TYPE'],
      [{ users: {}, domains: ['a b'] }, /options\.domains\[0\] must be a domain name/, 'ERR_INVALID_ARG_VALUE'],
      [{ users: {}, minExpires: 0 }, /options\.minExpires must be an integer from 1 to 99999999, got 0/, 'ERR_OUT_OF_RANGE'],
      [{ users: {}, minExpires: '60' }, /options\.minExpires must be a number/, 'ERR_INVALID_ARG_TYPE'],
      [{ users: {}, minExpires: 100, maxExpires: 50 }, /options\.maxExpires \(50\) must not be below options\.minExpires \(100\)/, 'ERR_OUT_OF_RANGE'],
      [{ users: {}, defaultExpires: 30 }, /options\.defaultExpires \(30\) must be from options\.minExpires \(60\) to options\.maxExpires \(3600\)/, 'ERR_OUT_OF_RANGE'],
      [{ users: {}, maxBindingsPerAor: 0 }, /options\.maxBindingsPerAor must be an integer from 1 to 10000/, 'ERR_OUT_OF_RANGE'],
      [{ users: {}, maxBindings: 1.5 }, /options\.maxBindings must be an integer/, 'ERR_OUT_OF_RANGE'],
      [{ users: {}, nonceTtlMs: 10 }, /options\.nonceTtlMs must be an integer from 100 to 86400000/, 'ERR_OUT_OF_RANGE'],
      [{ users: {}, userAgent: '' }, /options\.userAgent must not be empty/, 'ERR_INVALID_ARG_VALUE'],
    ];
    for (const [options, message, code] of bad) {
      assert.throws(
        () => new Registrar(options as RegistrarOptions),
        (e: Error & { code?: string }) => {
          assert.match(e.message, message, JSON.stringify(options));
          assert.equal(e.code, code, e.message);
          assert.ok(e instanceof (code === 'ERR_OUT_OF_RANGE' ? RangeError : TypeError), e.message);
          return true;
        },
      );
    }
    const r = new Registrar({ users: {}, minExpires: 5000 });
    assert.deepEqual(
      { ...r.options },
      { realm: null, domains: null, minExpires: 5000, maxExpires: 5000, defaultExpires: 5000, maxBindingsPerAor: 10, maxBindings: 10000, nonceTtlMs: 300000, userAgent: 'exosip2-registrar' },
    );
  });

  test('listen() before/after close, uri, unref, several sockets', async () => {
    const registrar = new Registrar({ users: { alice: 'secret' } });
    assert.equal(registrar.uri, null);
    const first = await registrar.listen();
    const second = await registrar.listen({ port: 0 });
    assert.deepEqual([first.address, second.address, first.transport], ['127.0.0.1', '127.0.0.1', 'udp']);
    assert.notEqual(first.port, second.port);
    assert.equal(registrar.uri, `sip:127.0.0.1:${first.port}`);
    assert.equal(registrar.addresses.length, 2);
    registrar.unref().ref();
    let closed = 0;
    registrar.on('close', () => closed++);
    await Promise.all([registrar.close(), registrar.close()]);
    assert.equal(closed, 1);
    assert.equal(registrar.closed, true);
    await assert.rejects(registrar.listen(), { code: 'ERR_REGISTRAR_CLOSED' });
    assert.deepEqual(registrar.bindings(), []);
  });

  test('listen() with an AbortSignal: aborted before or during, nothing stays open', async () => {
    const registrar = new Registrar({ users: { alice: 'secret' } });
    try {
      const reason = new Error('changed my mind');
      await assert.rejects(registrar.listen({ signal: AbortSignal.abort(reason) }), (e: Error & { code?: string; cause?: unknown }) => {
        assert.equal(e.name, 'AbortError');
        assert.equal(e.code, 'ABORT_ERR');
        assert.equal(e.cause, reason);
        return true;
      });
      // TCP waits for its probe connection: abort while it waits.
      const ac = new AbortController();
      const pending = registrar.listen({ transport: 'tcp', signal: ac.signal });
      ac.abort();
      await assert.rejects(pending, { code: 'ABORT_ERR' });
      assert.deepEqual(registrar.addresses, []);
      await assert.rejects(registrar.listen({ signal: 'soon' as unknown as AbortSignal }), { code: 'ERR_INVALID_ARG_TYPE' });
      const ok = await registrar.listen({ signal: new AbortController().signal });
      assert.equal(ok.transport, 'udp');
      assert.equal(registrar.addresses.length, 1);
    } finally {
      await registrar.close();
    }
  });
});
