/**
 * What a request nobody answers holds (issue #13): a UDP peer sends N MESSAGEs
 * (each its own transaction) to one context; the process's RSS and eXosip's
 * own count of transactions (`ctx.statistics().transactions`,
 * `EXOSIP_OPT_GET_STATISTICS`) are read before, once all arrived, and after
 * 40 s, when the answered ones' Timer J (32 s) has run out.
 *
 *   node --import tsx --expose-gc bench/unanswered.ts [--requests 3000] [--mode default|none]
 *
 * `--mode default`: the context's default answer (`defaultAnswerMs`, 2000 ms:
 * 405 with Allow). `--mode none`: `defaultAnswerMs: null`, eXosip's own
 * behaviour, where each unanswered request keeps its server transaction until
 * eXosip's 3-minute sweep.
 *
 * Prints one JSON object: `transactions` (before / after arrival / after the
 * answers), `rssMb` (same), `rssKbPerRequest` (growth at arrival / N), and
 * `answered` (final answers the peer got).
 */
import * as dgram from 'node:dgram';
import { Context } from '../dist/lib/index';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const N = Number(arg('requests', '3000'));
const MODE = arg('mode', 'default');
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function rssMb(): number {
  gc();
  return Math.round(process.memoryUsage().rss / 1e5) / 10;
}

async function main(): Promise<void> {
  const ctx = new Context({ defaultAnswerMs: MODE === 'none' ? null : 2000 });
  await ctx.listen({ address: '127.0.0.1' });
  const peer = dgram.createSocket('udp4');
  await new Promise<void>((r) => peer.bind(0, '127.0.0.1', r));
  let answered = 0;
  peer.on('message', (m) => {
    if (!m.toString('latin1', 0, 10).startsWith('SIP/2.0 1')) answered++;
  });
  const port = ctx.address!.port;
  const me = peer.address().port;
  await sleep(500);
  const before = { tx: ctx.statistics().transactions, rss: rssMb() };
  for (let i = 0; i < N; i++) {
    const msg =
      `MESSAGE sip:ctx@127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${me};branch=z9hG4bKu${i}\r\nMax-Forwards: 70\r\n` +
      `To: <sip:ctx@127.0.0.1>\r\nFrom: <sip:peer@127.0.0.1>;tag=f${i}\r\nCall-ID: unanswered${i}@127.0.0.1\r\nCSeq: 1 MESSAGE\r\n` +
      `Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello`;
    await new Promise<void>((r) => peer.send(msg, port, '127.0.0.1', () => r()));
    if (i % 100 === 99) await sleep(20); // within the socket buffers: every request arrives
  }
  await sleep(500);
  const arrived = { tx: ctx.statistics().transactions, rss: rssMb() };
  // The default answer goes out after 2 s; an answered server transaction
  // then lingers Timer J (64*T1 = 32 s over UDP, RFC 3261 §17.2.2) before
  // eXosip frees it. An unanswered one stays until eXosip's 3-minute sweep.
  await sleep(40_000);
  const after = { tx: ctx.statistics().transactions, rss: rssMb() };
  console.log(JSON.stringify({
    mode: MODE,
    requests: N,
    transactions: [before.tx, arrived.tx, after.tx],
    rssMb: [before.rss, arrived.rss, after.rss],
    rssKbPerRequest: Math.round(((arrived.rss - before.rss) * 1024 * 10) / N) / 10,
    answered,
  }));
  peer.close();
  await ctx.close();
}
void main();
