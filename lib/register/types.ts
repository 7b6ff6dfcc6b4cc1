/**
 * The shapes of registrations: the options of {@link Context.register} and
 * of a {@link Registration}'s calls, its states, and what its events carry.
 * @module
 */
import type { RegistrationError } from '../errors';
import type { RegistrationEvent } from '../events';
import type { Message } from '../message';

/** Options of {@link Context.register}. */
export interface RegisterOptions {
  /**
   * The AoR, e.g. `'sip:alice@example.com'`: a `sip:`/`sips:` URI without a
   * headers part (`?name=value`: RFC 3261 §19.1.1; eXosip copies From into
   * the REGISTER's To, whose headers it adds to the request), a port 1–65535,
   * no `%0D`/`%0A`/`%00` nor a `%` without two hex digits (libosip2 would
   * unescape them into the message). Else TypeError `ERR_INVALID_ARG_VALUE`.
   */
  from: string;
  /** The registrar, e.g. `'sip:127.0.0.1:5060'`; the same rules as {@link RegisterOptions.from}. */
  proxy: string;
  /** Expiry to ask for in seconds (default 3600). eXosip raises 1..29 to 30. */
  expires?: number;
  /**
   * Our Contact; default: eXosip manages it (recommended). A URI
   * (`sip:alice@192.0.2.1:5060`) or a name-addr holding one, whose URI has
   * no `%0D`/`%0A`/`%00` nor a `%` without two hex digits, and no `expires`
   * parameter (give `expires`): else TypeError `ERR_INVALID_ARG_VALUE`
   * (eXosip drops a Contact libosip2 cannot parse, and the REGISTER would
   * bind nothing).
   */
  contact?: string;
  /** Values for Supported headers, e.g. `['100rel', 'path']`. */
  supported?: readonly string[];
  /**
   * Extra headers for the first REGISTER (eXosip copies them into refreshes).
   * Not Via, From, To, Call-ID, CSeq, Content-Length, Contact or Expires,
   * which eXosip writes itself (TypeError `ERR_INVALID_ARG_VALUE`).
   */
  headers?: Readonly<Record<string, string>> | ReadonlyArray<readonly [string, string]>;
  /**
   * Reject with `ERR_REGISTRATION_TIMEOUT` after this many ms (default
   * 40000), counted from the call: also while the REGISTER waits for the
   * context's worker (a burst of register() calls is paced, at most 64
   * awaiting an answer: docs/threads.md); one that ends there is not sent.
   */
  timeoutMs?: number;
  /**
   * Reject with `ABORT_ERR` when this signal aborts, also before the
   * REGISTER left. The registration is then `'removed'` (or never shown,
   * when it had not started yet: a REGISTER still waiting for the context's
   * worker is not sent at all); a REGISTER already sent, or being sent,
   * cannot be cancelled (RFC 3261 §9.1): should the registrar still grant
   * it, the binding sends a REGISTER with expires 0 at once, so that nothing
   * stays registered (the same after `timeoutMs`; lib/register/abandon.ts).
   * One signal may serve any number of calls (a pool's 10,000 register()):
   * they share one listener on it, so Node does not warn about listeners.
   */
  signal?: AbortSignal;
}

/** Options of {@link Context.unregisterAll}. */
export type UnregisterAllOptions = Omit<RegisterOptions, 'expires' | 'contact'>;

/** Where a registration stands. */
export type RegistrationState =
  /** The first REGISTER is under way (challenges included). */
  | 'registering'
  /** The registrar accepted the binding; eXosip refreshes it before it expires. */
  | 'registered'
  /** A refresh was rejected or got no answer; the next REGISTER leaves by itself (eXosip's schedule, or Retry-After). */
  | 'failed'
  /** `unregister()` is under way. */
  | 'unregistering'
  /** The registrar removed the binding (expires 0 answered with a 2xx). */
  | 'unregistered'
  /** Forgotten locally (`remove()`, or the first REGISTER failed); nothing more is sent. */
  | 'removed'
  /** Its context was closed. */
  | 'closed';

/** What a 2xx to a REGISTER said. */
export interface RegistrationInfo {
  /** Seconds the registrar granted for our contact (it may lower what was asked). */
  readonly expires: number;
  /** Every Contact the registrar listed for the AoR in its 2xx. */
  readonly contacts: readonly string[];
  /** The 2xx itself. */
  readonly response: Message | null;
}

/** A 401/407 (or a 423 with Min-Expires) that eXosip answers by itself with a new REGISTER. */
export interface RegistrationChallenge {
  /** 401, 407 or 423 (the statuses eXosip retries by itself). */
  readonly statusCode: number;
  /** Which try this was (1 to 3): eXosip retries at most 3 times between two 2xx. */
  readonly attempt: number;
  /** The challenge response. */
  readonly response: Message | null;
}

/** Events of a {@link Registration}. */
export interface RegistrationEventMap {
  /** The first 2xx. */
  registered: [info: RegistrationInfo];
  /** A later 2xx: an automatic refresh (eXosip's or the binding's), or `refresh()`. */
  refreshed: [info: RegistrationInfo];
  /** Our Contact was rewritten after a NAT was detected; instead of `refreshed` for that 2xx. */
  contactChanged: [change: ContactChange];
  /** A challenge eXosip answers by itself: an intermediate step, not a failure. */
  challenge: [challenge: RegistrationChallenge];
  /**
   * A final failure of a REGISTER: of the first one (the registration is then
   * removed and `register()` rejects with the same error), or of a refresh:
   * the registration stays, state `'failed'`, and the next REGISTER leaves by
   * itself, on eXosip's failure schedule or after the response's
   * Retry-After when that is later (`error.retryAfter`, {@link Registration.retryAt}).
   */
  failed: [error: RegistrationError];
  /** The registrar confirmed the removal (expires 0). */
  unregistered: [info: RegistrationInfo];
  /** Every eXosip event for this rid, as received. */
  event: [event: RegistrationEvent];
}

/** Options of {@link Registration.refresh} and {@link Registration.unregister}. */
export interface RegistrationWaitOptions {
  /**
   * Reject with `ERR_REGISTRATION_TIMEOUT` after this many ms (default 40000),
   * counted from the call. Ended while the REGISTER still waits for the worker
   * thread (docs/threads.md, "Commands"), it is not sent at all.
   */
  timeoutMs?: number;
  /** Reject with `ABORT_ERR` when this signal aborts; as for `timeoutMs`, a REGISTER not taken by the worker yet is not sent. */
  signal?: AbortSignal;
}

/** Options of {@link Registration.refresh}. */
export interface RefreshOptions extends RegistrationWaitOptions {
  /** New expiry to ask for, in seconds (default: the last one asked). */
  expires?: number;
}

/** Default for `timeoutMs`: above eXosip's own 32 s transaction timeout, so its verdict comes first. */
export const DEFAULT_TIMEOUT_MS = 40_000;

/** Where the registrar saw our REGISTER come from (the top Via of its 2xx). */
export interface ViaSource {
  /** The Via `received` parameter, or null. */
  readonly received: string | null;
  /** The Via `rport` value, or null. */
  readonly rport: number | null;
}

/**
 * eXosip rewrote our Contact from the `received`/`rport` the registrar put in
 * the Via of its 2xx (only with `ContextOptions.contactRewrite` on): the old
 * binding was removed (a REGISTER of the old Contact with `;expires=0`) and
 * the new one registered (jcallback.c:40-131, eXregister_api.c:319-363).
 */
export interface ContactChange {
  /** Our Contact URI before. */
  readonly previous: string;
  /** Our Contact URI now, as registered. */
  readonly contact: string;
  /** Why, in words. */
  readonly reason: string;
  /** The Via `received`/`rport` of the 2xx that made eXosip rewrite it, or null. */
  readonly via: ViaSource | null;
  /** The 2xx to the REGISTER of the new Contact. */
  readonly info: RegistrationInfo;
}

/** @internal A REGISTER the binding sent and awaits. */
export interface Pending {
  readonly kind: 'register' | 'refresh' | 'unregister';
  resolve(info: RegistrationInfo): void;
  reject(error: RegistrationError): void;
}

/** @internal Constructor fields. */
export interface RegistrationInit {
  rid: number;
  from: string;
  proxy: string;
  contact: string | null;
  expires: number;
  /** The context's transport, for the words of a failure without answer. */
  transport: string;
}
