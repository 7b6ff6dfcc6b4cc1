/**
 * Calls set up and torn down back to back between two contexts on loopback
 * (issue #14, "Reliability"): the workload of test/reliability/calls.test.ts
 * (test/fixtures/call-churn.ts: alternating who hangs up, a quarter
 * cancelled before the answer, a quarter rejected), with more calls per
 * round. After each round it waits until eXosip has released every call,
 * then reads the call tables, eXosip's counters and RSS after a forced GC.
 *
 *   node --import tsx --expose-gc bench/calls.ts [--calls 1000] [--rounds 3]
 *   npm run bench:calls -- --calls 1000 --rounds 3
 *
 * Prints one line per round, then the reports as JSON. Figures of record:
 * bench/RESULTS.md ("Issue #14: calls back to back").
 */
import { churn } from '../test/fixtures/call-churn';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string): number => {
  const i = argv.indexOf(`--${name}`);
  return Number(i >= 0 ? argv[i + 1] : fallback);
};
const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);

async function main(): Promise<void> {
  const calls = arg('calls', '1000');
  const rounds = arg('rounds', '3');
  const reports = await churn(calls, 120_000, rounds);
  for (const [i, r] of reports.entries()) {
    const tables = Object.values(r.tablesAfterRelease).every((t) => Object.values(t as Record<string, number>).every((v) => v === 0));
    console.log(
      `round ${i + 1}: ${r.ok}/${r.calls} as planned in ${(r.callsMs / 1000).toFixed(1)} s (${((r.calls * 1000) / r.callsMs).toFixed(0)} calls/s); ` +
        `ended alice ${r.ended.alice} bob ${r.ended.bob}; released ${r.released.alice}/${r.released.bob} after ${(r.releaseMs / 1000).toFixed(1)} s; ` +
        `tables empty: ${tables}; eXosip calls ${r.exosipAfterRelease.alice.calls}/${r.exosipAfterRelease.bob.calls}, transactions ${r.exosipAfterRelease.alice.transactions}/${r.exosipAfterRelease.bob.transactions}; ` +
        `references ${r.references.keptBefore} → ${r.references.kept}; RSS ${mb(r.rss.warm)} → ${mb(r.rss.afterCalls)} → ${mb(r.rss.afterRelease)} MB; heap ${mb(r.heapAfterRelease)} MB`,
    );
  }
  console.log(JSON.stringify(reports));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
