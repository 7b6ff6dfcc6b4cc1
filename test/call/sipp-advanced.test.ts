/**
 * The Call API against SIPp for what eXosip 5.3.0 leaves to the application
 * or does on its own (lib/call/early.ts): reliable provisional responses
 * (RFC 3262), an INVITE requiring an extension, re-INVITE glare (491),
 * redirects (3xx), forked 2xx, session timers (RFC 4028: 422 Min-SE) and
 * requests in the early dialog.
 */
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import type { Call, CallProgress, Context, IncomingCall } from '../../lib/index';
import { CallError, RequestError } from '../../lib/index';
import { sdp, useSippCalls } from '../helpers/calls';
import { explainSipp, type SippResult } from '../helpers/sipp';

const { context, sipp } = useSippCalls();

/** SIPp ran its scenario as written and counted one successful call. */
function succeeded(r: SippResult): void {
  assert.equal(r.exitCode, 0, explainSipp(r));
  assert.deepEqual([r.successful, r.failed], [1, 0], explainSipp(r));
}

const methods = (r: SippResult): string[] => r.received.map((m) => m.split(' ')[0]);

async function invite(ctx: Context, peer: { port: number }, extra: { onProgress?: (p: CallProgress) => void; headers?: [string, string][]; signal?: AbortSignal } = {}): Promise<Call> {
  return ctx.invite({ to: `sip:sipp@127.0.0.1:${peer.port}`, from: `sip:ctx@127.0.0.1:${ctx.address!.port}`, sdp: sdp('ctx', 30500), ...extra });
}

describe('Call against SIPp: reliable provisional responses (RFC 3262)', () => {
  test('a reliable 183 with early SDP: invite() advertises 100rel, PRACKs it (RAck 1 <CSeq> INVITE), reports it once, and the call completes', { timeout: 30_000 }, async () => {
    const ctx = await context();
    const peer = await sipp('uas-100rel.xml', { timeoutS: 20 });
    const progress: CallProgress[] = [];
    const call = await invite(ctx, peer, { onProgress: (p) => progress.push(p) });
    assert.deepEqual(progress.map((p) => [p.statusCode, p.response.getHeader('rseq')]), [[183, '1']]);
    assert.match(progress[0].sdp ?? '', /^m=audio 40100 RTP\/AVP 0\r$/m);
    assert.match(call.remoteSdp ?? '', /^s=answer\r\n[^]*^m=audio 40200 RTP\/AVP 0\r$/m);
    await call.hangup();
    const r = await peer.done;
    succeeded(r);
    assert.deepEqual(methods(r), ['INVITE', 'PRACK', 'ACK', 'BYE']);
    assert.match(r.received[0], /^Supported: *100rel\s*$/im);
    assert.match(r.log, /^rack= *1 \d+ INVITE\s*$/m);
  });

  test('an INVITE that requires 100rel is refused with 420 Bad Extension (Unsupported: 100rel) before it is offered', { timeout: 30_000 }, async () => {
    const ctx = await context();
    const offered: IncomingCall[] = [];
    ctx.on('call', (incoming) => offered.push(incoming));
    const peer = await sipp('uac-require.xml', { remote: `127.0.0.1:${ctx.address!.port}`, keys: { require: '100rel' }, timeoutS: 20 });
    const r = await peer.done;
    succeeded(r);
    assert.match(r.log, /^unsupported= *100rel\s*$/m);
    assert.deepEqual(offered, []);
  });
});

describe('Call against SIPp: redirects (3xx)', () => {
  test('302 with a Contact: eXosip sends the INVITE there, invite() resolves with the call the target answered', { timeout: 30_000 }, async () => {
    const ctx = await context();
    const target = await sipp({ builtin: 'uas' }, { timeoutS: 20 });
    const redirector = await sipp('uas-302.xml', { keys: { target: `sip:bob@127.0.0.1:${target.port}` }, timeoutS: 20 });
    const call = await invite(ctx, redirector);
    assert.match(call.remoteSdp ?? '', /^m=audio \d+ RTP\/AVP 0\r$/m);
    await call.hangup();
    const [r, t] = await Promise.all([redirector.done, target.done]);
    succeeded(r);
    succeeded(t);
    assert.deepEqual(methods(r), ['INVITE', 'ACK']);
    assert.deepEqual(methods(t), ['INVITE', 'ACK', 'BYE']);
    assert.match(t.received[0], new RegExp(`^INVITE sip:bob@127\\.0\\.0\\.1:${target.port} SIP/2\\.0`));
  });

  test('a redirect loop: after 3 redirects followed the 4th 302 rejects invite() (CallError with the 302 and its Contact); the INVITE eXosip already sent is cancelled', { timeout: 30_000 }, async () => {
    const ctx = await context();
    const peer = await sipp('uas-302-loop.xml', { timeoutS: 20 });
    const error = await invite(ctx, peer).catch((e: unknown) => e);
    assert.ok(error instanceof CallError, String(error));
    assert.deepEqual([error.code, error.statusCode, error.reason], ['ERR_CALL_REJECTED', 302, 'Moved Temporarily']);
    assert.deepEqual(error.response?.contacts.map((c) => c.replace(/\s/g, '')), [`<sip:sipp@127.0.0.1:${peer.port}>`]);
    const r = await peer.done;
    succeeded(r);
    assert.deepEqual(methods(r), ['INVITE', 'ACK', 'INVITE', 'ACK', 'INVITE', 'ACK', 'INVITE', 'ACK', 'INVITE', 'CANCEL', 'ACK']);
  });
});

describe('Call against SIPp: forked 2xx (RFC 3261 §13.2.2.4)', () => {
  // eXosip 5.3.0 ACKs and BYEs a 2xx with another To tag itself (udp.c: a 2xx out of transaction), before or after our ACK.
  const cases = [
    ['uas-fork.xml', 'the second after our ACK'],
    ['uas-fork-fast.xml', 'back to back (our JS thread busy on the 180 until both are in)'],
  ] as const;
  for (const [scenario, when] of cases) {
    test(`two 200s with different To tags, ${when}: the Call is the first dialog; the second is ACKed then ended with BYE; hangup() ends the first`, { timeout: 30_000 }, async () => {
      const ctx = await context();
      const peer = await sipp(scenario, { timeoutS: 20 });
      const busy = (): void => {
        const end = Date.now() + 300;
        while (Date.now() < end);
      };
      const call = await invite(ctx, peer, { onProgress: busy });
      const ends: string[] = [];
      call.on('ended', (end) => ends.push(end.reason));
      assert.match(call.remoteSdp ?? '', /^s=branch-a\r$/m);
      const byeB = await waitFor(() => peer.receivedSoFar().some((m) => m.startsWith('BYE ')), 10_000);
      assert.ok(byeB, 'SIPp got the BYE of the second dialog');
      assert.equal(call.state, 'confirmed');
      await call.hangup();
      const r = await peer.done;
      succeeded(r);
      assert.deepEqual(methods(r).sort(), ['ACK', 'ACK', 'BYE', 'BYE', 'INVITE']);
      const tags = (kind: string): string[] => [...r.log.matchAll(new RegExp(`^${kind}=tag=(Branch[AB])`, 'gm'))].map((m) => m[1]);
      assert.deepEqual(tags('ack').sort(), ['BranchA', 'BranchB']);
      assert.deepEqual(tags('bye'), ['BranchB', 'BranchA']);
      assert.deepEqual(ends, ['hangup']);
    });
  }
});

describe('Call against SIPp: a 2xx after the wait gave up', () => {
  test('aborted on the 180: CANCEL goes, the 200 that crosses it is ACKed then ended with BYE (RFC 3261 §9.1, §15)', { timeout: 30_000 }, async () => {
    const ctx = await context();
    const peer = await sipp('uas-cancel-200.xml', { timeoutS: 20 });
    const ac = new AbortController();
    const error = await invite(ctx, peer, { onProgress: () => ac.abort(), signal: ac.signal }).catch((e: unknown) => e);
    assert.ok(error instanceof CallError, String(error));
    assert.equal(error.code, 'ABORT_ERR');
    const r = await peer.done;
    succeeded(r);
    assert.deepEqual(methods(r), ['INVITE', 'CANCEL', 'ACK', 'BYE']);
  });
});

describe('Call against SIPp: session refresh (RFC 4028 §7.4)', () => {
  test('refresher=uac in the 200: eXosip re-INVITEs half-way through the 90 s interval, without SDP; the binding ACKs its 2xx with our SDP as the answer; remoteSdp becomes the offer', { timeout: 90_000 }, async () => {
    const ctx = await context();
    const peer = await sipp('uas-session-refresh.xml', { timeoutS: 85 });
    const call = await invite(ctx, peer, { headers: [['Session-Expires', '90'], ['Supported', 'timer']] });
    const started = Date.now();
    const ends: string[] = [];
    call.on('ended', (end) => ends.push(end.reason));
    const refreshed = await waitFor(() => peer.receivedSoFar().filter((m) => m.startsWith('ACK ')).length === 2, 70_000);
    const elapsed = Date.now() - started;
    assert.ok(refreshed, 'SIPp got the refresh re-INVITE and its ACK');
    assert.ok(elapsed >= 40_000 && elapsed < 60_000, `refreshed after ${elapsed} ms`);
    const refresh = peer.receivedSoFar()[2];
    assert.match(refresh, /^INVITE /);
    assert.match(refresh, /^Content-Length: *0\s*$/im);
    assert.match(call.remoteSdp ?? '', /^s=refresh\r$/m);
    assert.equal(call.localSdp, sdp('ctx', 30500));
    assert.equal(call.state, 'confirmed');
    await call.hangup();
    const r = await peer.done;
    succeeded(r);
    assert.deepEqual(methods(r), ['INVITE', 'ACK', 'INVITE', 'ACK', 'BYE']);
    assert.match(r.log, /^refresh= *90;refresher=uac\s*$/m);
    assert.match(r.log, /^ack_answer=m=audio 30500\s*$/m);
    assert.deepEqual(ends, ['hangup']);
  });
});

describe('Call against SIPp: re-INVITE glare (491)', () => {
  test("SIPp re-INVITEs while ours waits: eXosip answers its INVITE 491; SIPp answers ours 491, reinvite() rejects with it; the call stays with its SDPs", { timeout: 30_000 }, async () => {
    const ctx = await context();
    const peer = await sipp('uas-glare.xml', { timeoutS: 20 });
    const call = await invite(ctx, peer);
    const requests: string[] = [];
    call.on('request', (req) => requests.push(req.method));
    const [local, remote] = [call.localSdp, call.remoteSdp];
    const error = await call.reinvite({ sdp: sdp('ctx', 30600) }).catch((e: unknown) => e);
    assert.ok(error instanceof RequestError, String(error));
    assert.deepEqual([error.code, error.statusCode, error.reason], ['ERR_REQUEST_REJECTED', 491, 'Request Pending']);
    assert.deepEqual([call.state, call.localSdp, call.remoteSdp], ['confirmed', local, remote]);
    await call.hangup();
    const r = await peer.done;
    succeeded(r);
    // The ACKs: of the 200, then of SIPp's 491 (eXosip's INVITE client transaction); SIPp's scenario checks the 491 it got.
    assert.deepEqual(methods(r), ['INVITE', 'ACK', 'INVITE', 'ACK', 'BYE']);
    assert.deepEqual(requests, []);
  });
});

describe('Call against SIPp: session timers (RFC 4028)', () => {
  test('422 with Min-SE: eXosip resends the INVITE with Session-Expires and Min-SE raised to 1800; invite() waits for that answer', { timeout: 30_000 }, async () => {
    const ctx = await context();
    const peer = await sipp('uas-422.xml', { timeoutS: 20 });
    const call = await invite(ctx, peer, { headers: [['Session-Expires', '90'], ['Supported', 'timer']] });
    assert.match(call.remoteSdp ?? '', /^s=answer\r$/m);
    await call.hangup();
    const r = await peer.done;
    succeeded(r);
    assert.deepEqual(methods(r), ['INVITE', 'ACK', 'INVITE', 'ACK', 'BYE']);
    assert.match(r.log, /^first_session_expires= *90\s*$/m);
    assert.match(r.log, /^second_session_expires= *1800 min_se= *1800\s*$/m);
  });
});

describe('Call against SIPp: requests in the early dialog', () => {
  test('INFO and UPDATE after our 180, before the 200: no Call to emit them on yet, so each gets the default answer (INFO 200, UPDATE with SDP 488); the call then completes', { timeout: 30_000 }, async () => {
    const ctx = await context();
    ctx.setTrace(true);
    const early: string[] = [];
    ctx.on('event', (ev) => ev.type === 'EXOSIP_CALL_MESSAGE_NEW' && ev.request !== null && early.push(ev.request.method ?? ''));
    const refused = new Promise<void>((resolve) => ctx.on('trace', (t) => t.direction === 'out' && t.text.startsWith('SIP/2.0 488 ') && resolve()));
    const answered = new Promise<Call>((resolve, reject) => {
      ctx.on('call', (incoming) => {
        incoming.ringing();
        void refused.then(() => incoming.answer({ sdp: sdp('ctx', 30500) })).then(resolve, reject);
      });
    });
    const peer = await sipp('uac-early-requests.xml', { remote: `127.0.0.1:${ctx.address!.port}`, timeoutS: 20 });
    const call = await answered;
    assert.match(call.remoteSdp ?? '', /^s=offer\r$/m, 'the INVITE\'s offer, not the refused UPDATE\'s');
    const r = await peer.done;
    succeeded(r);
    assert.deepEqual(early.filter((m) => m !== 'BYE'), ['INFO', 'UPDATE']);
    assert.deepEqual(methods(r), []);
    assert.equal(call.state, 'ended');
  });
});

describe('Between two of our contexts', () => {
  const call = async (headers: [string, string][], answerHeaders: [string, string][] = []): Promise<{ alice: Context; placing: Promise<Call>; offered: IncomingCall[]; answered: Promise<Call>[] }> => {
    const alice = await context();
    const bob = await context();
    const offered: IncomingCall[] = [];
    const answered: Promise<Call>[] = [];
    bob.on('call', (incoming) => {
      offered.push(incoming);
      answered.push(incoming.answer({ sdp: sdp('bob', 20500), headers: answerHeaders }));
    });
    const placing = alice.invite({ to: `sip:bob@127.0.0.1:${bob.address!.port}`, from: `sip:alice@127.0.0.1:${alice.address!.port}`, sdp: sdp('alice', 10500), headers });
    return { alice, placing, offered, answered };
  };

  test("alice's INVITE requires 100rel: bob's context refuses it 420 with Unsupported: 100rel, never offered; alice's invite() rejects with it", { timeout: 20_000 }, async () => {
    const { placing, offered } = await call([['Require', '100rel']]);
    const error = await placing.catch((e: unknown) => e);
    assert.ok(error instanceof CallError, String(error));
    assert.deepEqual([error.code, error.statusCode, error.response?.getHeader('unsupported')], ['ERR_CALL_REJECTED', 420, '100rel']);
    assert.deepEqual(offered, []);
  });

  test("alice asks for a session timer (Session-Expires: 90, Supported: timer), bob answers with Supported: timer: bob's eXosip adds Session-Expires 90;refresher=uas and Require: timer to his 200", { timeout: 20_000 }, async () => {
    const { alice, placing, offered, answered } = await call([['Session-Expires', '90'], ['Supported', 'timer']], [['Supported', 'timer']]);
    const answers: string[][] = [];
    alice.on('event', (ev) => ev.type === 'EXOSIP_CALL_ANSWERED' && ev.response !== null && answers.push([ev.response.getHeader('session-expires') ?? '', ev.response.getHeader('require') ?? '']));
    const a = await placing;
    assert.equal(offered.length, 1);
    const b = await answered[0];
    assert.equal(b.state, 'confirmed');
    assert.deepEqual(offered[0].request.getHeaders('supported'), ['timer', '100rel']);
    assert.deepEqual(answers, [['90;refresher=uas', 'timer']]);
    await a.hangup();
  });
});

/** Polls `check` every 50 ms until true (→ true) or `ms` passed (→ false). */
async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}
