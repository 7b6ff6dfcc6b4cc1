/**
 * When a context's worker thread wakes (docs/threads.md, "When the worker
 * wakes"), read from /proc: the worker names itself `exosip2-worker`, and its
 * voluntary context switches count how often it slept and woke. Linux only,
 * like the project.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { delay, openContext } from '../helpers/context';
import { useKamailio } from '../helpers/use-kamailio';

const kam = useKamailio();

/** tid → voluntary context switches of every `exosip2-worker` thread of this process. */
function workers(): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      if (readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() !== 'exosip2-worker') continue;
      const m = /voluntary_ctxt_switches:\s+(\d+)/.exec(readFileSync(`/proc/self/task/${tid}/status`, 'utf8'));
      out.set(tid, Number(m![1]));
    } catch {
      // A thread that ended while we looked.
    }
  }
  return out;
}

/** The one worker that appeared since `before` was taken. */
function newWorker(before: Map<string, number>): string {
  const fresh = [...workers().keys()].filter((tid) => !before.has(tid));
  assert.equal(fresh.length, 1, `one new exosip2-worker thread, found ${fresh.length}`);
  return fresh[0];
}

const switches = (tid: string): number => workers().get(tid)!;

test('the worker of a context that did nothing yet sleeps; once it has a registration it wakes about once a second, and events wake it at once', async () => {
  const before = workers();
  const ctx = await openContext();
  let tid = '';
  try {
    // Inside the try: a failed check still closes the context (the file would hang until its timeout).
    tid = newWorker(before);
    await delay(200);
    const s0 = switches(tid);
    await delay(2500);
    assert.ok(switches(tid) - s0 <= 1, `dormant worker woke ${switches(tid) - s0} times in 2.5 s`);

    const user = kam.freshUser();
    ctx.addAuthenticationInfo({ username: user.user, password: user.password, realm: user.domain });
    const t0 = process.hrtime.bigint();
    const reg = await ctx.register({ from: `sip:${user.user}@${user.domain}`, proxy: kam.proxy, expires: 3600 });
    // 401 then 200, three REGISTERs' round trips: well under a tick apart.
    assert.ok(process.hrtime.bigint() - t0 < 900_000_000n, 'the 401 was answered without waiting for a tick');

    const s1 = switches(tid);
    await delay(3500);
    const ticks = switches(tid) - s1;
    // One wake per second (3 or 4 in 3.5 s), not one per 50 ms (70).
    assert.ok(ticks >= 2 && ticks <= 6, `active worker woke ${ticks} times in 3.5 s`);
    await reg.unregister();
  } finally {
    await ctx.close();
  }
  assert.ok(!workers().has(tid), 'the worker thread ended with close()');
});

test('close() of a dormant context is prompt: the worker is woken, not waited for', async () => {
  const ctx = await openContext();
  await delay(100);
  const t0 = process.hrtime.bigint();
  await ctx.close();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.ok(ms < 500, `close() took ${ms} ms`);
});
