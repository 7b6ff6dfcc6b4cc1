/**
 * `npm run bench:quick`: the two headline figures of `npm run bench` in under a
 * minute, for a check after a change (issue #15). Not a substitute for the
 * full run: few rounds, a noisy shared machine.
 *
 *  1. One context, N = 100 authenticated REGISTERs then unregistrations: the C
 *     reference (bench/ref/reg.c, compiled here) and exosip2 (bench/binding-reg.ts)
 *     taking turns round by round; the paired median of C time / exosip2 time
 *     (1.00 = as fast as C) and both programs' CPU per registration cycle.
 *  2. 10,000 authenticated registrations through a ContextPool
 *     (bench/pool-load.ts), registered then unregistered: registrations/s.
 *
 * Environment: QUICK_ROUNDS (section 1 rounds after 2 warm-up rounds, default 8).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startKamailio } from '../test/helpers/kamailio';
import { median } from './report';
import { Server } from './server';

const ROOT = path.resolve(__dirname, '..');
const ROUNDS = Number(process.env.QUICK_ROUNDS ?? 8);
const WARMUP = 2;
const N = 100;

type Round = { regMs: number; unregMs: number; cpuUs: number; mainCpuUs: number; threadsUs?: Record<string, number> };

async function main(): Promise<void> {
  const started = Date.now();
  const build = fs.mkdtempSync(path.join(os.tmpdir(), 'exosip2-quick-'));
  const reg = path.join(build, 'reg');
  execFileSync(process.env.CC ?? 'cc', ['-O2', '-Wall', '-o', reg, 'bench/ref/reg.c', '-leXosip2', '-losip2', '-losipparser2', '-lpthread'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  const kam = await startKamailio({ udpChildren: 4, shmMb: 256, pkgMb: 64 });
  const servers: Server[] = [];
  try {
    const c = new Server('C', reg, ['serve', '--proxy', kam.proxy]);
    const b = new Server('exosip2', process.execPath, ['--import', 'tsx', 'bench/binding-reg.ts', 'serve', '--proxy', kam.proxy]);
    servers.push(c, b);
    const rounds: Array<{ c: Round; b: Round }> = [];
    for (let r = 0; r < WARMUP + ROUNDS; r++) {
      // Alternate who goes first, as bench/run.ts rotates.
      const first = r % 2 === 0 ? c : b;
      const second = first === c ? b : c;
      const x = await first.call<Round>(`reg ${N} 0`);
      const y = await second.call<Round>(`reg ${N} 0`);
      if (r >= WARMUP) rounds.push(first === c ? { c: x, b: y } : { c: y, b: x });
    }
    await Promise.all([c.close(), b.close()]);
    const ratio = median(rounds.map((p) => (p.c.regMs + p.c.unregMs) / (p.b.regMs + p.b.unregMs)));
    const cCpu = median(rounds.map((p) => p.c.cpuUs / N));
    const bCpu = median(rounds.map((p) => p.b.cpuUs / N));
    const cMain = median(rounds.map((p) => p.c.mainCpuUs / N));
    const bThread = (kind: string): string => median(rounds.map((p) => (p.b.threadsUs?.[kind] ?? NaN) / N)).toFixed(0);

    const pool = new Server('pool', process.execPath, ['--import', 'tsx', '--expose-gc', 'bench/pool-load.ts', '--proxy', kam.proxy]);
    servers.push(pool);
    const regd = await pool.call<{ regMs: number; contexts: number }>('reg 10000 0');
    const unregd = await pool.call<{ unregMs: number; left: number }>('unreg');
    await pool.close();

    const lines = [
      `one context, N = ${N}, ${ROUNDS} rounds: exosip2/C throughput ${ratio.toFixed(2)}× (paired median; 1.00 = as fast as C)`,
      `  CPU per registration cycle: C ${cCpu.toFixed(0)} µs, exosip2 ${bCpu.toFixed(0)} µs (${(bCpu / cCpu).toFixed(2)}× C)`,
      `    by thread: C loop ${cMain.toFixed(0)}, eXosip's ${(cCpu - cMain).toFixed(0)}; exosip2 JS ${bThread('js')}, worker ${bThread('worker')}, ` +
        `eXosip's ${bThread('exosip')}, V8/libuv ${bThread('other')} µs`,
      `pool, 10,000 authenticated registrations (${regd.contexts} contexts, cold): ${((10000 / regd.regMs) * 1000).toFixed(0)} reg/s, ` +
        `${((10000 / unregd.unregMs) * 1000).toFixed(0)} unreg/s, ${unregd.left} left`,
      `(${((Date.now() - started) / 1000).toFixed(0)} s; load average ${os.loadavg().map((l) => l.toFixed(2)).join(', ')}: the machine is shared, figures are noisy)`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await Promise.all(servers.map((s) => s.close().catch(() => undefined)));
    await kam.stop();
    fs.rmSync(build, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
