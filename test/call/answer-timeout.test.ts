/**
 * An answer() whose ACK comes after its timeoutMs: answer() rejects
 * ERR_CALL_TIMEOUT, and the late ACK gets a BYE at once (RFC 3261 §15: the
 * callee may send it once the ACK came), so the caller is not left with a
 * call nobody here holds. The caller is a raw UDP socket, to send the ACK
 * late.
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import { test } from 'node:test';
import { Context, type IncomingCall } from '../../lib/index';

const SDP = 'v=0\r\no=raw 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 30700 RTP/AVP 0\r\n';

/** Resolves with the first datagram on `sock` that `match` accepts; rejects after `ms`. */
function next(sock: dgram.Socket, match: (text: string) => boolean, ms: number, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const onMessage = (msg: Buffer): void => {
      const text = msg.toString('latin1');
      if (!match(text)) return;
      clearTimeout(timer);
      sock.off('message', onMessage);
      resolve(text);
    };
    const timer = setTimeout(() => {
      sock.off('message', onMessage);
      reject(new Error(`no ${what} within ${ms} ms`));
    }, ms);
    sock.on('message', onMessage);
  });
}

test('answer({ timeoutMs: 500 }) with the ACK 1.5 s late: answer() rejects ERR_CALL_TIMEOUT, the late ACK gets a BYE at once', { timeout: 30_000 }, async () => {
  const ctx = new Context({ userAgent: 'exosip2-test/1.0' });
  const sock = dgram.createSocket('udp4');
  try {
    await ctx.listen({ address: '127.0.0.1' });
    sock.bind(0, '127.0.0.1');
    await once(sock, 'listening');
    const port = sock.address().port;
    const target = ctx.address!.port;
    const answered = new Promise<string>((resolve) => {
      ctx.on('call', (incoming: IncomingCall) => {
        incoming.answer({ sdp: SDP, timeoutMs: 500 }).then(
          () => resolve('resolved'),
          (e: { code?: string }) => resolve(String(e.code)),
        );
      });
    });
    const callId = randomBytes(8).toString('hex');
    const fromTag = randomBytes(4).toString('hex');
    const invite = [
      `INVITE sip:bob@127.0.0.1:${target} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${port};rport;branch=z9hG4bK${randomBytes(8).toString('hex')}`,
      'Max-Forwards: 70',
      `From: <sip:raw@127.0.0.1:${port}>;tag=${fromTag}`,
      `To: <sip:bob@127.0.0.1:${target}>`,
      `Call-ID: ${callId}`,
      'CSeq: 1 INVITE',
      `Contact: <sip:raw@127.0.0.1:${port}>`,
      'Content-Type: application/sdp',
      `Content-Length: ${Buffer.byteLength(SDP)}`,
      '',
      SDP,
    ].join('\r\n');
    const ok = next(sock, (t) => t.startsWith('SIP/2.0 200') && t.includes(callId), 5000, '200 to the INVITE');
    sock.send(invite, target, '127.0.0.1');
    const twoHundred = await ok;
    assert.equal(await answered, 'ERR_CALL_TIMEOUT');
    await new Promise((r) => setTimeout(r, 1000));
    const toLine = /^To:.*$/im.exec(twoHundred)![0];
    const ack = [
      `ACK sip:bob@127.0.0.1:${target} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${port};rport;branch=z9hG4bK${randomBytes(8).toString('hex')}`,
      'Max-Forwards: 70',
      `From: <sip:raw@127.0.0.1:${port}>;tag=${fromTag}`,
      toLine,
      `Call-ID: ${callId}`,
      'CSeq: 1 ACK',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    const bye = next(sock, (t) => t.startsWith('BYE ') && t.includes(callId), 3000, 'BYE after the late ACK');
    sock.send(ack, target, '127.0.0.1');
    assert.match(await bye, new RegExp(`^BYE sip:raw@127\\.0\\.0\\.1:${port}`));
  } finally {
    sock.close();
    await ctx.close();
  }
});
