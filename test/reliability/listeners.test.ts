/**
 * Listeners that throw or dispose what they are given: the binding's own
 * handling of the event (settling promises, default answers, routing) still
 * happens, and each exception is still raised as an uncaught exception
 * (README, "A listener that throws"). Run in a child process
 * (test/fixtures/throwing-listeners.ts), whose process.on('uncaughtException')
 * records what was thrown.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import * as path from 'node:path';
import { test } from 'node:test';

const ROOT = path.resolve(__dirname, '../..');

test('throwing listeners (event, request, call, a Call\'s request) and an event listener disposing its messages: every answer still arrives, every default answer still goes, each exception is uncaught', { timeout: 60_000 }, async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/fixtures/throwing-listeners.ts')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
  const [code] = await once(child, 'exit');
  clearTimeout(timer);
  assert.equal(code, 0, stderr);
  assert.deepEqual(JSON.parse(stdout), {
    message: 'resolved 200',
    invite: 'resolved',
    info: 'resolved 200',
    hangup: 'hangup',
    laterListener: ['EXOSIP_MESSAGE_ANSWERED', 'EXOSIP_CALL_ANSWERED'],
    unanswered: 'rejected ERR_REQUEST_REJECTED 405',
    unansweredCall: 'rejected ERR_CALL_REJECTED 480',
    disposed: 'resolved 200',
    thrown: ['call listener', 'call request listener', 'event listener: EXOSIP_CALL_ANSWERED', 'event listener: EXOSIP_MESSAGE_ANSWERED', 'event listener: EXOSIP_MESSAGE_ANSWERED', 'request listener'],
  });
});
