/**
 * Default answers of calls between two of our own contexts on loopback
 * (defaultAnswerMs 300): an INVITE nobody answers gets 480; requests inside
 * a call (sent by alice with the compat API) are answered by
 * call.on('request'), or by the default answer of the Call table.
 */
import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import { afterEach, describe, test } from 'node:test';
import {
  eXosip_call_build_ack,
  eXosip_call_build_info,
  eXosip_call_build_request,
  eXosip_call_send_ack,
  eXosip_call_send_request,
  osip_message_set_body,
  osip_message_set_content_type,
  osip_message_set_header,
} from '../../lib/compat';
import { type AnyExosipEvent, type Call, CallError, type CallEnd, Context, type IncomingCall, type IncomingRequest } from '../../lib/index';

const ANSWER_MS = 300;
const open: Context[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((ctx) => ctx.close()));
});

async function listening(): Promise<Context> {
  const ctx = new Context({ userAgent: 'exosip2-test/1.0', defaultAnswerMs: ANSWER_MS });
  open.push(ctx);
  await ctx.listen({ transport: 'udp', address: '127.0.0.1', port: 0 });
  return ctx;
}

async function pair(): Promise<{ alice: Context; bob: Context; to: string; from: string }> {
  const alice = await listening();
  const bob = await listening();
  return { alice, bob, to: `sip:bob@127.0.0.1:${bob.address!.port}`, from: `sip:alice@127.0.0.1:${alice.address!.port}` };
}

const sdp = (user: string, port: number): string =>
  `v=0\r\no=${user} 0 0 IN IP4 127.0.0.1\r\ns=call\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n`;
const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** alice calls bob, bob answers at once: both Calls. */
async function establish(alice: Context, bob: Context, to: string, from: string): Promise<{ a: Call; b: Call }> {
  const offered = once(bob, 'call').then(([incoming]) => incoming as IncomingCall);
  const placing = alice.invite({ to, from, sdp: sdp('alice', 10500) });
  const answering = (await offered).answer({ sdp: sdp('bob', 20500) });
  const [a, b] = await Promise.all([placing, answering]);
  return { a, b };
}

/** alice sends `method` in call `a` (compat API) with `headers` and an optional body; resolves with bob's final answer. */
async function send(alice: Context, a: Call, method: string, init: { headers?: Array<[string, string]>; body?: string; type?: string } = {}): Promise<AnyExosipEvent> {
  const [code, request] = method === 'INFO' ? eXosip_call_build_info(alice, a.did) : eXosip_call_build_request(alice, a.did, method);
  assert.equal(code, 0);
  for (const [name, value] of init.headers ?? []) assert.equal(osip_message_set_header(request, name, value), 0);
  if (init.body !== undefined) {
    assert.equal(osip_message_set_body(request, init.body, Buffer.byteLength(init.body)), 0);
    assert.equal(osip_message_set_content_type(request, init.type ?? 'text/plain'), 0);
  }
  const answered = new Promise<AnyExosipEvent>((resolve) => {
    const onEvent = (ev: AnyExosipEvent): void => {
      if (ev.cid !== a.cid || ev.response === null || ev.response.statusCode < 200 || ev.request?.method !== method) return;
      alice.off('event', onEvent);
      resolve(ev);
    };
    alice.on('event', onEvent);
  });
  assert.equal(eXosip_call_send_request(alice, a.did, request), 0);
  return answered;
}

describe('Call default answers', () => {
  test('the callee\'s listener never answers: 480 after defaultAnswerMs; late answer()/reject() throw ERR_CALL_ANSWERED', { timeout: 20_000 }, async () => {
    const { alice, bob, to, from } = await pair();
    const offered: IncomingCall[] = [];
    bob.on('call', (incoming) => offered.push(incoming));
    const started = Date.now();
    const error = await alice.invite({ to, from, sdp: sdp('alice', 10500) }).catch((e: unknown) => e);
    assert.ok(error instanceof CallError, String(error));
    assert.deepEqual([error.code, error.statusCode, error.reason], ['ERR_CALL_REJECTED', 480, 'Temporarily Unavailable']);
    assert.ok(Date.now() - started >= ANSWER_MS - 20, `answered after ${Date.now() - started} ms`);
    assert.equal(offered.length, 1);
    const incoming = offered[0]!;
    assert.equal(incoming.answered, true);
    assert.equal(incoming.answeredByDefault, 480);
    await assert.rejects(incoming.answer({ sdp: sdp('bob', 20500) }), { code: 'ERR_CALL_ANSWERED', message: /refused with 480 by the default answer/ });
    assert.throws(() => incoming.reject(486), { code: 'ERR_CALL_ANSWERED' });
    assert.throws(() => incoming.ringing(), { code: 'ERR_CALL_ANSWERED' });
  });

  test('reject(486, { reason, headers }): the caller gets the reason phrase and the Retry-After; a header eXosip writes is refused', { timeout: 20_000 }, async () => {
    const { alice, bob, to, from } = await pair();
    bob.on('call', (incoming) => {
      assert.throws(() => incoming.reject(486, { headers: { 'Call-ID': 'x' } }), { code: 'ERR_INVALID_ARG_VALUE' });
      assert.throws(() => incoming.reject(486, { reason: 'Busy\r\nX: y' }), { code: 'ERR_INVALID_ARG_VALUE' });
      incoming.reject(486, { reason: 'Busy Now', headers: { 'Retry-After': '120' } });
    });
    const error = await alice.invite({ to, from, sdp: sdp('alice', 10500) }).catch((e: unknown) => e);
    assert.ok(error instanceof CallError, String(error));
    assert.deepEqual([error.code, error.statusCode, error.reason], ['ERR_CALL_REJECTED', 486, 'Busy Now']);
    assert.equal(error.response?.getHeader('retry-after'), '120');
  });

  test('ringing() hands the call to the application: answered after several defaultAnswerMs, it is set up', { timeout: 20_000 }, async () => {
    const { alice, bob, to, from } = await pair();
    let answering: Promise<Call> | null = null;
    bob.on('call', (incoming) => {
      incoming.ringing();
      answering = delay(3 * ANSWER_MS).then(() => incoming.answer({ sdp: sdp('bob', 20500) }));
    });
    const a = await alice.invite({ to, from, sdp: sdp('alice', 10500) });
    assert.equal(a.state, 'confirmed');
    const b = await answering!;
    assert.equal(b.state, 'confirmed');
    await a.hangup();
  });

  test('an INFO in the call is answered by call.on(\'request\') with 200 and a body', { timeout: 20_000 }, async () => {
    const { alice, bob, to, from } = await pair();
    const { a, b } = await establish(alice, bob, to, from);
    const seen: IncomingRequest[] = [];
    b.on('request', (req) => {
      seen.push(req);
      void req.respond(200, { body: 'got it', contentType: 'text/plain', headers: { 'X-Seen': 'yes' } });
    });
    const ev = await send(alice, a, 'INFO', { body: 'Signal=5\r\nDuration=250\r\n', type: 'application/dtmf-relay' });
    assert.equal(ev.type, 'EXOSIP_CALL_MESSAGE_ANSWERED');
    assert.equal(ev.response?.statusCode, 200);
    assert.equal(ev.response?.body?.toString(), 'got it');
    assert.equal(ev.response?.getHeader('x-seen'), 'yes');
    assert.equal(seen.length, 1);
    const req = seen[0]!;
    assert.deepEqual([req.method, req.kind, req.contentType, req.body?.toString()], ['INFO', 'EXOSIP_CALL_MESSAGE_NEW', 'application/dtmf-relay', 'Signal=5\r\nDuration=250\r\n']);
    await assert.rejects(req.respond(200), { code: 'ERR_REQUEST_ANSWERED' });
  });

  test('a request sent right after the ACK reaches the listener bob adds once answer() resolved', { timeout: 20_000 }, async () => {
    // alice sends her INFO as soon as invite() resolves (the binding sent the
    // ACK just before): ACK and INFO can reach bob's JS in one task, emitted
    // before the code awaiting answer() runs.
    const { alice, bob, to, from } = await pair();
    for (let round = 0; round < 5; round++) {
      const got = new Promise<IncomingRequest>((resolve) => {
        bob.once('call', (incoming: IncomingCall) => {
          void incoming.answer({ sdp: sdp('bob', 20500) }).then((b) => {
            b.on('request', (req) => {
              void req.respond(200);
              resolve(req);
            });
          });
          // bob's thread is busy while alice gets the 200, ACKs it and sends
          // her INFO: both reach bob's JS together, as on a loaded machine.
          const until = Date.now() + 300;
          while (Date.now() < until);
        });
      });
      const a = await alice.invite({ to, from, sdp: sdp('alice', 10500) });
      const answered = send(alice, a, 'INFO', { body: `round ${round}` });
      assert.equal((await got).body?.toString(), `round ${round}`);
      assert.equal((await answered).response?.statusCode, 200);
      await a.hangup();
    }
  });

  test('without a listener: INFO 200, INFO with Info-Package 469, OPTIONS 200 with Allow, MESSAGE 501, REFER 603', { timeout: 20_000 }, async () => {
    const { alice, bob, to, from } = await pair();
    const { a, b } = await establish(alice, bob, to, from);
    const status = async (method: string, init?: Parameters<typeof send>[3]): Promise<number> => (await send(alice, a, method, init)).response!.statusCode;
    assert.equal(await status('INFO', { body: 'x', type: 'application/dtmf-relay' }), 200);
    assert.equal(await status('INFO', { headers: [['Info-Package', 'foo']], body: 'x', type: 'application/foo' }), 469);
    const options = await send(alice, a, 'OPTIONS');
    assert.equal(options.response?.statusCode, 200);
    assert.equal(options.response?.getHeaders('allow').join(', '), 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE');
    assert.equal(options.response?.getHeader('accept'), 'application/sdp');
    assert.equal(await status('MESSAGE', { body: 'hi' }), 501);
    assert.equal(await status('REFER', { headers: [['Refer-To', `<sip:carol@127.0.0.1:${alice.address!.port}>`]] }), 603);
    assert.equal(b.state, 'confirmed');
    assert.equal(a.state, 'confirmed');
  });

  test('a re-INVITE without a listener gets 488 and the call stays up', { timeout: 20_000 }, async () => {
    const { alice, bob, to, from } = await pair();
    const { a, b } = await establish(alice, bob, to, from);
    const hold = sdp('alice', 10500) + 'a=sendonly\r\n';
    const ev = await send(alice, a, 'INVITE', { body: hold, type: 'application/sdp' });
    assert.equal(ev.response?.statusCode, 488);
    await delay(2 * ANSWER_MS);
    assert.deepEqual([a.state, b.state], ['confirmed', 'confirmed']);
    // Still a dialog: an INFO goes through, then a BYE ends it on both sides.
    assert.equal((await send(alice, a, 'INFO')).response?.statusCode, 200);
    const bEnded = once(b, 'ended').then(([end]) => end as CallEnd);
    await a.hangup();
    assert.deepEqual(await bEnded, { by: 'remote', reason: 'BYE', statusCode: 0 });
  });

  test('a re-INVITE answered 200 with SDP by call.on(\'request\'); a listener that never responds: the default, then respond() rejects ERR_REQUEST_ANSWERED', { timeout: 20_000 }, async () => {
    const { alice, bob, to, from } = await pair();
    const { a, b } = await establish(alice, bob, to, from);
    const hold = sdp('alice', 10500) + 'a=sendonly\r\n';
    const reply = sdp('bob', 20500) + 'a=recvonly\r\n';
    const once1 = once(b, 'request').then(([req]) => req as IncomingRequest);
    const sending = send(alice, a, 'INVITE', { body: hold, type: 'application/sdp' });
    const req = await once1;
    assert.deepEqual([req.method, req.kind, req.body?.toString()], ['INVITE', 'EXOSIP_CALL_REINVITE', hold]);
    await req.respond(200, { body: reply, contentType: 'application/sdp' });
    const ev = await sending;
    assert.deepEqual([ev.type, ev.response?.statusCode, ev.response?.body?.toString()], ['EXOSIP_CALL_ANSWERED', 200, reply]);
    const [code, ack] = eXosip_call_build_ack(alice, ev.tid);
    assert.equal(code, 0);
    assert.equal(eXosip_call_send_ack(alice, ev.tid, ack), 0);

    // A listener that never responds: the default answer goes after defaultAnswerMs.
    const late = once(b, 'request').then(([r]) => r as IncomingRequest);
    const started = Date.now();
    assert.equal((await send(alice, a, 'OPTIONS')).response?.statusCode, 200);
    assert.ok(Date.now() - started >= ANSWER_MS - 20, `answered after ${Date.now() - started} ms`);
    const unanswered = await late;
    assert.equal(unanswered.answered, true);
    await assert.rejects(unanswered.respond(200), { code: 'ERR_REQUEST_ANSWERED', message: /default answer/ });
    assert.deepEqual([a.state, b.state], ['confirmed', 'confirmed']);
  });
});

describe('one request of a method at a time in a dialog (eXosip_call_build_request)', () => {
  test('an INFO that timed out here still runs: the next INFO rejects ERR_REQUEST_NOT_SENT saying why; once the first is answered, INFO goes again', { timeout: 20_000 }, async () => {
    const alice = await listening();
    const bob = new Context({ userAgent: 'exosip2-test/1.0', defaultAnswerMs: null });
    open.push(bob);
    await bob.listen({ transport: 'udp', address: '127.0.0.1', port: 0 });
    const { a, b } = await establish(alice, bob, `sip:bob@127.0.0.1:${bob.address!.port}`, `sip:alice@127.0.0.1:${alice.address!.port}`);
    const held: IncomingRequest[] = [];
    b.on('request', (req) => {
      held.push(req);
      if (held.length > 1) void req.respond(200);
    });
    const info = { contentType: 'application/dtmf-relay', body: 'Signal=1\r\n' };
    await assert.rejects(a.info({ ...info, timeoutMs: 300 }), { code: 'ERR_REQUEST_TIMEOUT' });
    await assert.rejects(a.info(info), (e: CallError & { reason?: string }) => {
      assert.equal(e.code, 'ERR_REQUEST_NOT_SENT');
      assert.equal(e.reason, 'OSIP_WRONG_STATE');
      assert.match(e.message, /one INFO at a time in a dialog.*Timer F/);
      return true;
    });
    assert.equal(held.length, 1);
    // alice's transaction ends (completed) once bob's 200 arrives: then INFO goes again.
    const answered = new Promise<void>((resolve) => {
      alice.on('event', (ev) => {
        if (ev.type === 'EXOSIP_CALL_MESSAGE_ANSWERED' && ev.request?.method === 'INFO') resolve();
      });
    });
    await held[0]!.respond(200);
    await answered;
    const result = await a.info({ ...info, timeoutMs: 5000 });
    assert.equal(result.statusCode, 200);
    assert.equal(held.length, 2);
  });
});
