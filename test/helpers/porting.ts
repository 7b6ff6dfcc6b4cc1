/**
 * What the tests of the executed porting guides (test/compat/porting-*.test.ts)
 * share: contexts closed after each test, waiting for a compat event, and
 * Kamailio's view of a binding.
 */
import { strict as assert } from 'node:assert';
import { eXosip_event_wait, type eXosip_event_t, type eXosip_t } from '../../lib/compat';
import type { Context } from '../../lib/index';
import { type Binding, waitFor } from './kamailio';
import { SLOW } from './slow';

/** Contexts a test opened; {@link closeTracked} closes them. */
const contexts: Context[] = [];

/** Returns `ctx`, to be closed after the test (null passes through). */
export function track<T extends Context | null>(ctx: T): T {
  if (ctx !== null) contexts.push(ctx);
  return ctx;
}

/** Closes every context {@link track} saw. */
export async function closeTracked(): Promise<void> {
  for (const ctx of contexts.splice(0)) await ctx.close();
}

/** Waits (with eXosip_event_wait) for the first event `match` accepts; the others are returned too. */
export async function waitEvent(ctx: eXosip_t, match: (ev: eXosip_event_t) => boolean, timeoutMs = 10_000 * SLOW): Promise<{ event: eXosip_event_t; seen: eXosip_event_t[] }> {
  const seen: eXosip_event_t[] = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const event = await eXosip_event_wait(ctx, 0, 200);
    if (event === null) continue;
    seen.push(event);
    if (match(event)) return { event, seen };
  }
  throw new Error(`no matching event within ${timeoutMs} ms; got ${seen.map((e) => `${e.type}/${e.response?.statusCode}`).join(', ')}`);
}

/** Resolves with the bindings of `aor` in Kamailio once there are `count` (5 s at most). */
export async function bindingsOf(kam: { lookup(aor: string): Promise<Binding[]> }, aor: string, count: number): Promise<Binding[]> {
  return waitFor(async () => {
    const bindings = await kam.lookup(aor);
    return bindings.length === count ? bindings : undefined;
  }, { what: `${count} binding(s) of ${aor}`, timeoutMs: 5000 * SLOW });
}

/** The port `ctx` listens on. */
export function portOf(ctx: Context): number {
  assert.ok(ctx.address !== null);
  return ctx.address.port;
}

/** Asserts that `binding`'s Contact is `user` at `ctx`'s port. */
export function assertContactOf(binding: Binding, user: string, ctx: Context): void {
  assert.match(binding.contact, new RegExp(`^sip:${user}@[^:;]+:${portOf(ctx)}(;|$)`), binding.contact);
}
