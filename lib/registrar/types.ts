/**
 * The shapes of the embedded {@link Registrar}: its options, its location
 * table's bindings, and what its events carry.
 * @module
 */
import type { ListenOptions } from '../context/types';

/**
 * Looks up the password of `user` (the digest user name) for `realm`;
 * `domain` is the To domain of the REGISTER, lower-cased. Returns undefined
 * for an unknown user. Called synchronously while the REGISTER waits.
 */
export type RegistrarPasswordLookup = (user: string, realm: string, domain: string) => string | undefined;

/**
 * Who may register: a function ({@link RegistrarPasswordLookup}), or a
 * record of plain-text passwords keyed by `'user@domain'` (that To domain
 * only) or `'user'` (any domain); `'user@domain'` wins when both match.
 */
export type RegistrarUsers = Readonly<Record<string, string>> | RegistrarPasswordLookup;

/** Options of the {@link Registrar} constructor. */
export interface RegistrarOptions {
  /** The accounts; see {@link RegistrarUsers}. Required. */
  users: RegistrarUsers;
  /** Digest realm of every challenge. Default: the domain of the REGISTER's To URI (as Kamailio's `$td`). */
  realm?: string;
  /**
   * To domains served (case-insensitive). A REGISTER for any other domain is
   * answered 403 before any challenge. Default: every domain.
   */
  domains?: readonly string[];
  /** Shortest expiry accepted: 1..minExpires-1 gets 423 Interval Too Brief with `Min-Expires`. Default 60. */
  minExpires?: number;
  /** Longest expiry granted: larger requests are lowered to this in the 200 OK. Default 3600 (`minExpires` when that is larger). */
  maxExpires?: number;
  /** Expiry of a contact when neither its `expires` parameter nor an Expires header gives one. Default 1800, kept within `minExpires`..`maxExpires`. */
  defaultExpires?: number;
  /** Most bindings one address of record may hold; a REGISTER that would exceed it gets 503. Default 10. */
  maxBindingsPerAor?: number;
  /** Most bindings in the whole table (bounds memory); beyond it, 503. Default 10000. */
  maxBindings?: number;
  /** How long a nonce is good for, in ms; an older one gets 401 with `stale=true`. Default 300000 (5 min). */
  nonceTtlMs?: number;
  /** User-Agent header of the answers. Default `exosip2-registrar`. */
  userAgent?: string;
}

/** The options a {@link Registrar} runs with, defaults filled in ({@link Registrar.options}). */
export interface RegistrarSettings {
  /** The fixed realm, or null: the To domain of each REGISTER. */
  readonly realm: string | null;
  /** The domains served (lower-cased), or null: every domain. */
  readonly domains: readonly string[] | null;
  /** See {@link RegistrarOptions.minExpires}. */
  readonly minExpires: number;
  /** See {@link RegistrarOptions.maxExpires}. */
  readonly maxExpires: number;
  /** See {@link RegistrarOptions.defaultExpires}. */
  readonly defaultExpires: number;
  /** See {@link RegistrarOptions.maxBindingsPerAor}. */
  readonly maxBindingsPerAor: number;
  /** See {@link RegistrarOptions.maxBindings}. */
  readonly maxBindings: number;
  /** See {@link RegistrarOptions.nonceTtlMs}. */
  readonly nonceTtlMs: number;
  /** See {@link RegistrarOptions.userAgent}. */
  readonly userAgent: string;
}

/** Options of {@link Registrar.listen}: those of {@link Context.listen}, with a loopback default address. */
export interface RegistrarListenOptions extends ListenOptions {
  /** Address to bind. Default: `127.0.0.1` (`::1` with `family: 6`); give `0.0.0.0` to serve a network. */
  address?: string;
  /**
   * Rejects with an `AbortError` (`code: 'ABORT_ERR'`) when this signal
   * aborts before `listen()` is done (TCP/TLS wait up to 2 s for a probe
   * connection); the socket opened so far is closed.
   */
  signal?: AbortSignal;
}

/** One binding of the location table, as {@link Registrar.bindings} reports it (a snapshot). */
export interface RegistrarBinding {
  /** Address of record, `user@domain` (domain lower-cased), e.g. `alice@example.com`. */
  readonly aor: string;
  /** The registered Contact URI, without angle brackets, e.g. `sip:alice@127.0.0.1:5070;line=1ac3`. */
  readonly contact: string;
  /** The Contact's header parameters as received, other than `expires` (e.g. `;q=0.5`), or `''`. */
  readonly params: string;
  /** Seconds left before the binding expires. */
  readonly expires: number;
  /** When it expires (ms since the epoch). */
  readonly expiresAt: number;
  /** Call-ID of the REGISTER that last set it. */
  readonly callId: string;
  /** CSeq number of that REGISTER. */
  readonly cseq: number;
  /** User-Agent header of that REGISTER, or `''`. */
  readonly userAgent: string;
  /** Transport of that REGISTER, from its Via (`'UDP'`, `'TCP'`, ...). */
  readonly transport: string;
  /** Where that REGISTER came from, `host:port` (the Via's `received`/`rport` when present). */
  readonly source: string;
  /** When the binding was first created (ms since the epoch). */
  readonly registeredAt: number;
  /** When it was last refreshed (ms since the epoch). */
  readonly updatedAt: number;
}

/** Payload of the `'registered'` event. */
export interface RegistrarRegisteredEvent {
  /** The binding after the change. */
  readonly binding: RegistrarBinding;
  /** True when the binding existed already (a refresh or an update). */
  readonly refreshed: boolean;
}

/** Why a binding left the table. */
export type RegistrarUnregisterReason =
  /** A REGISTER with expires 0 for that contact. */
  | 'unregister'
  /** A REGISTER with `Contact: *` and `Expires: 0`. */
  | 'wildcard'
  /** Its expiry passed without a refresh. */
  | 'expired';

/** Payload of the `'unregistered'` event. */
export interface RegistrarUnregisteredEvent {
  /** The binding as it was. */
  readonly binding: RegistrarBinding;
  /** Why it was removed. */
  readonly reason: RegistrarUnregisterReason;
}

/** What a request carried, for the `'challenge'` and `'rejected'` events. */
export interface RegistrarRequestInfo {
  /** Method of the request. */
  readonly method: string;
  /** The AoR of the To header (`user@domain`), or null when it has none. */
  readonly aor: string | null;
  /** Call-ID of the request. */
  readonly callId: string;
  /** Where it came from, `host:port`. */
  readonly source: string;
}

/** Why a 401 was sent. */
export type RegistrarChallengeCause =
  /** No Authorization header for our realm. */
  | 'no-credentials'
  /** A nonce this registrar did not issue (or issued before a restart). */
  | 'unknown-nonce'
  /** A nonce older than `nonceTtlMs`. */
  | 'stale-nonce';

/** Payload of the `'challenge'` event: a 401 with WWW-Authenticate was sent. */
export interface RegistrarChallenge extends RegistrarRequestInfo {
  /** Always 401. */
  readonly status: 401;
  /** Realm of the challenge. */
  readonly realm: string;
  /** Whether `stale=true` was set (the credentials were right, only the nonce was too old). */
  readonly stale: boolean;
  /** Why the request was challenged. */
  readonly cause: RegistrarChallengeCause;
}

/** Why a request was refused. */
export type RegistrarRejectCause =
  /** 400: the To header has no SIP URI, or a Contact is not a URI. */
  | 'bad-request'
  /** 400: `Contact: *` with other contacts or without `Expires: 0`. */
  | 'bad-wildcard'
  /** 400: same Call-ID as the binding with a lower (or, after 20 s, equal) CSeq. */
  | 'bad-cseq'
  /** 403: the Authorization header lacks a parameter, or uses a qop/algorithm other than auth/MD5. */
  | 'bad-credentials'
  /** 403: no password for the digest user name. */
  | 'unknown-user'
  /** 403: the digest response does not match. */
  | 'wrong-password'
  /** 403: the digest user name differs from the To user. */
  | 'user-mismatch'
  /** 403: the To domain is not in `domains`. */
  | 'domain-not-served'
  /** 423: an expiry from 1 to `minExpires - 1`. */
  | 'interval-too-brief'
  /** 503: `maxBindingsPerAor` or `maxBindings` would be exceeded. */
  | 'too-many-bindings'
  /** 405: any method but REGISTER. */
  | 'method-not-allowed'
  /** 500: the password lookup threw, or the answer could not be built. */
  | 'internal-error';

/** Payload of the `'rejected'` event: a final answer other than 2xx or 401 was sent. */
export interface RegistrarRejection extends RegistrarRequestInfo {
  /** The status code sent: 400, 403, 405, 423, 500 or 503. */
  readonly status: number;
  /** Stable cause code. */
  readonly cause: RegistrarRejectCause;
  /** A sentence for logs. */
  readonly detail: string;
}

/** Events of a {@link Registrar}. */
export interface RegistrarEventMap {
  /** A binding was added or refreshed (its 200 OK was sent). */
  registered: [event: RegistrarRegisteredEvent];
  /** A binding was removed: by a REGISTER, or because it expired. */
  unregistered: [event: RegistrarUnregisteredEvent];
  /** A 401 challenge was sent. */
  challenge: [challenge: RegistrarChallenge];
  /** A request was refused (400, 403, 405, 423, 500, 503). */
  rejected: [rejection: RegistrarRejection];
  /**
   * Something went wrong inside the registrar (an answer eXosip refused, a
   * password lookup that threw). Without a listener it goes to
   * `process.emitWarning`.
   */
  warning: [error: Error];
  /** After `close()` completed. */
  close: [];
}
