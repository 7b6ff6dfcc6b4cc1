import * as dgram from 'node:dgram';
import { Context } from './lib/index';
import { Rng } from './test/helpers/prng';
import { crashesExosip, hostileCorpus } from './test/helpers/torture';
async function main() {
  const rng = new Rng(Number(process.env.SEED ?? 4475));
  if (process.env.WORKLOAD) for (let i = 0; i < 49; i++) hostileCorpus(rng, { perMessage: 1, random: 0 });
  const all = process.env.CORPUS ? (JSON.parse(require('node:fs').readFileSync(process.env.CORPUS, 'utf8')) as string[]).map((b) => Buffer.from(b, 'base64')) : hostileCorpus(rng, { perMessage: 1, random: 50 }).filter((x) => !crashesExosip(x));
  const [lo, hi] = (process.env.RANGE ?? `0-${all.length}`).split('-').map(Number);
  if (process.env.COUNT) { console.log(all.length); return; }
  const ctx = new Context(process.env.LOG ? { logger: () => undefined, logLevel: 7 } : {});
  await ctx.listen({ address: '127.0.0.1' });
  if (process.env.TRACE) { ctx.setTrace(true); ctx.on('trace', () => undefined); }
  const peer = dgram.createSocket('udp4');
  await new Promise<void>((r) => peer.bind(0, '127.0.0.1', r));
  for (const d of all.slice(lo, hi)) await new Promise<void>((r) => peer.send(d, ctx.address!.port, '127.0.0.1', () => r()));
  if (process.env.DUMP) require('node:fs').writeFileSync(process.env.DUMP, Buffer.concat(all.slice(lo, hi).map((d) => Buffer.concat([d, Buffer.from('\n=====\n')]))));
  await new Promise((r) => setTimeout(r, Number(process.env.WAIT ?? 500)));
  peer.close();
  await ctx.close();
}
main();
