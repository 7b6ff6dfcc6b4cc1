/**
 * A key no option has is refused (TypeError ERR_INVALID_ARG_VALUE naming the
 * key and the options), not ignored: in plain JS `invite({ sdpp })` placed a
 * call without SDP and `register({ expire: 60 })` registered for an hour.
 * Nothing is sent for a refused call: the registrar's datagram count stays 0.
 */
import { strict as assert } from 'node:assert';
import * as dgram from 'node:dgram';
import { test } from 'node:test';
import { Context, ContextPool, Registrar } from '../../lib/index';
import { openContext } from '../helpers/context';

/** Asserts that `run` (sync throw or rejection) refuses `key` with ERR_INVALID_ARG_VALUE. */
async function refuses(what: string, key: string, run: () => unknown): Promise<void> {
  await assert.rejects(
    (async () => run())(),
    (error: NodeJS.ErrnoException) => {
      assert.ok(error instanceof TypeError, `${what}: ${String(error)}`);
      assert.equal(error.code, 'ERR_INVALID_ARG_VALUE', what);
      assert.ok(error.message.includes(`"${key}"`), `${what}: ${error.message}`);
      assert.match(error.message, /the options are /, what);
      return true;
    },
    what,
  );
}

test('mistyped option keys are refused before anything is sent, on every API that takes options', async () => {
  const sink = dgram.createSocket('udp4');
  let datagrams = 0;
  sink.on('message', () => datagrams++);
  await new Promise<void>((resolve) => sink.bind(0, '127.0.0.1', resolve));
  const peer = `sip:bob@127.0.0.1:${sink.address().port}`;
  const ctx = await openContext();
  const from = `sip:alice@127.0.0.1:${ctx.address!.port}`;
  try {
    await refuses('new Context', 'useragent', () => new Context({ useragent: 'x' } as never));
    await refuses('new Context tls', 'cafile', () => new Context({ tls: { cafile: '/x' } } as never));
    await refuses('listen', 'adress', () => new Context().listen({ adress: '127.0.0.1' } as never));
    await refuses('register', 'expire', () => ctx.register({ from, proxy: peer, expire: 60 } as never));
    await refuses('unregisterAll', 'expires', () => ctx.unregisterAll({ from, proxy: peer, expires: 0 } as never));
    await refuses('request', 'contenttype', () => ctx.request({ method: 'MESSAGE', to: peer, from, contenttype: 'text/plain' } as never));
    await refuses('message', 'method', () => ctx.message(peer, 'hi', { from, method: 'INFO' } as never));
    await refuses('options', 'timeout', () => ctx.options(peer, { from, timeout: 5 } as never));
    await refuses('invite', 'sdpp', () => ctx.invite({ to: peer, from, sdpp: 'v=0' } as never));
    await refuses('addAuthenticationInfo', 'pasword', () => ctx.addAuthenticationInfo({ username: 'a', pasword: 'p' } as never));
    await refuses('setTrace', 'redacted', () => ctx.setTrace(true, { redacted: true } as never));
    await refuses('events', 'type', () => ctx.events({ type: ['EXOSIP_CALL_INVITE'] } as never));
    await refuses('new ContextPool', 'sise', () => new ContextPool({ sise: 2 } as never));
    await refuses('new ContextPool listen', 'adress', () => new ContextPool({ listen: { adress: '127.0.0.1' } } as never));
    assert.throws(() => new ContextPool({ listen: { adress: '127.0.0.1' } } as never), /the options are transport, address, family$/);
    assert.throws(() => new ContextPool({ listen: 'udp' } as never), { code: 'ERR_INVALID_ARG_TYPE' });
    new ContextPool({ listen: { port: 0, address: '127.0.0.1' } as never }); // port 0 (any) is what a pool does anyway
    await refuses('new Registrar', 'realms', () => new Registrar({ users: { a: 'b' }, realms: 'x' } as never));
    // A map of headers or of eXosip options takes any key.
    const ok = new Context({ options: { EXOSIP_OPT_UDP_KEEP_ALIVE: 0 } });
    await ok.close();
    assert.equal(datagrams, 0, 'a refused call sent nothing');
  } finally {
    await ctx.close();
    sink.close();
  }
});

test('a registration refuses refresh({ expire }) and unregister({ expires }): unregister always asks for 0', async () => {
  const registrar = new Registrar({ users: { alice: 'secret' } });
  const at = await registrar.listen({ address: '127.0.0.1' });
  const ctx = await openContext();
  try {
    ctx.addAuthenticationInfo({ username: 'alice', password: 'secret' });
    const registration = await ctx.register({ from: `sip:alice@127.0.0.1:${at.port}`, proxy: `sip:127.0.0.1:${at.port}`, expires: 120 });
    await refuses('refresh', 'expire', () => registration.refresh({ expire: 60 } as never));
    await refuses('unregister', 'expires', () => registration.unregister({ expires: 60 } as never));
    assert.equal(registration.state, 'registered', 'a refused call changed nothing');
    await registration.unregister();
    assert.equal(registrar.bindings().length, 0);
  } finally {
    await ctx.close();
    await registrar.close();
  }
});
