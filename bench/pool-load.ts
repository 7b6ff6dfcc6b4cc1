/**
 * ContextPool under load, driven by bench/run.ts over stdin/stdout (one JSON
 * object per command):
 *
 *   node --import tsx --expose-gc bench/pool-load.ts --proxy URI [--per 90]
 *
 *   reg N BASE          register loadBASE..load(BASE+N-1)@example.com (password
 *                       loadpw, per-registration credentials) all at once through
 *                       one pool; they stay registered → regMs, RSS, ports
 *   unreg               unregister everything `reg` registered, all at once → unregMs
 *   cycles TOTAL BATCH  TOTAL register/unregister cycles, BATCH at a time, RSS
 *                       after each batch → samples
 *   contexts K          RSS of K idle contexts (a fixed-size pool, opened) → per context
 *   quit                close the pool and exit
 */
import * as readline from 'node:readline';
import { ContextPool, type Registration } from '../dist/lib/index';

const argv = process.argv.slice(2);
const opt = (name: string, fallback?: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const proxy = opt('proxy')!;
const per = Number(opt('per', '90'));

const kb = (bytes: number): number => Math.round(bytes / 1024);
const rssKb = (): number => kb(process.memoryUsage.rss());
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

let pool = new ContextPool({ listen: { address: '127.0.0.1' }, userAgent: 'exosip2-bench/1.0', maxPerContext: per });
let held: Registration[] = [];

async function register(n: number, base: number): Promise<Registration[]> {
  return Promise.all(
    Array.from({ length: n }, (_, i) =>
      pool.register({
        from: `sip:load${base + i}@example.com`,
        proxy,
        expires: 3600,
        auth: { username: `load${base + i}`, password: 'loadpw', realm: 'example.com' },
      }),
    ),
  );
}

async function command(line: string): Promise<unknown> {
  const [cmd, a, b] = line.trim().split(/\s+/);
  if (cmd === 'reg') {
    const n = Number(a);
    const rssBeforeKb = rssKb();
    const contextsBefore = pool.contexts.length;
    const t0 = process.hrtime.bigint();
    held = await register(n, Number(b));
    const t1 = process.hrtime.bigint();
    return {
      n,
      regMs: Number(t1 - t0) / 1e6,
      rssBeforeKb,
      rssHeldKb: rssKb(),
      contextsOpened: pool.contexts.length - contextsBefore,
      contexts: pool.contexts.length,
      maxPerContext: Math.max(...pool.contexts.map((c) => c.registrations.size)),
      ports: pool.addresses.map((x) => x.port),
    };
  }
  if (cmd === 'unreg') {
    const t0 = process.hrtime.bigint();
    await Promise.all(held.map((r) => r.unregister()));
    const t1 = process.hrtime.bigint();
    const n = held.length;
    held = [];
    return { n, unregMs: Number(t1 - t0) / 1e6, left: pool.size, rssKb: rssKb() };
  }
  if (cmd === 'cycles') {
    const total = Number(a);
    const batch = Number(b);
    const samples: Array<Record<string, number>> = [];
    const t0 = process.hrtime.bigint();
    gc();
    samples.push({ cycles: 0, rssKb: rssKb(), heapUsedKb: kb(process.memoryUsage().heapUsed), externalKb: kb(process.memoryUsage().external) });
    for (let done = 0; done < total; ) {
      const n = Math.min(batch, total - done);
      const regs = await register(n, 0);
      await Promise.all(regs.map((r) => r.unregister()));
      done += n;
      const m = process.memoryUsage();
      samples.push({ cycles: done, rssKb: kb(m.rss), heapUsedKb: kb(m.heapUsed), externalKb: kb(m.external) });
    }
    const t1 = process.hrtime.bigint();
    gc();
    await new Promise((resolve) => setTimeout(resolve, 200));
    gc();
    return { total, batch, ms: Number(t1 - t0) / 1e6, samples, rssAfterGcKb: rssKb(), contexts: pool.contexts.length };
  }
  if (cmd === 'contexts') {
    const k = Number(a);
    await pool.close();
    gc();
    const before = rssKb();
    pool = new ContextPool({ size: k, listen: { address: '127.0.0.1' } });
    await pool.open();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const after = rssKb();
    const cpu0 = process.cpuUsage();
    const w0 = process.hrtime.bigint();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const cpu = process.cpuUsage(cpu0);
    const wall = Number(process.hrtime.bigint() - w0) / 1e3;
    return { k, rssPerContextKb: (after - before) / k, idleCpuPercent: ((cpu.user + cpu.system) / wall) * 100 };
  }
  return { error: `bad command ${line}` };
}

async function main(): Promise<void> {
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (line.trim() === 'quit') break;
    try {
      console.log(JSON.stringify(await command(line)));
    } catch (error) {
      console.log(JSON.stringify({ error: String((error as Error)?.stack ?? error) }));
    }
  }
  lines.close();
  await pool.close();
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
