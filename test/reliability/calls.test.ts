/**
 * 1,000 calls set up and torn down back to back between two of our contexts
 * on loopback, in a child Node with --expose-gc (test/fixtures/call-churn.ts):
 * two rounds of 500, alternating who hangs up, a quarter cancelled before the
 * answer, a quarter rejected. Every call ends exactly once on both sides,
 * nothing is left in the contexts' call tables, eXosip releases every call
 * (`EXOSIP_CALL_RELEASED`, ~32-42 s after the last over UDP) after which it
 * holds no call, no transaction and no compat reference, and RSS after the
 * second round's release is where the first round's left it (freed memory is
 * reused, not leaked). bench/calls.ts runs more (bench/RESULTS.md, "Calls").
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import type { ChurnReport } from '../fixtures/call-churn';
import { fixture } from '../helpers/paths';
import { SLOW } from '../helpers/slow';

const CALLS = 500;
const ROUNDS = 2;
/** eXosip releases a call ~32 s (Timer D/J, 64 × T1) after its last transaction, checked once a second or so: 42 s measured. */
const RELEASE_MS = 75_000 * SLOW;
/** How much RSS after the second round's release may exceed the first's. */
const RSS_GROWTH_LIMIT_MB = 24;

async function runChurn(): Promise<ChurnReport[]> {
  const script = `require('tsx/cjs'); require(${JSON.stringify(fixture('call-churn.ts'))}).main();`;
  const child = spawn(process.execPath, ['--expose-gc', '-e', script], {
    env: { ...process.env, CALLS: String(CALLS), ROUNDS: String(ROUNDS), RELEASE_MS: String(RELEASE_MS) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), ROUNDS * (RELEASE_MS + 60_000 * SLOW));
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  clearTimeout(timer);
  assert.deepEqual([code, signal], [0, null], stderr);
  return JSON.parse(stdout) as ChurnReport[];
}

const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);

describe('calls back to back', () => {
  test(`${CALLS * ROUNDS} calls (${ROUNDS} rounds): each ends once on both sides, tables empty, eXosip releases all, RSS flat`, { timeout: ROUNDS * (RELEASE_MS + 90_000 * SLOW) }, async () => {
    const reports = await runChurn();
    assert.equal(reports.length, ROUNDS);
    const empty = { outgoing: 0, offered: 0, calls: 0, hungUp: 0, requests: 0, dialogs: 0 };
    for (const [round, r] of reports.entries()) {
      console.log(
        `# round ${round + 1}: ${r.calls} calls in ${r.callsMs} ms, released ${r.releaseMs} ms later; RSS ${mb(r.rss.warm)} (warm) → ${mb(r.rss.afterCalls)} → ${mb(r.rss.afterRelease)} MB (released), JS heap ${mb(r.heapAfterRelease)} MB`,
      );
      assert.deepEqual(r.wrong, [], `round ${round + 1}`);
      assert.equal(r.ok, CALLS);
      // Half the calls were answered: one 'ended' each, on each side.
      assert.deepEqual(r.ended, { alice: CALLS / 2, bob: CALLS / 2 });
      // Nothing up or waiting right after the last call; hung-up calls wait for their release only.
      for (const side of ['alice', 'bob'] as const) {
        const t = r.tablesAfterCalls[side] as typeof empty;
        assert.deepEqual({ ...t, hungUp: 0 }, empty, `${side} after the calls`);
        assert.ok(t.hungUp <= CALLS / 4, `${side}: ${t.hungUp} hung up and not released`);
      }
      assert.ok(r.releaseMs < RELEASE_MS, `released within ${RELEASE_MS} ms: ${r.releaseMs}`);
      assert.deepEqual(r.released, { alice: CALLS, bob: CALLS });
      assert.deepEqual(r.tablesAfterRelease, { alice: empty, bob: empty });
      assert.deepEqual(r.exosipAfterRelease, { alice: { calls: 0, transactions: 0 }, bob: { calls: 0, transactions: 0 } });
      // Each answered or rejected call had a compat reference on both sides, each cancelled one on bob's: all let go.
      assert.ok(r.references.keptBefore > 0);
      assert.deepEqual([r.references.kept, r.references.readable], [0, 0]);
    }
    const growth = reports[ROUNDS - 1]!.rss.afterRelease - reports[0]!.rss.afterRelease;
    assert.ok(growth < RSS_GROWTH_LIMIT_MB * 1e6, `RSS after release grew by ${mb(growth)} MB from round 1 to round ${ROUNDS}`);
  });
});
