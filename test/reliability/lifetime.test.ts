/**
 * Lifetime of contexts the program loses track of: never closed, dropped to
 * GC, open at process exit, terminated with their worker thread while a
 * REGISTER is in flight. Each must end without a crash, a hang or a leak.
 * (Messages dropped to GC, close() with REGISTERs in flight, spent messages:
 * test/message/message.test.ts, test/register/register.test.ts, test/compat/register.test.ts.)
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { waitFor } from '../helpers/kamailio';
import { fixture, LIB_COMPAT, LIB_INDEX } from '../helpers/paths';
import { boundUdpSocket } from '../helpers/ports';
import { SLOW } from '../helpers/slow';
import { parseRequest, respond } from '../helpers/udp-registrar';
import { useKamailio } from '../helpers/use-kamailio';


const LIB = JSON.stringify(LIB_INDEX);
const COMPAT = JSON.stringify(LIB_COMPAT);

/** Runs a script in a child Node (with tsx and --expose-gc); resolves with its exit and output, killing it after ms. */
async function runScript(script: string, env: Record<string, string>, ms: number): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string; elapsed: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, ['--expose-gc', '-e', `require('tsx/cjs');\n${script}`], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  clearTimeout(timer);
  return { code, signal, stdout, stderr, elapsed: Date.now() - started };
}

const kam = useKamailio();

describe('contexts nobody closes', () => {
  // The native side keeps its event callback (a closure over the Context) on
  // the wrapper object, not in a GC root: a context that never runs, or was
  // closed, is collected once dropped.
  for (const mode of ['never initialised (eXosip_malloc)', 'closed'] as const) {
    test(`contexts ${mode} and dropped are collected by GC, without growth`, { timeout: 60_000 * SLOW }, async () => {
      const r = await runScript(
        `
        const { Context } = require(${LIB});
        const { eXosip_malloc } = require(${COMPAT});
        const collected = { n: 0 };
        const registry = new FinalizationRegistry(() => collected.n++);
        const settle = async () => { for (let i = 0; i < 5; i++) { global.gc(); await new Promise((r) => setTimeout(r, 10)); } };
        const make = async () => {
          if (process.env.MODE === 'closed') {
            const ctx = new Context();
            await ctx.listen({ address: '127.0.0.1' });
            await ctx.close();
            return ctx;
          }
          return eXosip_malloc();
        };
        (async () => {
          const batch = async () => { for (let i = 0; i < 200; i++) registry.register(await make(), i); };
          await batch();
          await settle();
          const base = process.memoryUsage().rss;
          for (let round = 0; round < 5; round++) { await batch(); await settle(); }
          process.stdout.write(JSON.stringify({ made: 1200, collected: collected.n, grown: process.memoryUsage().rss - base }));
        })();
        `,
        { MODE: mode === 'closed' ? 'closed' : 'malloc' },
        50_000 * SLOW,
      );
      assert.equal(r.code, 0, r.stderr);
      const { made, collected, grown } = JSON.parse(r.stdout) as { made: number; collected: number; grown: number };
      console.log(`# ${mode}: ${collected} of ${made} collected, RSS +${(grown / 1e6).toFixed(1)} MB over the last 1,000`);
      assert.ok(collected > made * 0.9, `${collected} of ${made} collected`);
      assert.ok(grown < 8 * 1024 * 1024, `RSS grew by ${grown} bytes over 1,000 contexts`);
    });
  }

  test('an open, registered context that the program drops keeps working until exit, then goes without a hang', { timeout: 60_000 * SLOW }, async () => {
    // Like a socket, a running context is not collected while it runs (its
    // worker thread holds it); unref() lets the process exit with it open.
    const r = await runScript(
      `
      const { Context } = require(${LIB});
      const collected = { n: 0 };
      const registry = new FinalizationRegistry(() => collected.n++);
      (async () => {
        const refreshed = { n: 0 };
        for (let i = 0; i < 5; i++) {
          const ctx = new Context();
          await ctx.listen({ address: '127.0.0.1' });
          ctx.addAuthenticationInfo({ username: 'load' + (501 + i), password: 'loadpw', realm: 'example.com' });
          const reg = await ctx.register({ from: 'sip:load' + (501 + i) + '@example.com', proxy: process.env.PROXY, expires: 600 });
          reg.on('refreshed', () => refreshed.n++);
          registry.register(ctx, i);
          ctx.unref();
          // A REGISTER in flight at exit too.
          void reg.refresh().then(() => undefined, () => undefined);
        }
        for (let i = 0; i < 5; i++) { global.gc(); await new Promise((r) => setTimeout(r, 50)); }
        process.stdout.write(JSON.stringify({ collected: collected.n }) + '\\n');
        // The process now exits by itself, with five contexts open.
      })().catch((e) => { console.error(e); process.exit(3); });
      `,
      { PROXY: kam.proxy },
      30_000 * SLOW,
    );
    assert.equal(r.signal, null, `killed: ${r.stderr}`);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { collected: 0 });
    assert.ok(r.elapsed < 20_000 * SLOW, `exited after ${r.elapsed} ms`);
    const bindings = (await kam.ulDump()).filter((b) => /^load50[1-5]@/.test(b.aor));
    assert.equal(bindings.length, 5, 'each registered before the exit');
    for (let i = 501; i <= 505; i++) await kam.rpc('ul.rm', 'location', `load${i}@example.com`);
  });

  test('process.exit() with REGISTERs in flight on open contexts: exits at once', { timeout: 30_000 * SLOW }, async () => {
    const silent = await boundUdpSocket();
    let received = 0;
    silent.on('message', () => received++);
    try {
      const r = await runScript(
        `
        const { Context } = require(${LIB});
        (async () => {
          const contexts = [];
          for (let i = 0; i < 3; i++) {
            const ctx = new Context();
            await ctx.listen({ address: '127.0.0.1' });
            contexts.push(ctx);
            ctx.register({ from: 'sip:load' + i + '@example.com', proxy: process.env.PROXY }).catch(() => undefined);
          }
          setTimeout(() => process.exit(0), 700);
        })();
        `,
        { PROXY: `sip:127.0.0.1:${silent.address().port}` },
        20_000 * SLOW,
      );
      assert.equal(r.signal, null, r.stderr);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.elapsed < 10_000 * SLOW, `exited after ${r.elapsed} ms`);
      assert.ok(received >= 3, 'the REGISTERs were in flight');
    } finally {
      silent.close();
    }
  });
});

describe('transports that block', () => {
  // libeXosip2 5.3's DTLS transport does its handshake with blocking reads on
  // eXosip's thread while holding eXosip's lock (eXtl_dtls.c:1169, SSL_write):
  // with a peer that does not answer DTLS, every thread that takes the lock
  // waits forever, the JS thread included. The binding refuses DTLS.
  test('DTLS is refused before eXosip can freeze the process', async () => {
    const { Context } = await import('../../lib/index');
    const { eXosip_listen_addr, eXosip_malloc, eXosip_init, eXosip_quit, IPPROTO_UDP, AF_INET, OSIP_BADPARAMETER } = await import('../../lib/compat');
    const ctx = new Context();
    await assert.rejects(ctx.listen({ transport: 'dtls' as never, address: '127.0.0.1' }), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
    await ctx.close();
    const c = eXosip_malloc();
    assert.equal(eXosip_init(c), 0);
    assert.equal(eXosip_listen_addr(c, IPPROTO_UDP, '127.0.0.1', 0, AF_INET, 1), OSIP_BADPARAMETER);
    await eXosip_quit(c);
  });
});

describe('worker threads', () => {
  test('worker.terminate() while its context has a REGISTER in flight, ten times over', { timeout: 60_000 * SLOW }, async () => {
    const silent = await boundUdpSocket();
    let received = 0;
    silent.on('message', () => received++);
    const workerScript = fixture('worker-register.ts');
    try {
      for (let round = 0; round < 10; round++) {
        const before = received;
        const workers = [0, 1].map(
          (k) =>
            new Worker(`require('tsx/cjs'); require(${JSON.stringify(workerScript)});`, {
              eval: true,
              workerData: { proxy: `sip:127.0.0.1:${silent.address().port}`, user: `load${600 + round * 2 + k}`, password: 'loadpw', keepOpen: true },
            }),
        );
        const messages: unknown[] = [];
        for (const w of workers) w.on('message', (m) => messages.push(m));
        await waitFor(async () => received >= before + 2, { timeoutMs: 10_000 * SLOW, what: 'both REGISTERs on the wire' }).catch(async (error: unknown) => {
          await Promise.all(workers.map((w) => w.terminate())); // a failed round must not leave workers behind
          throw error;
        });
        const codes = await Promise.all(workers.map((w) => w.terminate()));
        assert.deepEqual(codes, [1, 1]);
        assert.deepEqual(messages, [], 'terminated before any answer');
      }
    } finally {
      silent.close();
    }
    // The main thread's addon instance is unharmed: a registration still works.
    const worker = new Worker(`require('tsx/cjs'); require(${JSON.stringify(workerScript)});`, {
      eval: true,
      workerData: { proxy: kam.proxy, user: 'load699', password: 'loadpw', keepOpen: false },
    });
    const messages: unknown[] = [];
    worker.on('message', (m) => messages.push(m));
    await once(worker, 'exit');
    assert.equal(messages.at(-1), 'closed', JSON.stringify(messages));
  });
  // Twenty rounds natively; five under valgrind (each worker starts tsx there, ~20x slower).
  const rounds = SLOW > 1 ? 5 : 20;
  test(`worker.terminate() while events, traces and log lines stream to its thread: no abort, ${rounds} times over`, { timeout: 120_000 * SLOW }, async () => {
    // Node still drains the thread-safe queue of a Worker being terminated,
    // with an environment in which every N-API call fails: an event turned into
    // a JS object there aborted the whole process (node-addon-api's Error, then
    // std::terminate) before the fix in native/context/event.cc.
    const peer = await boundUdpSocket();
    peer.on('message', (m, rinfo) => {
      const req = parseRequest(m.toString());
      if (req?.method === 'OPTIONS') peer.send(respond(req, 200, 'OK'), rinfo.port, rinfo.address);
    });
    const target = `sip:peer@127.0.0.1:${peer.address().port}`;
    try {
      for (let round = 0; round < rounds; round++) {
        const worker = new Worker(`require('tsx/cjs'); require(${JSON.stringify(fixture('worker-busy.ts'))});`, { eval: true, workerData: { target } });
        const [first] = (await once(worker, 'message')) as [unknown];
        assert.equal(first, 'up');
        await new Promise((resolve) => setTimeout(resolve, (round * 7) % 40));
        assert.equal(await worker.terminate(), 1);
      }
    } finally {
      peer.close();
    }
  });
});
