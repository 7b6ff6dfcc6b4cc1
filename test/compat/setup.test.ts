/**
 * The compat API, eX_setup.h: eXosip_malloc/init/listen_addr/quit,
 * options, credentials, argument checks (throws only for what C would crash
 * on, negative codes otherwise), and eXosip_lock/eXosip_unlock.
 */
import { strict as assert } from 'node:assert';
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import * as compat from '../../lib/compat';
import {
  AF_INET,
  EXOSIP_OPT_GET_STATISTICS,
  EXOSIP_OPT_UDP_KEEP_ALIVE,
  IPPROTO_UDP,
  OSIP_BADPARAMETER,
  OSIP_NOTFOUND,
  OSIP_WRONG_STATE,
  eXosip_add_authentication_info,
  eXosip_automatic_action,
  eXosip_clear_authentication_info,
  eXosip_event_wait,
  eXosip_get_version,
  eXosip_init,
  eXosip_listen_addr,
  eXosip_lock,
  eXosip_malloc,
  eXosip_masquerade_contact,
  eXosip_quit,
  eXosip_register_build_initial_register,
  eXosip_register_build_register,
  eXosip_register_send_register,
  eXosip_remove_authentication_info,
  eXosip_set_option,
  eXosip_set_user_agent,
  eXosip_unlock,
  osip_message_set_supported,
} from '../../lib/compat';
import { type AnyExosipEvent, Context } from '../../lib/index';
import { nativeOf } from '../../lib/internal/handles';
import { codeOf, isSuccess, nextEvent, useCompatContexts } from '../helpers/compat';
import { useKamailio } from '../helpers/use-kamailio';

const kam = useKamailio();
const { newContext, track } = useCompatContexts(kam);

describe('context lifecycle and argument checks', () => {
  test('eXosip_malloc, eXosip_init, eXosip_listen_addr, eXosip_quit', async () => {
    const ctx = eXosip_malloc();
    track(ctx);
    assert.ok(ctx instanceof Context);
    assert.equal(eXosip_get_version(), Context.exosipVersion);
    // Before eXosip_init, C would crash: here it throws.
    assert.equal(codeOf(() => eXosip_lock(ctx)), 'ERR_CONTEXT_NOT_INITIALIZED');
    assert.equal(codeOf(() => eXosip_event_wait(ctx, 0, 0)), 'ERR_CONTEXT_NOT_INITIALIZED');
    assert.equal(eXosip_init(ctx), 0);
    assert.equal(eXosip_init(ctx), OSIP_WRONG_STATE);
    // A port eXosip would cut to 16 bits (70000 → 4464, -5 → 65531): refused, nothing opened.
    assert.equal(eXosip_listen_addr(ctx, IPPROTO_UDP, '127.0.0.1', 70_000, AF_INET, 0), OSIP_BADPARAMETER);
    assert.equal(eXosip_listen_addr(ctx, IPPROTO_UDP, '127.0.0.1', -5, AF_INET, 0), OSIP_BADPARAMETER);
    assert.equal(ctx.address as unknown, null);
    assert.equal(eXosip_listen_addr(ctx, IPPROTO_UDP, '127.0.0.1', 0, AF_INET, 0), 0);
    assert.equal(eXosip_listen_addr(ctx, IPPROTO_UDP, '127.0.0.1', 0, AF_INET, 0), OSIP_WRONG_STATE);
    assert.equal(ctx.address?.transport, 'udp');
    assert.ok(ctx.address!.port > 0);
    eXosip_set_user_agent(ctx, 'compat-test/1.0');
    eXosip_masquerade_contact(ctx, null, 0);
    eXosip_automatic_action(ctx);
    const closing = eXosip_quit(ctx);
    assert.ok(closing instanceof Promise);
    await closing;
    assert.equal(ctx.closed, true);
    assert.equal(codeOf(() => eXosip_lock(ctx)), 'ERR_CONTEXT_CLOSED');
    assert.equal(codeOf(() => eXosip_register_build_register(ctx, 1, 1800)), 'ERR_CONTEXT_CLOSED');
    assert.equal(await eXosip_event_wait(ctx, 5, 0), null);
    await eXosip_quit(ctx); // twice: nothing
  });

  test('eXosip_event_wait ends early when its signal (not in C) aborts; the event stays queued', async () => {
    const ctx = eXosip_malloc();
    track(ctx);
    assert.equal(eXosip_init(ctx), 0);
    assert.equal(eXosip_listen_addr(ctx, IPPROTO_UDP, '127.0.0.1', 0, AF_INET, 0), 0);
    await assert.rejects(eXosip_event_wait(ctx, 5, 0, { signal: AbortSignal.abort() }), { name: 'AbortError', code: 'ABORT_ERR' });
    const ac = new AbortController();
    const started = Date.now();
    const waiting = eXosip_event_wait(ctx, 10, 0, { signal: ac.signal });
    setTimeout(() => ac.abort(), 100);
    await assert.rejects(waiting, { code: 'ABORT_ERR' });
    assert.ok(Date.now() - started < 5_000, 'ended at the abort, not at the 10 s timeout');
    assert.equal(codeOf(() => eXosip_event_wait(ctx, 0, 0, { signal: 1 as unknown as AbortSignal })), 'ERR_INVALID_ARG_TYPE');
    // An unanswered OPTIONS to us is an event: the aborted wait did not take it.
    const peer = dgram.createSocket('udp4');
    const port = ctx.address!.port;
    const options = `OPTIONS sip:x@127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKabort1\r\nMax-Forwards: 70\r\nTo: <sip:x@127.0.0.1>\r\nFrom: <sip:p@127.0.0.1>;tag=1\r\nCall-ID: abort1@x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`;
    await new Promise<void>((resolve) => peer.send(options, port, '127.0.0.1', () => resolve()));
    peer.close();
    const ac2 = new AbortController();
    const ev = await eXosip_event_wait(ctx, 5, 0, { signal: ac2.signal });
    ac2.abort(); // after the event: nothing happens
    assert.equal(ev?.type, 'EXOSIP_MESSAGE_NEW');
    await eXosip_quit(ctx);
  });

  test('a busy port is a negative code, not an exception', async () => {
    const sock = dgram.createSocket('udp4');
    sock.bind(0, '127.0.0.1');
    await once(sock, 'listening');
    try {
      const ctx = eXosip_malloc();
      track(ctx);
      assert.equal(eXosip_init(ctx), 0);
      assert.equal(eXosip_listen_addr(ctx, IPPROTO_UDP, '127.0.0.1', sock.address().port, AF_INET, 0), compat.OSIP_PORT_BUSY);
    } finally {
      sock.close();
    }
  });

  test('wrong argument types throw ERR_INVALID_ARG_TYPE', () => {
    const ctx = newContext();
    const anyFn = compat as unknown as Record<string, (...args: unknown[]) => unknown>;
    assert.equal(codeOf(() => anyFn.eXosip_lock({})), 'ERR_INVALID_ARG_TYPE');
    assert.equal(codeOf(() => anyFn.eXosip_register_build_register(ctx, '1', 1800)), 'ERR_INVALID_ARG_TYPE');
    assert.equal(codeOf(() => anyFn.eXosip_register_send_register(ctx, 1, {})), 'ERR_INVALID_ARG_TYPE');
    assert.equal(codeOf(() => anyFn.osip_message_set_header('not a message', 'X-A', 'b')), 'ERR_INVALID_ARG_TYPE');
    assert.equal(codeOf(() => anyFn.eXosip_event_wait(ctx, 'soon', 0)), 'ERR_INVALID_ARG_TYPE');
    assert.equal(codeOf(() => eXosip_set_user_agent(ctx, 'a\r\nX-Injected: 1')), 'ERR_INVALID_ARG_VALUE');
  });

  test('eXosip_set_option: codes for what C refuses, throws for what C would misread', () => {
    const ctx = newContext();
    assert.equal(eXosip_set_option(ctx, EXOSIP_OPT_UDP_KEEP_ALIVE, 25_000), 0);
    assert.equal(eXosip_set_option(ctx, compat.EXOSIP_OPT_ADD_DNS_CACHE, { host: 'registrar.test', ip: '127.0.0.1' }), 0);
    assert.equal(eXosip_set_option(ctx, 4242, 1), OSIP_BADPARAMETER); // unknown option: C's default branch
    assert.equal(codeOf(() => eXosip_set_option(ctx, EXOSIP_OPT_UDP_KEEP_ALIVE, 'often')), 'ERR_INVALID_ARG_TYPE');
    // The statistics' out-parameter must be an object to fill (test/context/statistics.test.ts).
    assert.equal(codeOf(() => eXosip_set_option(ctx, EXOSIP_OPT_GET_STATISTICS, 0)), 'ERR_INVALID_ARG_TYPE');
    assert.equal(codeOf(() => eXosip_set_option(ctx, compat.EXOSIP_OPT_SET_TSC_SERVER, 0)), 'ERR_INVALID_ARG_VALUE');
  });

  test('eXosip_set_option(EXOSIP_OPT_SET_TLS_CERTIFICATES_INFO): 0 for an eXosip_tls_ctx_t, throws where eXosip would cut or drop it', () => {
    const ctx = newContext();
    const opt = compat.EXOSIP_OPT_SET_TLS_CERTIFICATES_INFO;
    assert.equal(eXosip_set_option(ctx, opt, { root_ca_cert: '/nonexistent/ca.pem', client: { cert: '/c.pem', priv_key: '/k.pem', priv_key_pw: 'pw' }, tls_flags: 0 }), 0);
    assert.equal(eXosip_set_option(ctx, opt, {}), 0); // memset(&tls_info, 0, ...): clears it
    assert.equal(codeOf(() => eXosip_set_option(ctx, opt, { root_ca_cert: `/${'x'.repeat(1023)}` })), 'ERR_INVALID_ARG_TYPE');
    assert.equal(codeOf(() => eXosip_set_option(ctx, opt, { client: { cert: '/c.pem' } })), 'ERR_INVALID_ARG_TYPE');
    assert.equal(codeOf(() => eXosip_set_option(ctx, opt, { tls_flags: -1 })), 'ERR_INVALID_ARG_TYPE');
    // A field the C struct has no member for (C would not compile it; eXosip would get no CA at all).
    assert.equal(codeOf(() => eXosip_set_option(ctx, opt, { root_ca: '/ca.pem' } as never)), 'ERR_INVALID_ARG_VALUE');
    assert.equal(codeOf(() => eXosip_set_option(ctx, opt, { client: { certificate: '/c.pem' } } as never)), 'ERR_INVALID_ARG_VALUE');
    assert.equal(codeOf(() => eXosip_set_option(ctx, compat.EXOSIP_OPT_ADD_DNS_CACHE, { host: 'h', ip: '127.0.0.1', ttl: 5 } as never)), 'ERR_INVALID_ARG_VALUE');
    assert.throws(() => new Context({ options: { EXOSIP_OPT_SET_TLS_CERTIFICATES_INFO: { root_ca: '/ca.pem' } as never } }), /EXOSIP_OPT_SET_TLS_CERTIFICATES_INFO has no field root_ca \(eX_setup\.h: random_file, /);
    assert.equal(eXosip_set_option(ctx, compat.EXOSIP_OPT_SET_TLS_VERIFY_CERTIFICATE, 1), 0);
    assert.equal(eXosip_set_option(ctx, compat.EXOSIP_OPT_SET_TLS_CLIENT_CERTIFICATE_NAME, 'me'), compat.OSIP_UNDEFINED_ERROR); // obsolete in 5.3
  });

  test('credentials: C codes, and OSIP_BADPARAMETER instead of silent truncation', () => {
    const ctx = newContext();
    assert.equal(eXosip_add_authentication_info(ctx, 'alice', 'alice', 'secret', null, 'example.com'), 0);
    assert.equal(eXosip_add_authentication_info(ctx, 'alice', 'alice', 'secret', null, null), 0);
    assert.equal(eXosip_add_authentication_info(ctx, null, 'alice', 'secret', null, null), OSIP_BADPARAMETER);
    assert.equal(eXosip_add_authentication_info(ctx, 'alice', '', 'secret', null, null), OSIP_BADPARAMETER);
    assert.equal(eXosip_add_authentication_info(ctx, 'alice', 'alice', null, null, null), OSIP_BADPARAMETER);
    assert.equal(eXosip_add_authentication_info(ctx, 'bob', 'bob', null, '0123456789abcdef0123456789abcdef', null), 0);
    assert.equal(eXosip_add_authentication_info(ctx, 'carol', 'carol', 'p'.repeat(49), null, null), 0);
    assert.equal(eXosip_add_authentication_info(ctx, 'carol', 'carol', 'p'.repeat(50), null, null), OSIP_BADPARAMETER);
    assert.equal(eXosip_add_authentication_info(ctx, 'carol', 'carol', 'pw', null, 'r'.repeat(50)), OSIP_BADPARAMETER);
    assert.equal(eXosip_remove_authentication_info(ctx, 'alice', 'example.com'), 0);
    assert.equal(eXosip_remove_authentication_info(ctx, 'alice', 'example.com'), OSIP_NOTFOUND);
    assert.equal(eXosip_remove_authentication_info(ctx, 'alice', null), 0);
    assert.equal(eXosip_remove_authentication_info(ctx, '', null), OSIP_BADPARAMETER);
    assert.equal(eXosip_clear_authentication_info(ctx), 0);
    assert.equal(eXosip_remove_authentication_info(ctx, 'bob', null), OSIP_NOTFOUND);
  });
});

describe('eXosip_lock / eXosip_unlock', () => {
  test('nesting counts; eXosip_event_wait under the lock throws ERR_LOCK_HELD', async () => {
    const ctx = newContext();
    assert.equal(eXosip_lock(ctx), 0);
    assert.equal(eXosip_lock(ctx), 0);
    assert.equal(nativeOf(ctx).lockDepth, 2);
    const error = (() => {
      try {
        void eXosip_event_wait(ctx, 1, 0);
      } catch (e) {
        return e as Error & { code?: string };
      }
      return undefined;
    })();
    assert.equal(error?.code, 'ERR_LOCK_HELD');
    assert.match(error!.message, /eXosip_unlock/);
    assert.equal(eXosip_unlock(ctx), 0);
    assert.equal(codeOf(() => eXosip_event_wait(ctx, 0, 0)), 'ERR_LOCK_HELD');
    assert.equal(eXosip_unlock(ctx), 0);
    assert.equal(nativeOf(ctx).lockDepth, 0);
    assert.equal(eXosip_unlock(ctx), OSIP_WRONG_STATE);
    assert.equal(await eXosip_event_wait(ctx, 0, 0), null);
  });

  test('calls under a nested lock run; the stack resumes after the last unlock (no deadlock)', async () => {
    const ctx = newContext();
    const delivered: AnyExosipEvent[] = [];
    ctx.on('event', (ev) => delivered.push(ev));
    eXosip_lock(ctx);
    eXosip_add_authentication_info(ctx, 'alice', 'alice', 'secret', null, null);
    const [rid, reg] = eXosip_register_build_initial_register(ctx, 'sip:alice@example.com', kam.proxy, null, 1800);
    eXosip_lock(ctx);
    osip_message_set_supported(reg, 'path');
    assert.equal(eXosip_register_send_register(ctx, rid, reg), 0);
    eXosip_automatic_action(ctx);
    assert.equal(eXosip_unlock(ctx), 0);
    // The JS thread keeps running while it holds the lock; the stack waits for it.
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(delivered, [], 'no answer can be handled while JS holds the lock');
    assert.equal(eXosip_unlock(ctx), 0);
    const ev = await nextEvent(ctx, isSuccess);
    assert.equal(ev.rid, rid);
    assert.equal((await kam.lookup('alice@example.com')).length, 1);
  });
});
