/**
 * Soak: 1,000 registrations held against Kamailio with automatic refreshes
 * for at least 10 minutes, spread over several contexts. Not a CI test.
 *
 *   node --import tsx bench/soak.ts            # or: npm run bench:soak
 *
 * Environment: SOAK_REGISTRATIONS (1000), SOAK_MINUTES (10, after the ramp),
 * SOAK_EXPIRES (60: Kamailio's floor, so eXosip refreshes every ~54 s),
 * SOAK_PER_CONTEXT (84: under eXosip's 100 digest-challenge slots per
 * context, MAX_EXOSIP_HTTP_AUTH), SOAK_SAMPLE_S (30), SOAK_JSON=<file> to
 * write the record.
 *
 * Checks at the end, each printed as PASS/FAIL (exit 1 on any FAIL):
 * - Kamailio's location table holds every registration;
 * - no registration was lost: every one is 'registered', none emitted
 *   'failed', each was refreshed about as often as the period implies;
 * - RSS is flat after warm-up (the first SOAK_WARM_UP_S, 180 s): the mean
 *   RSS of the second half of the later samples exceeds the first half's by
 *   less than 10 MB (the least-squares slope is printed too). A GC runs
 *   before each sample so that RSS reflects what is live.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Context, type Registration } from '../dist/lib/index';
import { startKamailio } from '../test/helpers/kamailio';

const N = Number(process.env.SOAK_REGISTRATIONS ?? 1000);
const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const EXPIRES = Number(process.env.SOAK_EXPIRES ?? 60);
const PER_CONTEXT = Number(process.env.SOAK_PER_CONTEXT ?? 84);
const SAMPLE_S = Number(process.env.SOAK_SAMPLE_S ?? 30);
/** After warm-up, the mean RSS of the second half of the samples may exceed the first half's by at most this much. */
const MAX_GROWTH_MB = 10;
/** Samples before this many seconds are warm-up (three refresh cycles at expires 60). */
const WARM_UP_S = Number(process.env.SOAK_WARM_UP_S ?? 180);

interface Sample {
  t: number;
  rssMb: number;
  heapMb: number;
  registered: number;
  inTable: number;
  refreshed: number;
  failed: number;
  registerRequests: number;
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const mb = (bytes: number): number => Math.round(bytes / 1e5) / 10;
const t0 = Date.now();
const log = (line: string): void => {
  process.stdout.write(`${((Date.now() - t0) / 1000).toFixed(0).padStart(5)} s  ${line}\n`);
};

/** Least-squares slope of y over x. */
function slope(points: Array<[number, number]>): number {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

async function main(): Promise<void> {
  log(`soak: ${N} registrations, expires ${EXPIRES} s, ${PER_CONTEXT} per context, ${MINUTES} min after the ramp; node ${process.version}, libeXosip2 ${Context.exosipVersion}`);
  // Keep little of Kamailio's log: the harness holds it in this process's heap.
  const kam = await startKamailio({ minExpires: Math.min(EXPIRES, 60), maxLogChars: 64 * 1024 });
  const contexts: Context[] = [];
  const registrations: Registration[] = [];
  let refreshed = 0;
  let failed = 0;
  const failures: string[] = [];
  try {
    for (let c = 0; c * PER_CONTEXT < N; c++) {
      const ctx = new Context({ userAgent: 'exosip2-soak/1' });
      await ctx.listen({ address: '127.0.0.1' });
      contexts.push(ctx);
    }
    // Ramp: 50 REGISTERs in flight at a time.
    const started = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (next < N) {
          const i = next++;
          const ctx = contexts[Math.floor(i / PER_CONTEXT)];
          const user = `load${1000 + i}`;
          ctx.addAuthenticationInfo({ username: user, password: 'loadpw', realm: 'example.com' });
          const reg = await ctx.register({ from: `sip:${user}@example.com`, proxy: kam.proxy, expires: EXPIRES });
          reg.on('refreshed', () => refreshed++);
          reg.on('failed', (e) => {
            failed++;
            if (failures.length < 20) failures.push(`${((Date.now() - t0) / 1000).toFixed(0)} s ${reg.from}: ${e.code} ${e.statusCode}`);
          });
          registrations.push(reg);
        }
      }),
    );
    log(`ramp: ${N} registered in ${((Date.now() - started) / 1000).toFixed(1)} s over ${contexts.length} contexts`);

    // `kamcmd ul.dump` refuses a reply this big: count with usrloc's statistics.
    const contactsInTable = async (): Promise<number> => {
      const out = await kam.rpc('stats.get_statistics', 'usrloc:');
      const m = /location_contacts\s*[:=]\s*(\d+)/.exec(out);
      if (!m) throw new Error(`unexpected stats output: ${out}`);
      return Number(m[1]);
    };
    const samples: Sample[] = [];
    const sample = async (): Promise<Sample> => {
      gc();
      const s: Sample = {
        t: (Date.now() - started) / 1000,
        rssMb: mb(process.memoryUsage().rss),
        heapMb: mb(process.memoryUsage().heapUsed),
        registered: registrations.filter((r) => r.state === 'registered').length,
        inTable: await contactsInTable(),
        refreshed,
        failed,
        registerRequests: await kam.registerCount(),
      };
      samples.push(s);
      log(`rss ${s.rssMb} MB, heap ${s.heapMb} MB, registered ${s.registered}, in Kamailio ${s.inTable}, refreshes ${s.refreshed}, failed ${s.failed}, REGISTERs at Kamailio ${s.registerRequests}`);
      return s;
    };
    await sample();
    const end = Date.now() + MINUTES * 60_000;
    while (Date.now() < end) {
      await sleep(Math.min(SAMPLE_S * 1000, Math.max(0, end - Date.now())));
      await sample();
    }
    const last = samples.at(-1)!;

    // Every AoR, one by one, at the end.
    let found = 0;
    let cursor = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (cursor < registrations.length) {
          const reg = registrations[cursor++];
          const bindings = await kam.lookup(reg.from);
          if (bindings.length === 1 && bindings[0].expires > 0) found++;
        }
      }),
    );
    log(`lookup of every AoR at the end: ${found} of ${N} have their binding`);

    // Verdicts.
    const heldFor = last.t;
    const expectedRefreshes = Math.floor(heldFor / Math.max(EXPIRES * 0.9, EXPIRES - 6)) * N;
    const warm = samples.filter((s) => s.t >= WARM_UP_S);
    const slopeMbPerHour = warm.length > 1 ? slope(warm.map((s) => [s.t / 3600, s.rssMb])) : 0;
    const half = Math.floor(warm.length / 2);
    const mean = (xs: Sample[]): number => xs.reduce((a, s) => a + s.rssMb, 0) / Math.max(1, xs.length);
    const growth = mean(warm.slice(half)) - mean(warm.slice(0, half));
    const spread = warm.length > 0 ? Math.max(...warm.map((s) => s.rssMb)) - Math.min(...warm.map((s) => s.rssMb)) : 0;
    const checks: Array<[string, boolean]> = [
      [`held ${(heldFor / 60).toFixed(1)} min >= ${MINUTES} min`, heldFor >= MINUTES * 60 - 1],
      [`Kamailio's table holds all ${N}: ${last.inTable} contacts, ${found} AoRs found one by one`, last.inTable === N && found === N],
      [`every registration 'registered': ${last.registered}`, last.registered === N],
      [`no 'failed' event: ${failed}`, failed === 0],
      [`refreshes ${refreshed} >= 90% of the ${expectedRefreshes} the period implies`, refreshed >= expectedRefreshes * 0.9],
      [
        `RSS flat after ${WARM_UP_S} s of warm-up: second half ${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MB vs first half (limit ${MAX_GROWTH_MB}), slope ${slopeMbPerHour.toFixed(1)} MB/h, spread ${spread.toFixed(1)} MB over ${warm.length} samples`,
        warm.length >= 4 && growth < MAX_GROWTH_MB,
      ],
    ];
    for (const [what, ok] of checks) log(`${ok ? 'PASS' : 'FAIL'} ${what}`);
    for (const f of failures) log(`failure: ${f}`);
    if (process.env.SOAK_JSON) {
      writeFileSync(
        process.env.SOAK_JSON,
        `${JSON.stringify({ registrations: N, expires: EXPIRES, perContext: PER_CONTEXT, contexts: contexts.length, minutes: MINUTES, node: process.version, exosip: Context.exosipVersion, samples, checks, failures }, null, 2)}\n`,
      );
    }
    const unregistering = Date.now();
    let unregistered = 0;
    let at = 0;
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (at < registrations.length) {
          const reg = registrations[at++];
          await reg.unregister().then(() => unregistered++, () => undefined);
        }
      }),
    );
    log(`unregistered ${unregistered} in ${((Date.now() - unregistering) / 1000).toFixed(1)} s; Kamailio now holds ${await contactsInTable()}`);
    process.exitCode = checks.every(([, ok]) => ok) ? 0 : 1;
  } finally {
    await Promise.all(contexts.map((c) => c.close()));
    await kam.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
