import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { Context, Registration } from '../../lib/index';
import { waitFor } from '../helpers/kamailio';
import { fixture, ROOT } from '../helpers/paths';
import { useKamailio } from '../helpers/use-kamailio';

/** Runs a fixture with tsx; resolves with its exit code, or 'running' if still alive after graceMs (then kills it). */
async function runFixture(file: string, args: string[], graceMs: number): Promise<{ code: number | null | 'running'; stdout: string; ms: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', fixture(file), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const timer = new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), graceMs));
  const code = await Promise.race([exited, timer]);
  if (code === 'running') {
    child.kill('SIGKILL');
    await exited;
  }
  return { code, stdout, ms: Date.now() - started };
}

describe('no back door', () => {
  test('a Context carries no _native/_init/_listen/_allocate: its prototype, class and instance have no internal members', async () => {
    const underscored = (keys: Array<string | symbol>): string[] => keys.map(String).filter((k) => k.startsWith('_'));
    assert.deepEqual(underscored(Object.getOwnPropertyNames(Context.prototype)), []);
    assert.deepEqual(underscored(Object.getOwnPropertyNames(Context)), []);
    assert.deepEqual(underscored(Object.getOwnPropertyNames(Registration.prototype)), []);
    const ctx = new Context();
    try {
      await ctx.listen({ address: '127.0.0.1' });
      // EventEmitter's own bookkeeping (_events, ...) aside, an instance holds #private fields only.
      const emitter = new Set(Reflect.ownKeys(new EventEmitter()));
      assert.deepEqual(Reflect.ownKeys(ctx).filter((k) => !emitter.has(k)), []);
    } finally {
      await ctx.close();
    }
  });
});

describe('process lifetime', () => {
  test('an open context keeps the process alive, like a socket', async () => {
    const { code, stdout } = await runFixture('exit-after-close.ts', ['open'], 4000);
    assert.equal(stdout, 'ready open\n');
    assert.equal(code, 'running');
  });

  test('the process exits once the context is closed', async () => {
    const { code, stdout } = await runFixture('exit-after-close.ts', ['close'], 10_000);
    assert.equal(stdout, 'ready close\n');
    assert.equal(code, 0);
  });

  test("the process exits with an unref'd context still open", async () => {
    const { code, stdout } = await runFixture('exit-after-close.ts', ['unref'], 10_000);
    assert.equal(stdout, 'ready unref\n');
    assert.equal(code, 0);
  });

  test("the process exits with an unref'd context whose register() and request() still wait for answers", async () => {
    const { code, stdout } = await runFixture('exit-after-close.ts', ['unref-pending'], 10_000);
    assert.equal(stdout, 'ready unref-pending\n');
    assert.equal(code, 0);
  });

  test('ref() after unref() holds the process again', async () => {
    const { code, stdout } = await runFixture('exit-after-close.ts', ['unref-ref'], 4000);
    assert.equal(stdout, 'ready unref-ref\n');
    assert.equal(code, 'running');
  });

  test('a context that never listened, or whose listen() failed, has nothing open: the process exits', async () => {
    for (const mode of ['never-listened', 'listen-failed']) {
      const { code, stdout } = await runFixture('exit-after-close.ts', [mode], 10_000);
      assert.equal(stdout, `ready ${mode}\n`);
      assert.equal(code, 0, mode);
    }
  });

  test('close() of a context that never listened, or whose listen() failed, resolves before the process exits', async () => {
    // Its thread-safe function is unref'd until a listen succeeds: close()
    // waited for its finalizer while nothing held the loop, and the process
    // ended with close() pending (the CLIs then exited 0 on EADDRINUSE).
    for (const mode of ['close-never-listened', 'close-listen-failed']) {
      const { code, stdout } = await runFixture('exit-after-close.ts', [mode], 10_000);
      assert.equal(stdout, `ready ${mode}\nexit\n`, mode);
      assert.equal(code, 0, mode);
    }
  });
});

describe('worker_threads', () => {
  const kam = useKamailio();

  function startWorker(user: string, password: string, keepOpen: boolean): { worker: Worker; messages: unknown[] } {
    // Worker refuses .ts entry points: load the fixture through tsx's CommonJS hook.
    const worker = new Worker(`require('tsx/cjs'); require(${JSON.stringify(fixture('worker-register.ts'))});`, {
      eval: true,
      workerData: { proxy: kam.proxy, user, password, keepOpen },
    });
    const messages: unknown[] = [];
    worker.on('message', (m) => messages.push(m));
    return { worker, messages };
  }

  test('two workers load the addon and register at the same time', async () => {
    const a = startWorker('alice', 'secret', false);
    const b = startWorker('bob', 'bobpass', false);
    await Promise.all([once(a.worker, 'exit'), once(b.worker, 'exit')]);
    for (const { messages } of [a, b]) {
      assert.equal(messages.length, 2, JSON.stringify(messages));
      assert.ok((messages[0] as { rid: number }).rid > 0);
      assert.equal(messages[1], 'closed');
    }
    assert.deepEqual(await kam.lookup('alice@example.com'), []);
    assert.deepEqual(await kam.lookup('bob@example.com'), []);
  });

  test('worker.terminate() with an open, registered context neither crashes nor hangs', async () => {
    // A user of its own: the terminated worker leaves its binding at the registrar.
    const user = kam.freshUser();
    const w = startWorker(user.user, user.password, true);
    await waitFor(async () => w.messages.length > 0, { timeoutMs: 10_000, what: 'the worker registered' });
    assert.ok((w.messages[0] as { rid: number }).rid > 0, JSON.stringify(w.messages));
    assert.equal((await kam.lookup(user.aor)).length, 1);
    const exitCode = await w.worker.terminate();
    assert.equal(exitCode, 1);
    // The main thread and the addon in it carry on: a new worker still registers.
    const again = startWorker('alice', 'secret', false);
    await once(again.worker, 'exit');
    assert.equal(again.messages[1], 'closed', JSON.stringify(again.messages));
  });
});
