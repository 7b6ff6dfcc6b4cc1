/**
 * Memory over register/unregister cycles (issue #15), with what grows named:
 * one ContextPool against Kamailio (started here, test/helpers/kamailio.ts),
 * batches of register-all-then-unregister-all, and after each batch, after two
 * full GCs: RSS, JS heap used, external memory, and the pool's registrations.
 * With `--snapshots`, a V8 heap snapshot after the first batch and after the
 * last, reduced to the object kinds whose count grew most between the two.
 *
 *   node --import tsx --expose-gc bench/memory.ts [--cycles 20000] [--batch 5000] [--per 90] [--snapshots]
 *
 * Prints one JSON object per sample, then the summary.
 */
import { readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { ContextPool, type Registration } from '../dist/lib/index';
import { startKamailio } from '../test/helpers/kamailio';

const argv = process.argv.slice(2);
const opt = (name: string, fallback: string): number => {
  const i = argv.indexOf(`--${name}`);
  return Number(i >= 0 ? argv[i + 1] : fallback);
};
const CYCLES = opt('cycles', '20000');
const BATCH = opt('batch', '5000');
const PER = opt('per', '90');
const SNAPSHOTS = argv.includes('--snapshots');

const mib = (bytes: number): number => Number((bytes / 1048576).toFixed(1));
const gc = (): void => {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g === undefined) throw new Error('run with --expose-gc');
  g();
  g();
};

/** Object count by "type:name" in a heap snapshot (V8's JSON format). */
function countByKind(): Map<string, number> {
  const file = path.join(os.tmpdir(), `exosip2-mem-${process.pid}-${Date.now()}.heapsnapshot`);
  v8.writeHeapSnapshot(file);
  const snap = JSON.parse(readFileSync(file, 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  rmSync(file);
  const fields = snap.snapshot.meta.node_fields;
  const stride = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const types = snap.snapshot.meta.node_types[0];
  const counts = new Map<string, number>();
  for (let i = 0; i < snap.nodes.length; i += stride) {
    const type = types[snap.nodes[i + typeAt]];
    if (type === 'hidden' || type === 'code') continue;
    const name = type === 'string' || type === 'concatenated string' || type === 'sliced string' ? '' : snap.strings[snap.nodes[i + nameAt]].slice(0, 60);
    const key = `${type}:${name}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

async function main(): Promise<void> {
  const kam = await startKamailio({ udpChildren: 4, shmMb: 256, pkgMb: 64, jsonrpc: true });
  const pool = new ContextPool({ listen: { address: '127.0.0.1' }, userAgent: 'exosip2-bench/1.0', maxPerContext: PER });
  const register = (n: number): Promise<Registration[]> =>
    Promise.all(
      Array.from({ length: n }, (_, i) =>
        pool.register({
          from: `sip:load${i}@example.com`,
          proxy: kam.proxy,
          expires: 3600,
          auth: { username: `load${i}`, password: 'loadpw', realm: 'example.com' },
        }),
      ),
    );
  const samples: Array<Record<string, number>> = [];
  let first: Map<string, number> | null = null;
  const t0 = process.hrtime.bigint();
  try {
    for (let done = 0; done < CYCLES; ) {
      const n = Math.min(BATCH, CYCLES - done);
      const regs = await register(n);
      await Promise.all(regs.map((r) => r.unregister()));
      done += n;
      gc();
      const m = process.memoryUsage();
      const sample = { cycles: done, rssMiB: mib(m.rss), heapUsedMiB: mib(m.heapUsed), externalMiB: mib(m.external), poolSize: pool.size, contexts: pool.contexts.length };
      samples.push(sample);
      console.log(JSON.stringify(sample));
      if (SNAPSHOTS && done === n) first = countByKind();
    }
    const grown: Array<[string, number, number]> = [];
    if (first !== null) {
      for (const [k, c] of countByKind()) {
        const before = first.get(k) ?? 0;
        if (c - before > 100) grown.push([k, before, c]);
      }
      grown.sort((a, b) => b[2] - b[1] - (a[2] - a[1]));
    }
    // Issue #15 measures growth from cycle 20,000 on (after start-up: V8
    // sizing its spaces, the pool's contexts opening); the first sample when
    // the run is shorter.
    const a = samples.find((x) => x.cycles === 20_000 && x !== samples[samples.length - 1]) ?? samples[0];
    const z = samples[samples.length - 1];
    console.log(
      JSON.stringify({
        cycles: CYCLES,
        growthFrom: a.cycles,
        seconds: Number((Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)),
        rssGrowthPercent: Number(((100 * (z.rssMiB - a.rssMiB)) / a.rssMiB).toFixed(1)),
        heapGrowthPercent: Number(((100 * (z.heapUsedMiB - a.heapUsedMiB)) / a.heapUsedMiB).toFixed(1)),
        grownKinds: grown.slice(0, 15).map(([k, b, c]) => `${k}: ${b} -> ${c}`),
      }),
    );
  } finally {
    await pool.close();
    await kam.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
