/**
 * The compat API (`exosip2/compat`): C names and values, out-parameter
 * tuples, negative codes instead of exceptions, throws only for what C would
 * crash on, locking, eXosip_event_wait, and the compat and Context APIs on one
 * context. Registration tests run against a real Kamailio.
 */
import { strict as assert } from 'node:assert';
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import * as fs from 'node:fs';
import { after, afterEach, before, describe, test } from 'node:test';
import { binding } from '../../lib/native';
import * as compat from '../../lib/compat';
import {
  AF_INET,
  COMPAT_EVENT_QUEUE_CAPACITY,
  EXOSIP_OPT_GET_STATISTICS,
  EXOSIP_OPT_UDP_KEEP_ALIVE,
  EXOSIP_REGISTRATION_FAILURE,
  EXOSIP_REGISTRATION_SUCCESS,
  IPPROTO_TCP,
  IPPROTO_UDP,
  OSIP_BADPARAMETER,
  OSIP_NOTFOUND,
  OSIP_SUCCESS,
  OSIP_UNDEFINED_ERROR,
  OSIP_WRONG_STATE,
  compatEventQueueStats,
  eXosip_add_authentication_info,
  eXosip_automatic_action,
  eXosip_clear_authentication_info,
  eXosip_default_action,
  eXosip_event_free,
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
  eXosip_register_remove,
  eXosip_register_send_register,
  eXosip_remove_authentication_info,
  eXosip_set_option,
  eXosip_set_user_agent,
  eXosip_unlock,
  osip_message_clone,
  osip_message_free,
  osip_message_get_expires,
  osip_message_get_supported,
  osip_message_header_get_byname,
  osip_message_init,
  osip_message_replace_header,
  osip_message_set_expires,
  osip_message_set_header,
  osip_message_set_supported,
  osip_message_to_str,
  type eXosip_event_t,
  type eXosip_t,
  type osip_header_t,
} from '../../lib/compat';
import { type AnyExosipEvent, Context, Message } from '../../lib/index';
import { nativeOf } from '../../lib/internal/handles';
import { type Kamailio, startKamailio, waitFor } from '../helpers/kamailio';

let kam: Kamailio;
const open: Context[] = [];

before(async () => {
  kam = await startKamailio();
});
after(async () => {
  await kam?.stop();
});
afterEach(async () => {
  for (const ctx of open.splice(0)) await ctx.close();
  for (const aor of new Set((await kam.ulDump()).map((b) => b.aor))) {
    await kam.rpc('ul.rm', 'location', aor).catch(() => undefined);
  }
});

/** eXosip_malloc + eXosip_init + eXosip_listen_addr on 127.0.0.1, port picked by the system. */
function newContext(): eXosip_t {
  const ctx = eXosip_malloc();
  open.push(ctx);
  assert.equal(eXosip_init(ctx), 0);
  assert.equal(eXosip_listen_addr(ctx, IPPROTO_UDP, '127.0.0.1', 0, AF_INET, 0), 0);
  return ctx;
}

async function nextEvent(ctx: eXosip_t, match: (ev: eXosip_event_t) => boolean, timeoutMs = 10_000): Promise<eXosip_event_t> {
  const deadline = Date.now() + timeoutMs;
  const seen: string[] = [];
  while (Date.now() < deadline) {
    const ev = await eXosip_event_wait(ctx, 0, 200);
    if (ev === null) continue;
    if (match(ev)) return ev;
    seen.push(`${ev.type}/${ev.response?.statusCode}`);
  }
  throw new Error(`no matching event within ${timeoutMs} ms (saw ${seen.join(', ') || 'nothing'})`);
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

const isSuccess = (ev: eXosip_event_t): boolean => ev.typeId === EXOSIP_REGISTRATION_SUCCESS;

// ---------------------------------------------------------------------------

describe('constants', () => {
  const exported = Object.entries(compat).filter(([name]) => /^(OSIP_|EXOSIP_|IPPROTO_|AF_)/.test(name));
  const tables: Array<[string, Readonly<Record<string, number>>]> = [
    ['osipCodes', binding.osipCodes],
    ['eventTypes', binding.eventTypes],
    ['constants.options', binding.constants.options],
    ['constants', { IPPROTO_UDP: binding.constants.IPPROTO_UDP, IPPROTO_TCP: binding.constants.IPPROTO_TCP, AF_INET: binding.constants.AF_INET, AF_INET6: binding.constants.AF_INET6 }],
  ];

  test('every constant of the binding is exported under its C name with its C value', () => {
    const mod = compat as unknown as Record<string, unknown>;
    let count = 0;
    for (const [table, entries] of tables) {
      for (const [name, value] of Object.entries(entries)) {
        assert.equal(mod[name], value, `${name} (binding.${table})`);
        count++;
      }
    }
    assert.equal(count, 19 + 46 + 37 + 4);
  });

  test('every exported constant is in the binding tables, with the same value', () => {
    const all = new Map<string, number>();
    for (const [, entries] of tables) for (const [name, value] of Object.entries(entries)) all.set(name, value);
    for (const [name, value] of exported) {
      assert.ok(all.has(name), `${name} is exported but is not a C constant of the binding`);
      assert.equal(value, all.get(name), name);
    }
    assert.equal(exported.length, all.size);
  });

  test('values are the C ones', () => {
    assert.equal(IPPROTO_UDP, 17);
    assert.equal(IPPROTO_TCP, 6);
    assert.equal(AF_INET, 2);
    assert.equal(OSIP_SUCCESS, 0);
    assert.equal(OSIP_UNDEFINED_ERROR, -1);
    assert.equal(OSIP_BADPARAMETER, -2);
    assert.equal(OSIP_WRONG_STATE, -3);
    assert.equal(OSIP_NOTFOUND, -6);
    assert.equal(EXOSIP_REGISTRATION_SUCCESS, 0);
    assert.equal(EXOSIP_REGISTRATION_FAILURE, 1);
    assert.equal(compat.EXOSIP_OPT_UDP_LEARN_PORT, compat.EXOSIP_OPT_AUTO_MASQUERADE_CONTACT);
  });

  test('values match the installed C headers', () => {
    const find = (dirs: string[], file: string): string | undefined => dirs.map((d) => `${d}/${file}`).find((f) => fs.existsSync(f));
    const exosipH = find(['/usr/local/include/eXosip2', '/usr/include/eXosip2'], 'eXosip.h');
    const setupH = find(['/usr/local/include/eXosip2', '/usr/include/eXosip2'], 'eX_setup.h');
    const portH = find(['/usr/local/include/osipparser2', '/usr/include/osipparser2'], 'osip_port.h');
    // The headers are a build prerequisite: their absence is a failure, not a skip.
    assert.ok(exosipH && setupH && portH, 'libeXosip2/libosip2 headers not found under /usr/local/include or /usr/include');
    const mod = compat as unknown as Record<string, number>;
    const strip = (text: string): string => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '').replace(/\\\n/g, ' ');
    // enum eXosip_event_type: implicit values from 0.
    const body = /typedef enum eXosip_event_type \{([\s\S]*?)\}/.exec(strip(fs.readFileSync(exosipH, 'utf8')))![1];
    const names = body.split(',').map((s) => s.trim()).filter(Boolean);
    const enumerated = new Map(names.map((name, i) => [name, i]));
    enumerated.delete('EXOSIP_EVENT_COUNT'); // the enum's end marker, not an event
    assert.deepEqual([...enumerated.keys()].sort(), Object.keys(binding.eventTypes).sort());
    for (const [name, value] of enumerated) assert.equal(mod[name], value, name);
    // #define EXOSIP_OPT_* (EXOSIP_OPT_BASE_OPTION + N) / aliases; #define OSIP_* -N.
    const defines = new Map<string, string>();
    for (const file of [setupH, portH]) {
      for (const m of strip(fs.readFileSync(file, 'utf8')).matchAll(/^#define\s+((?:EXOSIP_OPT|OSIP)_\w+)\s+(.+)$/gm)) defines.set(m[1], m[2].trim());
    }
    const evaluate = (expr: string, depth = 0): number => {
      const replaced = expr.replace(/[A-Z_][A-Z0-9_]*/g, (n) => String(evaluate(defines.get(n) ?? 'NaN', depth + 1)));
      assert.match(replaced, /^[\d\s()+-]+$/, `cannot evaluate ${expr}`);
      return Function(`return (${replaced});`)() as number;
    };
    let checked = 0;
    for (const [name] of [...Object.entries(binding.constants.options), ...Object.entries(binding.osipCodes)]) {
      assert.ok(defines.has(name), `${name} not in the headers`);
      assert.equal(mod[name], evaluate(defines.get(name)!), name);
      checked++;
    }
    assert.equal(checked, 37 + 19);
  });
});

describe('context lifecycle and argument checks', () => {
  test('eXosip_malloc, eXosip_init, eXosip_listen_addr, eXosip_quit', async () => {
    const ctx = eXosip_malloc();
    open.push(ctx);
    assert.ok(ctx instanceof Context);
    assert.equal(eXosip_get_version(), Context.exosipVersion);
    // Before eXosip_init, C would crash: here it throws.
    assert.equal(codeOf(() => eXosip_lock(ctx)), 'ERR_CONTEXT_NOT_INITIALIZED');
    assert.equal(codeOf(() => eXosip_event_wait(ctx, 0, 0)), 'ERR_CONTEXT_NOT_INITIALIZED');
    assert.equal(eXosip_init(ctx), 0);
    assert.equal(eXosip_init(ctx), OSIP_WRONG_STATE);
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
    open.push(ctx);
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
      open.push(ctx);
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
    assert.equal(codeOf(() => eXosip_set_option(ctx, EXOSIP_OPT_GET_STATISTICS, 0)), 'ERR_INVALID_ARG_VALUE');
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

describe('registration calls: out-parameters and codes', () => {
  test('build calls return [code, message] tuples; failures are negative codes', () => {
    const ctx = newContext();
    const [rid, reg] = eXosip_register_build_initial_register(ctx, 'sip:alice@example.com', kam.proxy, null, 1800);
    assert.ok(rid > 0);
    assert.ok(reg instanceof Message);
    assert.equal(reg.method, 'REGISTER');
    const [bad, none] = eXosip_register_build_initial_register(ctx, 'not a uri', kam.proxy, null, 1800);
    assert.ok(bad < 0, `rid ${bad}`);
    assert.equal(none, null);
    assert.deepEqual(eXosip_register_build_initial_register(ctx, null, kam.proxy, null, 1800), [OSIP_BADPARAMETER, null]);
    // Not as in C: an IPv6 proxy literal from an IPv4 context could never be reached (and leaked in eXosip).
    assert.deepEqual(eXosip_register_build_initial_register(ctx, 'sip:alice@example.com', 'sip:[::1]:5060', null, 1800), [OSIP_BADPARAMETER, null]);
    assert.deepEqual(eXosip_register_build_register(ctx, rid + 100, 1800), [OSIP_NOTFOUND, null]);
    assert.deepEqual(eXosip_register_build_register(ctx, 0, 1800), [OSIP_BADPARAMETER, null]);
    assert.equal(eXosip_register_remove(ctx, rid + 100), OSIP_NOTFOUND);
    assert.equal(eXosip_register_remove(ctx, 0), OSIP_BADPARAMETER);
    // Unknown rid: C frees the message and returns OSIP_NOTFOUND; here it is spent.
    assert.equal(eXosip_register_send_register(ctx, rid + 100, reg), OSIP_NOTFOUND);
    assert.equal(reg.state, 'spent');
    assert.equal(eXosip_register_remove(ctx, rid), 0);
  });

  test('a second send while the first REGISTER is in flight is OSIP_WRONG_STATE', async () => {
    const ctx = newContext();
    eXosip_add_authentication_info(ctx, 'alice', 'alice', 'secret', null, null);
    eXosip_lock(ctx);
    const [rid, reg] = eXosip_register_build_initial_register(ctx, 'sip:alice@example.com', kam.proxy, null, 1800);
    const [, copy] = osip_message_clone(reg);
    assert.equal(eXosip_register_send_register(ctx, rid, reg), 0);
    // Under the lock, eXosip cannot have finished the transaction.
    assert.equal(eXosip_register_send_register(ctx, rid, copy), OSIP_WRONG_STATE);
    assert.equal(copy?.state, 'spent', 'C frees the message on failure too');
    assert.deepEqual(eXosip_register_build_register(ctx, rid, 1800), [OSIP_WRONG_STATE, null]);
    assert.equal(eXosip_register_send_register(ctx, rid, null), OSIP_WRONG_STATE);
    eXosip_unlock(ctx);
    const ev = await nextEvent(ctx, isSuccess);
    assert.equal(ev.rid, rid);
    assert.equal((await kam.lookup('alice@example.com')).length, 1);
    // Now idle: a NULL message lets eXosip build the refresh itself.
    assert.equal(eXosip_register_send_register(ctx, rid, null), 0);
    const refresh = await nextEvent(ctx, isSuccess);
    assert.equal(refresh.rid, rid);
  });

  test('a spent message throws ERR_MESSAGE_SPENT', async () => {
    const ctx = newContext();
    eXosip_add_authentication_info(ctx, 'alice', 'alice', 'secret', null, null);
    const [rid, reg] = eXosip_register_build_initial_register(ctx, 'sip:alice@example.com', kam.proxy, null, 1800);
    assert.equal(eXosip_register_send_register(ctx, rid, reg), 0); // without eXosip_lock: the binding locks
    assert.equal(codeOf(() => osip_message_set_supported(reg, '100rel')), 'ERR_MESSAGE_SPENT');
    assert.equal(codeOf(() => osip_message_to_str(reg)), 'ERR_MESSAGE_SPENT');
    assert.equal(codeOf(() => osip_message_get_expires(reg, 0)), 'ERR_MESSAGE_SPENT');
    assert.equal(codeOf(() => osip_message_free(reg)), 'ERR_MESSAGE_SPENT');
    assert.equal(codeOf(() => eXosip_register_send_register(ctx, rid, reg)), 'ERR_MESSAGE_SPENT');
    await nextEvent(ctx, isSuccess);
  });
});

describe('osip_message_*', () => {
  test('C shapes: [code, out...] tuples, OSIP codes, generic headers', () => {
    const ctx = newContext();
    const [rid, reg] = eXosip_register_build_initial_register(ctx, 'sip:alice@example.com', kam.proxy, null, 1800);
    assert.ok(rid > 0);

    const [code, text, length] = osip_message_to_str(reg);
    assert.equal(code, OSIP_SUCCESS);
    assert.match(text!, /^REGISTER sip:127\.0\.0\.1:\d+ SIP\/2\.0\r\n/);
    assert.equal(length, Buffer.byteLength(text!));

    const expected: osip_header_t = { hname: 'expires', hvalue: '1800' };
    assert.deepEqual(osip_message_get_expires(reg, 0), [0, expected]);
    assert.deepEqual(osip_message_get_expires(reg, 1), [OSIP_UNDEFINED_ERROR, null]);
    // osip_message_set_expires is C's osip_message_set_header(sip, "Expires", v): it appends.
    assert.equal(osip_message_set_expires(reg, '600'), 0);
    assert.equal(osip_message_get_expires(reg, 1)[1]?.hvalue, '600');
    // osip_message_replace_header, as in libosip2: drops the first one, appends the new one.
    assert.equal(osip_message_replace_header(reg, 'Expires', '300'), 0);
    assert.deepEqual(osip_message_get_expires(reg, 0), [0, { hname: 'expires', hvalue: '600' }]);
    assert.deepEqual(osip_message_get_expires(reg, 1), [1, { hname: 'expires', hvalue: '300' }]);
    assert.deepEqual(osip_message_get_expires(reg, 2), [OSIP_UNDEFINED_ERROR, null]);

    // The C loop idiom over a repeated header.
    assert.equal(osip_message_set_supported(reg, '100rel'), 0);
    assert.equal(osip_message_set_supported(reg, 'path'), 0);
    const values: string[] = [];
    for (let pos = 0, dest: osip_header_t | null; ([pos, dest] = osip_message_get_supported(reg, pos))[0] >= 0; pos++) values.push(dest!.hvalue);
    assert.deepEqual(values, ['100rel', 'path']);

    assert.equal(osip_message_set_header(reg, 'X-Port', 'compat'), 0);
    assert.deepEqual(osip_message_header_get_byname(reg, 'x-port', 0), [0, { hname: 'x-port', hvalue: 'compat' }]);
    assert.match(osip_message_to_str(reg)[1]!, /\r\nX-Port: compat\r\n/);

    // Refusals are codes.
    assert.equal(osip_message_set_header(reg, 'X-Bad', 'a\r\nX-Injected: 1'), OSIP_BADPARAMETER);
    assert.equal(osip_message_set_header(reg, '', 'x'), OSIP_BADPARAMETER);
    assert.equal(osip_message_set_header(null, 'X-A', 'b'), OSIP_BADPARAMETER);
    assert.equal(osip_message_set_supported(null, '100rel'), OSIP_BADPARAMETER);
    assert.deepEqual(osip_message_to_str(null), [OSIP_BADPARAMETER, null, 0]);
    assert.deepEqual(osip_message_clone(null), [OSIP_BADPARAMETER, null]);

    // A clone is independent and owned by the caller.
    const [cloned, copy] = osip_message_clone(reg);
    assert.equal(cloned, 0);
    osip_message_set_header(copy, 'X-Copy', '1');
    assert.deepEqual(osip_message_header_get_byname(reg, 'X-Copy', 0), [OSIP_UNDEFINED_ERROR, null]);
    osip_message_free(copy);
    assert.equal(codeOf(() => osip_message_to_str(copy)), 'ERR_MESSAGE_DISPOSED');
    assert.equal(codeOf(() => osip_message_free(copy)), 'ERR_MESSAGE_DISPOSED');
    osip_message_free(null);

    // An empty message cannot be printed: osip's code, not an exception.
    const [initCode, empty] = osip_message_init();
    assert.equal(initCode, 0);
    assert.deepEqual(osip_message_to_str(empty), [OSIP_BADPARAMETER, null, 0]);
    osip_message_free(empty);
    osip_message_free(reg);
    assert.equal(eXosip_register_remove(ctx, rid), 0);
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

describe('eXosip_event_wait', () => {
  test('resolves null after the timeout, at once with 0/0, and never blocks the JS thread', async () => {
    const ctx = newContext();
    let ticks = 0;
    const interval = setInterval(() => ticks++, 20);
    try {
      let t0 = Date.now();
      assert.equal(await eXosip_event_wait(ctx, 0, 300), null);
      const waited = Date.now() - t0;
      assert.ok(waited >= 290, `waited ${waited} ms`);
      assert.ok(ticks >= 5, `${ticks} interval ticks while waiting`);
      t0 = Date.now();
      assert.equal(await eXosip_event_wait(ctx, 0, 0), null);
      assert.ok(Date.now() - t0 < 50);
    } finally {
      clearInterval(interval);
    }
  });

  test('events come in order, to waiting calls in the order they were made', async () => {
    const ctx = newContext();
    const first = eXosip_event_wait(ctx, 10, 0);
    const second = eXosip_event_wait(ctx, 10, 0);
    assert.equal(compatEventQueueStats(ctx).waiting, 2);
    eXosip_add_authentication_info(ctx, 'alice', 'alice', 'secret', null, null);
    const [rid, reg] = eXosip_register_build_initial_register(ctx, 'sip:alice@example.com', kam.proxy, null, 1800);
    assert.equal(eXosip_register_send_register(ctx, rid, reg), 0);
    const [a, b] = await Promise.all([first, second]);
    assert.deepEqual([a?.typeId, a?.response?.statusCode, a?.rid], [EXOSIP_REGISTRATION_FAILURE, 401, rid]);
    assert.deepEqual([b?.typeId, b?.response?.statusCode, b?.rid], [EXOSIP_REGISTRATION_SUCCESS, 200, rid]);
    // eXosip_event_free is a no-op: the event stays usable.
    eXosip_event_free(b);
    assert.equal(b?.response?.statusCode, 200);
    assert.equal(b?.type, 'EXOSIP_REGISTRATION_SUCCESS');
  });

  test('the queue is bounded: the oldest events are dropped and counted', async () => {
    const ctx = newContext();
    const fake = (n: number): AnyExosipEvent =>
      ({ type: 'EXOSIP_MESSAGE_NEW', typeId: compat.EXOSIP_MESSAGE_NEW, rid: 0, tid: n, did: 0, cid: 0, sid: 0, nid: 0, ssStatus: 0, ssReason: 0, textinfo: `fake ${n}`, request: null, response: null, ack: null }) as AnyExosipEvent;
    const extra = 5;
    for (let n = 0; n < COMPAT_EVENT_QUEUE_CAPACITY + extra; n++) ctx.emit('event', fake(n));
    assert.deepEqual(compatEventQueueStats(ctx), { queued: COMPAT_EVENT_QUEUE_CAPACITY, dropped: extra, capacity: COMPAT_EVENT_QUEUE_CAPACITY, waiting: 0 });
    assert.equal((await eXosip_event_wait(ctx, 0, 0))?.tid, extra);
    assert.equal((await eXosip_event_wait(ctx, 0, 0))?.tid, extra + 1);
    assert.equal(compatEventQueueStats(ctx).queued, COMPAT_EVENT_QUEUE_CAPACITY - 2);
    await eXosip_quit(ctx);
    assert.deepEqual(compatEventQueueStats(ctx), { queued: 0, dropped: extra, capacity: COMPAT_EVENT_QUEUE_CAPACITY, waiting: 0 });
  });

  test('eXosip_quit resolves pending calls with null, and later calls at once', async () => {
    const ctx = newContext();
    const pending = eXosip_event_wait(ctx, 30, 0);
    const t0 = Date.now();
    const quitting = eXosip_quit(ctx);
    assert.equal(await pending, null);
    assert.ok(Date.now() - t0 < 1000);
    await quitting;
    assert.equal(await eXosip_event_wait(ctx, 30, 0), null);
    assert.ok(Date.now() - t0 < 1000);
  });

  test('ctx.close() (the Context API) also ends pending calls', async () => {
    const ctx = newContext();
    const pending = eXosip_event_wait(ctx, 30, 0);
    await ctx.close();
    assert.equal(await pending, null);
  });
});

describe('compat and Context API on one context', () => {
  test('register with compat; ctx.on("event") sees the same event objects; ctx.register works alongside', async () => {
    const ctx = newContext();
    const emitted: AnyExosipEvent[] = [];
    ctx.on('event', (ev) => emitted.push(ev));
    eXosip_add_authentication_info(ctx, 'alice', 'alice', 'secret', null, 'example.com');
    ctx.addAuthenticationInfo({ username: 'dave', password: 'davepw', realm: 'example.com' });
    eXosip_lock(ctx);
    const [rid, reg] = eXosip_register_build_initial_register(ctx, 'sip:alice@example.com', kam.proxy, null, 1800);
    assert.equal(eXosip_register_send_register(ctx, rid, reg), 0);
    eXosip_unlock(ctx);
    const ev = await nextEvent(ctx, (e) => isSuccess(e) && e.rid === rid);
    assert.ok(emitted.includes(ev), 'eXosip_event_wait returned the object ctx emitted');
    // The Context API on the same context (listen was done by eXosip_listen_addr).
    const dave = await ctx.register({ from: 'sip:dave@example.com', proxy: kam.proxy, expires: 900 });
    assert.notEqual(dave.rid, rid);
    assert.equal(ctx.registrations.size, 1, 'compat rids are not Context registrations');
    const daveEvent = await nextEvent(ctx, (e) => isSuccess(e) && e.rid === dave.rid);
    assert.equal(daveEvent.response?.statusCode, 200);
    const port = ctx.address!.port;
    assert.match((await kam.lookup('alice@example.com'))[0].contact, new RegExp(`:${port}`));
    assert.match((await kam.lookup('dave@example.com'))[0].contact, new RegExp(`:${port}`));
    // And the compat calls work on a Context registration's rid.
    assert.equal(eXosip_register_build_register(ctx, dave.rid, 900)[1]?.method, 'REGISTER');
    await dave.unregister();
    assert.deepEqual(await kam.lookup('dave@example.com'), []);
  });

  test('register with ctx.register (a new Context()); receive its events with eXosip_event_wait', async () => {
    const ctx = new Context({ userAgent: 'mixed/1.0' });
    open.push(ctx);
    await ctx.listen({ address: '127.0.0.1' });
    // A Context made with new Context() starts queueing at its first eXosip_event_wait.
    assert.equal(compatEventQueueStats(ctx).queued, 0);
    assert.equal(await eXosip_event_wait(ctx, 0, 0), null);
    ctx.addAuthenticationInfo({ username: 'alice', password: 'secret' });
    const registration = await ctx.register({ from: 'sip:alice@example.com', proxy: kam.proxy, expires: 1800 });
    const a = await eXosip_event_wait(ctx, 5, 0);
    const b = await eXosip_event_wait(ctx, 5, 0);
    assert.deepEqual([a?.typeId, a?.response?.statusCode, a?.rid], [EXOSIP_REGISTRATION_FAILURE, 401, registration.rid]);
    assert.deepEqual([b?.typeId, b?.response?.statusCode, b?.rid], [EXOSIP_REGISTRATION_SUCCESS, 200, registration.rid]);
    const [binding] = await waitFor(async () => {
      const list = await kam.lookup('alice@example.com');
      return list.length === 1 ? list : undefined;
    });
    assert.equal(binding.userAgent, 'mixed/1.0');
    // eXosip_default_action on those events: nothing to do for a 200, BADPARAMETER without a response.
    assert.equal(eXosip_default_action(ctx, b), 1);
    assert.equal(eXosip_default_action(ctx, null), OSIP_BADPARAMETER);
    assert.equal(eXosip_default_action(ctx, { ...b!, response: null } as eXosip_event_t), OSIP_BADPARAMETER);
  });
});
