import { writeHeapSnapshot, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Context, type Registration } from './lib/index';
import { startKamailio } from './test/helpers/kamailio';
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
async function main() {
  const kam = await startKamailio({ minExpires: 30 });
  const ctxs: Context[] = []; const regs: Registration[] = [];
  let refreshed = 0;
  for (let c = 0; c < 3; c++) { const ctx = new Context(); await ctx.listen({ address: '127.0.0.1' }); ctxs.push(ctx); }
  for (let i = 0; i < 240; i++) {
    const ctx = ctxs[i % 3]; const u = `load${3000 + i}`;
    ctx.addAuthenticationInfo({ username: u, password: 'loadpw', realm: 'example.com' });
    const r = await ctx.register({ from: `sip:${u}@example.com`, proxy: kam.proxy, expires: 30 });
    r.on('refreshed', () => refreshed++); regs.push(r);
  }
  const snap = (name: string) => { gc(); gc(); const m = process.memoryUsage(); console.log(name, 'refreshed', refreshed, 'heapUsed', (m.heapUsed/1e6).toFixed(2), 'rss', (m.rss/1e6).toFixed(1)); writeHeapSnapshot(`/tmp/exp/${name}.heapsnapshot`); };
  await new Promise((r) => setTimeout(r, 60000)); snap('h1');
  await new Promise((r) => setTimeout(r, 150000)); snap('h2');
  for (const c of ctxs) await c.close(); await kam.stop();
}
main();
