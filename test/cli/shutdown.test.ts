/**
 * How exosip2-register ends when its output goes away or a Ctrl-C comes
 * twice: always the orderly path (unregister, bounded), checked at Kamailio.
 * A real pipe closed early (`| head -2`), one Ctrl-C delivered twice (as npm
 * forwards it), and Ctrl-C to the process group under `npm exec` (what npx runs).
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { afterEach, describe, test } from 'node:test';
import { CLI, cliEnv, jsonLines, killCliChildren, pipeIntoHead, ROOT, runCli } from '../helpers/cli';
import { waitFor } from '../helpers/kamailio';
import { useKamailio } from '../helpers/use-kamailio';

afterEach(killCliChildren);

describe('exosip2-register shutdown against Kamailio', () => {
  const kam = useKamailio();

  test('an output that closes early (| head -2) ends as SIGINT does: unregistered, exit 141, no binding left', { timeout: 30000 }, async () => {
    const before = await kam.registerCount();
    const r = pipeIntoHead(['--proxy', kam.proxy, '--from', 'sip:load6@example.com', '--password', 'loadpw'], 2);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 2, r.stdout);
    assert.match(lines[1], /^\S+ registering sip:load6@example\.com at /);
    assert.equal(r.stderr, 'exosip2-register: stdout failed (EPIPE: the reader went away): unregistering, then exiting 141\n');
    assert.equal(r.cliExit, 141);
    // It registered (the REGISTER with credentials went out as the pipe closed) and unregistered.
    const registers = (await kam.registerCount()) - before;
    assert.ok(registers >= 3, `REGISTERs: ${registers}`);
    assert.deepEqual(await kam.lookup('load6@example.com'), []);
  });

  test('one Ctrl-C delivered twice (terminal and npm, as under npx): unregisters, exit 0', { timeout: 30000 }, async () => {
    const cli = runCli(['--proxy', kam.proxy, '--from', 'sip:load8@example.com', '--password', 'loadpw', '--json']);
    await cli.line(/"event":"registered"/);
    cli.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 20));
    cli.child.kill('SIGINT');
    assert.equal(await cli.exit(), 0, cli.stdout() + cli.stderr());
    const events = jsonLines(cli.stdout()).map((e) => e.event);
    assert.deepEqual(events.filter((e) => e === 'signal'), ['signal']);
    assert.equal(events.at(-1), 'unregistered');
    assert.deepEqual(await kam.lookup('load8@example.com'), []);
  });

  test('Ctrl-C under npm exec (what npx runs): npm reports 130, the CLI still unregisters', { timeout: 30000 }, async () => {
    // npm runs the command through `sh -c`; the terminal's SIGINT goes to the
    // whole foreground process group, so that shell dies of it and npm exits
    // with 130 while exosip2-register unregisters (docs/cli.md, "Exit codes").
    const env = Object.fromEntries(Object.entries(cliEnv()).filter(([k]) => !/^(npm_|INIT_CWD$)/i.test(k)));
    const args = [...CLI, '--proxy', kam.proxy, '--from', 'sip:load9@example.com', '--password', 'loadpw'];
    const npm = spawn('npm', ['exec', '--', 'node', ...args], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    npm.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    npm.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = new Promise<number | string>((resolve) => npm.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
    try {
      await waitFor(async () => (/ registered /.test(out) ? true : undefined), { timeoutMs: 15_000, intervalMs: 20, what: `registered under npm exec:\n${out}` });
      assert.equal((await kam.lookup('load9@example.com')).length, 1);
      process.kill(-npm.pid!, 'SIGINT'); // as the terminal does
      const code = await exited;
      assert.ok(code === 'SIGINT' || code === 130 || code === 0, `npm exited ${code}`);
      await waitFor(async () => ((await kam.lookup('load9@example.com')).length === 0 ? true : undefined), { timeoutMs: 10_000, what: 'the unregister' });
      await waitFor(async () => (/unregistered\n/.test(out) ? true : undefined), { timeoutMs: 5_000, what: `the unregistered line:\n${out}` });
    } finally {
      try {
        process.kill(-npm.pid!, 'SIGKILL');
      } catch {
        /* the group is gone */
      }
    }
  });
});

describe('exosip2-register demo shutdown', () => {
  test('a closed output (| head -2): the demo unregisters and exits 141', { timeout: 30000 }, async () => {
    const r = pipeIntoHead([], 2);
    assert.equal(r.stdout.trimEnd().split('\n').length, 2, r.stdout);
    assert.equal(r.stderr, 'exosip2-register: stdout failed (EPIPE: the reader went away): unregistering, then exiting 141\n');
    assert.equal(r.cliExit, 141);
  });
});
