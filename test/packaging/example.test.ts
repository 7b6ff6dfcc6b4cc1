/**
 * examples/sip_reg.ts (the port of eXosip's tools/sip_reg.c) as a child
 * process against a real Kamailio: it registers, Kamailio's location table
 * shows the binding, and on SIGINT (or --max-seconds) it removes the binding
 * and exits 0. The example also type-checks with the project's options.
 */
import { strict as assert } from 'node:assert';
import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { afterEach, describe, test } from 'node:test';
import ts from 'typescript';
import { Context } from '../../lib/index';
import { type Binding, freePort, waitFor } from '../helpers/kamailio';
import { ROOT } from '../helpers/paths';
import { useKamailio } from '../helpers/use-kamailio';
import { explainSipp, scenarioFrom, startSipp } from '../helpers/sipp';

const EXAMPLE = path.join(ROOT, 'examples', 'sip_reg.ts');

const kam = useKamailio();
const children = new Set<ChildProcess>();

afterEach(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
  }
  children.clear();
});

interface Run {
  child: ChildProcess;
  output: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function run(args: string[]): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', EXAMPLE, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exit };
}

async function exited(r: Run, timeoutMs = 15_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`sip_reg did not exit within ${timeoutMs} ms; output:\n${r.output()}`)), timeoutMs);
  });
  try {
    return await Promise.race([r.exit, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The binding of `aor` whose Contact matches `contact`. */
async function bindingOn(aor: string, contact: RegExp, r: Run): Promise<Binding> {
  return waitFor(
    async () => {
      if (r.child.exitCode !== null) throw new Error(`sip_reg exited early (${r.child.exitCode}):\n${r.output()}`);
      return (await kam.lookup(aor)).find((b) => contact.test(b.contact));
    },
    { timeoutMs: 10_000, what: `a binding of ${aor} with a Contact like ${contact}` },
  ).catch((error: Error) => {
    throw new Error(`${error.message}\nsip_reg output:\n${r.output()}`);
  });
}

describe('examples/sip_reg.ts', () => {
  test('type-checks with the project compiler options', () => {
    const config = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), ts.sys.readFile);
    const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
    const program = ts.createProgram([EXAMPLE], { ...options, noEmit: true });
    const errors = ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file && d.start !== undefined ? `${path.relative(ROOT, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: ` : '';
      return where + ts.flattenDiagnosticMessageText(d.messageText, '\n');
    });
    assert.deepEqual(errors, []);
  });

  test('registers, and removes the binding on SIGINT', async () => {
    const port = await freePort();
    const r = run(['-d', '-r', kam.proxy, '-u', 'sip:dave@example.com', '-U', 'dave', '-P', 'davepw', '-p', String(port), '-e', '1800']);
    const binding = await bindingOn('dave@example.com', new RegExp(`^sip:dave@[^:;]+:${port}(;|$)`), r);
    assert.equal(binding.userAgent, `sip_reg (${Context.exosipVersion})`);
    // sip_reg.c registers for twice the expiry; Kamailio caps it at 3600.
    assert.ok(binding.expires > 3590 && binding.expires <= 3600, `expires ${binding.expires}`);
    assert.equal(binding.socket, `udp:127.0.0.1:${kam.port}`);
    await waitFor(async () => r.output().includes('registrered successfully'), { what: 'the success log line' });
    r.child.kill('SIGINT');
    const { code, signal } = await exited(r);
    assert.deepEqual({ code, signal }, { code: 0, signal: null }, r.output());
    assert.match(r.output(), /sip_reg\[\d+\]: unregistered/);
    assert.deepEqual(await kam.lookup('dave@example.com'), []);
  });

  test('rejects an INVITE, a MESSAGE and a SUBSCRIBE with 405, as sip_reg.c does', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const r = run(['-d', '-r', kam.proxy, '-u', 'sip:dave@example.com', '-U', 'dave', '-P', 'davepw', '-p', String(port), '-e', '1800']);
    await bindingOn('dave@example.com', new RegExp(`^sip:dave@[^:;]+:${port}(;|$)`), r);
    const remote = `127.0.0.1:${port}`;
    const invite = await (await startSipp(scenarioFrom('uac-invite.xml', { STATUS: 405 }), { remote, timeoutS: 20 })).done;
    assert.equal(invite.exitCode, 0, explainSipp(invite));
    assert.match(invite.messages, /^SIP\/2\.0 405 No Support for Incoming Calls\s*$/m);
    for (const method of ['MESSAGE', 'SUBSCRIBE']) {
      const sipp = await (await startSipp(scenarioFrom('uac-request.xml', { METHOD: method, TOTAG: '' }), { remote, timeoutS: 20 })).done;
      assert.equal(sipp.exitCode, 0, explainSipp(sipp));
      assert.match(sipp.messages, /^SIP\/2\.0 405 Method Not Allowed\s*$/m);
    }
    await waitFor(async () => /SUBSCRIBE rejected with 405/.test(r.output()), { what: 'the SUBSCRIBE log line' });
    assert.match(r.output(), /INVITE rejected with 405/);
    assert.match(r.output(), /MESSAGE rejected with 405/);
    r.child.kill('SIGINT');
    assert.equal((await exited(r)).code, 0, r.output());
  });

  test('--max-seconds stops it like SIGINT (long options, TCP)', async () => {
    const port = await freePort();
    const r = run(['--debug', '--proxy', `${kam.proxy};transport=tcp`, '--from=sip:alice@example.com', '--username', 'alice', '--password=secret', '--transport', 'TCP', '--port', String(port), '--expiry', '600', '--max-seconds', '3']);
    // Over TCP, eXosip puts the connection's local port in Contact, not the listening one.
    const binding = await bindingOn('alice@example.com', /^sip:alice@[^:;]+:\d+;transport=TCP/i, r);
    assert.equal(binding.socket, `tcp:127.0.0.1:${kam.port}`);
    assert.ok(binding.expires > 1190 && binding.expires <= 1200, `expires ${binding.expires}`);
    const { code } = await exited(r);
    assert.equal(code, 0, r.output());
    assert.match(r.output(), /up and running \[testing on \[TCP\] REGISTER \[sip:127\.0\.0\.1:\d+;transport=tcp\] Expires \[600\] From: \[sip:alice@example\.com\] Username: \[alice:\*\*\*\*\*\]\]/);
    assert.deepEqual(await kam.lookup('alice@example.com'), []);
  });

  test('usage: -h exits 0; missing -r/-u and a wrong transport exit 1', async () => {
    const help = run(['-h']);
    assert.equal((await exited(help)).code, 0);
    assert.match(help.output(), new RegExp(`^sip_reg v${Context.exosipVersion.replace(/\./g, '\\.')}\n`));
    assert.match(help.output(), /-r --proxy {6}sip:proxyhost\[:port\]/);
    const missing = run(['-u', 'sip:alice@example.com']);
    assert.equal((await exited(missing)).code, 1);
    assert.match(missing.output(), /Usage: sip_reg/);
    const wrong = run(['-r', kam.proxy, '-u', 'sip:alice@example.com', '-t', 'SCTP']);
    assert.equal((await exited(wrong)).code, 1);
    assert.match(wrong.output(), /wrong transport parameter/);
  });
});
