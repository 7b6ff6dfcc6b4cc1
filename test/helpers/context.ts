/**
 * Test helpers around Context: open one listening on loopback, collect events,
 * register a user through a digest challenge.
 */
import { Context, type AnyExosipEvent, type ListenOptions, type RegisterOptions, type Registration } from '../../lib/index';

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

/** Who registers: `sip:<user>@<domain>`, with `password` (a TestUser of ./kamailio.ts fits). */
export interface Account {
  user: string;
  domain: string;
  password: string;
}

/** Options of {@link registered}: ctx.register()'s, less `from` and `proxy`, and how to get there. */
export interface RegisteredOptions extends Omit<RegisterOptions, 'from' | 'proxy'> {
  /** Register in this context (left open if the REGISTER fails); default a new {@link openContext}. */
  ctx?: Context;
  /** listen() options of the new context. */
  listen?: ListenOptions;
  /** Realm of the credentials: default the account's domain; null for credentials that answer any realm. */
  realm?: string | null;
  /** Runs before the credentials are added and the REGISTER is sent: listeners, trace, logger. */
  setup?: (ctx: Context) => void;
}

/** What {@link registered} gives: the context, the registration, the events since just before the REGISTER. */
export interface Registered extends AsyncDisposable {
  ctx: Context;
  reg: Registration;
  events: AnyExosipEvent[];
}

/**
 * The ritual of most tests in one call: a context listening on loopback (or
 * `options.ctx`), `account`'s digest credentials, a REGISTER of
 * `sip:<user>@<domain>` to `proxy`, resolved once registered. A context it
 * opened is closed again if the REGISTER fails; `await using` closes it at
 * the end of the block.
 */
export async function registered(proxy: string, account: Account, options: RegisteredOptions = {}): Promise<Registered> {
  const { ctx: given, listen, realm, setup, ...register } = options;
  const ctx = given ?? (await openContext(listen));
  try {
    const events = recordEvents(ctx);
    setup?.(ctx);
    const r = realm === undefined ? account.domain : realm;
    ctx.addAuthenticationInfo({ username: account.user, password: account.password, ...(r === null ? {} : { realm: r }) });
    const reg = await ctx.register({ from: `sip:${account.user}@${account.domain}`, proxy, ...register });
    return { ctx, reg, events, [Symbol.asyncDispose]: () => ctx.close() };
  } catch (error) {
    if (given === undefined) await ctx.close();
    throw error;
  }
}
