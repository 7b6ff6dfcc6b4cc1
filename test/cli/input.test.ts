/**
 * What exosip2-register takes in: usage errors (one line each, at once), the
 * password from EXOSIP2_PASSWORD, a file or stdin (never in the arguments),
 * and what an unreachable proxy is reported as.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { jsonLines, killCliChildren, type RunOptions, runCli } from '../helpers/cli';
import { freePort } from '../helpers/kamailio';
import { useKamailio } from '../helpers/use-kamailio';

afterEach(killCliChildren);

describe('exosip2-register input against Kamailio', () => {
  const kam = useKamailio();

  test('bad usage (no --proxy): exit 2, one line saying so', { timeout: 30000 }, async () => {
    const cli = runCli(['--from', 'sip:alice@example.com', '--password', 'secret']);
    assert.equal(await cli.exit(), 2);
    assert.equal(cli.stderr(), 'exosip2-register: missing --proxy <sip-uri> (or give neither --proxy nor --from for the demo); see exosip2-register --help\n');
    assert.equal(cli.stdout(), '');
  });

  test('a one-letter password does not garble the output (--json keys, the failure line)', { timeout: 30000 }, async () => {
    const cli = runCli(['--proxy', kam.proxy, '--from', 'sip:alice@example.com', '--password', 'e', '--json']);
    assert.equal(await cli.exit(), 1);
    const events = cli.stdout().trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.ok(events.some((e) => e.event === 'registering' && e.from === 'sip:alice@example.com'), cli.stdout());
    assert.match(cli.stderr(), /registration failed: 403 Forbidden/);
    assert.ok(!cli.stdout().includes('***') && !cli.stderr().includes('***'));
  });

  test('bad usage (unknown option, bad value): exit 2, one line each, password scrubbed', { timeout: 30000 }, async () => {
    const base = ['--proxy', kam.proxy, '--from', 'sip:alice@example.com'];
    for (const [args, says] of [
      [[...base, '--pasword', 'x'], /unknown option --pasword \(did you mean --password\?\)/],
      [[...base, '--transport', 'sctp'], /--transport must be udp or tcp \(got "sctp"\)/],
      [[...base, '--proxy', kam.proxy], /--proxy is given twice: give it once/],
      [[...base, '--password', 'secret', '--password', 'secret2'], /--password is given twice: give it once/],
      [['--proxy', `${kam.proxy};transport=udp`, '--from', 'sip:alice@example.com', '--transport', 'TCP'], /asks for udp: add --transport udp/],
      [[...base, '--port', '70000'], /--port must be an integer from 0 to 65535 \(got "70000"\)/],
      [[...base, '--password', 'secret', 'secret'], /unexpected argument "\*\*\*"/],
      [[...base, '--expires'], /--expires needs a value/],
      [[...base, '--port', '-1'], /--port needs a value; for one that starts with a dash, write --port=<value>/],
      [[...base, '--password', '-secret'], /--password needs a value; for one that starts with a dash, write --password=<value>/],
      [['--proxy', 'sip:127.0.0.1:99999', '--from', 'sip:alice@example.com'], /--proxy port must be from 1 to 65535 \(got "99999" in "sip:127\.0\.0\.1:99999"\)/],
      [['--proxy', 'sip:127.0.0.1:0', '--from', 'sip:alice@example.com'], /--proxy port must be from 1 to 65535/],
      [['--proxy', 'sip::5060', '--from', 'sip:alice@example.com'], /--proxy names no host/],
      [['--proxy', kam.proxy, '--from', 'sip:alice@example.com?X=%0d%0a'], /--from must not contain %0D, %0A, %00 or a % without two hex digits/],
      [['--proxy', 'sip:127.0.0.1?X=y', '--from', 'sip:alice@example.com'], /--proxy must not have a headers part/],
      [['--proxy', 'sip:127.0.0.1', '--from', 'sip:alice@example.com', '--address', '::1'], /--proxy sip:127\.0\.0\.1 is an IPv4 address but the local address ::1 is IPv6/],
      [['--proxy', kam.proxy, '--from', 'sip:@'], /--from names no host/],
      [['--proxy', `${kam.proxy};transport=tcp`, '--from', 'sip:alice@example.com'], /asks for tcp: add --transport tcp/],
      [['--proxy', 'sips:127.0.0.1', '--from', 'sip:alice@example.com'], /needs TLS, which this tool does not offer/],
      [['--proxy', 'sip:127.0.0.1;transport=sctp', '--from', 'sip:alice@example.com'], /asks for sctp, which this tool cannot use \(udp or tcp only\)/],
      [['--proxy', 'sip:127.0.0.1', '--from', 'sip:alice@example.com', '--contact', 'sip:x@127.0.0.1;expires=5'], /--contact must not carry an expires parameter: give --expires/],
      [['--proxy', 'sip:127.0.0.1', '--from', 'sip:alice@example.com', '--contact', 'garbage <<'], /--contact must be a URI/],
      [['--proxy', 'http://x', '--from', 'sip:alice@example.com'], /--proxy must be a sip: or sips: URI/],
    ] as Array<[string[], RegExp]>) {
      const started = Date.now();
      const cli = runCli(args);
      assert.equal(await cli.exit(), 2, args.join(' '));
      assert.ok(Date.now() - started < 10_000, `${args.join(' ')}: a usage error is at once`);
      assert.match(cli.stderr(), /^exosip2-register: [^\n]+; see exosip2-register --help\n$/, `${args.join(' ')}: one line`);
      assert.match(cli.stderr(), says);
      assert.equal(cli.stdout(), '');
      assert.ok(!cli.stderr().includes('secret'), cli.stderr());
    }
  });

  test('the password from EXOSIP2_PASSWORD, --password-file and --password-file - (stdin); never in the arguments', { timeout: 60000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'exosip2-cli-'));
    try {
      const file = path.join(dir, 'password');
      fs.writeFileSync(file, 'loadpw\nsecond line, not read\n', { mode: 0o600 });
      const ways: Array<[string, string[], RunOptions]> = [
        ['EXOSIP2_PASSWORD', [], { env: { EXOSIP2_PASSWORD: 'loadpw' } }],
        ['--password-file <file>', ['--password-file', file], {}],
        ['--password-file - (stdin)', ['--password-file', '-'], { stdin: 'loadpw\r\n' }],
        // An option wins over the environment.
        ['--password-file over EXOSIP2_PASSWORD', ['--password-file', file], { env: { EXOSIP2_PASSWORD: 'wrong' } }],
      ];
      for (const [i, [way, extra, opts]] of ways.entries()) {
        const user = `load${i + 1}`;
        const cli = runCli(['--proxy', kam.proxy, '--from', `sip:${user}@example.com`, ...extra, '--json'], opts);
        await cli.line(/"event":"registered"/);
        assert.equal((await kam.lookup(`${user}@example.com`)).length, 1, way);
        assert.ok(!(cli.child.spawnargs.join(' ').includes('loadpw')), `${way}: the password is in the arguments`);
        cli.child.kill('SIGINT');
        assert.equal(await cli.exit(), 0, `${way}\n${cli.stdout()}${cli.stderr()}`);
        assert.ok(!cli.stdout().includes('loadpw') && !cli.stderr().includes('loadpw'), `${way}: password printed`);
        assert.deepEqual(await kam.lookup(`${user}@example.com`), [], way);
      }
      // A wrong one from the environment is refused like any other, and not printed.
      const wrong = runCli(['--proxy', kam.proxy, '--from', 'sip:load5@example.com'], { env: { EXOSIP2_PASSWORD: 'Wr0ngFromEnv' } });
      assert.equal(await wrong.exit(), 1);
      assert.match(wrong.stderr(), /registration failed: 403 Forbidden/);
      assert.ok(!(wrong.stdout() + wrong.stderr()).includes('Wr0ngFromEnv'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an unreachable proxy: TCP says the transport failed at once, UDP that nothing answered within 32 s', { timeout: 60000 }, async () => {
    const port = await freePort();
    const tcp = runCli(['--proxy', `sip:127.0.0.1:${port}`, '--from', 'sip:load7@example.com', '--transport', 'tcp']);
    assert.equal(await tcp.exit(), 1);
    assert.match(tcp.stderr(), new RegExp(`^exosip2-register: registration failed: no answer from 127\\.0\\.0\\.1:${port} \\(tcp\\): eXosip gave up after \\d+ ms, the transport failed \\(e\\.g\\. the connection was refused, or the name did not resolve\\) \\(ERR_REGISTRATION_NO_RESPONSE\\)\n$`));
    const udp = runCli(['--proxy', `sip:127.0.0.1:${port}`, '--from', 'sip:load7@example.com', '--json']);
    assert.equal(await udp.exit(45_000), 1);
    assert.equal(udp.stderr(), `exosip2-register: registration failed: no answer from 127.0.0.1:${port} (udp) within 32 s (ERR_REGISTRATION_NO_RESPONSE)\n`);
    const failed = jsonLines(udp.stdout()).find((e) => e.event === 'failed')!;
    assert.deepEqual([failed.status, failed.code, failed.reason], [0, 'ERR_REGISTRATION_NO_RESPONSE', `no answer from 127.0.0.1:${port} (udp) within 32 s`]);
  });
});

describe('exosip2-register input without a registrar', () => {
  test('password sources: one at a time, readable, a non-empty first line; the demo ignores EXOSIP2_PASSWORD', { timeout: 30000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'exosip2-cli-'));
    try {
      const empty = path.join(dir, 'empty');
      fs.writeFileSync(empty, '\nhunter2\n');
      const base = ['--proxy', 'sip:127.0.0.1:5060', '--from', 'sip:alice@example.com'];
      for (const [args, says, opts] of [
        [[...base, '--password', 'hunter2', '--password-file', empty], /give the password once: --password or --password-file, not both/, {}],
        [[...base, '--password-file', path.join(dir, 'missing')], /--password-file \S+missing: cannot read it: ENOENT/, {}],
        [[...base, '--password-file', dir], /--password-file \S+: cannot read it: EISDIR/, {}],
        [[...base, '--password-file', empty], /--password-file \S+empty: the first line is empty/, {}],
        [[...base, '--password-file', '-'], /--password-file - \(stdin\): the first line is empty/, { stdin: '' }],
        [['--proxy', 'sip:127.0.0.1:5060', '--from', 'sip:example.com'], /the password \(EXOSIP2_PASSWORD\) needs a user name/, { env: { EXOSIP2_PASSWORD: 'hunter2' } }],
      ] as Array<[string[], RegExp, RunOptions]>) {
        const cli = runCli(args, opts);
        assert.equal(await cli.exit(), 2, args.join(' '));
        assert.match(cli.stderr(), /^exosip2-register: [^\n]+; see exosip2-register --help\n$/);
        assert.match(cli.stderr(), says);
        assert.ok(!cli.stderr().includes('hunter2'), cli.stderr());
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const demo = runCli(['--json'], { env: { EXOSIP2_PASSWORD: 'hunter2' } });
    assert.equal(await demo.exit(), 0, demo.stdout() + demo.stderr());
  });
});
