/**
 * Faults from the registrar, scripted with SIPp (test/sipp/uas-*.xml): each
 * scenario plays the registrar, and each test asserts what we emitted, how
 * register() ended, and what SIPp received (its exit code is 0 only when the
 * scenario ran exactly as written, so an unexpected extra REGISTER fails it).
 * One table, FAULTS, says for each scenario what must happen; one runner plays
 * them all.
 *
 * The scenarios run concurrently: the whole file takes as long as the longest
 * one (eXosip's own verdict on an unanswered REGISTER: 32 s; the failed
 * refresh and its automatic retry: ~50 s).
 */
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import type { Context, Registration, RegistrationChallenge, RegistrationError, RegistrationInfo } from '../../lib/index';
import { openContext, recordEvents, summary } from '../helpers/context';
import { explainSipp, type Sipp, type SippResult, startSipp } from '../helpers/sipp';

/** Every 'challenge', 'registered', 'refreshed' and 'failed' of the registrations of ctx, in order. */
function recordRegistration(ctx: Context): { steps: string[]; registrations: Registration[]; errors: RegistrationError[] } {
  const steps: string[] = [];
  const registrations: Registration[] = [];
  const errors: RegistrationError[] = [];
  ctx.on('registration', (r) => {
    registrations.push(r);
    r.on('challenge', (c: RegistrationChallenge) => steps.push(`challenge ${c.statusCode} #${c.attempt}`));
    r.on('registered', (i: RegistrationInfo) => steps.push(`registered ${i.expires}`));
    r.on('refreshed', (i: RegistrationInfo) => steps.push(`refreshed ${i.expires}`));
    r.on('failed', (e: RegistrationError) => {
      errors.push(e);
      steps.push(`failed ${e.code} ${e.statusCode}`);
    });
  });
  return { steps, registrations, errors };
}

/** Resolves on the next 'refreshed' or 'failed' of reg (with how long it took). */
function nextOutcome(reg: Registration): Promise<{ kind: 'refreshed' | 'failed'; at: number; value: RegistrationInfo | RegistrationError }> {
  return new Promise((resolve) => {
    const onRefreshed = (value: RegistrationInfo): void => finish('refreshed', value);
    const onFailed = (value: RegistrationError): void => finish('failed', value);
    function finish(kind: 'refreshed' | 'failed', value: RegistrationInfo | RegistrationError): void {
      reg.off('refreshed', onRefreshed);
      reg.off('failed', onFailed);
      resolve({ kind, at: Date.now(), value });
    }
    reg.on('refreshed', onRefreshed);
    reg.on('failed', onFailed);
  });
}

/** Starts SIPp with `scenario` and opens a context; runs `body`; always closes both. */
async function withSipp(args: Parameters<typeof startSipp>, body: (sipp: Sipp, ctx: Context) => Promise<void>): Promise<void> {
  const sipp = await startSipp(...args);
  const ctx = await openContext();
  try {
    await body(sipp, ctx);
  } finally {
    await ctx.close();
    await sipp.stop();
  }
}

/** One scenario played, as the checks of its row see it. */
interface FaultRun {
  sipp: Sipp;
  ctx: Context;
  rec: ReturnType<typeof recordRegistration>;
  /** What register() resolved with: set in a row expecting `registered` only. */
  reg: Registration;
  /** What register() rejected with: set in a row expecting `rejected` only. */
  error: RegistrationError;
  /** Date.now() when register() was called, and when it settled. */
  started: number;
  settled: number;
  /** SIPp's result once the scenario ended, asserting it ran as written (exit code 0). */
  sippDone(): Promise<SippResult>;
}

/** One registrar fault: what SIPp plays, what we ask, and what must follow. */
interface Fault {
  title: string;
  timeoutMs: number;
  /** test/sipp/ scenario and startSipp() options. */
  sipp: Parameters<typeof startSipp>;
  /** Add alice's credentials before registering. */
  credentials?: boolean;
  /** register() options besides from (alice) and proxy (SIPp). */
  register: { expires?: number; timeoutMs?: number };
  /** How register() ends: registered with this expires, or rejected with an error with these fields. */
  outcome: { registered: number } | { rejected: Partial<Pick<RegistrationError, 'name' | 'code' | 'statusCode' | 'reason'>> };
  /** summary() of the eXosip events when register() has settled. */
  events?: Array<[string, number]>;
  /** The checks of this row alone: what follows (a refresh, SIPp's view, timing). */
  then?(run: FaultRun): Promise<void>;
  /** The registration's steps (recordRegistration), once `then` is done. */
  steps?: string[];
  /** SIPp ran the scenario as written and received this many REGISTERs. */
  received?: number;
}

const ALICE = { user: 'alice', pass: 'secret', realm: 'example.com' };

const FAULTS: Fault[] = [
  {
    title: '401 then 200: the challenge is answered with a digest SIPp verifies',
    timeoutMs: 30_000,
    sipp: ['uas-401-200.xml', { keys: { ...ALICE, expires: 120 } }],
    credentials: true,
    register: { expires: 600 },
    outcome: { registered: 120 }, // the expires SIPp granted to our Contact
    events: [
      ['EXOSIP_REGISTRATION_FAILURE', 401],
      ['EXOSIP_REGISTRATION_SUCCESS', 200],
    ],
    async then({ sippDone }) {
      const r = await sippDone();
      assert.match(r.log, /auth=ok/);
      assert.doesNotMatch(r.received[0], /^Authorization:/m);
      assert.match(r.received[1], /^Authorization: Digest username="alice", realm="example\.com"/m);
      assert.ok(!r.messages.includes('secret'), 'the password never goes on the wire');
    },
    steps: ['challenge 401 #1', 'registered 120'],
    received: 2,
  },
  {
    title: '403: register() rejects at once and nothing more is sent',
    timeoutMs: 30_000,
    sipp: ['uas-403.xml'],
    credentials: true,
    register: { expires: 600 },
    outcome: { rejected: { name: 'RegistrationError', code: 'ERR_REGISTRATION_REJECTED', statusCode: 403, reason: 'Forbidden' } },
    events: [['EXOSIP_REGISTRATION_FAILURE', 403]],
    async then({ rec, ctx }) {
      assert.equal(rec.registrations[0].state, 'removed');
      assert.equal(ctx.registrations.size, 0);
    },
    steps: ['failed ERR_REGISTRATION_REJECTED 403'],
    // SIPp waits 2 s after its 403: another REGISTER would fail the scenario.
    received: 1,
  },
  {
    title: '423 with Min-Expires: eXosip asks again for Min-Expires and we end registered at it',
    timeoutMs: 30_000,
    sipp: ['uas-423.xml', { keys: { min: 120 } }],
    register: { expires: 60 },
    outcome: { registered: 120 },
    async then({ sippDone }) {
      const r = await sippDone();
      assert.deepEqual(
        r.received.map((m) => /^Expires: (\d+)/m.exec(m)?.[1]),
        ['60', '120'],
        'the second REGISTER asks for Min-Expires',
      );
    },
    steps: ['challenge 423 #1', 'registered 120'],
  },
  {
    title: '500 with Retry-After on the first REGISTER: register() rejects, the header is readable, nothing is retried',
    timeoutMs: 30_000,
    sipp: ['uas-500-retry-after.xml', { keys: { retry: 30 } }],
    register: { expires: 600 },
    outcome: { rejected: { code: 'ERR_REGISTRATION_REJECTED', statusCode: 500, reason: 'Server Internal Error' } },
    async then({ rec }) {
      // What the registrar said stays readable on the registration.
      const [reg] = rec.registrations;
      assert.equal(reg.lastResponse?.statusCode, 500);
      assert.equal(reg.lastResponse?.getHeader('retry-after'), '30');
      assert.equal(reg.state, 'removed');
    },
    steps: ['failed ERR_REGISTRATION_REJECTED 500'],
    // A first REGISTER that failed for good is forgotten: SIPp's 3 s of
    // silence pass without another REGISTER.
    received: 1,
  },
  {
    title: '500 with Retry-After on a refresh: "failed", then eXosip retries by itself and we are refreshed',
    timeoutMs: 90_000,
    sipp: ['uas-refresh-500.xml', { keys: { granted: 30, retry: 5 }, timeoutS: 120 }],
    register: { expires: 3600 },
    outcome: { registered: 30 },
    async then({ reg, settled: registeredAt }) {
      const failed = await nextOutcome(reg);
      assert.equal(failed.kind, 'failed');
      const error = failed.value as RegistrationError;
      assert.equal(error.code, 'ERR_REGISTRATION_REJECTED');
      assert.equal(error.statusCode, 500);
      assert.equal(reg.state, 'failed');
      assert.equal(reg.lastResponse?.getHeader('retry-after'), '5');
      const refreshSeconds = (failed.at - registeredAt) / 1000;
      assert.ok(refreshSeconds > 20 && refreshSeconds < 30, `the refresh came ${refreshSeconds} s after the 200`);
      // eXosip retries on its refresh schedule (90% of 30 s after the failed
      // REGISTER), not on Retry-After: see docs/reliability.md.
      const recovered = await nextOutcome(reg);
      assert.equal(recovered.kind, 'refreshed', String(recovered.value));
      const retrySeconds = (recovered.at - failed.at) / 1000;
      assert.ok(retrySeconds >= 5 && retrySeconds < 32, `retried ${retrySeconds} s after the 500`);
      assert.equal(reg.state, 'registered');
    },
    steps: ['registered 30', 'failed ERR_REGISTRATION_REJECTED 500', 'refreshed 30'],
    received: 3,
  },
  {
    title: 'no answer, with timeoutMs: ERR_REGISTRATION_TIMEOUT on time',
    timeoutMs: 30_000,
    sipp: ['uas-silent.xml'],
    register: { timeoutMs: 2000 },
    outcome: { rejected: { code: 'ERR_REGISTRATION_TIMEOUT', statusCode: 0 } },
    async then({ sipp, ctx, started, settled }) {
      const ms = settled - started;
      assert.ok(ms >= 2000 && ms < 3000, `rejected after ${ms} ms`);
      assert.equal(ctx.registrations.size, 0);
      assert.ok(sipp.receivedSoFar().length >= 1, 'the REGISTER reached SIPp');
    },
  },
  {
    title: "no answer at all: eXosip's own verdict, ERR_REGISTRATION_NO_RESPONSE after its 32 s timer",
    timeoutMs: 60_000,
    sipp: ['uas-silent.xml'],
    // timeoutMs defaults to 40 s, above eXosip's transaction timeout
    // (64*T1 = 32 s over UDP): eXosip's verdict comes first.
    register: {},
    outcome: { rejected: { code: 'ERR_REGISTRATION_NO_RESPONSE', statusCode: 0 } },
    async then({ sipp, started, settled }) {
      const seconds = (settled - started) / 1000;
      assert.ok(seconds > 31 && seconds < 35, `rejected after ${seconds} s`);
      const r = await sipp.stop(); // idempotent: withSipp's stop() then does nothing
      // RFC 3261 17.1.2.2 retransmissions: 0, 0.5, 1.5, 3.5, 7.5 s, then every 4 s.
      assert.ok(r.received.length >= 10 && r.received.length <= 11, `${r.received.length} REGISTERs${explainSipp(r)}`);
      assert.equal(new Set(r.received.map((m) => /^CSeq: (.*)$/m.exec(m)?.[1])).size, 1, 'all retransmissions of one REGISTER');
    },
    steps: ['failed ERR_REGISTRATION_NO_RESPONSE 0'],
  },
  {
    title: 'a 200 that lowers expires: we report it and eXosip refreshes before it runs out',
    timeoutMs: 60_000,
    sipp: ['uas-lower-expires.xml', { keys: { granted: 30 } }],
    register: { expires: 3600 },
    outcome: { registered: 30 },
    async then({ reg, settled: registeredAt }) {
      assert.equal(reg.requestedExpires, 3600);
      const next = await nextOutcome(reg);
      assert.equal(next.kind, 'refreshed', String(next.value));
      const seconds = (next.at - registeredAt) / 1000;
      assert.ok(seconds > 20 && seconds < 30, `refreshed ${seconds} s after a 200 granting 30 s`);
      assert.equal((next.value as RegistrationInfo).expires, 30);
    },
    steps: ['registered 30', 'refreshed 30'],
    received: 2,
  },
];

describe('registrar faults played by SIPp', { concurrency: true }, () => {
  for (const fault of FAULTS) {
    test(fault.title, { timeout: fault.timeoutMs }, async () => {
      await withSipp(fault.sipp, async (sipp, ctx) => {
        const events = recordEvents(ctx);
        const rec = recordRegistration(ctx);
        if (fault.credentials) ctx.addAuthenticationInfo({ username: ALICE.user, password: ALICE.pass, realm: ALICE.realm });
        const started = Date.now();
        const { reg, error }: { reg?: Registration; error?: RegistrationError } = await ctx
          .register({ from: 'sip:alice@example.com', proxy: sipp.proxy, ...fault.register })
          .then(
            (r) => ({ reg: r }),
            (e: unknown) => ({ error: e as RegistrationError }),
          );
        const settled = Date.now();
        if ('registered' in fault.outcome) {
          assert.ok(reg, `register() rejected: ${error}`);
          assert.equal(reg.state, 'registered');
          assert.equal(reg.expires, fault.outcome.registered);
        } else {
          assert.ok(error, 'register() resolved');
          for (const [field, value] of Object.entries(fault.outcome.rejected)) {
            assert.equal(error[field as keyof RegistrationError], value, field);
          }
        }
        if (fault.events) assert.deepEqual(summary(events), fault.events);
        let done: SippResult | undefined;
        const sippDone = async (): Promise<SippResult> => {
          done ??= await sipp.done;
          assert.equal(done.exitCode, 0, explainSipp(done));
          return done;
        };
        await fault.then?.({ sipp, ctx, rec, started, settled, sippDone, reg: reg!, error: error! });
        if (fault.steps) assert.deepEqual(rec.steps, fault.steps);
        if (fault.received !== undefined) {
          const r = await sippDone();
          assert.equal(r.received.length, fault.received, explainSipp(r));
        }
      });
    });
  }
});
