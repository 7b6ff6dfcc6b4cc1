import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { Context, type LogMethod, type LogRecord } from '../../lib/index';
import { delay, registered } from '../helpers/context';
import { LIB_INDEX } from '../helpers/paths';
import { SLOW } from '../helpers/slow';
import { testUser, useKamailio } from '../helpers/use-kamailio';

const kam = useKamailio();

describe("libosip2/eXosip's own log", () => {
  test('reaches the logger at the chosen level, with credentials redacted, and stops on request', async () => {
    const lines: Array<[LogMethod, string, LogRecord]> = [];
    const ctx = new Context({ logger: (m, text, record) => lines.push([m, text, record]), logLevel: 7 });
    await ctx.listen({ address: '127.0.0.1' });
    ctx.addAuthenticationInfo({ username: 'alice', password: 'secret', realm: 'example.com' });
    const reg = await ctx.register({ from: 'sip:alice@example.com', proxy: kam.proxy });
    await delay(100);
    assert.ok(lines.length > 0);
    assert.ok(lines.some(([, text]) => /REGISTER/.test(text)), 'the REGISTERs are logged');
    assert.ok(lines.every(([m, , r]) => r.level >= 0 && r.level <= 7 && typeof r.file === 'string' && ['error', 'warn', 'info', 'debug'].includes(m)));
    for (const [, text] of lines) {
      assert.ok(!text.includes('secret'), 'no password');
      assert.doesNotMatch(text, /response="[0-9a-f]{32}"/);
    }
    const count = lines.length;
    ctx.setLogger(null);
    await reg.unregister();
    await delay(100);
    assert.equal(lines.length, count, 'silent once the logger is removed');
    await ctx.close();
  });

  test('a console-like logger gets one string per line; levels above logLevel are filtered', async () => {
    const got: Record<string, string[]> = { error: [], warn: [], info: [], debug: [] };
    const logger = {
      error: (s: string) => got.error.push(s),
      warn: (s: string) => got.warn.push(s),
      info: (s: string) => got.info.push(s),
      debug: (s: string) => got.debug.push(s),
    };
    const { ctx, reg } = await registered(kam.proxy, testUser('bob'), { setup: (c) => c.setLogger(logger, 5) });
    await reg.unregister();
    await delay(100);
    assert.equal(got.debug.length, 0, 'INFO3/INFO4 are above level 5');
    assert.ok(got.info.length > 0);
    assert.ok(got.info.every((s) => s.startsWith('[osip ')));
    assert.throws(() => ctx.setLogger({ info() {} } as never), { name: 'TypeError' });
    assert.throws(() => ctx.setLogger(() => {}, 8), { name: 'RangeError' });
    await ctx.close();
  });

  test('without a logger the library prints nothing', { timeout: 30_000 * SLOW }, () => {
    const script = `
      require('tsx/cjs');
      const { Context, parseMessage } = require(${JSON.stringify(LIB_INDEX)});
      try { parseMessage('garbage\\r\\n\\r\\n'); } catch {}
      const ctx = new Context();
      ctx.listen({ address: '127.0.0.1' }).then(() => ctx.register({ from: 'sip:alice@example.com', proxy: '${kam.proxy}', timeoutMs: 2000 }))
        .catch(() => {}).finally(() => ctx.close());
    `;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 * SLOW });
    assert.equal(r.status, 0, `exit ${r.status} ${r.signal ?? ''}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, '');
  });
});
