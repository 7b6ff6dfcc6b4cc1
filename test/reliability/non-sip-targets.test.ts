/**
 * Requests to a URI without a SIP host. libeXosip2 5.3.0 reads the host of
 * the URI it sends a request to without a check (eXtl_udp.c:1262
 * `osip_strcasecmp(host, ...)` with host NULL): a `tel:` or `mailto:` target
 * kills the process (SIGSEGV, exit 139), whether the application asks for it
 * or a peer's 3xx Contact leads eXosip there (it follows a 3xx of a call's
 * requests by itself, eXosip_automatic_action). Each scenario runs in a child
 * process (test/fixtures/non-sip-targets.ts) that would die without the
 * binding's checks; the test asserts it lives, saw the right codes, and
 * placed a call afterwards. docs/reliability.md, "Requests to URIs without a
 * SIP host".
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { OSIP_BADPARAMETER, OSIP_SYNTAXERROR } from '../../lib/compat';
import { fixture } from '../helpers/paths';
import { SLOW } from '../helpers/slow';

const FIXTURE = fixture('non-sip-targets.ts');

/** Runs one scenario in a child process: it must exit 0 (not killed), and gives what it printed. */
function scenario(name: string): Record<string, unknown> {
  const r = spawnSync(process.execPath, ['--import', 'tsx', FIXTURE, name], { encoding: 'utf8', timeout: 40_000 * SLOW });
  assert.equal(r.signal, null, `the child was killed by ${r.signal} (exit ${r.status}): ${r.stdout}${r.stderr}`);
  assert.equal(r.status, 0, `exit ${r.status}: ${r.stdout}${r.stderr}`);
  const [json, survived] = r.stdout.trim().split('\n');
  assert.equal(survived, 'survived');
  return JSON.parse(json) as Record<string, unknown>;
}

describe('requests to URIs without a SIP host are refused before eXosip sends them', () => {
  test('ctx.invite(), message(), options(), request() and register(): TypeError ERR_INVALID_ARG_VALUE; a tel: number behind a SIP route goes', { timeout: 60_000 * SLOW }, () => {
    const seen = scenario('api');
    const refused = Object.entries(seen).filter(([, value]) => value === 'ERR_INVALID_ARG_VALUE').map(([key]) => key);
    const targets = ['tel:+1234', 'mailto:x@y', '<tel:+1234>', '"Bob" <urn:service:sos>', 'sip:bob@'];
    assert.deepEqual(refused, [
      ...targets.flatMap((to) => [`invite ${to}`, `message ${to}`, `options ${to}`]),
      'invite route tel:',
      'request route mailto:',
      // An IPv6 literal from an IPv4 context: refused as register() does (eXosip failed at once, "No answer for this Call!", and leaked).
      'invite [::1]',
      'options [::1]',
      'register proxy sip:alice@',
    ]);
    // The INVITE to tel:+1234 went to bob (the loose route), which refused it.
    assert.deepEqual(seen['invite tel: via route'], ['ERR_CALL_REJECTED', 404, []]);
    assert.equal(seen.then, 'answered');
  });

  test('compat: the C-named builds return OSIP_BADPARAMETER; a request parsed by hand is refused at its send', { timeout: 60_000 * SLOW }, () => {
    assert.deepEqual(scenario('compat'), {
      invite: OSIP_BADPARAMETER,
      'invite route': OSIP_BADPARAMETER,
      'invite [::1]': OSIP_BADPARAMETER,
      message: OSIP_BADPARAMETER,
      options: OSIP_BADPARAMETER,
      register: OSIP_BADPARAMETER,
      parsed: 0,
      'send parsed': OSIP_BADPARAMETER,
      'invite tel: via route': 'built',
    });
  });
});

describe('a peer redirecting us (3xx) to a URI without a SIP host', () => {
  test('invite(): the 3xx is final, rejects with CallError carrying the Contacts; the next call works', { timeout: 60_000 * SLOW }, () => {
    assert.deepEqual(scenario('redirect-invite'), {
      '302 tel:': ['ERR_CALL_REJECTED', 302, ['<tel:+1234>']],
      // One Contact eXosip could not reach is enough: none is followed.
      '301 sip: and tel:': ['ERR_CALL_REJECTED', 301, ['<sip:carol@127.0.0.1:9>', '<tel:+1234>']],
      '302 mailto:': ['ERR_CALL_REJECTED', 302, ['<mailto:x@y>']],
      then: 'answered',
    });
  });

  test('an INFO inside a call: rejects with the 302 and its Contact; the call and the next one work', { timeout: 60_000 * SLOW }, () => {
    assert.deepEqual(scenario('redirect-in-call'), { 'INFO 302 tel:': ['ERR_REQUEST_REJECTED', 302, ['<tel:+1234>']], then: 'answered' });
  });

  // eXosip follows no 3xx to a request outside of a call (eXosip_default_action:
  // "not implemented"): this one never crashed, and must stay so with the guard.
  test('message(): rejects with RequestError 302 carrying the Contact; the next call works', { timeout: 60_000 * SLOW }, () => {
    assert.deepEqual(scenario('redirect-message'), { '302 tel:': ['ERR_REQUEST_REJECTED', 302, ['<tel:+1234>']], then: 'answered' });
  });

  test('compat, an eXosip_event_wait loop: EXOSIP_CALL_REDIRECTED with the Contact, eXosip_default_action finds nothing to follow, the next call is answered', { timeout: 60_000 * SLOW }, () => {
    assert.deepEqual(scenario('redirect-compat'), {
      cid: true,
      redirected: [302, ['<tel:+1234>']],
      // _eXosip_call_retry_request: "no contact header usable for SIP redirection".
      'default action': OSIP_SYNTAXERROR,
      then: 200,
    });
  });
});
