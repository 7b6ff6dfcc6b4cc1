/**
 * What lib/ may do to a {@link Context} or a {@link Registration} that users
 * may not: their native handle and internal operations, behind WeakMaps
 * filled by their constructors (as lib/message.ts keeps a Message's handle).
 * Nothing here is reachable from the package's entry points, so the public
 * objects carry no `_native`-style back door.
 * @internal
 * @module
 */
import type { NativeContext } from '../../binding';
import type { Context } from '../context/context';
import type { TlsFailureLog } from '../context/tls';
import { typeError } from '../errors';
import type { RegistrationEvent } from '../events';
import type { Registration } from '../register/registration';
import type { RegistrationInfo } from '../register/types';
import type { CommandTable } from './commands';
import type { EventDispatcher } from './dispatch';

/**
 * In the options of `new Context()`: `eXosip_malloc` only, `eXosip_init`
 * comes later (the compat API's `eXosip_malloc`).
 */
export const kDeferInit = Symbol('exosip2.deferInit');

/**
 * In the options of `new Context()`: its queued commands (REGISTERs) run on
 * the JS thread, not the worker (a ContextPool's contexts: native/context/commands.h).
 */
export const kInlineCommands = Symbol('exosip2.inlineCommands');

/**
 * In the options of `Context.register()` / `unregisterAll()`: called with the
 * Registration the moment it exists, before `'registration'` (the pool ties
 * per-registration credentials to it).
 */
export const kOnStarted = Symbol('exosip2.onStarted');

/** What lib/ reaches inside a Context. */
export interface ContextInternals {
  /** The native `eXosip_t` owner. */
  readonly native: NativeContext;
  /** Routes the context's events to its domain objects by their ids. */
  readonly dispatcher: EventDispatcher;
  /** Commands queued to the worker thread, awaiting their result (commands.ts). */
  readonly commands: CommandTable;
  /** `eXosip_init` (and the worker thread) → code. */
  init(): number;
  /**
   * `eXosip_listen_addr` with C arguments → `[code, port, errno]`; records
   * where the context listens on success.
   */
  listen(proto: number, address: string | null, port: number, family: number, secure: number): [number, number, number];
  /** Throws `ERR_CONTEXT_CLOSED` once `close()` was called. */
  assertOpen(): void;
  /** The server certificates eXosip refused on this context's TLS connections (while verifying). */
  readonly tlsFailures: TlsFailureLog;
  /** A compat answer call answered `tid` (cancels its default answer). */
  answered(tid: number): void;
  /**
   * Drops registration `rid` from the dispatcher, and from eXosip
   * (`eXosip_register_remove`) unless closing: `now` (`remove()`) from the JS
   * thread, before this returns; otherwise (a registration that ended) queued
   * to the worker, so the JS thread does not wait for the lock.
   */
  forgetRegistration(rid: number, now?: boolean): void;
  /** Takes `rid` out of `ctx.registrations`; its events go to `handle` until {@link forgetRegistration}. */
  followAbandoned(rid: number, handle: (event: RegistrationEvent) => void): void;
}

/** What a Context does to its Registrations. */
export interface RegistrationInternals {
  /**
   * Waits for the outcome of the REGISTER about to be sent, at most
   * `timeoutMs`; a timeout's message names `statedMs` (the caller's
   * `timeoutMs`, of which `timeoutMs` is what is left).
   */
  begin(kind: 'register' | 'refresh' | 'unregister', timeoutMs: number, signal: AbortSignal | undefined, statedMs?: number): Promise<RegistrationInfo>;
  /** One eXosip event for this rid, in order. */
  handle(event: RegistrationEvent): void;
  /** Rejects what is pending: the context is closing. */
  closed(): void;
}

/** One kind of public object's internals: set once by its constructor, read by lib/. */
interface InternalsTable<K extends object, V> {
  /** Called once, by the constructor of `owner`. */
  bind(owner: K, internals: V): void;
  /** The internals of an object made by exosip2 (TypeError `ERR_INVALID_ARG_TYPE` for anything else). */
  of(owner: K): V;
}

function internalsTable<K extends object, V>(what: string): InternalsTable<K, V> {
  const table = new WeakMap<K, V>();
  return {
    bind: (owner, internals) => void table.set(owner, internals),
    of: (owner) => {
      const internals = table.get(owner);
      if (internals === undefined) throw typeError('ERR_INVALID_ARG_TYPE', `Expected a ${what} created by exosip2`);
      return internals;
    },
  };
}

// The areas to come (calls, subscriptions) add their table here.
const contexts = internalsTable<Context, ContextInternals>('Context');
const registrations = internalsTable<Registration, RegistrationInternals>('Registration');

/** Called once, by the Context constructor. */
export const bindContext = contexts.bind;

/** The internals of a Context made by exosip2. */
export const contextInternals = contexts.of;

/** The native handle of a Context. */
export function nativeOf(context: Context): NativeContext {
  return contexts.of(context).native;
}

/** Called once, by the Registration constructor. */
export const bindRegistration = registrations.bind;

/** The internals of a Registration made by exosip2. */
export const registrationInternals = registrations.of;
