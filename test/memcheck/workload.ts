/**
 * What `npm run test:memcheck` runs under valgrind memcheck: one process that
 * goes through the addon's paths (contexts, registrations against Kamailio,
 * challenges, refresh, unregister, a 403, TCP, close with REGISTERs in
 * flight, the compat API and its event loop, parsing RFC 4475 and hostile
 * variants, hostile datagrams on a live registration, trace and log, spent
 * and freed messages, messages left to GC, a worker terminated mid-REGISTER,
 * calls between two contexts (SDP offer/answer, INFO, re-INVITE, hang up
 * both ways, cancel, reject, the call's SDP through the compat SDP API, a
 * context closed with a call up), and contexts still open at exit), then
 * exits. Plain node:assert checks make
 * it exit non-zero if a path does not behave, so a leak-free run is a run
 * that did the work.
 *
 * Run directly (without valgrind): node --import tsx test/memcheck/workload.ts
 */
import { strict as assert } from 'node:assert';
import { Worker } from 'node:worker_threads';
import * as compat from '../../lib/compat';
import { type Call, CallError, Context, type IncomingCall, parseMessage, RegistrationError } from '../../lib/index';
import { startKamailio, waitFor } from '../helpers/kamailio';
import { fixture } from '../helpers/paths';
import { boundUdpSocket } from '../helpers/ports';
import { Rng } from '../helpers/prng';
import { hostileCorpus, tortureMessages } from '../helpers/torture';

const step = (what: string): void => {
  process.stdout.write(`[memcheck workload] ${what}\n`);
};

async function main(): Promise<void> {
  const rng = new Rng(4475);
  const kam = await startKamailio({ timeoutMs: 120_000 });
  try {
    step('parse RFC 4475 and variants, both APIs');
    let parsed = 0;
    for (const { raw } of tortureMessages()) {
      for (const d of [raw, ...hostileCorpus(rng, { perMessage: 1, random: 0 }).slice(0, 3)]) {
        try {
          const m = parseMessage(d);
          parsed++;
          try {
            m.toString();
            m.clone().dispose();
          } catch {
            /* unserializable */
          }
          if (rng.chance(0.5)) m.dispose(); // the others are left to GC
        } catch {
          /* refused */
        }
        const [, sip] = compat.osip_message_init();
        if (compat.osip_message_parse(sip, d, d.length) === 0) compat.osip_message_to_str(sip);
        compat.osip_message_free(sip);
      }
    }
    assert.ok(parsed > 30);

    step('UDP: 401 then 200, trace and log on, refresh, hostile datagrams, unregister');
    const udp = new Context({ userAgent: 'memcheck/1', logger: () => undefined, logLevel: 7 });
    await udp.listen({ address: '127.0.0.1' });
    udp.setTrace(true);
    let traces = 0;
    udp.on('trace', () => traces++);
    udp.addAuthenticationInfo({ username: 'alice', password: 'secret', realm: 'example.com' });
    const alice = await udp.register({ from: 'sip:alice@example.com', proxy: kam.proxy, expires: 1800, supported: ['path'], headers: { 'X-Memcheck': '1' } });
    await alice.refresh({ expires: 1200 });
    const peer = await boundUdpSocket();
    // The stray-2xx class that crashed libeXosip2 before the guard included.
    for (const d of hostileCorpus(rng, { perMessage: 1, random: 50 })) {
      await new Promise<void>((resolve) => peer.send(d, udp.address!.port, '127.0.0.1', () => resolve()));
    }
    peer.close();
    await alice.refresh();
    await alice.unregister();
    assert.ok(traces > 4);
    udp.setTrace(false);
    udp.setLogger(null);

    step('a wrong password: 403');
    udp.addAuthenticationInfo({ username: 'bob', password: 'wrong', realm: 'example.com' });
    await assert.rejects(udp.register({ from: 'sip:bob@example.com', proxy: kam.proxy }), (e: unknown) => e instanceof RegistrationError && e.statusCode === 403);

    step('TCP registration');
    const tcp = new Context();
    await tcp.listen({ transport: 'tcp', address: '127.0.0.1' });
    tcp.addAuthenticationInfo({ username: 'carol', password: 'carolpw', realm: 'other.test' });
    const carol = await tcp.register({ from: 'sip:carol@other.test', proxy: `${kam.proxy};transport=tcp` });
    await carol.unregister();
    await tcp.close();

    step('close() with REGISTERs in flight');
    const silent = await boundUdpSocket();
    const inflight = new Context();
    await inflight.listen({ address: '127.0.0.1' });
    const pending = [1, 2, 3].map((i) => inflight.register({ from: `sip:load${i}@example.com`, proxy: `sip:127.0.0.1:${silent.address().port}` }).catch((e: Error & { code?: string }) => e.code));
    await new Promise((r) => setTimeout(r, 300));
    await inflight.close();
    assert.deepEqual(await Promise.all(pending), ['ERR_CONTEXT_CLOSED', 'ERR_CONTEXT_CLOSED', 'ERR_CONTEXT_CLOSED']);

    step('compat API: malloc/init/listen, build and send, event loop, spent and freed messages, quit');
    const c = compat.eXosip_malloc();
    assert.equal(compat.eXosip_init(c), 0);
    assert.equal(compat.eXosip_listen_addr(c, compat.IPPROTO_UDP, '127.0.0.1', 0, compat.AF_INET, 0), 0);
    compat.eXosip_add_authentication_info(c, 'dave', 'dave', 'davepw', null, 'example.com');
    compat.eXosip_lock(c);
    const [rid, reg] = compat.eXosip_register_build_initial_register(c, 'sip:dave@example.com', kam.proxy, null, 600);
    assert.ok(rid > 0 && reg !== null);
    compat.osip_message_set_supported(reg, '100rel');
    assert.equal(compat.eXosip_register_send_register(c, rid, reg), 0);
    compat.eXosip_unlock(c);
    assert.throws(() => compat.osip_message_free(reg), { code: 'ERR_MESSAGE_SPENT' });
    for (;;) {
      const ev = await compat.eXosip_event_wait(c, 5, 0);
      assert.ok(ev !== null, 'an event within 5 s');
      if (ev.typeId === compat.EXOSIP_REGISTRATION_SUCCESS) break;
    }
    const [, unreg] = compat.eXosip_register_build_register(c, rid, 0);
    compat.eXosip_register_send_register(c, rid, unreg);
    await compat.eXosip_event_wait(c, 5, 0);
    const [, loose] = compat.osip_message_init();
    compat.osip_message_free(loose);
    assert.throws(() => compat.osip_message_free(loose), { code: 'ERR_MESSAGE_DISPOSED' });
    await compat.eXosip_quit(c);

    step('many short-lived contexts and messages');
    for (let i = 0; i < 20; i++) {
      const x = new Context();
      await x.listen({ address: '127.0.0.1' });
      x.addAuthenticationInfo({ username: `load${i}`, password: 'loadpw', realm: 'example.com' });
      const r = await x.register({ from: `sip:load${i}@example.com`, proxy: kam.proxy, expires: 600 });
      await r.unregister();
      await x.close();
    }
    const options = Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:x@y>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: 1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n');
    for (let i = 0; i < 2000; i++) parseMessage(options); // left to GC

    step('a worker terminated while its REGISTER is in flight');
    const workerScript = fixture('worker-register.ts');
    let seen = 0;
    silent.on('message', () => seen++);
    const worker = new Worker(`require('tsx/cjs'); require(${JSON.stringify(workerScript)});`, {
      eval: true,
      workerData: { proxy: `sip:127.0.0.1:${silent.address().port}`, user: 'load900', password: 'loadpw', keepOpen: true },
    });
    await waitFor(async () => seen > 0, { timeoutMs: 120_000, what: 'the worker REGISTER' });
    await worker.terminate();
    silent.close();

    await calls();

    step('contexts left open at exit (one registered, one with a REGISTER in flight)');
    udp.addAuthenticationInfo({ username: 'load901', password: 'loadpw', realm: 'example.com' });
    await udp.register({ from: 'sip:load901@example.com', proxy: kam.proxy });
    const dangling = new Context();
    await dangling.listen({ address: '127.0.0.1' });
    void dangling.register({ from: 'sip:load902@example.com', proxy: 'sip:127.0.0.1:9' }).catch(() => undefined);
    udp.unref();
    dangling.unref();
  } finally {
    await kam.stop();
  }
  step('done');
}

const sdp = (user: string, port: number, extra = ''): string =>
  `v=0\r\no=${user} 1 1 IN IP4 127.0.0.1\r\ns=call\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n${extra}`;

/** The call paths: two contexts on loopback, alice calls bob. */
async function calls(): Promise<void> {
  step('calls: SDP, INFO, re-INVITE, hang up both ways, cancel, reject, compat SDP, close with a call up');
  const alice = new Context({ userAgent: 'memcheck/1' });
  const bob = new Context({ userAgent: 'memcheck/1' });
  await alice.listen({ address: '127.0.0.1' });
  await bob.listen({ address: '127.0.0.1' });
  const to = `sip:bob@127.0.0.1:${bob.address!.port}`;
  const from = `sip:alice@127.0.0.1:${alice.address!.port}`;
  const offered = (): Promise<IncomingCall> => new Promise((resolve) => bob.once('call', resolve));
  const establish = async (): Promise<{ a: Call; b: Call }> => {
    const incoming = offered().then((inc) => {
      inc.ringing();
      return inc.answer({ sdp: sdp('bob', 20000) });
    });
    const a = await alice.invite({ to, from, sdp: sdp('alice', 10000), headers: { Subject: 'memcheck' } });
    return { a, b: await incoming };
  };
  const ended = (call: Call): Promise<unknown> => new Promise((resolve) => (call.state === 'ended' ? resolve(call.endedWith) : call.once('ended', resolve)));

  // 1. Answered with SDP; INFO both ways, a re-INVITE (hold) answered with SDP, the SDPs through compat; alice hangs up.
  {
    const { a, b } = await establish();
    b.on('request', (req) => {
      if (req.method === 'INVITE') void req.respond(200, { body: sdp('bob', 20000, 'a=recvonly\r\n'), contentType: 'application/sdp' });
      else void req.respond(200, { body: 'ok', contentType: 'text/plain' });
    });
    assert.equal((await a.info({ contentType: 'application/dtmf-relay', body: 'Signal=5\r\nDuration=160\r\n' })).statusCode, 200);
    assert.equal((await b.info({ body: 'back' })).statusCode, 200); // alice: no listener, the default 200
    await a.reinvite({ sdp: sdp('alice', 10000, 'a=sendonly\r\n') });
    assert.match(a.remoteSdp ?? '', /a=recvonly/);
    for (const [ctx, did] of [[alice, a.did], [bob, b.did]] as const) {
      for (const got of [compat.eXosip_get_remote_sdp(ctx, did), compat.eXosip_get_local_sdp(ctx, did)]) {
        assert.ok(got !== null);
        assert.equal(compat.sdp_message_to_str(got)[0], 0);
        assert.ok(compat.eXosip_get_audio_media(got) !== null);
        assert.ok(compat.eXosip_get_audio_connection(got) !== null);
        assert.ok(compat.sdp_message_m_port_get(got, 0) !== null);
        const [, copy] = compat.sdp_message_clone(got);
        compat.sdp_message_free(copy);
        if (rngCoin()) compat.sdp_message_free(got); // the others are left to GC
      }
    }
    const [, parsed] = compat.sdp_message_init();
    assert.equal(compat.sdp_message_parse(parsed, sdp('carol', 30000)), 0);
    compat.sdp_message_free(parsed);
    const bEnded = ended(b);
    await a.hangup();
    await bEnded;
  }
  // 2. bob hangs up.
  {
    const { a, b } = await establish();
    const aEnded = ended(a);
    await b.hangup();
    await aEnded;
  }
  // 3. Cancelled once bob rang; 4. rejected with 486.
  {
    const controller = new AbortController();
    const incoming = offered().then((inc) => inc.ringing());
    const error = await alice.invite({ to, from, signal: controller.signal, onProgress: () => controller.abort() }).catch((e: unknown) => e);
    await incoming;
    assert.ok(error instanceof CallError && error.code === 'ABORT_ERR', String(error));
    void offered().then((inc) => inc.reject(486, 'Busy Here'));
    const rejected = await alice.invite({ to, from, sdp: sdp('alice', 10000) }).catch((e: unknown) => e);
    assert.ok(rejected instanceof CallError && rejected.statusCode === 486, String(rejected));
  }
  // 5. A call still up when both contexts close.
  {
    const { a, b } = await establish();
    await alice.close();
    assert.deepEqual(a.endedWith, { by: 'local', reason: 'closed', statusCode: 0 });
    await bob.close();
    assert.deepEqual(b.endedWith, { by: 'local', reason: 'closed', statusCode: 0 });
  }
}

let coin = 0;
const rngCoin = (): boolean => ++coin % 2 === 0;

// No process.exit(): the process ends when the event loop is empty, with two
// unref'd contexts still open, so the addon's environment teardown runs.
main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
