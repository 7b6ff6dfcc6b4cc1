/**
 * Helpers of bench/run.ts: statistics, running a command, the machine's
 * description and the closing analysis written into bench/RESULTS.md.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Context } from '../dist/lib/index';
import type { Kamailio } from '../test/helpers/kamailio';

const ROOT = path.resolve(__dirname, '..');

/** The q-quantile (0..1) of `values` (nearest rank); NaN when empty. */
export function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.floor(s.length * q))];
}
export const median = (v: number[]): number => quantile(v, 0.5);
export const f = (x: number, digits = 1): string => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');

/** Runs a command (from the repository root) to completion; resolves with its wall time and output. */
export function run(command: string, args: string[], timeoutMs = 300_000): Promise<{ ms: number; code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, code, stdout, stderr });
    });
  });
}

export function firstLine(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n')[0].trim();
  } catch (e) {
    const out = `${(e as { stdout?: string }).stdout ?? ''}`.trim();
    return out.split('\n')[0] || 'unknown';
  }
}

/** The closing analysis: causes of the gaps (measured while writing this suite), native changes recommended. */
export function analysis(facts: Record<string, number>, cPoolRates: number[]): string[] {
  return [
    '### Where the one-context gap comes from',
    '',
    `Per registration cycle (3 REGISTERs, 3 events) exosip2 spends ${f(facts.bCpu, 0)} µs of CPU against ${f(facts.cCpu, 0)} µs for`,
    `the C program (section 1), ${f(facts.bMain, 0)} µs of it on the JS thread against ${f(facts.cMain, 0)} µs on the C loop's`,
    "thread. On this 2-core machine eXosip's own thread and Kamailio need the same cores, so the extra CPU shows",
    'up as time. A perf profile of the JS thread (`perf record --call-graph dwarf -t <pid>`, 15 rounds of',
    'N = 100 after warm-up, 2026-11-30, after the one-call REGISTER path) splits it as: eXosip\'s own work that',
    "the C loop's thread does too (building and sending the REGISTERs under `eXosip_lock`: ~30 %, the same",
    'calls as C), and what only the binding does: turning each event into JS objects (`EventData::ToJs`, one',
    '`napi_set_named_property` per field, ~9 %), reading the Contact headers of every 200 to find what was',
    'granted to our binding (RFC 3261 §10.2.4, issue #16: `Message::GetHeaders`, ~7 %), freeing the event\'s',
    'messages when V8 collects their wrappers (~7 %: C frees them in `eXosip_event_free`, also on its loop',
    'thread), the Registration state machine, promises and timers (V8, ~25 %), and the lock taken from JS',
    '(~3 %). The rest of the process gap is the worker thread (a wake-up and a thread-safe call per batch)',
    "and V8's GC threads. None of these is a single hot spot: closing the gap to C would take moving the",
    'registration state machine into native code, which would duplicate what the TS layer exists for.',
    'Changed since that profile (2026-12-01): an event reaches JS as positional arguments and JS makes its one',
    'object (the native object and the JS copy made from it are gone), a `Message` keeps its handle in a private',
    'field instead of a WeakMap entry, and each event is queued to JS as soon as it is taken (item 1 below):',
    'measured A/B on this machine (N = 100, 32 rounds each, the old and new builds alternating): CPU per',
    'registration cycle 682 → 573 µs, JS thread 197 → 159 µs, reg + unreg time 65 → 57 ms.',
    'Then (2026-12-01, later) the REGISTERs of `register()`, `refresh()` and `unregister()` went to the worker',
    'thread as queued commands (docs/threads.md, "Commands"): the JS thread no longer builds them nor waits for',
    '`eXosip_lock`, and the worker sends them in the lock it takes for `eXosip_automatic_action`. Measured A/B',
    '(old and new builds alternating, 3 pairs each): N = 100, 20 rounds: reg + unreg 84–90 → 68–81 ms, JS thread',
    '224–259 → 140–174 µs per cycle, process CPU unchanged (803–904 against 762–913 µs); N = 10, 60 rounds: 6.6–8.1',
    '→ 5.0–6.3 ms, process CPU 580–664 → 479–587 µs; `bench:quick` one-context ratio 0.76 and 0.84 → 0.87 and 1.00.',
    'At N = 100 the CPU is moved, not saved: the worker does what the JS thread did. What it buys is a JS thread',
    "never blocked on eXosip's mutex, so the event path, eXosip's thread and the sends overlap on two cores.",
    'By thread (2026-12-02, `bench:quick` with 30 rounds, the section 1 table has the same columns): the worker',
    "(142 µs per cycle) costs what the C loop's thread costs (130 µs), and eXosip's own thread the same in both",
    "programs (379 against 383 µs): the whole gap is the JS thread (136 µs) and V8's helper threads (89 µs; most",
    'of it JIT compilation in the first rounds: over 40 rounds of one process they fall from ~150 µs to 0–30 µs',
    'per cycle, while garbage collection stays). Then the 2xx path of a Registration stopped parsing the Via of',
    'every 2xx and the Contacts when the registrar echoes ours: A/B, old and new builds alternating, N = 100,',
    '15 rounds, 3 pairs: JS thread 144–200 → 118–136 µs per cycle. What is left on the JS thread is spread thin',
    '(cpuprofile, steady state): native glue with no JS frame ~29 %, garbage collection ~14 %, the Registration',
    'state machine with its Contact reads ~14 %, command results ~4 %; freeing event messages in finalizers',
    '~7 % (perf).',
    '',
    "What did not help: holding the lock across a burst of `register()` calls (the C loop's pattern) makes",
    "the JS send loop 3× faster but sends a pool's 10,000 REGISTERs in one burst that overflows Kamailio's",
    'socket buffer (retransmissions: 8–20 s instead of 4–5 s); `MALLOC_ARENA_MAX=2` does not lower RSS.',
    '',
    '### The 10,000-registration target',
    '',
    `ContextPool: median ${f(facts.poolMedianRate, 0)} registrations/s; the C program with the same sharding (112 contexts, a thread`,
    `each), in the same run: ${cPoolRates.map((r) => f(r, 0)).join(', ')}/s. Both are bound by CPU on 2 cores shared with Kamailio (4`,
    'workers) and, on this machine, with other jobs: eXosip parses and builds every message on its own thread,',
    `${f(facts.cCpu, 0)} µs of CPU per registration cycle in C alone (section 1). The pool's CPU per registration is close to`,
    "the C sharding's (measured while writing this suite: ~5.7 s against ~5.9 s of CPU for 10,000 cycles; C sends",
    'its REGISTERs in one burst and loses some to socket buffers; the pool\'s contexts send theirs from the JS thread,',
    'one by one, which paces them: queued to 112 workers instead, each context\'s answers came in bursts that',
    'overflowed its socket, 12 s against 8 s for 10,000 registrations, native/context/commands.h). When the',
    'machine is otherwise idle the pool reaches',
    '2,100–3,300 registrations/s; when other jobs load it, less. How registrations are spread matters:',
    'spreading 10,000 simultaneous `register()` calls round-robin over 112 contexts (least loaded first) costs',
    "twice the CPU of filling one context after the other (every REGISTER wakes a different eXosip thread",
    "instead of one thread sending a context's batch per wake-up): an automatically sized pool therefore",
    'fills the fullest context that has room.',
    '',
    '### Native changes recommended by issue #6',
    '',
    '1. **Batch the event path**: done (issue #15), then changed: each pass of the worker takes every queued',
    '   event (`eXosip_event_wait(ctx, 0, 0)` until NULL) before `eXosip_automatic_action`, but queues each to JS',
    '   the moment it is taken. Queuing the pass\'s events in one call held them until the call that finds the',
    "   queue empty returned, and that call takes `eXosip_lock`, which eXosip's thread holds for the rest of its",
    '   pass right after queuing an event: measured with stamps on the worker, 84 µs of the one-at-a-time',
    '   delivery median was that wait (3 µs after the change); delivery p50 202 → 39 µs in an A/B run. The JS',
    '   thread still takes every item queued by the time it wakes in one go.',
    '2. **Wrap event messages without a throw-away allocation**: done (issue #15): `Message::Adopt` passes the',
    '   `osip_message_t` to the constructor as an External.',
    '3. **One native call per REGISTER**: done (issue #15) for REGISTERs without added headers: build + send',
    '   of the first REGISTER, and of a refresh or an unregistration, under one `eXosip_lock`, no message handle;',
    '   now run by the worker thread as queued commands (`registerStartQueued`, `registerRefreshQueued`; inline',
    '   on the JS thread for a ContextPool\'s contexts). A REGISTER with added headers still goes build → edit →',
    '   send from the JS thread.',
    '4. **A timestamp on every event**: done (issue #15): `event.receivedNs`, CLOCK_MONOTONIC in ns, taken',
    '   when the worker took the event from eXosip.',
    '',
  ];
}

export async function describeMachine(kam: Kamailio): Promise<string[]> {
  const cpus = os.cpus();
  const sipVersion = (JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', 'sip', 'package.json'), 'utf8')) as { version: string }).version;
  let kamVersion = 'unknown';
  try {
    kamVersion = String(await kam.jsonrpc('core.version')).trim();
  } catch {
    kamVersion = firstLine('kamailio', ['-v']);
  }
  return [
    '## Machine and versions',
    '',
    '| | |',
    '| --- | --- |',
    `| CPU | ${cpus[0]?.model ?? 'unknown'}, ${cpus.length} cores (load average at the end: ${os.loadavg().map((x) => x.toFixed(2)).join(', ')}) |`,
    `| memory | ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB |`,
    `| kernel | ${os.type()} ${os.release()} |`,
    `| Node.js | ${process.version} |`,
    `| libeXosip2 | ${Context.exosipVersion} (MAX_EXOSIP_HTTP_AUTH = 100) |`,
    `| libosip2 | ${firstLine('dpkg-query', ['-W', '-f=${Version}', 'libosip2-dev'])} |`,
    `| Kamailio | ${kamVersion} (test/kamailio/kamailio.cfg, digest auth, usrloc in memory) |`,
    `| SIPp | ${firstLine('sipp', ['-v']).replace(/^\s*/, '')} |`,
    `| sip (npm) | ${sipVersion} |`,
    `| C compiler | ${firstLine(process.env.CC ?? 'cc', ['--version'])} |`,
    '',
    'State machine of every workload: REGISTER → 401 → REGISTER with digest credentials → 200',
    '(expires 3600); unregistering: REGISTER expires 0 → 200 (eXosip and `sip` reuse the stored',
    'nonce, SIPp is challenged again). Users `loadN@example.com`, password `loadpw`, realm example.com.',
    '',
  ];
}
