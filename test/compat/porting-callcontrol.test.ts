/**
 * docs/porting/callcontrol.md (eXosip's ht1-callcontrol.dox), executed
 * (test/helpers/guide.ts): each block's function runs between two contexts
 * on loopback that call each other, the compat side with eXosip_event_wait
 * loops (test/helpers/porting.ts), asserting on what the other side got.
 */
import { strict as assert } from 'node:assert';
import { afterEach, before } from 'node:test';
import {
  AF_INET,
  EXOSIP_CALL_ACK,
  EXOSIP_CALL_ANSWERED,
  EXOSIP_CALL_CANCELLED,
  EXOSIP_CALL_CLOSED,
  EXOSIP_CALL_INVITE,
  EXOSIP_CALL_MESSAGE_ANSWERED,
  EXOSIP_CALL_MESSAGE_NEW,
  EXOSIP_CALL_REQUESTFAILURE,
  EXOSIP_CALL_RINGING,
  EXOSIP_OPT_SET_IPV4_FOR_GATEWAY,
  IPPROTO_UDP,
  eXosip_call_build_answer,
  eXosip_call_build_initial_invite,
  eXosip_call_get_reference,
  eXosip_call_send_answer,
  eXosip_call_send_initial_invite,
  eXosip_init,
  eXosip_listen_addr,
  eXosip_malloc,
  eXosip_set_option,
  osip_message_get_body,
  osip_message_get_content_type,
  osip_message_get_method,
  osip_message_header_get_byname,
  osip_message_set_body,
  osip_message_set_content_type,
  type eXosip_event_t,
  type eXosip_t,
  type osip_message_t,
} from '../../lib/compat';
import { type Call, Context, type IncomingCall } from '../../lib/index';
import type { IncomingRequest } from '../../lib/message/incoming';
import { describeGuide, readGuide } from '../helpers/guide';
import { closeTracked, portOf, track, waitEvent } from '../helpers/porting';
import { SLOW } from '../helpers/slow';

/** The C statements of eXosip's ht1-callcontrol how-to, whitespace-normalized. */
const HOWTO_C_LINES = [
  'i = eXosip_call_build_initial_invite (ctx, &invite, "<sip:to@antisip.com>", "<sip:from@antisip.com>", NULL, // optional route header "This is a call for a conversation");',
  'osip_message_set_supported (invite, "100rel");',
  'eXosip_guess_localip (ctx, AF_INET, localip, 128);',
  '"m=audio %s RTP/AVP 0 8 101\\r\\n"',
  'osip_message_set_body (invite, tmp, strlen (tmp)); osip_message_set_content_type (invite, "application/sdp");',
  'cid = eXosip_call_send_initial_invite (ctx, invite); if (cid > 0) { eXosip_call_set_reference (ctx, i, reference); }',
  'eXosip_call_send_answer (ctx, evt->tid, 180, NULL);',
  'i = eXosip_call_build_answer (ctx, evt->tid, 200, &answer);',
  'eXosip_call_send_answer (ctx, evt->tid, 400, NULL);',
  'i = sdp_complete_200ok (evt->did, answer);',
  'osip_message_free (answer); eXosip_call_send_answer (ctx, evt->tid, 415, NULL);',
  'eXosip_call_send_answer (ctx, evt->tid, 200, answer);',
  'osip_message_set_body (answer, tmp, strlen (tmp)); osip_message_set_content_type (answer, "application/sdp");',
  'eXosip_call_terminate (ctx, cid, did);',
  'i = eXosip_call_build_info (ctx, evt->did, &info);',
  'snprintf (dtmf_body, 999, "Signal=%c\\r\\nDuration=250\\r\\n", c);',
  'osip_message_set_content_type (info, "application/dtmf-relay"); osip_message_set_body (info, dtmf_body, strlen (dtmf_body)); i = eXosip_call_send_request (ctx, evt->did, info);',
  'i = eXosip_call_build_request (ctx, evt->did, "PRIVATECOMMAND", &message);',
  'osip_message_set_content_type (message, "application/antisip-domotic");',
  'osip_message_set_header (invite, "P-MyCommand", "option=value");',
  'i = eXosip_call_send_request (ctx, evt->did, message);',
];

/** The functions the guide defines, as the tests call them. */
interface Snippets {
  initiate_call(ctx: eXosip_t, to: string, from: string, port: number, reference: unknown): number;
  initiate_call_ctx(ctx: Context, to: string, from: string, port: number): Promise<Call>;
  caller_loop(ctx: eXosip_t, timeoutMs: number): Promise<eXosip_event_t | null>;
  caller_loop_ctx(ctx: Context, to: string, from: string): Promise<Call>;
  ring(ctx: eXosip_t, evt: eXosip_event_t): number;
  ring_ctx(incoming: IncomingCall): void;
  sdp_complete_200ok(ctx: eXosip_t, did: number, answer: osip_message_t, port: number): number;
  answer_call(ctx: eXosip_t, evt: eXosip_event_t, port: number): number;
  answer_call_ctx(incoming: IncomingCall, port: number): Promise<Call | null>;
  set_sdp_body(answer: osip_message_t, tmp: string): number;
  set_sdp_body_ctx(incoming: IncomingCall, tmp: string): Promise<Call>;
  terminate_call(ctx: eXosip_t, cid: number, did: number): number;
  terminate_call_ctx(call: Call): Promise<void>;
  send_dtmf(ctx: eXosip_t, did: number, c: string): number;
  send_dtmf_ctx(ctx: Context, call: Call, c: string): number;
  send_private_command(ctx: eXosip_t, did: number): number;
  send_private_command_ctx(ctx: Context, call: Call): number;
  reference_of(ctx: eXosip_t, evt: eXosip_event_t): unknown;
}

const guide = readGuide('docs/porting/callcontrol.md');
let s: Snippets;
before(() => {
  s = guide.load<Snippets>();
});
afterEach(closeTracked);

const T = 10_000 * SLOW;
const is = (type: number) => (e: eXosip_event_t): boolean => e.typeId === type;
const at = (ctx: Context, user: string): string => `<sip:${user}@127.0.0.1:${portOf(ctx)}>`;
const offer = (formats: string): string => `v=0\r\no=alice 0 0 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 20000 RTP/AVP ${formats}\r\n`;
const bodyOf = (msg: osip_message_t | null): string | undefined => osip_message_get_body(msg, 0)[1]?.body;
const headerOf = (msg: osip_message_t | null, name: string): string | undefined => osip_message_header_get_byname(msg, name, 0)[1]?.hvalue;

/** A compat context as the how-to's programs make it, on loopback, its SDP address 127.0.0.1. */
function compat(): eXosip_t {
  const ctx = track(eXosip_malloc());
  assert.equal(eXosip_init(ctx), 0);
  assert.equal(eXosip_listen_addr(ctx, IPPROTO_UDP, '127.0.0.1', 0, AF_INET, 0), 0);
  assert.equal(eXosip_set_option(ctx, EXOSIP_OPT_SET_IPV4_FOR_GATEWAY, '127.0.0.1'), 0);
  return ctx;
}

/** A Context on loopback; `onCall` answers its incoming calls. */
async function context(onCall?: (incoming: IncomingCall) => void): Promise<Context> {
  const ctx = track(new Context({ options: { EXOSIP_OPT_SET_IPV4_FOR_GATEWAY: '127.0.0.1' } }));
  await ctx.listen({ address: '127.0.0.1' });
  if (onCall) ctx.on('call', onCall);
  return ctx;
}

/** Compat: an INVITE from `alice` to `bob` with `sdp` (none for null) → cid. */
function sendInvite(alice: eXosip_t, bob: Context, sdp: string | null): number {
  const [i, invite] = eXosip_call_build_initial_invite(alice, at(bob, 'bob'), at(alice, 'alice'), null, null);
  assert.equal(i, 0);
  if (sdp !== null) {
    osip_message_set_body(invite, sdp, sdp.length);
    osip_message_set_content_type(invite, 'application/sdp');
  }
  const cid = eXosip_call_send_initial_invite(alice, invite);
  assert.ok(cid > 0);
  return cid;
}

/** {@link sendInvite}, then bob's (compat) EXOSIP_CALL_INVITE. */
async function inviteWith(alice: eXosip_t, bob: eXosip_t, sdp: string | null): Promise<{ cid: number; inv: eXosip_event_t }> {
  const cid = sendInvite(alice, bob, sdp);
  return { cid, inv: (await waitEvent(bob, is(EXOSIP_CALL_INVITE))).event };
}

/** Compat both sides: alice calls, bob rings and answers, alice ACKs → the ids on both sides. */
async function establish(alice: eXosip_t, bob: eXosip_t): Promise<{ cid: number; did: number; inv: eXosip_event_t }> {
  const cid = s.initiate_call(alice, at(bob, 'bob'), at(alice, 'alice'), 40000, null);
  assert.ok(cid > 0, `cid ${cid}`);
  const inv = (await waitEvent(bob, is(EXOSIP_CALL_INVITE))).event;
  assert.equal(s.ring(bob, inv), 0);
  assert.equal(s.answer_call(bob, inv, 30000), 0);
  const answered = await s.caller_loop(alice, T);
  assert.ok(answered !== null);
  await waitEvent(bob, is(EXOSIP_CALL_ACK));
  return { cid, did: answered.did, inv };
}

/** Context both sides: alice calls bob, who answers (answer_call_ctx) → both Calls and bob's in-call requests. */
async function establishCtx(): Promise<{ alice: Context; call: Call; bobCall: Promise<Call>; requests: IncomingRequest[] }> {
  const requests: IncomingRequest[] = [];
  let bobCall!: Promise<Call>;
  const bob = await context((incoming) => {
    bobCall = s.answer_call_ctx(incoming, 30000).then((c) => {
      c!.on('request', (req) => {
        requests.push(req);
        void req.respond(200);
      });
      return c!;
    });
  });
  const alice = await context();
  const call = await s.initiate_call_ctx(alice, at(bob, 'bob'), at(alice, 'alice'), 40000);
  return { alice, call, bobCall, requests };
}

const cases: Record<string, () => Promise<void>> = {
  async initiate_call() {
    const [alice, bob] = [compat(), compat()];
    const reference = { leg: 'alice' };
    const cid = s.initiate_call(alice, at(bob, 'bob'), at(alice, 'alice'), 40000, reference);
    assert.ok(cid > 0, `cid ${cid}`);
    const inv = (await waitEvent(bob, is(EXOSIP_CALL_INVITE))).event;
    assert.equal(headerOf(inv.request, 'subject'), 'This is a call for a conversation');
    assert.match(inv.request!.getHeader('supported') ?? '', /100rel/);
    assert.match(bodyOf(inv.request) ?? '', /^v=0\r\no=jack 0 0 IN IP4 127\.0\.0\.1\r\n[^]*\r\nm=audio 40000 RTP\/AVP 0 8 101\r\n/);
    assert.equal(eXosip_call_get_reference(alice, cid), reference);
    // Failure: a `to` that is not a URI.
    assert.equal(s.initiate_call(alice, 'not a uri', at(alice, 'alice'), 40000, null), -1);
  },

  async initiate_call_ctx() {
    let incoming!: IncomingCall;
    let answered!: Promise<Call | null>;
    const bob = await context((i) => {
      incoming = i;
      answered = s.answer_call_ctx(i, 30000);
    });
    const alice = await context();
    const call = await s.initiate_call_ctx(alice, at(bob, 'bob'), at(alice, 'alice'), 40000);
    assert.equal(call.state, 'confirmed');
    assert.equal((await answered)?.state, 'confirmed', "bob's call, on the ACK");
    assert.match(incoming.remoteSdp ?? '', /\r\nm=audio 40000 RTP\/AVP 0 8 101\r\n/);
    assert.match(incoming.request.getHeader('supported') ?? '', /100rel/);
    assert.equal(incoming.request.getHeader('subject'), 'This is a call for a conversation');
    assert.match(call.remoteSdp ?? '', /\r\nm=audio 30000 RTP\/AVP 0\r\n/);
  },

  async caller_loop() {
    const [alice, bob] = [compat(), compat()];
    const { cid, did, inv } = await establish(alice, bob);
    assert.ok(did > 0);
    assert.equal(s.terminate_call(alice, cid, did), 0);
    assert.equal((await waitEvent(bob, is(EXOSIP_CALL_CLOSED))).event.cid, inv.cid);
  },

  async caller_loop_ctx() {
    const bob = compat();
    const alice = await context();
    const placed = s.caller_loop_ctx(alice, at(bob, 'bob'), at(alice, 'alice'));
    const inv = (await waitEvent(bob, is(EXOSIP_CALL_INVITE))).event;
    assert.equal(eXosip_call_send_answer(bob, inv.tid, 200, eXosip_call_build_answer(bob, inv.tid, 200)[1]), 0);
    const call = await placed;
    assert.equal(call.state, 'confirmed');
    await waitEvent(bob, is(EXOSIP_CALL_ACK));
  },

  async ring() {
    const [alice, bob] = [compat(), compat()];
    const cid = s.initiate_call(alice, at(bob, 'bob'), at(alice, 'alice'), 40000, null);
    const inv = (await waitEvent(bob, is(EXOSIP_CALL_INVITE))).event;
    assert.equal(s.ring(bob, inv), 0);
    const ringing = (await waitEvent(alice, is(EXOSIP_CALL_RINGING))).event;
    assert.deepEqual([ringing.cid, ringing.response?.statusCode], [cid, 180]);
  },

  async ring_ctx() {
    const bob = await context((incoming) => {
      s.ring_ctx(incoming);
      setTimeout(() => incoming.reject(486), 100);
    });
    const alice = await context();
    const progress: number[] = [];
    await assert.rejects(alice.invite({ to: at(bob, 'bob'), from: at(alice, 'alice'), onProgress: (p) => progress.push(p.statusCode) }), { code: 'ERR_CALL_REJECTED', statusCode: 486 });
    assert.ok(progress.includes(180), `progress ${progress.join()}`);
  },

  async sdp_complete_200ok() {
    const [alice, bob] = [compat(), compat()];
    const answerFor = async (sdp: string | null): Promise<[number, string | undefined]> => {
      const { inv } = await inviteWith(alice, bob, sdp);
      const [, answer] = eXosip_call_build_answer(bob, inv.tid, 200);
      const i = s.sdp_complete_200ok(bob, inv.did, answer!, 30000);
      eXosip_call_send_answer(bob, inv.tid, 486, null);
      return [i, bodyOf(answer)];
    };
    const [ok, body] = await answerFor(offer('8 101'));
    assert.equal(ok, 0);
    assert.equal(body, 'v=0\r\no=bob 0 0 IN IP4 127.0.0.1\r\ns=conversation\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 30000 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n');
    assert.equal((await answerFor(offer('18')))[0], -1, 'no codec in common');
    assert.equal((await answerFor(null))[0], -1, 'no offer');
  },

  async answer_call() {
    const [alice, bob] = [compat(), compat()];
    let { inv } = await inviteWith(alice, bob, offer('18 0 8'));
    assert.equal(s.answer_call(bob, inv, 30000), 0);
    const answered = (await waitEvent(alice, is(EXOSIP_CALL_ANSWERED))).event;
    assert.equal(osip_message_get_content_type(answered.response), 'application/sdp');
    assert.match(bodyOf(answered.response) ?? '', /\r\nm=audio 30000 RTP\/AVP 0\r\n/);
    // An offer with nothing acceptable: 415, and the unsent 200 freed.
    ({ inv } = await inviteWith(alice, bob, offer('18')));
    assert.equal(s.answer_call(bob, inv, 30000), -1);
    assert.equal((await waitEvent(alice, is(EXOSIP_CALL_REQUESTFAILURE))).event.response?.statusCode, 415);
  },

  async answer_call_ctx() {
    const calls: Array<Promise<Call | null>> = [];
    const bob = await context((incoming) => calls.push(s.answer_call_ctx(incoming, 30000)));
    const alice = compat();
    // No offer: 415.
    sendInvite(alice, bob, null);
    assert.equal((await waitEvent(alice, is(EXOSIP_CALL_REQUESTFAILURE))).event.response?.statusCode, 415);
    assert.equal(await calls[0], null);
    // PCMA offered: answered with it, then ACKed by alice's loop.
    sendInvite(alice, bob, offer('8'));
    const answered = await s.caller_loop(alice, T);
    assert.match(bodyOf(answered!.response) ?? '', /\r\nm=audio 30000 RTP\/AVP 8\r\n/);
    assert.equal((await calls[1])?.state, 'confirmed', 'resolved on the ACK');
  },

  async set_sdp_body() {
    const [alice, bob] = [compat(), compat()];
    const { inv } = await inviteWith(alice, bob, offer('0'));
    const [, answer] = eXosip_call_build_answer(bob, inv.tid, 200);
    assert.equal(s.set_sdp_body(answer!, offer('0').replace('alice', 'bob')), 0);
    assert.equal(eXosip_call_send_answer(bob, inv.tid, 200, answer), 0);
    const answered = (await waitEvent(alice, is(EXOSIP_CALL_ANSWERED))).event;
    assert.equal(osip_message_get_content_type(answered.response), 'application/sdp');
    assert.equal(bodyOf(answered.response), offer('0').replace('alice', 'bob'));
  },

  async set_sdp_body_ctx() {
    const sdp = offer('8').replace('alice', 'bob');
    let answered!: Promise<Call>;
    const bob = await context((incoming) => (answered = s.set_sdp_body_ctx(incoming, sdp)));
    const alice = await context();
    const call = await alice.invite({ to: at(bob, 'bob'), from: at(alice, 'alice'), sdp: offer('0 8') });
    assert.equal(call.remoteSdp, sdp);
    assert.equal((await answered).localSdp, sdp);
  },

  async terminate_call() {
    const [alice, bob] = [compat(), compat()];
    // Confirmed: a BYE (0).
    const { cid, did, inv } = await establish(alice, bob);
    assert.equal(s.terminate_call(alice, cid, did), 0);
    assert.equal((await waitEvent(bob, is(EXOSIP_CALL_CLOSED))).event.did, inv.did);
    // Ringing: a CANCEL (1); the callee's INVITE is answered 487.
    const second = s.initiate_call(alice, at(bob, 'bob'), at(alice, 'alice'), 40000, null);
    const inv2 = (await waitEvent(bob, is(EXOSIP_CALL_INVITE))).event;
    assert.equal(s.ring(bob, inv2), 0);
    const ringing = (await waitEvent(alice, is(EXOSIP_CALL_RINGING))).event;
    assert.equal(s.terminate_call(alice, second, ringing.did), 1);
    assert.equal((await waitEvent(bob, is(EXOSIP_CALL_CANCELLED))).event.cid, inv2.cid);
    assert.equal((await waitEvent(alice, is(EXOSIP_CALL_REQUESTFAILURE))).event.response?.statusCode, 487);
  },

  async terminate_call_ctx() {
    const { call, bobCall } = await establishCtx();
    const bobs = await bobCall;
    const ended = new Promise((resolve) => bobs.once('ended', resolve));
    await s.terminate_call_ctx(call);
    assert.equal(call.state, 'ended');
    assert.deepEqual(await ended, { by: 'remote', reason: 'BYE', statusCode: 0 });
  },

  async send_dtmf() {
    const [alice, bob] = [compat(), compat()];
    const { did } = await establish(alice, bob);
    assert.equal(s.send_dtmf(alice, did, '5'), 0);
    const info = (await waitEvent(bob, is(EXOSIP_CALL_MESSAGE_NEW))).event;
    assert.equal(osip_message_get_method(info.request), 'INFO');
    assert.equal(osip_message_get_content_type(info.request), 'application/dtmf-relay');
    assert.equal(bodyOf(info.request), 'Signal=5\r\nDuration=250\r\n');
    assert.equal(eXosip_call_send_answer(bob, info.tid, 200, eXosip_call_build_answer(bob, info.tid, 200)[1]), 0);
    assert.equal((await waitEvent(alice, is(EXOSIP_CALL_MESSAGE_ANSWERED))).event.response?.statusCode, 200);
  },

  async send_dtmf_ctx() {
    const { alice, call, bobCall, requests } = await establishCtx();
    await bobCall;
    assert.equal(s.send_dtmf_ctx(alice, call, '#'), 0);
    const deadline = Date.now() + T;
    while (requests.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(requests[0]?.method, 'INFO');
    assert.equal(requests[0].request.contentType, 'application/dtmf-relay');
    assert.equal(requests[0].request.body?.toString(), 'Signal=#\r\nDuration=250\r\n');
  },

  async send_private_command() {
    const [alice, bob] = [compat(), compat()];
    const { did } = await establish(alice, bob);
    assert.equal(s.send_private_command(alice, did), 0);
    const got = (await waitEvent(bob, is(EXOSIP_CALL_MESSAGE_NEW))).event;
    assert.equal(osip_message_get_method(got.request), 'PRIVATECOMMAND');
    assert.equal(headerOf(got.request, 'p-mycommand'), 'option=value');
    assert.equal(osip_message_get_content_type(got.request), 'application/antisip-domotic');
    assert.equal(bodyOf(got.request), 'room=1;light=on\r\nroom=2;light=off\r\n');
  },

  async send_private_command_ctx() {
    const { alice, call, bobCall, requests } = await establishCtx();
    await bobCall;
    assert.equal(s.send_private_command_ctx(alice, call), 0);
    const deadline = Date.now() + T;
    while (requests.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(requests[0]?.method, 'PRIVATECOMMAND');
    assert.equal(requests[0].request.getHeader('p-mycommand'), 'option=value');
  },

  async reference_of() {
    const [alice, bob] = [compat(), compat()];
    const reference = new Map([['rtp', 40000]]);
    const cid = s.initiate_call(alice, at(bob, 'bob'), at(alice, 'alice'), 40000, reference);
    const inv = (await waitEvent(bob, is(EXOSIP_CALL_INVITE))).event;
    assert.equal(s.reference_of(bob, inv), null, 'an INVITE received carries none');
    assert.equal(s.ring(bob, inv), 0);
    const ringing = (await waitEvent(alice, is(EXOSIP_CALL_RINGING))).event;
    assert.equal(ringing.cid, cid);
    assert.equal(s.reference_of(alice, ringing), reference);
  },
};

describeGuide(guide, cases, HOWTO_C_LINES);
