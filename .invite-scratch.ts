import * as dgram from 'node:dgram';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Context } from './lib/index';
import { tortureMessages } from './test/helpers/torture';
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
async function main() {
  const n = Number(process.argv[2] ?? 2000);
  const waitS = Number(process.argv[3] ?? 60);
  const raw = process.env.NORMAL ? 'INVITE sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=390skdjuw\r\nMax-Forwards: 70\r\nFrom: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\nCall-ID: wsinv.ndaksdj@192.0.2.1\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@127.0.0.1:5999>\r\nContent-Length: 0\r\n\r\n' : tortureMessages().find((m) => m.name === 'wsinv')!.raw.toString('latin1');
  const ctx = new Context();
  await ctx.listen({ address: '127.0.0.1' });
  let events = 0; const types: Record<string, number> = {};
  ctx.on('event', (e) => { events++; types[e.type] = (types[e.type] ?? 0) + 1; });
  const peer = dgram.createSocket('udp4');
  await new Promise<void>((r) => peer.bind(0, '127.0.0.1', r));
  const rss = () => { gc(); return Math.round(process.memoryUsage().rss / 1e5) / 10; };
  await new Promise((r) => setTimeout(r, 1000));
  const r0 = rss();
  for (let i = 0; i < n; i++) {
    const d = raw.replace('wsinv.ndaksdj@192.0.2.1', `wsinv.${i}@192.0.2.1`).replace('branch=390skdjuw', `branch=390skdjuw${i}`);
    await new Promise<void>((r) => peer.send(d, ctx.address!.port, '127.0.0.1', () => r()));
    if (i % 100 === 99) await new Promise((r) => setTimeout(r, 20));
  }
  const r1 = rss();
  for (let s = 0; s < waitS; s += 15) { await new Promise((r) => setTimeout(r, 15000)); console.log(`t+${s + 15}s rss ${rss()} MB`); }
  console.log(JSON.stringify({ n, r0, afterSend: r1, end: rss(), events, types }));
  peer.close(); await ctx.close();
}
main();
