/**
 * API fuzz: at least 10,000 random calls on the public API (Context,
 * Registration, subscribe(), publish(), Message/parseMessage, the compat API) with wrong types, empty
 * and huge strings, invalid URIs, unicode, NUL bytes, CR/LF inside header
 * values, negative and huge numbers, closed contexts, spent and freed
 * messages, in random order. Every call must end (return, throw or settle) in
 * a documented way:
 *
 * - a value, where a compat function's C return code is >= 0 or one of the
 *   OSIP_* codes (lib/compat/, convention 3);
 * - or an error of a documented shape (ALLOWED below): TypeError/RangeError
 *   with Node's argument codes, SipError with an OSIP_* code, RegistrationError
 *   with one of its codes (lib/errors.ts), RequestError (subscribe()) with one
 *   of its codes, or an Error with one of the codes
 *   of the misuse the API refuses (closed context, spent message, ...).
 *
 * Anything else fails the test: an error without a code, an unknown code, a
 * call that never settles. Header injection must be refused: no message we
 * can serialize, and no REGISTER on the wire, may ever carry the injected
 * header. Afterwards the process is alive and a normal registration against
 * Kamailio succeeds.
 *
 * Every destination is on loopback: an in-process registrar that answers
 * every REGISTER with 200, a silent UDP sink, or strings the API refuses.
 *
 * The 'dtls' transport is asked for too: the binding refuses it (a TypeError,
 * or OSIP_BADPARAMETER in compat), since libeXosip2 5.3's blocking DTLS
 * handshake can freeze the process (docs/reliability.md).
 *
 * FUZZ_SEED=<n> replays a run; FUZZ_CALLS=<n> changes the count (default 10,000).
 */
import { strict as assert } from 'node:assert';
import * as dgram from 'node:dgram';
import { test } from 'node:test';
import { inspect } from 'node:util';
import * as compat from '../../lib/compat';
import { Context, Message, OSIP_CODES, parseMessage, Registration, RegistrationError, RequestError, SipError } from '../../lib/index';
import { registered } from '../helpers/context';
import { Rng, seedFrom } from '../helpers/prng';
import { SLOW } from '../helpers/slow';
import { hostileCorpus, tortureMessages } from '../helpers/torture';
import { testUser, useKamailio } from '../helpers/use-kamailio';

const SEED = seedFrom('FUZZ_SEED');
const CALLS = Number(process.env.FUZZ_CALLS ?? 10_000);
/** The header that hostile values try to inject after a CR/LF (header names used legitimately are others). */
const INJECTED = 'X-Evil';

/** Codes the API documents for each error class. */
const ALLOWED: ReadonlyArray<{ type: new (...args: never[]) => Error; codes: (code: string) => boolean }> = [
  { type: RegistrationError, codes: (c) => ['ERR_REGISTRATION_REJECTED', 'ERR_REGISTRATION_NO_RESPONSE', 'ERR_REGISTRATION_TIMEOUT', 'ABORT_ERR', 'ERR_CONTEXT_CLOSED', 'ERR_REGISTRATION_REMOVED', 'ERR_REGISTRATION_NOT_SENT'].includes(c) },
  { type: RequestError, codes: (c) => ['ERR_REQUEST_REJECTED', 'ERR_REQUEST_NO_RESPONSE', 'ERR_REQUEST_TIMEOUT', 'ERR_REQUEST_NOT_SENT', 'ERR_CONTEXT_CLOSED', 'ABORT_ERR'].includes(c) },
  { type: SipError, codes: (c) => c in OSIP_CODES || c === 'EADDRINUSE' },
  { type: TypeError, codes: (c) => c === 'ERR_INVALID_ARG_TYPE' || c === 'ERR_INVALID_ARG_VALUE' },
  { type: RangeError, codes: (c) => c === 'ERR_OUT_OF_RANGE' || c === 'ERR_MESSAGE_TOO_LARGE' },
  {
    type: Error,
    codes: (c) =>
      [
        'ERR_CONTEXT_CLOSED', 'ERR_CONTEXT_NOT_INITIALIZED', 'ERR_NOT_LISTENING', 'ERR_MESSAGE_SPENT', 'ERR_MESSAGE_DISPOSED',
        'ERR_REGISTRATION_CLOSED', 'ERR_LOCK_HELD', 'ABORT_ERR',
      ].includes(c) || c in OSIP_CODES,
  },
];
const OSIP_VALUES = new Set(Object.values(OSIP_CODES));

/** Why an error is not of a documented shape, or null when it is. */
function undocumented(error: unknown): string | null {
  if (!(error instanceof Error)) return `a non-Error was thrown: ${inspect(error)}`;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return `${error.name} without a code: ${error.message}`;
  const rule = ALLOWED.find((r) => error instanceof r.type);
  if (rule === undefined || !rule.codes(code)) return `${error.name} with an undocumented code ${code}: ${error.message}`;
  return null;
}

/** Why a compat return value is not a C code of the documented set, or null. */
function badReturn(name: string, value: unknown): string | null {
  const code = Array.isArray(value) ? value[0] : value;
  if (typeof code !== 'number' || !name.startsWith('compat.') || name === 'compat.eXosip_get_version') return null;
  if (!Number.isInteger(code)) return `${name} returned ${code}`;
  return code >= 0 || OSIP_VALUES.has(code) ? null : `${name} returned the undocumented code ${code}`;
}

// ---------------------------------------------------------------------------
// Loopback peers: a registrar that answers 200 to everything, and a sink.
// ---------------------------------------------------------------------------

class AutoRegistrar {
  readonly socket = dgram.createSocket('udp4');
  received = 0;
  injected: string[] = [];

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.socket.bind(0, '127.0.0.1', resolve));
    this.socket.on('message', (data, from) => {
      const text = data.toString('latin1');
      this.received++;
      const head = text.split('\r\n\r\n')[0];
      if (new RegExp(`^${INJECTED}\\s*:`, 'im').test(head)) this.injected.push(text);
      if (!text.startsWith('REGISTER ')) return;
      const lines = head.split('\r\n');
      const pick = (n: string): string[] => lines.filter((l) => l.toLowerCase().startsWith(`${n.toLowerCase()}:`));
      const expires = /^Expires:\s*(\d+)/im.exec(head)?.[1] ?? '60';
      const answer = ['SIP/2.0 200 OK', ...pick('Via'), ...pick('From'), `${pick('To')[0] ?? 'To: <sip:x@y>'};tag=auto`, ...pick('Call-ID'), ...pick('CSeq'),
        ...pick('Contact').map((c) => (c.includes('*') ? c : `${c};expires=${expires}`)), `Expires: ${expires}`, 'Content-Length: 0', '', ''].join('\r\n');
      this.socket.send(answer, from.port, from.address);
    });
    return `sip:127.0.0.1:${(this.socket.address()).port}`;
  }
}

// ---------------------------------------------------------------------------
// Random values
// ---------------------------------------------------------------------------

const HUGE = 'h'.repeat(1 << 20);

function hostileText(rng: Rng): string {
  return rng.pick([
    '',
    ' ',
    'alice',
    'secret',
    '☃ unicode ☃ 💩',
    '\u0000',
    'a\u0000b',
    `a\r\n${INJECTED}: 1`,
    `a\n${INJECTED}: 1`,
    `a\r${INJECTED}: 1`,
    '\r\n\r\n',
    HUGE.slice(0, 1 + rng.int(1 << 14)),
    rng.chance(0.1) ? HUGE : 'x'.repeat(49),
    'x'.repeat(50),
    '%00%0d%0a',
    // libosip2 unescapes with sscanf("%02X"): one hex digit, a space or a sign still make CR/LF.
    `sip:a@127.0.0.1?X-A=1%D%A${INJECTED}:%201`,
    `"<sip:x@y>" <sip:a@127.0.0.1?X-A=% D% A${INJECTED}:1>`,
    '<sip:a@b>',
    '"quoted',
    ';;;;',
    rng.bytes(1 + rng.int(40)).toString('latin1'),
    String.fromCharCode(0xd800),
  ]);
}

function anyNumber(rng: Rng): number {
  return rng.pick([0, 1, -1, 29, 30, 60, 3600, 0.5, -0.0, 2 ** 31, -(2 ** 31), 2 ** 31 - 1, 2 ** 32, 2 ** 53, -(2 ** 53), 1e308, Number.MAX_VALUE, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 65536, 99_999_999, 100_000_000, rng.int(70000)]);
}

function fromUri(rng: Rng): unknown {
  return rng.chance(0.6)
    ? rng.pick(['sip:alice@example.com', 'sips:bob@example.com', 'sip:load7@example.com', 'sip:☃@example.com', 'sip:a%00b@example.com', 'sip:alice@[::1]', 'sip:x@127.0.0.1;transport=tcp'])
    : rng.chance(0.5)
      ? `sip:${hostileText(rng)}@example.com`
      : anyValue(rng);
}

/** Registrar URIs: loopback only (the auto registrar, the sink, a closed port), or values the API refuses. */
function proxyUri(rng: Rng, peers: { registrar: string; sink: string }): unknown {
  if (rng.chance(0.75)) return rng.pick([peers.registrar, peers.registrar, peers.sink, `${peers.registrar};transport=udp`, 'sip:127.0.0.1:1', 'sip:[::1]:1']);
  return rng.pick(['', 'sip:', 'alice@example.com', 'http://127.0.0.1/', `sip:127.0.0.1\r\n${INJECTED}: 1`, 'sip:127.0.0.1 :5060', null, undefined, 42, {}]);
}

let pool!: Pool;

function anyValue(rng: Rng): unknown {
  switch (rng.int(12)) {
    case 0: return undefined;
    case 1: return null;
    case 2: return rng.chance(0.5);
    case 3: return anyNumber(rng);
    case 4: case 5: return hostileText(rng);
    case 6: return rng.pick([{}, [], [1, 2], { host: 'a', ip: '127.0.0.1' }, Object.create(null), new Date(0), /x/]);
    case 7: return rng.pick([Symbol('s'), 1n, () => 1, Buffer.from('x')]);
    case 8: return pool.message(rng) ?? null;
    case 9: return pool.context(rng) ?? null;
    case 10: return rng.pick([AbortSignal.abort(), new AbortController().signal]);
    default: return rng.pick(['sip:alice@example.com', 'udp', 'tcp', '127.0.0.1', 'EXOSIP_OPT_UDP_KEEP_ALIVE']);
  }
}

function headers(rng: Rng): unknown {
  if (rng.chance(0.3)) return anyValue(rng);
  const entries: Array<[unknown, unknown]> = [];
  for (let i = rng.int(3); i > 0; i--) entries.push([rng.chance(0.8) ? rng.pick(['X-Test', 'Subject', 'P-Hint', 'X-Injected', 'Bad Name', '']) : anyValue(rng), rng.chance(0.5) ? hostileText(rng) : 'value']);
  return rng.chance(0.5) ? entries : Object.fromEntries(entries.filter(([k]) => typeof k === 'string') as Array<[string, unknown]>);
}

// ---------------------------------------------------------------------------
// Objects under test
// ---------------------------------------------------------------------------

class Pool {
  readonly contexts: Context[] = [];
  readonly registrations: Registration[] = [];
  readonly messages: Message[] = [];
  readonly pending = new Set<Promise<unknown>>();

  /** Mostly an open, listening context (they do the most), else any. */
  context(rng: Rng): Context | undefined {
    const live = this.contexts.filter((c) => !c.closed && c.address !== null);
    if (live.length > 0 && rng.chance(0.8)) return rng.pick(live);
    return this.contexts.length === 0 ? undefined : rng.pick(this.contexts);
  }

  message(rng: Rng): Message | undefined {
    return this.messages.length === 0 ? undefined : rng.pick(this.messages);
  }

  registration(rng: Rng): Registration | undefined {
    return this.registrations.length === 0 ? undefined : rng.pick(this.registrations);
  }

  keep(value: unknown): void {
    if (value instanceof Context && !this.contexts.includes(value)) this.contexts.push(value);
    if (value instanceof Message) this.messages.push(value);
    if (value instanceof Registration && !this.registrations.includes(value)) this.registrations.push(value);
    if (Array.isArray(value)) for (const v of value) if (v instanceof Message) this.messages.push(v);
    if (this.messages.length > 400) this.messages.splice(0, 200);
    if (this.registrations.length > 200) this.registrations.splice(0, 100);
  }

  /** Open contexts, to bound sockets and threads. */
  openCount(): number {
    return this.contexts.filter((c) => !c.closed).length;
  }
}

type Op = (rng: Rng) => unknown;

function operations(peers: { registrar: string; sink: string }, corpus: Buffer[]): Array<[name: string, weight: number, op: Op]> {
  // Receivers of methods are real objects (open, closed, spent, freed...);
  // C-style arguments of the compat API (carg/marg) can be anything.
  const ctx = (rng: Rng): Context => pool.context(rng) ?? new Context();
  const msg = (rng: Rng): Message => pool.message(rng) ?? parseMessage(corpus[0]);
  const carg = (rng: Rng): Context => (rng.chance(0.95) ? ctx(rng) : anyValue(rng)) as Context;
  const marg = (rng: Rng): Message => (rng.chance(0.9) ? msg(rng) : anyValue(rng)) as Message;
  const reg = (rng: Rng): Registration | undefined => pool.registration(rng);
  const name = (rng: Rng): string => (rng.chance(0.85) ? rng.pick(['Subject', 'X-Test', 'Contact', 'Via', 'Expires', 'Supported', 'To', 'From', 'Call-ID', 'CSeq', 'Route', 'X-Injected', 'm', 'v']) : (anyValue(rng) as string));
  const value = (rng: Rng): string => (rng.chance(0.7) ? hostileText(rng) : rng.pick(['<sip:a@127.0.0.1>', 'SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKx', '3600', 'timer'])) as string;
  const options = (rng: Rng): Record<string, unknown> => ({
    from: fromUri(rng),
    proxy: proxyUri(rng, peers),
    ...(rng.chance(0.5) ? { expires: rng.chance(0.5) ? rng.pick([30, 60, 3600]) : anyNumber(rng) } : {}),
    ...(rng.chance(0.2) ? { contact: rng.chance(0.5) ? 'sip:me@127.0.0.1' : hostileText(rng) } : {}),
    ...(rng.chance(0.3) ? { supported: rng.chance(0.7) ? ['100rel', hostileText(rng)] : anyValue(rng) } : {}),
    ...(rng.chance(0.3) ? { headers: headers(rng) } : {}),
    ...(rng.chance(0.6) ? { timeoutMs: rng.chance(0.8) ? 50 + rng.int(500) : anyNumber(rng) } : {}),
    ...(rng.chance(0.1) ? { signal: anyValue(rng) } : {}),
  });
  const C = compat as unknown as Record<string, (...args: unknown[]) => unknown>;
  return [
    ['new Context', 3, async (rng) => {
      if (pool.openCount() >= 10) return pool.context(rng)?.close();
      const c = new Context(rng.chance(0.7) ? { userAgent: 'fuzz/1' } : (anyValue(rng) as never));
      pool.keep(c);
      if (rng.chance(0.7)) await c.listen({ address: '127.0.0.1' });
      if (rng.chance(0.7)) c.addAuthenticationInfo({ username: 'alice', password: 'secret' });
      return c;
    }],
    ['ctx.listen', 4, (rng) => ctx(rng).listen(rng.chance(0.8) ? ({ address: '127.0.0.1', ...(rng.chance(0.2) ? { transport: rng.pick(['udp', 'tcp', 'tls', 'dtls', 'sctp']) } : {}) } as never) : (anyValue(rng) as never))],
    ['ctx.register', 10, (rng) => {
      if (rng.chance(0.4)) {
        // A well-formed registration, so that refresh/unregister/remove have live ones to work on.
        return ctx(rng).register({ from: `sip:load${rng.int(1000)}@example.com`, proxy: peers.registrar, expires: rng.pick([60, 600, 3600]), timeoutMs: 200 + rng.int(800) });
      }
      return ctx(rng).register(rng.chance(0.9) ? (options(rng) as never) : (anyValue(rng) as never));
    }],
    ['ctx.unregisterAll', 2, (rng) => ctx(rng).unregisterAll(options(rng) as never)],
    ['ctx.subscribe', 2, (rng) =>
      ctx(rng).subscribe(rng.chance(0.8) ? ({ to: rng.chance(0.7) ? peers.sink : proxyUri(rng, peers), from: fromUri(rng), event: rng.chance(0.6) ? rng.pick(['presence', 'message-summary', 'dialog;sla']) : hostileText(rng), ...(rng.chance(0.3) ? { expires: anyNumber(rng) } : {}), ...(rng.chance(0.3) ? { headers: headers(rng) } : {}), timeoutMs: 50 + rng.int(300) } as never) : (anyValue(rng) as never))],
    ['ctx.publish', 2, (rng) =>
      ctx(rng).publish(rng.chance(0.8) ? ({ to: rng.chance(0.7) ? peers.sink : proxyUri(rng, peers), from: fromUri(rng), event: rng.chance(0.6) ? 'presence' : hostileText(rng), ...(rng.chance(0.3) ? { expires: anyNumber(rng) } : {}), ...(rng.chance(0.5) ? { body: rng.chance(0.8) ? 'x' : anyValue(rng), contentType: rng.chance(0.8) ? 'application/pidf+xml' : anyValue(rng) } : {}), ...(rng.chance(0.3) ? { headers: headers(rng) } : {}), timeoutMs: 50 + rng.int(300) } as never) : (anyValue(rng) as never))],
    ['ctx.addAuthenticationInfo', 4, (rng) => ctx(rng).addAuthenticationInfo(rng.chance(0.8) ? ({ username: rng.chance(0.5) ? 'alice' : anyValue(rng), password: rng.chance(0.5) ? 'secret' : anyValue(rng), ...(rng.chance(0.5) ? { realm: rng.chance(0.5) ? 'example.com' : anyValue(rng) } : {}), ...(rng.chance(0.1) ? { ha1: anyValue(rng) } : {}) } as never) : (anyValue(rng) as never))],
    ['ctx.removeAuthenticationInfo', 1, (rng) => ctx(rng).removeAuthenticationInfo({ username: anyValue(rng), realm: anyValue(rng) } as never)],
    ['ctx.clearAuthenticationInfo', 1, (rng) => ctx(rng).clearAuthenticationInfo()],
    ['ctx.setOption', 3, (rng) => ctx(rng).setOption(rng.pick([...Object.keys(compat).filter((k) => k.startsWith('EXOSIP_OPT_')), 'EXOSIP_OPT_NOPE', 42, -1]) as never, (rng.chance(0.5) ? rng.pick([0, 1, 25000, 'x', [1, 2], { host: 'h', ip: '127.0.0.1' }]) : anyValue(rng)) as never)],
    ['ctx.setUserAgent', 2, (rng) => ctx(rng).setUserAgent(hostileText(rng))],
    ['ctx.masqueradeContact', 1, (rng) => ctx(rng).masqueradeContact(rng.chance(0.5) ? null : (anyValue(rng) as never), anyNumber(rng))],
    ['ctx.setTrace', 1, (rng) => ctx(rng).setTrace(anyValue(rng) as never, anyValue(rng) as never)],
    ['ctx.setLogger', 1, (rng) => ctx(rng).setLogger(rng.chance(0.5) ? () => undefined : (anyValue(rng) as never), anyNumber(rng))],
    ['ctx.ref/unref', 1, (rng) => (rng.chance(0.5) ? ctx(rng).unref() : ctx(rng).ref())],
    ['ctx.events', 1, (rng) => {
      const it = ctx(rng).events(anyValue(rng) as never);
      return rng.chance(0.5) ? it.return!() : Promise.race([it.next(), new Promise((r) => setTimeout(r, 5))]).finally(() => it.return!());
    }],
    ['ctx.close', 1, (rng) => (rng.chance(0.3) ? ctx(rng) : rng.pick(pool.contexts)).close()],
    ['reg.refresh', 3, (rng) => reg(rng)?.refresh(rng.chance(0.7) ? { timeoutMs: 100 + rng.int(400), ...(rng.chance(0.3) ? { expires: anyNumber(rng) } : {}) } : (anyValue(rng) as never))],
    ['reg.unregister', 2, (rng) => reg(rng)?.unregister(rng.chance(0.7) ? { timeoutMs: 100 + rng.int(400) } : (anyValue(rng) as never))],
    ['reg.remove', 1, (rng) => (rng.chance(0.3) ? reg(rng)?.remove() : undefined)],
    ['reg getters', 1, (rng) => { const r = reg(rng); return r && [r.state, r.expires, r.contacts, r.contact, r.lastResponse?.toString()]; }],
    ['parseMessage', 6, (rng) => parseMessage((rng.chance(0.8) ? rng.pick(corpus) : anyValue(rng)) as never)],
    ['msg.getHeaders', 3, (rng) => msg(rng).getHeaders(name(rng))],
    ['msg.getHeader', 2, (rng) => msg(rng).getHeader(name(rng))],
    ['msg.addHeader', 4, (rng) => msg(rng).addHeader(name(rng), value(rng))],
    ['msg.setHeader', 3, (rng) => msg(rng).setHeader(name(rng), value(rng))],
    ['msg.removeHeader', 2, (rng) => msg(rng).removeHeader(name(rng))],
    ['msg.setSupported', 2, (rng) => msg(rng).setSupported(value(rng))],
    ['msg.expires', 2, (rng) => { const m = msg(rng); if (rng.chance(0.5)) m.expires = anyNumber(rng); return m.expires; }],
    ['msg getters', 2, (rng) => { const m = msg(rng); return [m.state, m.isRequest, m.statusCode, m.reasonPhrase, m.method, m.requestUri, m.contacts]; }],
    ['msg.toString', 3, (rng) => msg(rng).toString()],
    ['msg.clone', 2, (rng) => msg(rng).clone()],
    ['msg.dispose', 2, (rng) => msg(rng).dispose()],
    ['Message.prototype.* on a foreign this', 1, (rng) => {
      const method = rng.pick(['toString', 'clone', 'dispose', 'getHeaders', 'addHeader'] as const);
      return (Message.prototype[method] as (...a: unknown[]) => unknown).call(anyValue(rng), 'Subject', 'x');
    }],
    ['compat.eXosip_malloc', 2, () => (pool.openCount() >= 10 ? undefined : C.eXosip_malloc())],
    ['compat.eXosip_init', 2, (rng) => C.eXosip_init(carg(rng))],
    ['compat.eXosip_quit', 1, (rng) => C.eXosip_quit(rng.chance(0.3) ? carg(rng) : rng.pick(pool.contexts))],
    ['compat.eXosip_listen_addr', 3, (rng) => {
      const proto = rng.chance(0.8) ? compat.IPPROTO_UDP : anyValue(rng);
      const secure = rng.chance(0.9) ? 0 : rng.chance(0.5) ? 1 : anyValue(rng);
      return C.eXosip_listen_addr(carg(rng), proto, rng.chance(0.8) ? '127.0.0.1' : anyValue(rng), rng.chance(0.8) ? 0 : anyNumber(rng), rng.chance(0.8) ? compat.AF_INET : anyValue(rng), secure);
    }],
    ['compat.eXosip_set_user_agent', 1, (rng) => C.eXosip_set_user_agent(carg(rng), hostileText(rng))],
    ['compat.eXosip_set_option', 3, (rng) => C.eXosip_set_option(carg(rng), rng.chance(0.8) ? rng.int(40) + (rng.chance(0.5) ? 0 : 0) : anyValue(rng), rng.chance(0.5) ? rng.pick([0, 1, 'x', [1, 2], { host: 'h', ip: '127.0.0.1' }]) : anyValue(rng))],
    ['compat.eXosip_masquerade_contact', 1, (rng) => C.eXosip_masquerade_contact(carg(rng), rng.chance(0.5) ? null : anyValue(rng), anyNumber(rng))],
    ['compat.eXosip_lock/unlock', 2, (rng) => { const c = carg(rng); const a = C.eXosip_lock(c); const b = C.eXosip_unlock(c); return [a, b]; }],
    ['compat.eXosip_unlock', 1, (rng) => C.eXosip_unlock(carg(rng))],
    ['compat.eXosip_automatic_action', 1, (rng) => C.eXosip_automatic_action(carg(rng))],
    ['compat.eXosip_default_action', 1, (rng) => C.eXosip_default_action(carg(rng), rng.chance(0.5) ? { typeId: anyNumber(rng), rid: anyNumber(rng), tid: 1, did: 0, cid: 0, sid: 0, nid: 0, response: pool.message(rng) ?? null } : anyValue(rng))],
    ['compat.eXosip_event_wait', 2, (rng) => C.eXosip_event_wait(carg(rng), 0, rng.chance(0.8) ? rng.int(20) : anyValue(rng))],
    ['compat.eXosip_register_build_initial_register', 4, (rng) => C.eXosip_register_build_initial_register(carg(rng), rng.chance(0.3) ? null : fromUri(rng), rng.chance(0.1) ? null : proxyUri(rng, peers), rng.chance(0.8) ? null : anyValue(rng), rng.chance(0.7) ? 60 : anyNumber(rng))],
    ['compat.eXosip_register_build_register', 2, (rng) => C.eXosip_register_build_register(carg(rng), rng.chance(0.7) ? 1 + rng.int(20) : anyNumber(rng), rng.chance(0.7) ? 60 : anyNumber(rng))],
    ['compat.eXosip_register_send_register', 3, (rng) => C.eXosip_register_send_register(carg(rng), rng.chance(0.7) ? 1 + rng.int(20) : anyNumber(rng), rng.chance(0.8) ? (pool.message(rng) ?? null) : anyValue(rng))],
    ['compat.eXosip_register_remove', 1, (rng) => C.eXosip_register_remove(carg(rng), rng.chance(0.7) ? 1 + rng.int(20) : anyNumber(rng))],
    ['compat.eXosip_add_authentication_info', 2, (rng) => C.eXosip_add_authentication_info(carg(rng), anyValue(rng), anyValue(rng), anyValue(rng), rng.chance(0.7) ? null : anyValue(rng), rng.chance(0.5) ? null : anyValue(rng))],
    ['compat.eXosip_remove_authentication_info', 1, (rng) => C.eXosip_remove_authentication_info(carg(rng), anyValue(rng), anyValue(rng))],
    ['compat.eXosip_clear_authentication_info', 1, (rng) => C.eXosip_clear_authentication_info(carg(rng))],
    ['compat.compatEventQueueStats', 1, (rng) => C.compatEventQueueStats(carg(rng))],
    ['compat.eXosip_event_free', 1, (rng) => C.eXosip_event_free(anyValue(rng))],
    ['compat.eXosip_get_version', 1, () => C.eXosip_get_version()],
    ['compat.osip_message_init', 2, () => C.osip_message_init()],
    ['compat.osip_message_parse', 5, (rng) => {
      const raw = rng.chance(0.8) ? rng.pick(corpus) : anyValue(rng);
      const length = Buffer.isBuffer(raw) ? (rng.chance(0.8) ? raw.length : anyNumber(rng)) : typeof raw === 'string' ? Buffer.byteLength(raw) : anyNumber(rng);
      return C.osip_message_parse(rng.chance(0.8) ? (pool.message(rng) ?? null) : anyValue(rng), raw, length);
    }],
    ['compat.osip_message_free', 1, (rng) => C.osip_message_free(marg(rng))],
    ['compat.osip_message_clone', 1, (rng) => C.osip_message_clone(marg(rng))],
    ['compat.osip_message_to_str', 2, (rng) => C.osip_message_to_str(marg(rng))],
    ['compat.osip_message_set_header', 3, (rng) => C.osip_message_set_header(marg(rng), name(rng), value(rng))],
    ['compat.osip_message_replace_header', 2, (rng) => C.osip_message_replace_header(marg(rng), name(rng), value(rng))],
    ['compat.osip_message_header_get_byname', 2, (rng) => C.osip_message_header_get_byname(marg(rng), name(rng), rng.chance(0.8) ? rng.int(3) : anyNumber(rng))],
    ['compat.osip_message_set_supported', 1, (rng) => C.osip_message_set_supported(marg(rng), value(rng))],
    ['compat.osip_message_get_supported', 1, (rng) => C.osip_message_get_supported(marg(rng), rng.int(3))],
    ['compat.osip_message_set_expires', 1, (rng) => C.osip_message_set_expires(marg(rng), value(rng))],
    ['compat.osip_message_get_expires', 1, (rng) => C.osip_message_get_expires(marg(rng), rng.int(3))],
  ];
}

// ---------------------------------------------------------------------------

const kam = useKamailio();

test(`API fuzz: ${CALLS} random calls, each ends in a documented way`, { timeout: 300_000 * SLOW }, async (t) => {
  const rng = new Rng(SEED);
  const started = Date.now();
  console.log(`# fuzz: seed ${SEED}, ${CALLS} calls (replay with FUZZ_SEED=${SEED} FUZZ_CALLS=${CALLS})`);
  // The input first: if it cannot be read, nothing is open yet and the test fails at once.
  const corpus = [...tortureMessages().map((m) => m.raw), ...hostileCorpus(rng, { perMessage: 1, random: 50 })];
  pool = new Pool();
  const registrar = new AutoRegistrar();
  const sink = dgram.createSocket('udp4');
  // Whatever fails below, the sockets and contexts go (else the file would sit until its timeout).
  t.after(async () => {
    await Promise.allSettled(pool.contexts.map((c) => c.close()));
    for (const s of [registrar.socket, sink]) {
      try {
        s.close();
      } catch {
        /* already closed */
      }
    }
  });
  await new Promise<void>((resolve) => sink.bind(0, '127.0.0.1', resolve));
  const peers = { registrar: await registrar.start(), sink: `sip:127.0.0.1:${sink.address().port}` };
  const ops = operations(peers, corpus);
  const table = ops.flatMap(([n, w, op]) => Array.from({ length: w }, () => [n, op] as const));

  // A few ready objects to start from.
  for (let i = 0; i < 3; i++) {
    const ctx = new Context({ userAgent: 'fuzz/1' });
    await ctx.listen({ address: '127.0.0.1' });
    ctx.addAuthenticationInfo({ username: 'alice', password: 'secret' });
    pool.keep(ctx);
  }
  for (const raw of corpus.slice(0, 20)) {
    try {
      pool.keep(parseMessage(raw));
    } catch {
      /* refused by libosip2 */
    }
  }

  const problems: string[] = [];
  const counts = { returned: 0, threw: 0, settled: 0, rejected: 0 };
  const byCode = new Map<string, number>();
  const perOp = new Map<string, Map<string, number>>();
  const tally = (name: string, outcome: string): void => {
    const m = perOp.get(name) ?? new Map<string, number>();
    m.set(outcome, (m.get(outcome) ?? 0) + 1);
    perOp.set(name, m);
  };
  const note = (name: string, error: unknown): void => {
    tally(name, String((error as { code?: unknown })?.code));
    const why = undocumented(error);
    if (why !== null) problems.push(`call #${calls} ${name}: ${why}\n${(error as Error)?.stack ?? ''}`);
    const code = String((error as { code?: unknown })?.code);
    byCode.set(code, (byCode.get(code) ?? 0) + 1);
  };
  const checkValue = (name: string, value: unknown): void => {
    tally(name, 'ok');
    const why = badReturn(name, value);
    if (why !== null) problems.push(`call #${calls} ${name}: ${why}`);
    pool.keep(value);
  };
  let calls = 0;
  for (; calls < CALLS; calls++) {
    const [name, op] = rng.pick(table);
    let result: unknown;
    try {
      result = op(rng);
    } catch (error) {
      counts.threw++;
      note(name, error);
      continue;
    }
    if (result instanceof Promise) {
      const at = calls;
      const tracked: Promise<unknown> = result.then(
        (value) => {
          counts.settled++;
          checkValue(name, value);
        },
        (error: unknown) => {
          counts.rejected++;
          tally(name, String((error as { code?: unknown })?.code));
          const why = undocumented(error);
          if (why !== null) problems.push(`call #${at} ${name} (async): ${why}\n${(error as Error)?.stack ?? ''}`);
          const code = String((error as { code?: unknown })?.code);
          byCode.set(code, (byCode.get(code) ?? 0) + 1);
        },
      );
      pool.pending.add(tracked);
      void tracked.finally(() => pool.pending.delete(tracked));
    } else {
      counts.returned++;
      checkValue(name, result);
    }
    // Let events and answers in now and then.
    if (calls % 20 === 19) await new Promise((r) => setTimeout(r, 1));
    if (problems.length > 20) break;
  }
  const looped = Date.now();

  // Header injection: no message we hold serializes an injected header line.
  const injected = new RegExp(`^${INJECTED}\\s*:`, 'im');
  for (const m of pool.messages) {
    if (m.state !== 'owned') continue;
    let text = '';
    try {
      text = m.toString();
    } catch (error) {
      note('final toString', error);
    }
    if (injected.test(text.split('\r\n\r\n')[0])) problems.push(`header injection in a message:\n${text}`);
  }

  // Everything settles: close every context, then wait for what is pending.
  const closing = pool.contexts.map((c) => c.close());
  await Promise.all(closing);
  const settle = Promise.allSettled([...pool.pending]);
  let timer: NodeJS.Timeout | undefined;
  const bounded = await Promise.race([settle.then(() => 'settled'), new Promise((r) => (timer = setTimeout(() => r('stuck'), 30_000)))]);
  clearTimeout(timer);
  if (bounded !== 'settled') problems.push(`${pool.pending.size} calls never settled`);
  if (registrar.injected.length > 0) problems.push(`header injection on the wire:\n${registrar.injected[0]}`);

  if (process.env.FUZZ_VERBOSE === '1') {
    for (const [op, m] of [...perOp.entries()].sort()) console.log(`# ${op}: ${[...m.entries()].map(([k, n]) => `${k} ${n}`).join(', ')}`);
  }
  console.log(`# fuzz: calls took ${((looped - started) / 1000).toFixed(1)} s, closing and settling ${((Date.now() - looped) / 1000).toFixed(1)} s`);
  const codes = [...byCode.entries()].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`).join(', ');
  console.log(`# fuzz: ${calls} calls: ${counts.returned} returned, ${counts.threw} threw, ${counts.settled} resolved, ${counts.rejected} rejected; ${registrar.received} datagrams reached the registrar`);
  console.log(`# fuzz: error codes: ${codes}`);
  assert.deepEqual(problems, [], `seed ${SEED}: ${problems.length} problems`);
  assert.equal(calls, CALLS);

  // The process is fine: a normal registration against Kamailio succeeds.
  await using alice = await registered(kam.proxy, testUser('alice'), { expires: 600 });
  assert.equal(alice.reg.state, 'registered');
  assert.equal((await kam.lookup('alice@example.com')).length, 1);
  await alice.reg.unregister();
});

test('found by the fuzz: a response given to eXosip_register_send_register throws instead of crashing libeXosip2', async () => {
  const ctx = compat.eXosip_malloc();
  try {
    assert.equal(compat.eXosip_init(ctx), 0);
    assert.equal(compat.eXosip_listen_addr(ctx, compat.IPPROTO_UDP, '127.0.0.1', 0, compat.AF_INET, 0), 0);
    const [rid, reg] = compat.eXosip_register_build_initial_register(ctx, 'sip:alice@example.com', 'sip:127.0.0.1:9', null, 60);
    assert.ok(rid > 0);
    compat.osip_message_free(reg);
    const response = parseMessage('SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:x@y>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: 1\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n');
    assert.throws(() => compat.eXosip_register_send_register(ctx, rid, response), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
    assert.equal(response.state, 'owned', 'the response stays the caller\'s');
    // Messages that are not usable REGISTERs but no response come back as codes, as in C.
    assert.ok(compat.eXosip_register_send_register(ctx, rid, compat.osip_message_init()[1]) < 0);
  } finally {
    await compat.eXosip_quit(ctx);
  }
});
