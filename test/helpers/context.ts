/**
 * Test helpers around Context: open one listening on loopback, collect events.
 */
import { Context, type AnyExosipEvent, type ListenOptions } from '../../lib/index';

/** A Context listening on 127.0.0.1 (UDP unless told), closed by the caller. */
export async function openContext(listen: ListenOptions = {}): Promise<Context> {
  const ctx = new Context({ userAgent: 'exosip2-test/1.0' });
  try {
    await ctx.listen({ transport: 'udp', address: '127.0.0.1', port: 0, ...listen });
  } catch (error) {
    await ctx.close();
    throw error;
  }
  return ctx;
}

/** Every event the context emits from now on, in order. */
export function recordEvents(ctx: Context): AnyExosipEvent[] {
  const events: AnyExosipEvent[] = [];
  ctx.on('event', (ev) => events.push(ev));
  return events;
}

/** [type, status] pairs of recorded events, for compact assertions. */
export function summary(events: readonly AnyExosipEvent[]): Array<[string, number]> {
  return events.map((e) => [e.type, e.response?.statusCode ?? 0]);
}

/** Resolves after ms milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
