/**
 * An embedded SIP registrar on eXosip's server side, for tests, demos and
 * small labs. It is not a production registrar: the location table lives in
 * memory, there is no persistence, no outbound/GRUU/Path, no TLS client
 * authentication, and digest nonces can be replayed until they expire.
 * @module
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { connect } from 'node:net';
import { Context, type ListenInfo, type ListenOptions } from './context';
import type { AnyExosipEvent } from './events';
import { abortError, OSIP_CODES, osipError, rangeError, stateError, typeError } from './errors';
import { contactExpires, contactUri, Message } from './message';
import * as v from './validate';

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

/** Kamailio's `cseq_delay`: an equal CSeq this soon after the last update is a repeat, not an error. */
const EQUAL_CSEQ_GRACE_MS = 20_000;
const NONCE_BYTES = 24;
/** Requests eXosip answers by itself outside a dialog (481) before the application sees them. */
const ANSWERED_BY_EXOSIP: ReadonlySet<string> = new Set(['ACK', 'BYE', 'CANCEL', 'INFO']);
const MAX_TIMER_MS = 2_147_483_647;

interface Settings {
  lookup: RegistrarPasswordLookup;
  realm: string | null;
  domains: ReadonlySet<string> | null;
  minExpires: number;
  maxExpires: number;
  defaultExpires: number;
  maxBindingsPerAor: number;
  maxBindings: number;
  nonceTtlMs: number;
  userAgent: string;
}

interface Entry {
  aor: string;
  contact: string;
  params: string;
  expiresAt: number;
  callId: string;
  cseq: number;
  userAgent: string;
  transport: string;
  source: string;
  registeredAt: number;
  updatedAt: number;
}

type Header = readonly [name: string, value: string];

/** How one request is answered: status, headers, and the events to emit after sending. */
interface Outcome {
  status: number;
  headers: Header[];
  emit: Array<() => void>;
}

function md5(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

/** Checks and normalizes the constructor options. */
function settings(options: unknown): Settings {
  if (options === undefined) throw typeError('ERR_INVALID_ARG_TYPE', 'options must be an object with at least options.users');
  const o = v.options<RegistrarOptions>('options', options);
  const lookup = usersLookup(o.users);
  let realm: string | null = null;
  if (o.realm !== undefined) {
    realm = v.sipText('options.realm', o.realm);
    if (/["\\]/.test(realm)) throw typeError('ERR_INVALID_ARG_VALUE', 'options.realm must not contain " or \\ (it is sent as a quoted string)');
  }
  let domains: Set<string> | null = null;
  if (o.domains !== undefined) {
    if (!Array.isArray(o.domains)) throw typeError('ERR_INVALID_ARG_TYPE', 'options.domains must be an array of domain names');
    domains = new Set(
      o.domains.map((d, i) => {
        const name = v.sipText(`options.domains[${i}]`, d);
        if (/[\s@;<>"]/.test(name)) throw typeError('ERR_INVALID_ARG_VALUE', `options.domains[${i}] must be a domain name such as "example.com", got ${JSON.stringify(name)}`);
        return name.toLowerCase();
      }),
    );
  }
  const minExpires = o.minExpires === undefined ? 60 : v.integer('options.minExpires', o.minExpires, 1, 99_999_999);
  const maxExpires = o.maxExpires === undefined ? Math.max(3600, minExpires) : v.integer('options.maxExpires', o.maxExpires, 1, 99_999_999);
  if (maxExpires < minExpires) throw rangeError(`options.maxExpires (${maxExpires}) must not be below options.minExpires (${minExpires})`);
  const defaultExpires = o.defaultExpires === undefined ? Math.min(Math.max(1800, minExpires), maxExpires) : v.integer('options.defaultExpires', o.defaultExpires, 1, 99_999_999);
  if (defaultExpires < minExpires || defaultExpires > maxExpires) {
    throw rangeError(`options.defaultExpires (${defaultExpires}) must be from options.minExpires (${minExpires}) to options.maxExpires (${maxExpires})`);
  }
  const maxBindingsPerAor = o.maxBindingsPerAor === undefined ? 10 : v.integer('options.maxBindingsPerAor', o.maxBindingsPerAor, 1, 10_000);
  const maxBindings = o.maxBindings === undefined ? 10_000 : v.integer('options.maxBindings', o.maxBindings, 1, 1_000_000);
  const nonceTtlMs = o.nonceTtlMs === undefined ? 300_000 : v.integer('options.nonceTtlMs', o.nonceTtlMs, 100, 86_400_000);
  const userAgent = o.userAgent === undefined ? 'exosip2-registrar' : v.sipText('options.userAgent', o.userAgent);
  return { lookup, realm, domains, minExpires, maxExpires, defaultExpires, maxBindingsPerAor, maxBindings, nonceTtlMs, userAgent };
}

function usersLookup(users: unknown): RegistrarPasswordLookup {
  if (typeof users === 'function') return users as RegistrarPasswordLookup;
  if (users === undefined) throw typeError('ERR_INVALID_ARG_TYPE', 'options.users is required: a record of passwords or a (user, realm, domain) => password function');
  if (users === null || typeof users !== 'object' || Array.isArray(users)) {
    throw typeError('ERR_INVALID_ARG_TYPE', `options.users must be a record of passwords or a function, got ${users === null ? 'null' : Array.isArray(users) ? 'an array' : typeof users}`);
  }
  const table = new Map<string, string>();
  for (const [key, password] of Object.entries(users as Record<string, unknown>)) {
    if (key === '' || /[\s:;<>"]/.test(key) || key.split('@').length > 2 || key.startsWith('@') || key.endsWith('@')) {
      throw typeError('ERR_INVALID_ARG_VALUE', `options.users key ${JSON.stringify(key)} must be "user" or "user@domain"`);
    }
    if (typeof password !== 'string') throw typeError('ERR_INVALID_ARG_TYPE', `options.users[${JSON.stringify(key)}] must be a string password, got ${typeof password}`);
    const at = key.indexOf('@');
    table.set(at < 0 ? key : `${key.slice(0, at)}@${key.slice(at + 1).toLowerCase()}`, password);
  }
  return (user, _realm, domain) => table.get(`${user}@${domain}`) ?? table.get(user);
}

/** The parameters of a `Digest` credentials value, names lower-cased, quoted strings unescaped; null for another scheme. */
function parseDigest(value: string): Map<string, string> | null {
  const m = /^\s*digest\s+/i.exec(value);
  if (m === null) return null;
  const params = new Map<string, string>();
  const re = /\s*([A-Za-z0-9_.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))\s*(?:,|$)/gy;
  re.lastIndex = m[0].length;
  let p: RegExpExecArray | null;
  while (re.lastIndex < value.length && (p = re.exec(value)) !== null) {
    const name = p[1].toLowerCase();
    if (!params.has(name)) params.set(name, p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3]);
    if (p[0].length === 0) break;
  }
  return params;
}

/** User and host of a sip:/sips: URI, or null. */
function sipTarget(uri: string): { user: string; host: string } | null {
  const m = /^sips?:(?:([^@;?]*)@)?(\[[^\]]+\]|[^:;?>]+)/i.exec(uri);
  if (m === null) return null;
  const user = (m[1] ?? '').split(':')[0];
  return { user, host: m[2] };
}

/** Transport and `host:port` of the request's top Via (after eXosip added received/rport). */
function viaSource(via: string | undefined): { transport: string; source: string } {
  if (via === undefined) return { transport: '', source: '' };
  const m = /^\s*SIP\s*\/\s*2\.0\s*\/\s*([A-Za-z]+)\s+(\[[^\]]+\]|[^\s:;]+)(?::(\d+))?/i.exec(via);
  if (m === null) return { transport: '', source: '' };
  const received = /;\s*received=([^;\s]+)/i.exec(via)?.[1];
  const rport = /;\s*rport=(\d+)/i.exec(via)?.[1];
  let host = received ?? m[2];
  if (host.includes(':') && !host.startsWith('[')) host = `[${host}]`;
  const port = rport ?? m[3] ?? (m[1].toUpperCase() === 'TLS' ? '5061' : '5060');
  return { transport: m[1].toUpperCase(), source: `${host}:${port}` };
}

/** A Contact value's header parameters after the URI, without `expires`. */
function contactParams(contact: string): string {
  const close = contact.lastIndexOf('>');
  const rest = close >= 0 ? contact.slice(close + 1) : contact.indexOf(';') >= 0 ? contact.slice(contact.indexOf(';')) : '';
  return rest
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p !== '' && !/^expires\s*=/i.test(p))
    .map((p) => `;${p}`)
    .join('');
}

/** Normalizes an AoR as the table keys it: no scheme, domain lower-cased. */
function normalizeAor(aor: string): string {
  const bare = aor.replace(/^sips?:/i, '');
  const at = bare.lastIndexOf('@');
  return at < 0 ? bare.toLowerCase() : `${bare.slice(0, at)}@${bare.slice(at + 1).toLowerCase()}`;
}

function quote(text: string): string {
  return `"${text.replace(/["\\]/g, '\\$&')}"`;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * A SIP registrar embedded in the process, built on this binding's server
 * side: REGISTER requests reach it as `EXOSIP_MESSAGE_NEW` events of its own
 * {@link Context} and are answered with `eXosip_message_build_answer` /
 * `eXosip_message_send_answer`. **For tests, demos and small labs**: an
 * in-memory location table, MD5 digest with `qop=auth`, no persistence.
 *
 * It answers as the test-suite's Kamailio registrar does (same status codes
 * for the same requests):
 *
 * - no credentials for the realm, a nonce it did not issue, or a nonce older
 *   than `nonceTtlMs`: 401 with `WWW-Authenticate: Digest realm, nonce,
 *   qop="auth", algorithm=MD5` (`stale=true` when only the nonce was too old);
 * - a wrong password, an unknown user, a digest user name other than the To
 *   user, malformed credentials: 403;
 * - an expiry from 1 to `minExpires - 1`: 423 with `Min-Expires`; above
 *   `maxExpires`: lowered in the 200 OK;
 * - `Contact: *` needs `Expires: 0` and no other Contact (else 400) and removes
 *   every binding of the AoR;
 * - a lower CSeq for the same Call-ID: 400; too many bindings: 503;
 * - the 200 OK lists every binding of the AoR with `;expires=N`;
 * - any other method received outside a dialog: 405 with `Allow: REGISTER`.
 *
 * ```ts
 * const registrar = new Registrar({ users: { alice: 'secret' } });
 * const { port } = await registrar.listen({ port: 0 });
 * // ... register sip:alice@example.com at sip:127.0.0.1:${port}
 * console.log(registrar.bindings('alice@example.com'));
 * await registrar.close();
 * ```
 */
export class Registrar extends EventEmitter<RegistrarEventMap> {
  #o: Settings;
  #secret = randomBytes(32);
  #contexts: Context[] = [];
  #addresses: ListenInfo[] = [];
  #table = new Map<string, Map<string, Entry>>();
  #count = 0;
  #timer: NodeJS.Timeout | null = null;
  #closing: Promise<void> | null = null;
  #unref = false;

  /** Checks the options (TypeError/RangeError with the option's name); nothing listens before {@link listen}. */
  constructor(options: RegistrarOptions) {
    super();
    this.#o = settings(options);
  }

  /** The options in effect, with the defaults filled in. */
  get options(): RegistrarSettings {
    const o = this.#o;
    return Object.freeze({
      realm: o.realm,
      domains: o.domains === null ? null : Object.freeze([...o.domains]),
      minExpires: o.minExpires,
      maxExpires: o.maxExpires,
      defaultExpires: o.defaultExpires,
      maxBindingsPerAor: o.maxBindingsPerAor,
      maxBindings: o.maxBindings,
      nonceTtlMs: o.nonceTtlMs,
      userAgent: o.userAgent,
    });
  }

  /** Where the registrar listens: one entry per {@link listen} call. */
  get addresses(): readonly ListenInfo[] {
    return Object.freeze([...this.#addresses]);
  }

  /**
   * A SIP URI clients on this host can register at: the first listening
   * address (a wildcard address gives the loopback address of its family),
   * with `;transport=tcp` for TCP. Null before {@link listen}.
   */
  get uri(): string | null {
    const first = this.#addresses[0];
    if (first === undefined) return null;
    let host = first.address ?? (first.family === 6 ? '::1' : '127.0.0.1');
    if (host === '0.0.0.0') host = '127.0.0.1';
    if (host === '::') host = '::1';
    const hostPart = first.family === 6 ? `[${host}]` : host;
    const scheme = first.transport === 'tls' ? 'sips' : 'sip';
    const param = first.transport === 'tcp' ? ';transport=tcp' : first.transport === 'tls' ? ';transport=tls' : '';
    return `${scheme}:${hostPart}:${first.port}${param}`;
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closing !== null;
  }

  /**
   * Opens a SIP socket (one eXosip context per call: call it once per
   * transport). Defaults: UDP on `127.0.0.1`, port 0 (a free port, reported
   * back). Rejects as {@link Context.listen} does, and with
   * `ERR_TRANSPORT_NOT_SERVED` for TCP/TLS when libeXosip2 was built without
   * `ENABLE_MAIN_SOCKET` (the usual build: its TCP/TLS side then only makes
   * outgoing connections, so a registrar cannot be reached over them).
   */
  async listen(options?: RegistrarListenOptions): Promise<ListenInfo> {
    const { signal: signalOption, ...o } = v.options<RegistrarListenOptions>('options', options);
    const signal = v.abortSignal('options.signal', signalOption);
    this.#assertOpen();
    if (signal?.aborted) throw abortError(signal);
    const ctx = new Context({ userAgent: this.#o.userAgent });
    if (this.#unref) ctx.unref();
    ctx.on('event', (ev) => this.#onEvent(ctx, ev));
    let info: ListenInfo;
    try {
      info = await ctx.listen({ ...o, address: o.address ?? (o.family === 6 ? '::1' : '127.0.0.1') });
    } catch (error) {
      await ctx.close();
      throw error;
    }
    const served = info.transport === 'tcp' || info.transport === 'tls' ? await acceptsConnections(info, signal) : true;
    if (signal?.aborted) {
      await ctx.close();
      throw abortError(signal);
    }
    if (!served) {
      await ctx.close();
      throw stateError(
        'ERR_TRANSPORT_NOT_SERVED',
        `libeXosip2 does not accept incoming ${info.transport.toUpperCase()} connections: it was built without ENABLE_MAIN_SOCKET ` +
          '(its TCP/TLS transport is client-only). Serve UDP, or use a libeXosip2 built with -DENABLE_MAIN_SOCKET.',
      );
    }
    if (this.#closing !== null) {
      await ctx.close();
      throw stateError('ERR_REGISTRAR_CLOSED', 'The registrar was closed while listen() ran');
    }
    this.#contexts.push(ctx);
    this.#addresses.push(info);
    return info;
  }

  /**
   * A snapshot of the location table: every binding, or those of one
   * address of record (`'alice@example.com'` or `'sip:alice@example.com'`),
   * oldest first. Expired bindings are removed first (with their
   * `'unregistered'` event).
   */
  bindings(aor?: string): RegistrarBinding[] {
    const key = aor === undefined ? undefined : normalizeAor(v.sipText('aor', aor));
    const now = Date.now();
    this.#purge(now);
    const out: RegistrarBinding[] = [];
    for (const [name, entries] of this.#table) {
      if (key !== undefined && name !== key) continue;
      for (const entry of entries.values()) out.push(snapshot(entry, now));
    }
    return out;
  }

  /** Stops answering: closes every socket. Bindings stay readable with {@link bindings}. Idempotent. */
  close(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    const contexts = [...this.#contexts];
    this.#closing = Promise.all(contexts.map((ctx) => ctx.close())).then(() => {
      this.emit('close');
    });
    return this.#closing;
  }

  /** Lets the process exit while the registrar listens (as `socket.unref()`). */
  unref(): this {
    this.#unref = true;
    for (const ctx of this.#contexts) ctx.unref();
    return this;
  }

  /** Undoes {@link unref}. */
  ref(): this {
    this.#unref = false;
    for (const ctx of this.#contexts) ctx.ref();
    return this;
  }

  /** `await using registrar = new Registrar(...)` closes it. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #assertOpen(): void {
    if (this.#closing !== null) throw stateError('ERR_REGISTRAR_CLOSED', 'The registrar is closed');
  }

  #warn(error: unknown): void {
    const e = error instanceof Error ? error : new Error(String(error));
    if (this.listenerCount('warning') > 0) this.emit('warning', e);
    else process.emitWarning(e.message, { type: 'RegistrarWarning', code: (e as { code?: string }).code });
  }

  #onEvent(ctx: Context, ev: AnyExosipEvent): void {
    if (ev.type !== 'EXOSIP_MESSAGE_NEW' || ev.request === null || ev.tid <= 0 || this.#closing !== null) return;
    const request = ev.request;
    if (ANSWERED_BY_EXOSIP.has(request.method ?? '')) return;
    let outcome: Outcome;
    try {
      outcome = request.method === 'REGISTER' ? this.#register(request) : this.#notAllowed(request);
    } catch (error) {
      this.#warn(error);
      outcome = this.#reject(info(request), 500, 'internal-error', `the request could not be handled: ${(error as Error).message}`);
    }
    if (!this.#send(ctx, ev.tid, outcome)) return;
    for (const emit of outcome.emit) emit();
  }

  /**
   * Builds the answer of eXosip for `tid`, adds the headers, sends it. False
   * when nothing was sent (eXosip had answered already, or refused).
   */
  #send(ctx: Context, tid: number, outcome: Outcome): boolean {
    const n = ctx._native;
    n.lock();
    try {
      const [code, handle] = n.messageBuildAnswer(tid, outcome.status);
      if (code < 0 || handle === null) {
        this.#warn(osipError(code < 0 ? code : -1, 'eXosip_message_build_answer', `status ${outcome.status}`));
        return false;
      }
      const answer = new Message(handle);
      try {
        for (const [name, value] of outcome.headers) answer.addHeader(name, value);
      } catch (error) {
        answer.dispose();
        this.#warn(error);
        n.messageSendAnswer(tid, 500, null);
        return false;
      }
      const sent = n.messageSendAnswer(tid, outcome.status, handle);
      if (sent < 0) {
        if (answer.state === 'owned') answer.dispose();
        // OSIP_WRONG_STATE: eXosip answered this transaction itself already.
        if (sent !== OSIP_CODES.OSIP_WRONG_STATE) this.#warn(osipError(sent, 'eXosip_message_send_answer', `status ${outcome.status}`));
        return false;
      }
      return true;
    } finally {
      n.unlock();
    }
  }

  #notAllowed(request: Message): Outcome {
    const outcome = this.#reject(info(request), 405, 'method-not-allowed', `${request.method ?? 'this method'} is not served here: only REGISTER`);
    outcome.headers.push(['Allow', 'REGISTER']);
    return outcome;
  }

  #reject(request: RegistrarRequestInfo, status: number, cause: RegistrarRejectCause, detail: string): Outcome {
    const rejection: RegistrarRejection = Object.freeze({ ...request, status, cause, detail });
    return { status, headers: [], emit: [() => this.emit('rejected', rejection)] };
  }

  #challenge(request: RegistrarRequestInfo, realm: string, cause: RegistrarChallengeCause, stale: boolean): Outcome {
    const nonce = this.#nonce(realm, Date.now());
    const value = `Digest realm=${quote(realm)}, nonce="${nonce}", qop="auth", algorithm=MD5${stale ? ', stale=true' : ''}`;
    const challenge: RegistrarChallenge = Object.freeze({ ...request, status: 401, realm, stale, cause });
    return { status: 401, headers: [['WWW-Authenticate', value]], emit: [() => this.emit('challenge', challenge)] };
  }

  #register(request: Message): Outcome {
    const now = Date.now();
    const base = info(request);
    const target = sipTarget(contactUri(request.getHeader('to') ?? ''));
    if (target === null) return this.#reject(base, 400, 'bad-request', 'the To header has no sip: or sips: URI');
    const domain = target.host.toLowerCase();
    const aor = `${target.user}@${domain}`;
    const req: RegistrarRequestInfo = Object.freeze({ ...base, aor });
    if (this.#o.domains !== null && !this.#o.domains.has(domain)) {
      return this.#reject(req, 403, 'domain-not-served', `the domain ${domain} is not served here`);
    }

    // Digest authentication (RFC 2617/7616, MD5, qop=auth or none).
    const realm = this.#o.realm ?? target.host;
    const credentials = request
      .getHeaders('authorization')
      .map(parseDigest)
      .find((p) => p !== null && p.get('realm') === realm);
    if (credentials === undefined || credentials === null) return this.#challenge(req, realm, 'no-credentials', false);
    const username = credentials.get('username');
    const nonce = credentials.get('nonce');
    const uri = credentials.get('uri');
    const response = credentials.get('response');
    const qop = credentials.get('qop');
    const nc = credentials.get('nc');
    const cnonce = credentials.get('cnonce');
    const algorithm = (credentials.get('algorithm') ?? 'MD5').toUpperCase();
    if (!username || !nonce || uri === undefined || !response) {
      return this.#reject(req, 403, 'bad-credentials', 'the credentials lack username, nonce, uri or response');
    }
    if (qop !== undefined && (qop.toLowerCase() !== 'auth' || !/^[0-9a-f]{8}$/i.test(nc ?? '') || !cnonce)) {
      return this.#reject(req, 403, 'bad-credentials', `qop=${qop} needs qop=auth with nc (8 hex digits) and cnonce`);
    }
    if (algorithm !== 'MD5' && algorithm !== 'MD5-SESS') {
      return this.#reject(req, 403, 'bad-credentials', `algorithm ${algorithm} is not supported (MD5 only)`);
    }
    if (algorithm === 'MD5-SESS' && !cnonce) return this.#reject(req, 403, 'bad-credentials', 'MD5-sess needs a cnonce');
    const freshness = this.#checkNonce(nonce, realm, now);
    if (freshness === 'unknown') return this.#challenge(req, realm, 'unknown-nonce', false);

    let password: string | undefined;
    try {
      const found = this.#o.lookup(username, realm, domain);
      password = typeof found === 'string' ? found : undefined;
    } catch (error) {
      this.#warn(error);
      return this.#reject(req, 500, 'internal-error', `the password lookup threw: ${(error as Error).message}`);
    }
    let valid = false;
    if (password !== undefined) {
      let ha1 = md5(`${username}:${realm}:${password}`);
      if (algorithm === 'MD5-SESS') ha1 = md5(`${ha1}:${nonce}:${cnonce}`);
      const ha2 = md5(`REGISTER:${uri}`);
      const expected = qop === undefined ? md5(`${ha1}:${nonce}:${ha2}`) : md5(`${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${ha2}`);
      valid = sameText(expected, response.toLowerCase());
    }
    if (freshness === 'stale') return this.#challenge(req, realm, 'stale-nonce', valid);
    if (password === undefined) return this.#reject(req, 403, 'unknown-user', `no password for ${username} in realm ${realm}`);
    if (!valid) return this.#reject(req, 403, 'wrong-password', `wrong digest response for ${username} in realm ${realm}`);
    if (username !== target.user) {
      return this.#reject(req, 403, 'user-mismatch', `${username} may not register ${aor} (the digest user name must be the To user)`);
    }

    return this.#bind(request, req, aor, now);
  }

  /** The registrar proper (RFC 3261 10.3, steps 6 to 8), once authenticated. */
  #bind(request: Message, req: RegistrarRequestInfo, aor: string, now: number): Outcome {
    this.#purge(now);
    const o = this.#o;
    const contacts = request.contacts;
    const headerExpires = request.expires;
    const emit: Array<() => void> = [];
    const existing = this.#table.get(aor);

    if (contacts.some((c) => c.trim() === '*')) {
      if (contacts.length !== 1) return this.#reject(req, 400, 'bad-wildcard', 'Contact: * must be the only Contact');
      if (headerExpires !== 0) return this.#reject(req, 400, 'bad-wildcard', 'Contact: * needs Expires: 0');
      if (existing !== undefined) {
        for (const entry of existing.values()) {
          const binding = snapshot(entry, now);
          emit.push(() => this.emit('unregistered', Object.freeze({ binding, reason: 'wildcard' })));
        }
        this.#count -= existing.size;
        this.#table.delete(aor);
        this.#schedule();
      }
      return { status: 200, headers: [], emit };
    }

    const cseq = Number.parseInt(request.getHeader('cseq') ?? '', 10);
    const userAgent = request.getHeader('user-agent') ?? '';
    const { transport, source } = viaSource(request.getHeader('via'));
    const plans = new Map<string, { params: string; expires: number }>();
    for (const contact of contacts) {
      const uri = contactUri(contact);
      if (!/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(uri)) return this.#reject(req, 400, 'bad-request', `Contact ${contact} has no URI`);
      let expires = contactExpires(contact) ?? headerExpires ?? o.defaultExpires;
      if (expires > 0 && expires < o.minExpires) {
        const outcome = this.#reject(req, 423, 'interval-too-brief', `expires ${expires} is below the minimum ${o.minExpires}`);
        outcome.headers.push(['Min-Expires', String(o.minExpires)]);
        return outcome;
      }
      if (expires > o.maxExpires) expires = o.maxExpires;
      plans.set(uri, { params: contactParams(contact), expires });
    }

    // RFC 3261 10.3 step 7: same Call-ID needs a higher CSeq.
    const repeats = new Set<string>();
    for (const uri of plans.keys()) {
      const entry = existing?.get(uri);
      if (entry === undefined || entry.callId !== req.callId) continue;
      if (cseq < entry.cseq || (cseq === entry.cseq && now - entry.updatedAt > EQUAL_CSEQ_GRACE_MS)) {
        return this.#reject(req, 400, 'bad-cseq', `CSeq ${cseq} is not above ${entry.cseq} for Call-ID ${req.callId}`);
      }
      if (cseq === entry.cseq) repeats.add(uri);
    }

    let added = 0;
    let removed = 0;
    for (const [uri, plan] of plans) {
      if (repeats.has(uri)) continue;
      const known = existing?.has(uri) === true;
      if (plan.expires > 0 && !known) added += 1;
      if (plan.expires === 0 && known) removed += 1;
    }
    const size = existing?.size ?? 0;
    if (size + added - removed > o.maxBindingsPerAor) {
      const outcome = this.#reject(req, 503, 'too-many-bindings', `${aor} would hold ${size + added - removed} bindings; at most ${o.maxBindingsPerAor}`);
      return outcome;
    }
    if (this.#count + added - removed > o.maxBindings) {
      return this.#reject(req, 503, 'too-many-bindings', `the table would hold ${this.#count + added - removed} bindings; at most ${o.maxBindings}`);
    }

    const entries = existing ?? new Map<string, Entry>();
    for (const [uri, plan] of plans) {
      if (repeats.has(uri)) continue;
      const entry = entries.get(uri);
      if (plan.expires === 0) {
        if (entry === undefined) continue;
        entries.delete(uri);
        this.#count -= 1;
        const binding = snapshot(entry, now);
        emit.push(() => this.emit('unregistered', Object.freeze({ binding, reason: 'unregister' })));
        continue;
      }
      const next: Entry = {
        aor,
        contact: uri,
        params: plan.params,
        expiresAt: now + plan.expires * 1000,
        callId: req.callId,
        cseq: Number.isNaN(cseq) ? 0 : cseq,
        userAgent,
        transport,
        source,
        registeredAt: entry?.registeredAt ?? now,
        updatedAt: now,
      };
      if (entry === undefined) this.#count += 1;
      entries.set(uri, next);
      const binding = snapshot(next, now);
      const refreshed = entry !== undefined;
      emit.push(() => this.emit('registered', Object.freeze({ binding, refreshed })));
    }
    if (entries.size > 0) this.#table.set(aor, entries);
    else this.#table.delete(aor);
    this.#schedule();

    const headers: Header[] = [...entries.values()].map((e) => ['Contact', `<${e.contact}>${e.params};expires=${remaining(e, now)}`] as const);
    return { status: 200, headers, emit };
  }

  #nonce(realm: string, now: number): string {
    const buf = Buffer.alloc(NONCE_BYTES);
    buf.writeUIntBE(now, 0, 6);
    randomBytes(6).copy(buf, 6);
    this.#mac(buf.subarray(0, 12), realm).copy(buf, 12);
    return buf.toString('base64url');
  }

  #checkNonce(nonce: string, realm: string, now: number): 'fresh' | 'stale' | 'unknown' {
    if (!/^[A-Za-z0-9_-]{32}$/.test(nonce)) return 'unknown';
    const buf = Buffer.from(nonce, 'base64url');
    if (buf.length !== NONCE_BYTES || !timingSafeEqual(this.#mac(buf.subarray(0, 12), realm), buf.subarray(12))) return 'unknown';
    const issued = buf.readUIntBE(0, 6);
    if (issued > now + 1000) return 'unknown';
    return now - issued > this.#o.nonceTtlMs ? 'stale' : 'fresh';
  }

  #mac(data: Buffer, realm: string): Buffer {
    return createHmac('sha256', this.#secret).update(data).update(realm).digest().subarray(0, 12);
  }

  /** Removes the expired bindings, emitting `'unregistered'` for each. */
  #purge(now: number): void {
    const gone: Entry[] = [];
    for (const [aor, entries] of this.#table) {
      for (const [uri, entry] of entries) {
        if (entry.expiresAt > now) continue;
        entries.delete(uri);
        gone.push(entry);
      }
      if (entries.size === 0) this.#table.delete(aor);
    }
    if (gone.length === 0) return;
    this.#count -= gone.length;
    this.#schedule();
    for (const entry of gone) this.emit('unregistered', Object.freeze({ binding: snapshot(entry, now), reason: 'expired' as const }));
  }

  /** Arms the (unref'd) timer for the next expiry. */
  #schedule(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#closing !== null) return;
    let next = Infinity;
    for (const entries of this.#table.values()) for (const entry of entries.values()) next = Math.min(next, entry.expiresAt);
    if (next === Infinity) return;
    const delay = Math.min(Math.max(0, next - Date.now()) + 1, MAX_TIMER_MS);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#purge(Date.now());
      this.#schedule();
    }, delay);
    this.#timer.unref();
  }
}

/**
 * Whether something accepts TCP connections where eXosip said it listens:
 * eXosip_listen_addr succeeds for TCP/TLS even when libeXosip2 was built
 * without ENABLE_MAIN_SOCKET, and then never calls listen(2).
 */
function acceptsConnections(where: ListenInfo, signal: AbortSignal | undefined): Promise<boolean> {
  let host = where.address ?? (where.family === 6 ? '::1' : '127.0.0.1');
  if (host === '0.0.0.0') host = '127.0.0.1';
  if (host === '::') host = '::1';
  return new Promise((resolve) => {
    const socket = connect({ host, port: where.port });
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(ok);
    };
    const onAbort = (): void => done(false);
    const timer = setTimeout(() => done(false), 2000);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}


function remaining(entry: Entry, now: number): number {
  return Math.max(0, Math.ceil((entry.expiresAt - now) / 1000));
}

function snapshot(entry: Entry, now: number): RegistrarBinding {
  return Object.freeze({
    aor: entry.aor,
    contact: entry.contact,
    params: entry.params,
    expires: remaining(entry, now),
    expiresAt: entry.expiresAt,
    callId: entry.callId,
    cseq: entry.cseq,
    userAgent: entry.userAgent,
    transport: entry.transport,
    source: entry.source,
    registeredAt: entry.registeredAt,
    updatedAt: entry.updatedAt,
  });
}

function info(request: Message): RegistrarRequestInfo {
  const to = sipTarget(contactUri(request.getHeader('to') ?? ''));
  return Object.freeze({
    method: request.method ?? '',
    aor: to === null ? null : `${to.user}@${to.host.toLowerCase()}`,
    callId: request.getHeader('call-id') ?? '',
    source: viaSource(request.getHeader('via')).source,
  });
}
