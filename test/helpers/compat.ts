/**
 * Test helpers for the compat API (test/compat/): contexts made the C way and
 * closed after each test, eXosip_event_wait until a matching event, the
 * `code` of what a call throws.
 */
import { strict as assert } from 'node:assert';
import { afterEach } from 'node:test';
import {
  AF_INET,
  EXOSIP_REGISTRATION_SUCCESS,
  eXosip_event_wait,
  eXosip_init,
  eXosip_listen_addr,
  eXosip_malloc,
  IPPROTO_UDP,
  type eXosip_event_t,
  type eXosip_t,
} from '../../lib/compat';
import type { KamailioFixture } from './use-kamailio';

/** What {@link useCompatContexts} gives a test file. */
export interface CompatContexts {
  /** eXosip_malloc + eXosip_init + eXosip_listen_addr on 127.0.0.1, port picked by the system; closed after the test. */
  newContext(): eXosip_t;
  /** Closes `ctx` after the test (for contexts made otherwise); returns it. */
  track<T extends eXosip_t>(ctx: T): T;
}

/**
 * Registers an `afterEach` hook in the current scope that closes every context
 * the test made through the returned functions and, with `kam`, empties
 * Kamailio's location table, so that each test starts from nothing.
 */
export function useCompatContexts(kam?: KamailioFixture): CompatContexts {
  const open: eXosip_t[] = [];
  afterEach(async () => {
    for (const ctx of open.splice(0)) await ctx.close();
    await kam?.clearBindings();
  });
  const track = <T extends eXosip_t>(ctx: T): T => {
    open.push(ctx);
    return ctx;
  };
  return {
    track,
    newContext() {
      const ctx = track(eXosip_malloc());
      assert.equal(eXosip_init(ctx), 0);
      assert.equal(eXosip_listen_addr(ctx, IPPROTO_UDP, '127.0.0.1', 0, AF_INET, 0), 0);
      return ctx;
    },
  };
}

/** eXosip_event_wait (0 s, 200 ms) until an event `match` accepts; the others are dropped (named in the error). */
export async function nextEvent(ctx: eXosip_t, match: (ev: eXosip_event_t) => boolean, timeoutMs = 10_000): Promise<eXosip_event_t> {
  const deadline = Date.now() + timeoutMs;
  const seen: string[] = [];
  while (Date.now() < deadline) {
    const ev = await eXosip_event_wait(ctx, 0, 200);
    if (ev === null) continue;
    if (match(ev)) return ev;
    seen.push(`${ev.type}/${ev.response?.statusCode}`);
  }
  throw new Error(`no matching event within ${timeoutMs} ms (saw ${seen.join(', ') || 'nothing'})`);
}

/** The `code` of what `fn` throws; undefined when it returns. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

/** An EXOSIP_REGISTRATION_SUCCESS event. */
export const isSuccess = (ev: eXosip_event_t): boolean => ev.typeId === EXOSIP_REGISTRATION_SUCCESS;
