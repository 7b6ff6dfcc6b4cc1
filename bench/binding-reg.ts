/**
 * The binding's side of the C reference (bench/ref/reg.c): the same workloads
 * through `exosip2`, one JSON object per line on stdout.
 *
 *   node --import tsx bench/binding-reg.ts reg --proxy URI --n N [--rounds R --warmup W --base B --expires E]
 *   node --import tsx bench/binding-reg.ts latency --proxy URI --count M [--inflight K]
 *   node --import tsx bench/binding-reg.ts serve --proxy URI
 *     (commands on stdin as bench/ref/reg.c's serve mode: `reg N BASE`,
 *     `lat COUNT K BASE`, `quit`; bench/run.ts interleaves the two programs)
 *
 * reg: per round a fresh Context (as the C program), credentials for
 * loadB..load(B+N-1)@example.com, then N `register()` at once; time until all
 * resolved, then N `unregister()` at once and time until all resolved.
 *
 * latency: against bench/ref/fakereg; K registrations refresh back to back
 * until M events were seen. For each 200, the first 'event' listener notes
 * process.hrtime.bigint() (CLOCK_MONOTONIC, as fakereg's X-Sent-Ns) and
 * reports `wireUs` = listener time - fakereg's sendto(), and `deliveryUs` =
 * listener time - `event.receivedNs` (CLOCK_MONOTONIC, taken by the worker
 * thread when it took the event from eXosip): the thread hop, the conversion,
 * and any wait for a busy JS thread.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as readline from 'node:readline';
import { Context, type Registration } from '../dist/lib/index';

function args(): { mode: string; opts: Record<string, string> } {
  const [mode, ...rest] = process.argv.slice(2);
  const opts: Record<string, string> = {};
  for (let i = 0; i + 1 < rest.length; i += 2) opts[rest[i].replace(/^--/, '')] = rest[i + 1];
  return { mode, opts };
}

const ms = (from: bigint, to: bigint): number => Number(to - from) / 1e6;

/** CPU time of the JS thread in µs (schedstat: ns on CPU), for comparing with the C loop's thread. */
function jsThreadCpuUs(): number {
  return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e3;
}

/**
 * CPU time in µs of every thread of this process by kind, from
 * /proc/self/task/<tid>/schedstat (ns on CPU): `js` (the main thread),
 * `worker` (exosip2-worker: each context's native loop), `exosip` (eXosip's
 * own threads, named exosip-<n> by native/context/log.cc), `other` (V8's
 * platform and GC threads, libuv's pool). Threads that ended are not counted.
 */
function threadCpuUs(): Map<string, { kind: string; us: number }> {
  const out = new Map<string, { kind: string; us: number }>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const comm = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
      const us = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e3;
      const kind = tid === String(process.pid) ? 'js' : comm === 'exosip2-worker' ? 'worker' : comm.startsWith('exosip-') ? 'exosip' : 'other';
      out.set(tid, { kind, us });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

/** CPU per kind of thread between two threadCpuUs() samples (threads born in between count from 0). */
function threadCpuDelta(before: Map<string, { kind: string; us: number }>, after: Map<string, { kind: string; us: number }>): Record<string, number> {
  const sum: Record<string, number> = { js: 0, worker: 0, exosip: 0, other: 0 };
  for (const [tid, t] of after) sum[t.kind] += t.us - (before.get(tid)?.us ?? 0);
  for (const k of Object.keys(sum)) sum[k] = Math.round(sum[k]);
  return sum;
}

async function openContext(): Promise<Context> {
  const ctx = new Context({ userAgent: 'exosip2-bench/1.0' });
  await ctx.listen({ transport: 'udp', address: '127.0.0.1', port: 0 });
  return ctx;
}

async function runReg(o: Record<string, string>): Promise<void> {
  const proxy = o.proxy;
  const n = Number(o.n ?? 100);
  const rounds = Number(o.rounds ?? 10);
  const warmup = Number(o.warmup ?? 2);
  const base = Number(o.base ?? 0);
  const expires = Number(o.expires ?? 3600);
  for (let r = 0; r < warmup + rounds; r++) {
    const ctx = await openContext();
    for (let i = 0; i < n; i++) ctx.addAuthenticationInfo({ username: `load${base + i}`, password: 'loadpw', realm: 'example.com' });
    const rssBeforeKb = Math.round(process.memoryUsage.rss() / 1024);
    const cpu0 = process.cpuUsage();
    const main0 = jsThreadCpuUs();
    const threads0 = threadCpuUs();
    const t0 = process.hrtime.bigint();
    const regs: Registration[] = await Promise.all(
      Array.from({ length: n }, (_, i) => ctx.register({ from: `sip:load${base + i}@example.com`, proxy, expires })),
    );
    const t1 = process.hrtime.bigint();
    const rssHeldKb = Math.round(process.memoryUsage.rss() / 1024);
    await Promise.all(regs.map((reg) => reg.unregister()));
    const t2 = process.hrtime.bigint();
    const cpu = process.cpuUsage(cpu0);
    const mainCpuUs = jsThreadCpuUs() - main0;
    const threadsUs = threadCpuDelta(threads0, threadCpuUs());
    if (r >= warmup) console.log(JSON.stringify({ n, regMs: ms(t0, t1), unregMs: ms(t1, t2), cpuUs: cpu.user + cpu.system, mainCpuUs, threadsUs, rssBeforeKb, rssHeldKb }));
    await ctx.close();
  }
}

function percentiles(values: Float64Array): Record<string, number> {
  const sorted = Float64Array.from(values).sort();
  const at = (q: number): number => Number(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))].toFixed(2));
  let sum = 0;
  for (const v of sorted) sum += v;
  return { p50Us: at(0.5), p90Us: at(0.9), p99Us: at(0.99), meanUs: Number((sum / sorted.length).toFixed(2)), minUs: at(0) };
}

async function runLatency(o: Record<string, string>, raw = false): Promise<void> {
  const proxy = o.proxy;
  const count = Number(o.count ?? 10000);
  const inflight = Number(o.inflight ?? 1);
  const expires = Number(o.expires ?? 3600);
  const ctx = await openContext();
  const wire = new Float64Array(count);
  const delivery = new Float64Array(count);
  let got = 0;
  let stamped = 0;
  let warm = inflight * 20;
  ctx.on('event', (ev) => {
    const at = process.hrtime.bigint();
    if (ev.type !== 'EXOSIP_REGISTRATION_SUCCESS' || got >= count) return;
    const sent = ev.response?.getHeader('x-sent-ns');
    if (sent === undefined) return;
    if (warm > 0) {
      warm--;
      return;
    }
    wire[got] = Number(at - BigInt(sent)) / 1e3;
    delivery[stamped++] = Number(at - ev.receivedNs) / 1e3;
    got++;
  });
  const lane = async (i: number): Promise<void> => {
    const reg = await ctx.register({ from: `sip:load${Number(o.base ?? 0) + i}@example.com`, proxy, expires });
    while (got < count) await reg.refresh();
  };
  await Promise.all(Array.from({ length: inflight }, (_, i) => lane(i)));
  if (raw) {
    const fixed = (a: Float64Array): number[] => Array.from(a, (v) => Number(v.toFixed(2)));
    console.log(JSON.stringify({ count, inflight, wire: fixed(wire), delivery: fixed(delivery.subarray(0, stamped)) }));
    await ctx.close();
    return;
  }
  const out: Record<string, unknown> = { count, inflight, ...percentiles(wire) };
  if (stamped > 0) out.delivery = percentiles(delivery.subarray(0, stamped));
  console.log(JSON.stringify(out));
  await ctx.close();
}

async function serve(o: Record<string, string>): Promise<void> {
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    const [cmd, a, b, c] = line.trim().split(/\s+/);
    if (cmd === 'quit') break;
    if (cmd === 'reg') await runReg({ ...o, n: a, base: b, rounds: '1', warmup: '0' });
    else if (cmd === 'lat') await runLatency({ ...o, count: a, inflight: b, base: c }, true);
    else console.log(JSON.stringify({ error: 'bad command' }));
  }
  lines.close();
}

const { mode, opts } = args();
if (opts.proxy === undefined) throw new Error('--proxy is required');
const run = mode === 'reg' ? runReg(opts) : mode === 'latency' ? runLatency(opts) : mode === 'serve' ? serve(opts) : Promise.reject(new Error(`unknown mode ${mode}`));
run.catch((error) => {
  console.error(error);
  process.exit(1);
});
