/**
 * The shapes of a {@link ContextPool}: its options, its events, its defaults.
 * @module
 */
import type { Context } from '../context/context';
import type { AuthenticationInfo, ContextOptions, Transport } from '../context/types';
import type { AnyExosipEvent } from '../events';
import type { Registration } from '../register/registration';
import type { RegisterOptions } from '../register/types';

/**
 * Registrations per context in automatic sizing. One eXosip context keeps at
 * most 100 digest challenges (`MAX_EXOSIP_HTTP_AUTH` in eXosip2.h, a
 * compile-time constant); past that, every refresh and unregister of the
 * registrations without a slot is challenged again, and a burst of more
 * REGISTERs than that on one socket loses answers to retransmission delays
 * (1,000 at once on one context: ~12 s against ~30 ms for 100). 90 keeps a
 * margin for `unregisterAll()` and auth retries.
 */
export const DEFAULT_MAX_PER_CONTEXT = 90;

/** Contexts an automatically sized pool opens at most, unless told. */
export const DEFAULT_MAX_CONTEXTS = 1024;

/** Where each context of a pool listens: every context gets its own port. */
export interface PoolListenOptions {
  /** Default `'udp'`. */
  transport?: Transport;
  /** IPv4 or IPv6 literal to bind; default: every address of `family`. */
  address?: string;
  /** 4 or 6; default: the address's family, else 4. */
  family?: 4 | 6;
}

/** Options of the {@link ContextPool} constructor. */
export interface ContextPoolOptions {
  /**
   * A fixed number of contexts, all opened by {@link ContextPool.open} (or in
   * turn on first use). Registrations go to the least loaded one, past
   * `maxPerContext` too. Default: automatic sizing (see `maxPerContext`).
   */
  size?: number;
  /**
   * Automatic sizing: registrations fill a context up to this many
   * (registering ones included) and a new context is opened when every open
   * one is full. Default {@link DEFAULT_MAX_PER_CONTEXT} (90).
   */
  maxPerContext?: number;
  /** Automatic sizing: at most this many contexts (default {@link DEFAULT_MAX_CONTEXTS}). */
  maxContexts?: number;
  /** Where every context listens; each gets its own free port (port 0). */
  listen?: PoolListenOptions;
  /** User-Agent header of every context. */
  userAgent?: string;
  /** `eXosip_set_option` calls made on every context, by C name. */
  options?: ContextOptions['options'];
}

/** Options of {@link ContextPool.register}: those of {@link Context.register}, plus `auth`. */
export interface PoolRegisterOptions extends RegisterOptions {
  /**
   * Credentials for this registration only: added to the one context that
   * carries it, and removed from it once no registration of that context
   * needs them (give a `realm`: credentials without one stay until the
   * context closes). With many users, prefer this over
   * {@link ContextPool.addAuthenticationInfo}, which every context keeps
   * (eXosip searches its credentials linearly). Give the realm when other
   * users' credentials of that realm may be on the context too
   * ({@link AuthenticationInfo.realm}).
   */
  auth?: AuthenticationInfo;
}

/** Events of a {@link ContextPool}. */
export interface ContextPoolEventMap {
  /** Every eXosip event of every context, with the context it came from. */
  event: [event: AnyExosipEvent, context: Context];
  /** A registration was created (see the Context event of that name). */
  registration: [registration: Registration, context: Context];
  /** A context was opened and listens. */
  context: [context: Context];
  /** After `close()` completed. */
  close: [];
}
