/**
 * Passwords never appear in any error, event, log or trace the library
 * produces. A unique password (and its HA1) is used against a SIPp registrar
 * that verifies the digest, so we know it was really used; everything the
 * library hands back is then searched for it: eXosip events and their
 * messages, Registration events and errors, the SIP trace (redacted and not),
 * libosip2/eXosip's log at its most verbose level, util.inspect() of every
 * object, argument errors, and the stdout/stderr of a process that logs all
 * of it to the console.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { inspect } from 'node:util';
import { Context, RegistrationError } from '../../lib/index';
import { eXosip_add_authentication_info, OSIP_BADPARAMETER } from '../../lib/compat';
import { LIB_INDEX } from '../helpers/paths';
import { SLOW } from '../helpers/slow';
import { explainSipp, startSipp } from '../helpers/sipp';

const PASSWORD = `pw-${randomBytes(12).toString('hex')}`;
const HA1 = createHash('md5').update(`alice:example.com:${PASSWORD}`).digest('hex');
const SECRETS = [PASSWORD, HA1];
/** Checked in argument errors only: nine random digits could turn up by chance in a Call-ID or a tag. */
const NUMERIC_PASSWORD = 100_000_000 + Math.floor(Math.random() * 800_000_000);

/** Everything a program may see or print from one context. */
class Collector {
  readonly texts: string[] = [];

  add(label: string, value: unknown): void {
    this.texts.push(`${label}: ${typeof value === 'string' ? value : inspect(value, { depth: 6, showHidden: true, getters: true })}`);
    if (value instanceof Error) this.texts.push(`${label}.stack: ${value.stack ?? ''}`, `${label}.json: ${JSON.stringify(value)}`);
  }

  /** Listens to everything ctx emits, with the most verbose log and the SIP trace. */
  watch(ctx: Context, redact: boolean): void {
    ctx.setLogger((method, message, record) => this.add(`log ${method} ${record.file}:${record.line}`, message), 7);
    ctx.setTrace(true, { redact });
    ctx.on('trace', (t) => this.add(`trace ${t.direction}`, t.text));
    ctx.on('event', (ev) => {
      this.add('event', ev);
      this.add('event.request', ev.request?.toString() ?? '');
      this.add('event.response', ev.response?.toString() ?? '');
    });
    ctx.on('registration', (reg) => {
      this.add('registration', reg);
      reg.on('challenge', (c) => this.add('challenge', { ...c, text: c.response?.toString() }));
      reg.on('registered', (i) => this.add('registered', { ...i, text: i.response?.toString() }));
      reg.on('refreshed', (i) => this.add('refreshed', i));
      reg.on('failed', (e) => this.add('failed', e));
    });
  }

  assertClean(what: string, secrets: readonly string[] = SECRETS): void {
    assert.ok(this.texts.length > 0, `${what}: nothing collected`);
    for (const text of this.texts) {
      for (const secret of secrets) assert.ok(!text.includes(secret), `${what}: a secret appears in\n${text}`);
    }
  }
}

describe('passwords never appear in what the library produces', { concurrency: true }, () => {
  for (const redact of [true, false]) {
    test(`a successful digest registration (password, then HA1), trace redact=${redact}`, { timeout: 30_000 * SLOW }, async () => {
      const seen = new Collector();
      for (const credential of ['password', 'ha1'] as const) {
        const sipp = await startSipp('uas-401-200.xml', { keys: { user: 'alice', pass: PASSWORD, realm: 'example.com', expires: 120 } });
        const ctx = new Context({ userAgent: 'exosip2-secrets-test' });
        try {
          seen.watch(ctx, redact);
          await ctx.listen({ address: '127.0.0.1' });
          ctx.addAuthenticationInfo(credential === 'password' ? { username: 'alice', password: PASSWORD, realm: 'example.com' } : { username: 'alice', ha1: HA1, realm: 'example.com' });
          const reg = await ctx.register({ from: 'sip:alice@example.com', proxy: sipp.proxy, expires: 600 });
          seen.add('reg', reg);
          seen.add('ctx', ctx);
          const r = await sipp.done;
          assert.equal(r.exitCode, 0, explainSipp(r));
          assert.match(r.log, /auth=ok/, 'SIPp verified the digest made from the secret');
          assert.ok(seen.texts.some((t) => t.startsWith('log ')), 'the osip log was on');
          assert.ok(seen.texts.some((t) => t.startsWith('trace out') && t.includes('Authorization: Digest')), 'the trace saw the Authorization');
        } finally {
          await ctx.close();
          await sipp.stop();
        }
      }
      seen.assertClean(`registration (redact=${redact})`);
    });
  }

  test('a wrong password: the 403 and its error', { timeout: 30_000 * SLOW }, async () => {
    const seen = new Collector();
    const sipp = await startSipp('uas-401-200.xml', { keys: { user: 'alice', pass: 'not-the-one', realm: 'example.com', expires: 120 } });
    const ctx = new Context();
    try {
      seen.watch(ctx, true);
      await ctx.listen({ address: '127.0.0.1' });
      ctx.addAuthenticationInfo({ username: 'alice', password: PASSWORD, realm: 'example.com' });
      const error = await ctx.register({ from: 'sip:alice@example.com', proxy: sipp.proxy }).then(
        () => assert.fail('registered with a wrong password'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof RegistrationError);
      assert.equal(error.statusCode, 403);
      seen.add('rejection', error);
      seen.add('ctx', ctx);
    } finally {
      await ctx.close();
      await sipp.stop();
    }
    seen.assertClean('wrong password');
  });

  test('argument errors about credentials do not echo them', async () => {
    const seen = new Collector();
    const ctx = new Context();
    try {
      const attempts: Array<() => void> = [
        () => ctx.addAuthenticationInfo({ username: 'alice', password: `${PASSWORD}${'x'.repeat(40)}` }),
        () => ctx.addAuthenticationInfo({ username: 'alice', password: `${PASSWORD}\r\nX: y` }),
        () => ctx.addAuthenticationInfo({ username: 'alice', password: `${PASSWORD}\0` }),
        () => ctx.addAuthenticationInfo({ username: 'alice', ha1: `${HA1}${HA1}` }),
        () => ctx.addAuthenticationInfo({ username: 'alice', password: Buffer.from(PASSWORD) as never }),
        () => ctx.addAuthenticationInfo({ username: 'alice', password: [PASSWORD] as never }),
        () => ctx.addAuthenticationInfo({ username: 'alice', password: { toString: () => PASSWORD } as never }),
        // A PIN-like password given as a number is still the password.
        () => ctx.addAuthenticationInfo({ username: 'alice', password: NUMERIC_PASSWORD as never }),
        () => ctx.addAuthenticationInfo({ username: 'alice', ha1: NUMERIC_PASSWORD as never }),
      ];
      for (const attempt of attempts) {
        const error = (() => {
          try {
            attempt();
          } catch (e) {
            return e;
          }
          return assert.fail('accepted');
        })();
        assert.ok(error instanceof TypeError || error instanceof RangeError, String(error));
        seen.add('argument error', error);
      }
      // The compat API returns OSIP_BADPARAMETER for what C would truncate.
      assert.equal(eXosip_add_authentication_info(ctx, 'alice', 'alice', `${PASSWORD}${'x'.repeat(40)}`, null, null), OSIP_BADPARAMETER);
    } finally {
      await ctx.close();
    }
    seen.assertClean('argument errors', [...SECRETS, String(NUMERIC_PASSWORD)]);
  });

  test('a process that logs everything to the console prints no secret', { timeout: 30_000 * SLOW }, async () => {
    const sipp = await startSipp('uas-401-200.xml', { keys: { user: 'alice', pass: PASSWORD, realm: 'example.com', expires: 120 } });
    try {
      const lib = JSON.stringify(LIB_INDEX);
      const script = `
        require('tsx/cjs');
        const { Context } = require(${lib});
        (async () => {
          const ctx = new Context({ logger: console, logLevel: 7 });
          ctx.setTrace(true);
          ctx.on('trace', (t) => console.log(t));
          ctx.on('event', (e) => console.log(e));
          ctx.on('registration', (r) => { r.on('challenge', console.log); r.on('registered', console.log); });
          await ctx.listen({ address: '127.0.0.1' });
          ctx.addAuthenticationInfo({ username: 'alice', password: process.env.SECRET_PW, realm: 'example.com' });
          const reg = await ctx.register({ from: 'sip:alice@example.com', proxy: process.env.PROXY });
          console.log(reg, ctx);
          await ctx.close();
        })().catch((e) => { console.error(e); process.exit(1); });
      `;
      const child = spawn(process.execPath, ['-e', script], { env: { ...process.env, SECRET_PW: PASSWORD, PROXY: sipp.proxy }, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.equal(code, 0, output);
      const r = await sipp.done;
      assert.match(r.log, /auth=ok/, explainSipp(r));
      assert.match(output, /Authorization: Digest/, 'the trace was printed');
      for (const secret of SECRETS) assert.ok(!output.includes(secret), `a secret was printed:\n${output}`);
    } finally {
      await sipp.stop();
    }
  });
});
