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
import { typeError } from '../errors';
import type { RegistrationEvent } from '../events';
import type { Registration } from '../register/registration';
import type { RegistrationInfo } from '../register/types';
import type { EventDispatcher } from './dispatch';

/**
 * In the options of `new Context()`: `eXosip_malloc` only, `eXosip_init`
 * comes later (the compat API's `eXosip_malloc`).
 */
export const kDeferInit = Symbol('exosip2.deferInit');

/** What lib/ reaches inside a Context. */
export interface ContextInternals {
  /** The native `eXosip_t` owner. */
  readonly native: NativeContext;
  /** Routes the context's events to its domain objects by their ids. */
  readonly dispatcher: EventDispatcher;
  /** `eXosip_init` (and the worker thread) → code. */
  init(): number;
  /**
   * `eXosip_listen_addr` with C arguments → `[code, port, errno]`; records
   * where the context listens on success.
   */
  listen(proto: number, address: string | null, port: number, family: number, secure: number): [number, number, number];
  /** Throws `ERR_CONTEXT_CLOSED` once `close()` was called. */
  assertOpen(): void;
  /** Drops registration `rid` from the dispatcher, and from eXosip (`eXosip_register_remove`) unless closing. */
  forgetRegistration(rid: number): void;
}

/** What a Context does to its Registrations. */
export interface RegistrationInternals {
  /** Waits for the outcome of the REGISTER about to be sent. */
  begin(kind: 'register' | 'refresh' | 'unregister', timeoutMs: number, signal: AbortSignal | undefined): Promise<RegistrationInfo>;
  /** One eXosip event for this rid, in order. */
  handle(event: RegistrationEvent): void;
  /** Rejects what is pending: the context is closing. */
  closed(): void;
}

const contexts = new WeakMap<Context, ContextInternals>();
const registrations = new WeakMap<Registration, RegistrationInternals>();

/** Called once, by the Context constructor. */
export function bindContext(context: Context, internals: ContextInternals): void {
  contexts.set(context, internals);
}

/** The internals of a Context made by exosip2 (TypeError `ERR_INVALID_ARG_TYPE` for anything else). */
export function contextInternals(context: Context): ContextInternals {
  const internals = contexts.get(context);
  if (internals === undefined) throw typeError('ERR_INVALID_ARG_TYPE', 'Expected a Context created by exosip2');
  return internals;
}

/** The native handle of a Context. */
export function nativeOf(context: Context): NativeContext {
  return contextInternals(context).native;
}

/** Called once, by the Registration constructor. */
export function bindRegistration(registration: Registration, internals: RegistrationInternals): void {
  registrations.set(registration, internals);
}

/** The internals of a Registration made by exosip2. */
export function registrationInternals(registration: Registration): RegistrationInternals {
  const internals = registrations.get(registration);
  if (internals === undefined) throw typeError('ERR_INVALID_ARG_TYPE', 'Expected a Registration created by exosip2');
  return internals;
}
