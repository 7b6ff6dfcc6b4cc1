/**
 * What open idle contexts cost (issue #15): K contexts, each listening on its
 * own loopback UDP port with nothing to do, then the process's CPU time over a
 * window, from /proc.
 *
 *   node --import tsx bench/idle.ts [--contexts 1000] [--seconds 30] [--settle 10] [--registered]
 *
 * With `--registered`, each context first registers once (expires 3600) with
 * a loopback registrar in this process (test/helpers/udp-registrar.ts) and
 * holds it: eXosip then has a refresh timer to watch, and the context's worker
 * wakes once a second for it. Without it, the contexts never did anything and
 * their workers sleep until something wakes them. The settle time lets Node's
 * start-up work (JIT, GC of the loader) end before the window.
 *
 * Prints one JSON object: `cpuPercent` (utime + stime of the whole process from
 * /proc/self/stat over the window, as % of one core), `schedPercent` (the same
 * from the sum of /proc/self/task/* /schedstat, ns resolution), `wakeupsPerSecond`
 * (voluntary context switches of all threads per second: how often threads
 * sleep and wake), `threads`, and `schedPercentByThread` (the JS thread, eXosip's
 * threads, the workers and V8's).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { Context } from '../dist/lib/index';
import { grant, startUdpRegistrar } from '../test/helpers/udp-registrar';

const argv = process.argv.slice(2);
const opt = (name: string, fallback: string): number => {
  const i = argv.indexOf(`--${name}`);
  return Number(i >= 0 ? argv[i + 1] : fallback);
};
const K = opt('contexts', '1000');
const SECONDS = opt('seconds', '30');
const SETTLE = opt('settle', '10');
const REGISTERED = argv.includes('--registered');
// USER_HZ: the unit of utime/stime in /proc/<pid>/stat (100 on Linux).
const TICKS_PER_S = 100;

/** utime + stime of the process, in s (/proc/self/stat fields 14 and 15). */
function statCpuS(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
}

interface Threads {
  cpuNs: number;
  switches: number;
  count: number;
  /** CPU ns by thread group: the JS thread, eXosip's threads (named exosip-<n>), the rest. */
  byGroup: Record<string, number>;
}

/** The group of thread `tid`: its name with digits dropped, the JS thread apart. */
function group(tid: string): string {
  if (Number(tid) === process.pid) return 'js';
  return readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim().replace(/[-\d]+$/, '');
}

/**
 * Summed over all threads: time on CPU (ns, schedstat) and voluntary context
 * switches. Reading thousands of files costs the JS thread CPU: its own figure
 * is read last (`jsLast`, at the start of the window) or first (at its end) so
 * that cost stays outside the window.
 */
function threads(jsLast: boolean): Threads {
  const out: Threads = { cpuNs: 0, switches: 0, count: 0, byGroup: {} };
  const others = readdirSync('/proc/self/task').filter((t) => Number(t) !== process.pid);
  const tids = jsLast ? [...others, String(process.pid)] : [String(process.pid), ...others];
  for (const tid of tids) {
    try {
      const ns = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      const m = /voluntary_ctxt_switches:\s+(\d+)/.exec(readFileSync(`/proc/self/task/${tid}/status`, 'utf8'));
      const g = group(tid);
      out.cpuNs += ns;
      out.byGroup[g] = (out.byGroup[g] ?? 0) + ns;
      out.switches += Number(m?.[1] ?? 0);
      out.count++;
    } catch {
      // A thread that ended while we looked: not an idle cost.
    }
  }
  return out;
}

async function main(): Promise<void> {
  const contexts: Context[] = [];
  for (let i = 0; i < K; i++) {
    const ctx = new Context({ userAgent: 'exosip2-bench/1.0' });
    await ctx.listen({ transport: 'udp', address: '127.0.0.1', port: 0 });
    contexts.push(ctx);
  }
  const registrar = REGISTERED ? await startUdpRegistrar((req) => grant(req, 3600)) : null;
  if (registrar !== null) {
    await Promise.all(contexts.map((ctx, i) => ctx.register({ from: `sip:idle${i}@example.com`, proxy: registrar.proxy, expires: 3600 })));
  }
  await new Promise((r) => setTimeout(r, SETTLE * 1000));
  const t0 = threads(true);
  const s0 = statCpuS();
  const w0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const wallS = Number(process.hrtime.bigint() - w0) / 1e9;
  const s1 = statCpuS();
  const t1 = threads(false);
  const closeStart = process.hrtime.bigint();
  await Promise.all(contexts.map((c) => c.close()));
  await registrar?.close();
  const closeMs = Number(process.hrtime.bigint() - closeStart) / 1e6;
  process.stdout.write(
    `${JSON.stringify({
      contexts: K,
      registered: REGISTERED,
      seconds: Number(wallS.toFixed(2)),
      cpuPercent: Number(((100 * (s1 - s0)) / wallS).toFixed(3)),
      schedPercent: Number(((100 * (t1.cpuNs - t0.cpuNs)) / 1e9 / wallS).toFixed(3)),
      wakeupsPerSecond: Math.round((t1.switches - t0.switches) / wallS),
      threads: t1.count,
      schedPercentByThread: Object.fromEntries(
        Object.entries(t1.byGroup).map(([g, ns]) => [g, Number(((100 * (ns - (t0.byGroup[g] ?? 0))) / 1e9 / wallS).toFixed(3))]),
      ),
      closeAllMs: Math.round(closeMs),
    })}\n`,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
