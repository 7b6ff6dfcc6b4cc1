/**
 * docs/porting/initialize.md (eXosip's ht0-initialize.dox), executed
 * (test/helpers/guide.ts): each block's function runs against real peers:
 * Kamailio (UDP, TCP, and TLS with certificates made here by openssl), SIPp
 * as a caller, and another context sending MESSAGE and REFER.
 */
import { strict as assert } from 'node:assert';
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, afterEach, before } from 'node:test';
import {
  AF_INET,
  EXOSIP_CALL_INVITE,
  EXOSIP_MESSAGE_NEW,
  EXOSIP_OPT_SET_TLS_VERIFY_CERTIFICATE,
  EXOSIP_REGISTRATION_FAILURE,
  EXOSIP_REGISTRATION_SUCCESS,
  IPPROTO_TCP,
  OSIP_BADPARAMETER,
  eXosip_add_authentication_info,
  eXosip_call_send_answer,
  eXosip_init,
  eXosip_listen_addr,
  eXosip_lock,
  eXosip_malloc,
  eXosip_message_build_answer,
  eXosip_message_send_answer,
  eXosip_register_build_initial_register,
  eXosip_register_send_register,
  eXosip_set_option,
  eXosip_unlock,
  type eXosip_event_t,
  type eXosip_t,
} from '../../lib/compat';
import { Context, type IncomingRequest, type LogMethod } from '../../lib/index';
import { describeGuide, readGuide } from '../helpers/guide';
import { assertContactOf, bindingsOf, closeTracked, portOf, track, waitEvent } from '../helpers/porting';
import { explainSipp, scenarioFrom, startSipp } from '../helpers/sipp';
import { makeTestPki } from '../helpers/tls-certs';
import { SLOW } from '../helpers/slow';
import { useKamailio } from '../helpers/use-kamailio';
import { transferCases, type TransferSnippets } from './porting-initialize-transfer';

/** The C statements of eXosip's ht0-initialize how-to, whitespace-normalized. */
const HOWTO_C_LINES = [
  'TRACE_INITIALIZE (6, NULL);',
  'ctx = eXosip_malloc(); if (ctx==NULL) return -1;',
  'i=eXosip_init(ctx);',
  'i = eXosip_listen_addr (ctx, IPPROTO_UDP, NULL, port, AF_INET, 0);',
  'i = eXosip_listen_addr (ctx, IPPROTO_UDP, NULL, 5060, AF_INET, 0);',
  'i = eXosip_listen_addr (ctx, IPPROTO_TCP, NULL, 5060, AF_INET, 0);',
  'i = eXosip_listen_addr (ctx, IPPROTO_TCP, NULL, 5061, AF_INET, 1);',
  'i = eXosip_listen_addr (ctx, IPPROTO_UDP, NULL, 5061, AF_INET, 1);',
  'i = eXosip_set_option (ctx, EXOSIP_OPT_SET_TLS_VERIFY_CERTIFICATE, (void*)&val);',
  'snprintf(tls_info.client.priv_key_pw, sizeof(tls_info.client.priv_key_pw), "password");',
  'i = eXosip_set_option (ctx, EXOSIP_OPT_SET_TLS_CERTIFICATES_INFO, (void*)&tls_info);',
  'eXosip_set_user_agent (ctx, "exosipdemo/0.0.0");',
  'val=17000; eXosip_set_option (ctx, EXOSIP_OPT_UDP_KEEP_ALIVE, (void*)&val);',
  'val=2; eXosip_set_option (ctx, EXOSIP_OPT_DNS_CAPABILITIES, (void*)&val);',
  'val=1; eXosip_set_option (ctx, EXOSIP_OPT_USE_RPORT, (void*)&val);',
  'val=26; eXosip_set_option (ctx, EXOSIP_OPT_SET_DSCP, (void*)&dscp_value);',
  'eXosip_set_option (ctx, EXOSIP_OPT_SET_IPV4_FOR_GATEWAY, "sip.antisip.com");',
  'eXosip_masquerade_contact (ctx, "91.121.81.212", 10456);',
  'eXosip_masquerade_contact (ctx, "192.168.2.1", 5080); val=1; eXosip_set_option (ctx, EXOSIP_OPT_UDP_LEARN_PORT, &val);',
  'val=0; eXosip_set_option (ctx, EXOSIP_OPT_USE_RPORT, &val);',
  'val=0; eXosip_set_option (ctx, EXOSIP_OPT_DNS_CAPABILITIES, &val);',
  'evt = eXosip_event_wait (ctx, 0, 50); eXosip_lock(ctx); eXosip_automatic_action (ctx); eXosip_unlock(ctx);',
  'eXosip_call_send_answer (ctx, evt->tid, 180, NULL);',
  'i = eXosip_message_build_answer (ctx, evt->tid, 200, &answer); i = eXosip_message_send_answer (ctx, evt->tid, 200, answer);',
  'i = osip_message_header_get_byname (evt->sip, "refer-to", 0, &referto_head);',
  'i = eXosip_call_build_answer (ctx, evt->tid, 202, &answer); i = eXosip_call_send_answer (ctx, evt->tid, 202, answer);',
  'i = osip_message_header_get_byname (evt->request, "refer-to", 0, &refer_to);',
  'eXosip_call_terminate (ctx, evt->cid, evt->did, 486);',
];

type Logger = (method: LogMethod, text: string) => void;

/** The functions the guide defines, as the tests call them. */
interface Snippets extends TransferSnippets {
  initialize(port: number, logger: Logger): Promise<eXosip_t | -1>;
  initialize_ctx(port: number, logger: Logger): Promise<Context>;
  create_context(port: number): Promise<eXosip_t | null>;
  create_context_ctx(port: number): Promise<Context>;
  choose_transport(ctx: eXosip_t, transport: 'udp' | 'tcp' | 'tls' | 'dtls', port: number): number;
  choose_transport_ctx(transport: 'udp' | 'tcp' | 'tls', port: number): Promise<Context>;
  tls_certificates(ctx: eXosip_t, dir: string, port: number): number;
  tls_certificates_ctx(dir: string, port: number): Promise<Context>;
  tls_no_verification(ctx: eXosip_t): number;
  tls_no_verification_ctx(): Context;
  basic_setup(ctx: eXosip_t, gateway: string): number[];
  basic_setup_ctx(gateway: string): Context;
  masquerade(ctx: eXosip_t, ip: string, port: number, brokenNat: boolean): number;
  masquerade_ctx(ip: string, port: number): Context;
  dns_capabilities(ctx: eXosip_t, naptr: boolean): number;
  dns_capabilities_ctx(naptr: boolean): Context;
  handle_events(ctx: eXosip_t, keepRunning: () => boolean, seen: (evt: eXosip_event_t) => void): Promise<void>;
  handle_events_ctx(ctx: Context, seen: (req: IncomingRequest) => void): void;
  refer_to_of(evt: eXosip_event_t): string | null;
  refer_to_of_ctx(req: IncomingRequest): string | null;
}

const guide = readGuide('docs/porting/initialize.md');
let s: Snippets;
before(() => {
  s = guide.load<Snippets>();
});

// The TLS section's files, under the how-to's names and password; and the
// same names with a CA that did not sign the registrar's certificate.
const pki = makeTestPki({ clientKeyPassword: 'password' });
const howto = howtoDir('howto', pki.caCert);
const untrusted = howtoDir('untrusted', pki.otherCaCert);
after(() => pki.remove());
function howtoDir(name: string, ca: string): string {
  const dir = path.join(pki.dir, name);
  fs.mkdirSync(dir);
  fs.copyFileSync(pki.clientCert, path.join(dir, 'user-cert.crt'));
  fs.copyFileSync(pki.clientKey, path.join(dir, 'user-privkey.crt'));
  fs.copyFileSync(ca, path.join(dir, 'cacert.crt'));
  return dir;
}
const kam = useKamailio({ tls: { certificate: pki.serverCert, privateKey: pki.serverKey, caList: pki.caCert, clientCertificate: 'optional' } });
const tlsProxy = (): string => `sip:127.0.0.1:${kam.tlsPort};transport=tls`;
const tcpProxy = (): string => `${kam.proxy};transport=tcp`;
/** What Kamailio logged of the client certificate of the last REGISTER over TLS. */
const lastTlsPeer = (): string => kam.log().split('\n').filter((l) => l.includes('TLS peer:')).at(-1) ?? '';

afterEach(async () => {
  await closeTracked();
  await kam.clearBindings();
});

const success = (ev: eXosip_event_t): boolean => ev.typeId === EXOSIP_REGISTRATION_SUCCESS;

async function compatContext(): Promise<eXosip_t> {
  const ctx = track(await s.create_context(0));
  assert.ok(ctx !== null, 'create_context failed');
  return ctx;
}

/** Compat: alice's credentials, then a REGISTER to `proxy` (1800 s). */
function registerCompat(ctx: eXosip_t, proxy: string): void {
  eXosip_add_authentication_info(ctx, 'alice', 'alice', 'secret', null, null);
  eXosip_lock(ctx);
  const [rid, reg] = eXosip_register_build_initial_register(ctx, 'sip:alice@example.com', proxy, null, 1800);
  assert.ok(rid > 0, `build_initial_register ${rid}`);
  assert.equal(eXosip_register_send_register(ctx, rid, reg), 0);
  eXosip_unlock(ctx);
}

/** Context API: alice registered at `proxy`. */
async function registerCtx(ctx: Context, proxy: string): Promise<void> {
  ctx.addAuthenticationInfo({ username: 'alice', password: 'secret' });
  await ctx.register({ from: 'sip:alice@example.com', proxy, expires: 1800 });
}

/** A second context, the peer that sends MESSAGE and REFER. */
async function sender(): Promise<Context> {
  const ctx = track(new Context());
  await ctx.listen({ address: '127.0.0.1' });
  return ctx;
}

/** SIPp calls `ctx` and expects 180 (when `ringing`) then `status`; resolves with SIPp's result. */
async function sippCalls(ctx: Context, status: number): Promise<void> {
  const sipp = await startSipp(scenarioFrom('uac-invite.xml', { STATUS: status }), { remote: `127.0.0.1:${portOf(ctx)}`, timeoutS: 20 });
  const r = await sipp.done;
  assert.equal(r.exitCode, 0, explainSipp(r));
  return void assert.match(r.messages, new RegExp(`^SIP/2\\.0 ${status} `, 'm'), explainSipp(r));
}

const cases: Record<string, () => Promise<void>> = {
  async initialize() {
    const lines: string[] = [];
    const ctx = await s.initialize(0, (_m, text) => lines.push(text));
    assert.ok(ctx !== -1);
    track(ctx);
    assert.equal(ctx.address?.transport, 'udp');
    registerCompat(ctx, kam.proxy);
    await waitEvent(ctx, success);
    assert.ok(lines.some((l) => l.includes('REGISTER')), 'osip trace at level 6 reached the logger');
    // The failure branch: a taken port.
    const sock = dgram.createSocket('udp4');
    sock.bind(0);
    await once(sock, 'listening');
    try {
      assert.equal(await s.initialize(sock.address().port, () => undefined), -1);
    } finally {
      sock.close();
    }
  },

  async initialize_ctx() {
    const lines: string[] = [];
    const ctx = track(await s.initialize_ctx(0, (_m, text) => lines.push(text)));
    await registerCtx(ctx, kam.proxy);
    assert.ok(lines.some((l) => l.includes('REGISTER')));
  },

  async create_context() {
    const ctx = await compatContext();
    assert.ok(ctx instanceof Context);
    assert.equal(ctx.address?.transport, 'udp');
    assert.ok(portOf(ctx) > 0);
    registerCompat(ctx, kam.proxy);
    await waitEvent(ctx, success);
    const [binding] = await bindingsOf(kam, 'alice@example.com', 1);
    assert.equal(binding.userAgent, 'my-app/1.0');
    assertContactOf(binding, 'alice', ctx);
    // The failure branch: a taken port gives null (and the context is quit).
    const sock = dgram.createSocket('udp4');
    sock.bind(0);
    await once(sock, 'listening');
    try {
      assert.equal(await s.create_context(sock.address().port), null);
    } finally {
      sock.close();
    }
  },

  async create_context_ctx() {
    const ctx = track(await s.create_context_ctx(0));
    assert.ok(portOf(ctx) > 0);
    await registerCtx(ctx, kam.proxy);
    const [binding] = await bindingsOf(kam, 'alice@example.com', 1);
    assert.equal(binding.userAgent, 'my-app/1.0');
    assertContactOf(binding, 'alice', ctx);
  },

  async tls_certificates() {
    const ctx = track(eXosip_malloc());
    assert.equal(eXosip_init(ctx), 0);
    assert.equal(s.tls_certificates(ctx, howto, 0), 0);
    registerCompat(ctx, tlsProxy());
    await waitEvent(ctx, success, 20_000 * SLOW);
    const [binding] = await bindingsOf(kam, 'alice@example.com', 1);
    assert.match(binding.socket, /^tls:/);
    assert.match(lastTlsPeer(), new RegExp(`verified=1 subject_cn=${pki.clientCn}`));
    // Verification is on: a CA that did not sign the registrar's certificate
    // ends the REGISTER without a response, as in C.
    const other = track(eXosip_malloc());
    assert.equal(eXosip_init(other), 0);
    assert.equal(s.tls_certificates(other, untrusted, 0), 0);
    registerCompat(other, tlsProxy());
    const { event } = await waitEvent(other, (ev) => ev.typeId === EXOSIP_REGISTRATION_FAILURE, 20_000 * SLOW);
    assert.equal(event.response, null);
  },

  async tls_certificates_ctx() {
    const ctx = track(await s.tls_certificates_ctx(howto, 0));
    await registerCtx(ctx, tlsProxy());
    const [binding] = await bindingsOf(kam, 'alice@example.com', 1);
    assert.match(binding.socket, /^tls:/);
    assert.match(lastTlsPeer(), new RegExp(`verified=1 subject_cn=${pki.clientCn}`));
    const other = track(await s.tls_certificates_ctx(untrusted, 0));
    await assert.rejects(registerCtx(other, tlsProxy()), { code: 'ERR_TLS_CERT_NOT_VERIFIED' });
  },

  async tls_no_verification() {
    // No CA at all: only an unverified connection can succeed.
    const ctx = track(eXosip_malloc());
    assert.equal(eXosip_init(ctx), 0);
    assert.equal(eXosip_listen_addr(ctx, IPPROTO_TCP, null, 0, AF_INET, 1), 0);
    assert.equal(eXosip_set_option(ctx, EXOSIP_OPT_SET_TLS_VERIFY_CERTIFICATE, 1), 0);
    assert.equal(s.tls_no_verification(ctx), 0);
    registerCompat(ctx, tlsProxy());
    await waitEvent(ctx, success, 20_000 * SLOW);
    assert.match((await bindingsOf(kam, 'alice@example.com', 1))[0].socket, /^tls:/);
  },

  async tls_no_verification_ctx() {
    const ctx = track(s.tls_no_verification_ctx());
    await ctx.listen({ transport: 'tls', port: 0 });
    await registerCtx(ctx, tlsProxy());
    assert.match((await bindingsOf(kam, 'alice@example.com', 1))[0].socket, /^tls:/);
  },

  async choose_transport() {
    for (const transport of ['udp', 'tcp', 'tls'] as const) {
      const ctx = track(eXosip_malloc());
      assert.equal(eXosip_init(ctx), 0);
      assert.equal(s.choose_transport(ctx, transport, 0), 0, transport);
      assert.equal(ctx.address?.transport, transport);
    }
    const dtls = track(eXosip_malloc());
    assert.equal(eXosip_init(dtls), 0);
    assert.equal(s.choose_transport(dtls, 'dtls', 0), OSIP_BADPARAMETER);
    // Over TCP the context connects out: Kamailio records the binding on its TCP socket.
    const tcp = track(eXosip_malloc());
    assert.equal(eXosip_init(tcp), 0);
    assert.equal(s.choose_transport(tcp, 'tcp', 0), 0);
    registerCompat(tcp, tcpProxy());
    await waitEvent(tcp, success);
    assert.match((await bindingsOf(kam, 'alice@example.com', 1))[0].socket, /^tcp:/);
  },

  async choose_transport_ctx() {
    for (const transport of ['udp', 'tls'] as const) {
      const ctx = track(await s.choose_transport_ctx(transport, 0));
      assert.equal(ctx.address?.transport, transport);
    }
    const tcp = track(await s.choose_transport_ctx('tcp', 0));
    await registerCtx(tcp, tcpProxy());
    assert.match((await bindingsOf(kam, 'alice@example.com', 1))[0].socket, /^tcp:/);
  },

  async basic_setup() {
    const ctx = await compatContext();
    assert.deepEqual(s.basic_setup(ctx, '127.0.0.1'), [0, 0, 0, 0, 0]);
    registerCompat(ctx, kam.proxy);
    await waitEvent(ctx, success);
    const [binding] = await bindingsOf(kam, 'alice@example.com', 1);
    assert.equal(binding.userAgent, 'exosipdemo/0.0.0');
    assertContactOf(binding, 'alice', ctx);
  },

  async basic_setup_ctx() {
    const ctx = track(s.basic_setup_ctx('127.0.0.1'));
    await ctx.listen({ address: '127.0.0.1' });
    await registerCtx(ctx, kam.proxy);
    assert.equal((await bindingsOf(kam, 'alice@example.com', 1))[0].userAgent, 'exosipdemo/0.0.0');
  },

  async masquerade() {
    const ctx = await compatContext();
    assert.equal(s.masquerade(ctx, '127.0.0.2', 5099, false), 0);
    registerCompat(ctx, kam.proxy);
    const { seen } = await waitEvent(ctx, success);
    // The first REGISTER carries the masqueraded address; Kamailio's 401 names
    // where it came from (Via received/rport), and eXosip learns it
    // (EXOSIP_OPT_UDP_LEARN_PORT): the REGISTER that registers has the real one.
    assert.deepEqual(seen[0].request?.contacts.map((c) => /@([^;>]+)/.exec(c)?.[1]), ['127.0.0.2:5099']);
    assertContactOf((await bindingsOf(kam, 'alice@example.com', 1))[0], 'alice', ctx);
  },

  async masquerade_ctx() {
    const ctx = track(s.masquerade_ctx('127.0.0.2', 5099));
    await ctx.listen({ address: '127.0.0.1' });
    const sent: string[] = [];
    ctx.on('event', (ev) => sent.push(...(ev.request?.contacts.map((c) => /@([^;>]+)/.exec(c)?.[1] ?? '') ?? [])));
    await registerCtx(ctx, kam.proxy);
    assert.equal(sent[0], '127.0.0.2:5099', 'the first REGISTER, challenged');
    assertContactOf((await bindingsOf(kam, 'alice@example.com', 1))[0], 'alice', ctx);
  },

  async dns_capabilities() {
    const ctx = await compatContext();
    assert.equal(s.dns_capabilities(ctx, true), 0);
    assert.equal(s.dns_capabilities(ctx, false), 0);
    registerCompat(ctx, kam.proxy);
    await waitEvent(ctx, success);
  },

  async dns_capabilities_ctx() {
    for (const naptr of [true, false]) {
      const ctx = track(s.dns_capabilities_ctx(naptr));
      await ctx.listen({ address: '127.0.0.1' });
      await registerCtx(ctx, kam.proxy);
    }
  },

  async handle_events() {
    const ctx = await compatContext();
    const seen: string[] = [];
    let running = true;
    const loop = s.handle_events(ctx, () => running, (evt) => {
      seen.push(evt.type);
      // The loop only rings: the test gives the final answer the guide tells of.
      if (evt.typeId === EXOSIP_CALL_INVITE) setTimeout(() => eXosip_call_send_answer(ctx, evt.tid, 486, null), 200);
    });
    try {
      const peer = await sender();
      const answer = await peer.message(`sip:ctx@127.0.0.1:${portOf(ctx)}`, 'hello', { from: 'sip:peer@127.0.0.1' });
      assert.equal(answer.statusCode, 200);
      await sippCalls(ctx, 486);
      assert.ok(seen.includes('EXOSIP_MESSAGE_NEW') && seen.includes('EXOSIP_CALL_INVITE'), seen.join());
    } finally {
      running = false;
      await loop;
    }
  },

  async handle_events_ctx() {
    const ctx = await sender();
    const seen: string[] = [];
    s.handle_events_ctx(ctx, (req) => seen.push(req.method));
    const peer = await sender();
    assert.equal((await peer.message(`sip:ctx@127.0.0.1:${portOf(ctx)}`, 'hello', { from: 'sip:peer@127.0.0.1' })).statusCode, 200);
    await sippCalls(ctx, 486);
    assert.deepEqual(seen, ['MESSAGE', 'INVITE']);
  },

  async refer_to_of() {
    const ctx = await compatContext();
    const peer = await sender();
    const sent = peer.request({ method: 'REFER', to: `sip:ctx@127.0.0.1:${portOf(ctx)}`, from: 'sip:peer@127.0.0.1', headers: { 'Refer-To': '<sip:carol@example.com>', 'Refer-Sub': 'false' } });
    const { event } = await waitEvent(ctx, (e) => e.typeId === EXOSIP_MESSAGE_NEW);
    assert.equal(s.refer_to_of(event), '<sip:carol@example.com>');
    eXosip_lock(ctx);
    const [code, answer] = eXosip_message_build_answer(ctx, event.tid, 202);
    assert.equal(code, 0);
    assert.equal(eXosip_message_send_answer(ctx, event.tid, 202, answer), 0);
    eXosip_unlock(ctx);
    assert.equal((await sent).statusCode, 202);
    // A request without the header.
    const plain = peer.message(`sip:ctx@127.0.0.1:${portOf(ctx)}`, 'no refer-to', { from: 'sip:peer@127.0.0.1' });
    const second = await waitEvent(ctx, (e) => e.typeId === EXOSIP_MESSAGE_NEW);
    assert.equal(s.refer_to_of(second.event), null);
    assert.equal(eXosip_message_send_answer(ctx, second.event.tid, 200, null), 0);
    await plain;
  },

  async refer_to_of_ctx() {
    const ctx = await sender();
    const got: Array<string | null> = [];
    ctx.on('request', async (req) => {
      got.push(s.refer_to_of_ctx(req));
      await req.respond(202);
    });
    const peer = await sender();
    const answer = await peer.request({ method: 'REFER', to: `sip:ctx@127.0.0.1:${portOf(ctx)}`, from: 'sip:peer@127.0.0.1', headers: { 'Refer-To': '<sip:carol@example.com>', 'Refer-Sub': 'false' } });
    assert.equal(answer.statusCode, 202);
    assert.deepEqual(got, ['<sip:carol@example.com>']);
  },

  ...transferCases({ snippets: () => s, compatContext, sender }),
};

describeGuide(guide, cases, HOWTO_C_LINES);
