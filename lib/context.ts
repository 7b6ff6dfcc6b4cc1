/**
 * The eXosip context: sockets, credentials, registrations and the event stream.
 * @module
 */
import { EventEmitter } from 'node:events';
import { inspect } from 'node:util';
import type { NativeContext, NativeEvent, NativeLog, NativeTrace } from '../binding';
import { abortError, check, osipError, registrationError, socketError, stateError, typeError } from './errors';
import { type AnyExosipEvent, type ExosipEvent, type ExosipEventType, type RegistrationEvent, toEvent } from './events';
import { checkLogger, deliver, type Logger } from './log';
import { Message } from './message';
import { binding } from './native';
import { type ExosipOptionName, OPTIONS, optionKind, type OptionValue, valueFits } from './options';
import {
  DEFAULT_TIMEOUT_MS,
  Registration,
  type RegistrationHost,
  type RegistrationInfo,
  sendRegister,
} from './registration';
import { type SipTrace, TraceDecoder, type TraceOptions } from './trace';
import * as v from './validate';

/**
 * Transports `listen()` accepts. `'tls'` needs eXosip built with OpenSSL.
 * DTLS is not offered: libeXosip2 5.3 does its DTLS handshake blocking, under
 * eXosip's lock, which can freeze the whole process (docs/reliability.md).
 */
export type Transport = 'udp' | 'tcp' | 'tls';

/** Options of the {@link Context} constructor. */
export interface ContextOptions {
  /** User-Agent header of every request (`eXosip_set_user_agent`). */
  userAgent?: string;
  /** `eXosip_set_option` calls to make, by C name. */
  options?: Partial<Record<ExosipOptionName, OptionValue>>;
  /** Where libosip2/eXosip's own log goes; default: nowhere (silent). */
  logger?: Logger;
  /** Lines of osip level <= this reach `logger` (0 FATAL .. 7 INFO4; default 3, WARNING). */
  logLevel?: number;
}

/** Options of {@link Context.listen}. */
export interface ListenOptions {
  /** Default `'udp'`. */
  transport?: Transport;
  /** IPv4 or IPv6 literal to bind; default: every address of `family`. */
  address?: string;
  /** Port; 0 (the default) picks a free one, reported back. */
  port?: number;
  /** 4 or 6; default: the address's family, else 4. */
  family?: 4 | 6;
}

/** Where a context listens. */
export interface ListenInfo {
  /** The transport listened on. */
  readonly transport: Transport;
  /** The address bound, or null for every address of `family`. */
  readonly address: string | null;
  /** The port: the one picked when 0 was asked (TCP/TLS: the one eXosip was told, see {@link Context.listen}). */
  readonly port: number;
  /** 4 or 6. */
  readonly family: 4 | 6;
}

/** Credentials for one service (`eXosip_add_authentication_info`). */
export interface AuthenticationInfo {
  /** The user name in the digest (and usually the AoR's user). */
  username: string;
  /** Login, if it differs from `username` (default: `username`). */
  userid?: string;
  /** The password (or give `ha1`). */
  password?: string;
  /** Precomputed MD5(username:realm:password), instead of the password. */
  ha1?: string;
  /** Realm the credentials are for; default: any realm. Needed with several services. */
  realm?: string;
}

/** Options of {@link Context.register}. */
export interface RegisterOptions {
  /** The AoR, e.g. `'sip:alice@example.com'`. */
  from: string;
  /** The registrar, e.g. `'sip:127.0.0.1:5060'`. */
  proxy: string;
  /** Expiry to ask for in seconds (default 3600). eXosip raises 1..29 to 30. */
  expires?: number;
  /** Our Contact; default: eXosip manages it (recommended). */
  contact?: string;
  /** Values for Supported headers, e.g. `['100rel', 'path']`. */
  supported?: readonly string[];
  /** Extra headers for the first REGISTER (eXosip copies them into refreshes). */
  headers?: Readonly<Record<string, string>> | ReadonlyArray<readonly [string, string]>;
  /** Reject with `ERR_REGISTRATION_TIMEOUT` after this many ms (default 40000). */
  timeoutMs?: number;
  /** Reject with `ABORT_ERR` when this signal aborts; the registration is then forgotten locally. */
  signal?: AbortSignal;
}

/** Options of {@link Context.unregisterAll}. */
export type UnregisterAllOptions = Omit<RegisterOptions, 'expires' | 'contact'>;

/** Events of a {@link Context}. */
export interface ContextEventMap {
  /** Every eXosip event, in the order eXosip produced them. */
  event: [event: AnyExosipEvent];
  /**
   * A registration was created by `register()` or `unregisterAll()` and its
   * first REGISTER sent; no answer can have been handled yet, so listeners
   * added here see its `challenge` and `registered` events too.
   */
  registration: [registration: Registration];
  /** A SIP message sent or received, while {@link Context.setTrace} is on. */
  trace: [trace: SipTrace];
  /** After `close()` completed. */
  close: [];
}

const TRANSPORTS: readonly Transport[] = ['udp', 'tcp', 'tls'];

/** Marks a Context made by the compat API's eXosip_malloc: eXosip_init comes later. */
const kDeferInit = Symbol('exosip2.deferInit');

/**
 * One eXosip context (`eXosip_t`) with its own native worker thread.
 *
 * ```ts
 * const ctx = new Context({ userAgent: 'my-app/1.0' });
 * await ctx.listen({ transport: 'udp', address: '127.0.0.1', port: 0 });
 * ctx.addAuthenticationInfo({ username: 'alice', password: 'secret', realm: 'example.com' });
 * const reg = await ctx.register({ from: 'sip:alice@example.com', proxy: 'sip:127.0.0.1:5060' });
 * await reg.unregister();
 * await ctx.close();
 * ```
 *
 * An open context keeps the process alive, as a socket does; see {@link unref}.
 */
export class Context extends EventEmitter<ContextEventMap> {
  #native: NativeContext;
  #registrations = new Map<number, Registration>();
  #listening: ListenInfo | null = null;
  #closing: Promise<void> | null = null;
  #host: RegistrationHost;
  #trace: TraceDecoder | null = null;
  #logger: Logger | null = null;

  /** `eXosip_malloc` + `eXosip_init`, then the worker thread starts. */
  constructor(options?: ContextOptions) {
    super();
    const o = v.options<ContextOptions>('options', options);
    const userAgent = o.userAgent === undefined ? undefined : v.sipText('options.userAgent', o.userAgent);
    const settings = v.options<Record<string, OptionValue>>('options.options', o.options);
    const logger = o.logger === undefined ? null : checkLogger('options.logger', o.logger);
    const logLevel = o.logLevel === undefined ? 3 : v.integer('options.logLevel', o.logLevel, 0, 7);
    for (const [name, value] of Object.entries(settings)) this.#checkOption(name, value);
    this.#native = new binding.NativeContext((raw) => this.#dispatch(raw));
    this.#host = {
      native: this.#native,
      assertOpen: () => this.#assertOpen(),
      forget: (rid) => {
        this.#registrations.delete(rid);
        if (this.#closing === null) this.#native.registerRemove(rid);
      },
    };
    if ((options as Record<symbol, unknown> | undefined)?.[kDeferInit] === true) return;
    const code = this._init();
    if (code < 0) {
      this.#native.close();
      throw osipError(code, 'eXosip_init');
    }
    if (logger !== null) this.setLogger(logger, logLevel);
    if (userAgent !== undefined) this.#native.setUserAgent(userAgent);
    for (const [name, value] of Object.entries(settings)) this.setOption(name as ExosipOptionName, value as OptionValue);
  }

  /**
   * Routes libosip2/eXosip's own log to `logger` (null: silent again), for
   * lines of osip level <= `level` (default 3, WARNING). osip logs
   * process-wide: every context with a logger receives every line, whichever
   * context it concerns. Credentials in logged messages are redacted.
   */
  setLogger(logger: Logger | null, level = 3): void {
    const l = logger === null ? null : checkLogger('logger', logger);
    const n = v.integer('level', level, 0, 7);
    this.#assertOpen();
    this.#native.setLogLevel(l === null ? -1 : n);
    this.#logger = l;
  }

  /** @internal eXosip_malloc for the compat API: a context whose eXosip_init is still to come. */
  static _allocate(): Context {
    return new Context({ [kDeferInit]: true } as ContextOptions);
  }

  /** @internal eXosip_init (and the worker thread) → code. */
  _init(): number {
    return this.#native.init();
  }

  /**
   * @internal eXosip_listen_addr with C arguments → `[code, port, errno]`;
   * records where the context listens on success.
   */
  _listen(proto: number, address: string | null, port: number, family: number, secure: number): [number, number, number] {
    const result = this.#native.listen(proto, address, port, family, secure);
    if (result[0] >= 0) {
      const c = binding.constants;
      const transport: Transport = proto === c.IPPROTO_UDP ? 'udp' : secure ? 'tls' : 'tcp';
      this.#listening = Object.freeze({ transport, address, port: result[1], family: family === c.AF_INET6 ? 6 : 4 });
    }
    return result;
  }

  /** The libeXosip2 version this addon runs on, e.g. `'5.3.0'`. */
  static get exosipVersion(): string {
    return binding.exosipVersion;
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closing !== null;
  }

  /** Where the context listens, or null before `listen()`. */
  get address(): ListenInfo | null {
    return this.#listening;
  }

  /**
   * How many times this context held eXosip's automatic action back for one
   * second because eXosip was re-sending a REGISTER that had just failed
   * without a response (a TCP registrar refusing connections, with a period
   * under ~130 s): libeXosip2 5.3 would otherwise retry in a tight loop. See
   * docs/reliability.md, "Retry pacing".
   */
  get retryPauses(): number {
    return this.#native.retryPauses;
  }

  /** The registrations this context holds, by rid. */
  get registrations(): ReadonlyMap<number, Registration> {
    return this.#registrations;
  }

  /**
   * Opens the SIP socket (`eXosip_listen_addr`). One transport per context,
   * as in eXosip. Port 0 picks a free port, reported in the result.
   *
   * TCP/TLS: libeXosip2 as upstream builds it by default (without
   * `-DENABLE_MAIN_SOCKET`) opens no listening socket; it connects out to the
   * registrar and receives on those connections, which is all a registering
   * client needs, but it accepts no incoming connection. The port reported is
   * then the one eXosip was told, not a bound socket.
   * Rejects with a SipError: `EADDRINUSE` when the port is taken,
   * `OSIP_WRONG_STATE` when already listening.
   */
  async listen(options?: ListenOptions): Promise<ListenInfo> {
    const o = v.options<ListenOptions>('options', options);
    const transport = o.transport === undefined ? 'udp' : v.oneOf('options.transport', o.transport, TRANSPORTS);
    const address = o.address === undefined ? null : o.address;
    const addressFamily = address === null ? undefined : v.ipAddress('options.address', address);
    const port = o.port === undefined ? 0 : v.integer('options.port', o.port, 0, 65535);
    const family = o.family === undefined ? (addressFamily ?? 4) : (v.oneOf('options.family', String(o.family), ['4', '6']) === '6' ? 6 : 4);
    if (addressFamily !== undefined && addressFamily !== family) {
      throw typeError('ERR_INVALID_ARG_VALUE', `options.address ${address} is not an IPv${family} address`);
    }
    this.#assertOpen();
    const c = binding.constants;
    const proto = transport === 'udp' ? c.IPPROTO_UDP : c.IPPROTO_TCP;
    const secure = transport === 'tls' ? 1 : 0;
    const [code, , errno] = this._listen(proto, address, port, family === 6 ? c.AF_INET6 : c.AF_INET, secure);
    if (code < 0) {
      const where = `${transport} ${address ?? (family === 6 ? '[::]' : '0.0.0.0')}:${port}`;
      if (errno === 98 /* EADDRINUSE */) {
        throw socketError('EADDRINUSE', `eXosip_listen_addr failed: ${where} is already in use (EADDRINUSE)`, code);
      }
      if (code === binding.osipCodes.OSIP_WRONG_STATE) throw osipError(code, 'eXosip_listen_addr', 'this context already listens');
      throw osipError(code, 'eXosip_listen_addr', errno ? `cannot bind ${where} (errno ${errno})` : `cannot listen on ${where}`);
    }
    return this.#listening!;
  }

  /** Sets the User-Agent header (`eXosip_set_user_agent`). */
  setUserAgent(userAgent: string): void {
    const ua = v.sipText('userAgent', userAgent);
    this.#assertOpen();
    this.#native.setUserAgent(ua);
  }

  /**
   * `eXosip_set_option` by C name (or number). Throws TypeError for a value of
   * the wrong shape, SipError for a value eXosip refuses.
   */
  setOption(option: ExosipOptionName | number, value: OptionValue): void {
    const id = this.#checkOption(option, value);
    this.#assertOpen();
    check(this.#native.setOption(id, value), 'eXosip_set_option', String(option));
  }

  /** `eXosip_masquerade_contact`: the public address and port to put in Contact/Via (null to stop). */
  masqueradeContact(address: string | null, port = 0): void {
    const a = address === null ? null : v.sipText('address', address);
    const p = v.integer('port', port, 0, 65535);
    this.#assertOpen();
    this.#native.masqueradeContact(a, p);
  }

  /**
   * Adds credentials (`eXosip_add_authentication_info`). Throws RangeError for
   * a value longer than the 49 bytes eXosip keeps (it would truncate silently).
   */
  addAuthenticationInfo(info: AuthenticationInfo): void {
    const o = v.options<AuthenticationInfo>('info', info);
    if (info === undefined) throw typeError('ERR_INVALID_ARG_TYPE', 'info must be an object');
    const username = v.credential('info.username', o.username);
    const userid = o.userid === undefined ? username : v.credential('info.userid', o.userid);
    if (o.password === undefined && o.ha1 === undefined) {
      throw typeError('ERR_INVALID_ARG_VALUE', 'info.password or info.ha1 is required');
    }
    const password = o.password === undefined ? '' : v.credential('info.password', o.password, { allowEmpty: true });
    const ha1 = o.ha1 === undefined ? null : v.credential('info.ha1', o.ha1);
    const realm = o.realm === undefined ? null : v.credential('info.realm', o.realm);
    this.#assertOpen();
    check(this.#native.addAuthenticationInfo(username, userid, password, ha1, realm), 'eXosip_add_authentication_info');
  }

  /** Removes the credentials of `username` for `realm` (`eXosip_remove_authentication_info`). */
  removeAuthenticationInfo(info: { username: string; realm: string }): void {
    const o = v.options<{ username: string; realm: string }>('info', info);
    const username = v.credential('info.username', o.username);
    const realm = v.credential('info.realm', o.realm);
    this.#assertOpen();
    check(this.#native.removeAuthenticationInfo(username, realm), 'eXosip_remove_authentication_info');
  }

  /** Forgets every credential (`eXosip_clear_authentication_info`). */
  clearAuthenticationInfo(): void {
    this.#assertOpen();
    check(this.#native.clearAuthenticationInfo(), 'eXosip_clear_authentication_info');
  }

  /**
   * Registers `from` at `proxy`. Resolves on the registrar's final 2xx; the
   * 401/407 challenges eXosip answers by itself on the way are `challenge`
   * events, not failures. Rejects with a RegistrationError on a final failure
   * (a wrong password ends after at most 4 REGISTERs), on `timeoutMs`, on
   * abort or when the context closes; the registration is then forgotten.
   */
  async register(options: RegisterOptions): Promise<Registration> {
    const o = this.#registerOptions(options);
    const expires = o.expires === undefined ? 3600 : v.integer('options.expires', o.expires, 1, 99_999_999);
    const contact = o.contact === undefined ? null : v.sipText('options.contact', o.contact);
    const started = this.#start(o, contact, expires);
    this.emit('registration', started.registration);
    await started.wait;
    return started.registration;
  }

  /**
   * Asks the registrar to drop every binding of `from` (a REGISTER with
   * `Contact: *` and expires 0). Not advised by RFC 3261 for normal use, but
   * there for cleanup. Resolves on the registrar's 2xx.
   */
  async unregisterAll(options: UnregisterAllOptions): Promise<RegistrationInfo> {
    const o = this.#registerOptions(options);
    const started = this.#start(o, '*', 0);
    this.emit('registration', started.registration);
    return started.wait;
  }

  /**
   * Stops the worker thread and eXosip (`eXosip_quit`). Pending registrations
   * reject with `ERR_CONTEXT_CLOSED`; nothing is sent. Events eXosip already
   * produced are still emitted before the promise resolves. Idempotent.
   */
  close(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    this.#closing = new Promise<void>((resolve) => {
      for (const registration of [...this.#registrations.values()]) registration.closed();
      this.#registrations.clear();
      this.#native.close(() => {
        this.emit('close');
        resolve();
      });
    });
    return this.#closing;
  }

  /**
   * Turns the SIP trace on or off: every message eXosip sends or receives is
   * emitted as a `'trace'` event ({@link SipTrace}), in order with the
   * eXosip events. Authorization credentials are redacted unless
   * `{ redact: false }`.
   */
  setTrace(on: boolean, options?: TraceOptions): void {
    if (typeof on !== 'boolean') throw typeError('ERR_INVALID_ARG_TYPE', 'on must be a boolean');
    const o = v.options<TraceOptions>('options', options);
    if (o.redact !== undefined && typeof o.redact !== 'boolean') {
      throw typeError('ERR_INVALID_ARG_TYPE', 'options.redact must be a boolean');
    }
    this.#assertOpen();
    check(this.#native.setTrace(on), 'eXosip_set_cbsip_message', on ? 'too many contexts trace at once' : undefined);
    this.#trace = on ? new TraceDecoder(o) : null;
  }

  /**
   * The eXosip events from now on as an async iterator, optionally only some
   * types; it ends when the context closes (after the events produced before
   * closing) or when `signal` aborts (then it throws an `AbortError`).
   * Events are buffered while the loop body awaits, so none is lost.
   *
   * ```ts
   * for await (const ev of ctx.events({ types: ['EXOSIP_REGISTRATION_SUCCESS'] })) console.log(ev.rid);
   * ```
   */
  events<T extends ExosipEventType = ExosipEventType>(options?: { types?: readonly T[]; signal?: AbortSignal }): AsyncIterableIterator<ExosipEvent<T>> {
    const o = v.options<{ types?: readonly T[]; signal?: AbortSignal }>('options', options);
    const signal = v.abortSignal('options.signal', o.signal);
    if (o.types !== undefined && !Array.isArray(o.types)) {
      throw typeError('ERR_INVALID_ARG_TYPE', 'options.types must be an array of event type names');
    }
    const types = o.types === undefined ? null : new Set<string>(o.types);
    const buffer: Array<ExosipEvent<T>> = [];
    let wake: (() => void) | null = null;
    let ended = this.#closing !== null;
    const onEvent = (ev: AnyExosipEvent): void => {
      if (types !== null && !types.has(ev.type)) return;
      buffer.push(ev as ExosipEvent<T>);
      wake?.();
    };
    const onEnd = (): void => {
      ended = true;
      wake?.();
    };
    const detach = (): void => {
      this.off('event', onEvent);
      this.off('close', onEnd);
      signal?.removeEventListener('abort', onEnd);
    };
    this.on('event', onEvent);
    this.on('close', onEnd);
    signal?.addEventListener('abort', onEnd, { once: true });
    const iterator: AsyncIterableIterator<ExosipEvent<T>> = {
      next: async () => {
        for (;;) {
          if (signal?.aborted) {
            detach();
            throw abortError(signal);
          }
          const ev = buffer.shift();
          if (ev !== undefined) return { value: ev, done: false };
          if (ended) {
            detach();
            return { value: undefined, done: true };
          }
          await new Promise<void>((resolve) => (wake = resolve));
          wake = null;
        }
      },
      return: async () => {
        detach();
        buffer.length = 0;
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  /** Lets the process exit while this context is open (like `socket.unref()`). */
  unref(): this {
    if (this.#closing === null) this.#native.unref();
    return this;
  }

  /** Undoes {@link unref}: the open context keeps the process alive again. */
  ref(): this {
    if (this.#closing === null) this.#native.ref();
    return this;
  }

  /** `await using ctx = new Context()` closes it. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** @internal The native handle, for lib/ itself (compat API, Registrar). */
  get _native(): NativeContext {
    return this.#native;
  }

  #registerOptions(options: RegisterOptions | UnregisterAllOptions): Partial<RegisterOptions> {
    const o = v.options<RegisterOptions>('options', options);
    if (options === undefined) throw typeError('ERR_INVALID_ARG_TYPE', 'options must be an object');
    v.sipUri('options.from', o.from);
    v.sipUri('options.proxy', o.proxy);
    if (o.supported !== undefined) {
      if (!Array.isArray(o.supported)) throw typeError('ERR_INVALID_ARG_TYPE', 'options.supported must be an array of strings');
      o.supported.forEach((s, i) => v.sipText(`options.supported[${i}]`, s));
    }
    if (o.headers !== undefined) {
      const entries = Array.isArray(o.headers) ? o.headers : Object.entries(v.options('options.headers', o.headers));
      entries.forEach((entry, i) => {
        if (!Array.isArray(entry) || entry.length !== 2) throw typeError('ERR_INVALID_ARG_TYPE', `options.headers[${i}] must be a [name, value] pair`);
        v.headerName(`options.headers[${i}] name`, entry[0]);
        v.sipText(`options.headers[${i}] value`, entry[1], { allowEmpty: true });
      });
    }
    if (o.timeoutMs !== undefined) v.integer('options.timeoutMs', o.timeoutMs, 1, 2_147_483_647);
    v.abortSignal('options.signal', o.signal);
    return o;
  }

  #start(o: Partial<RegisterOptions>, contact: string | null, expires: number): { registration: Registration; wait: Promise<RegistrationInfo> } {
    this.#assertOpen();
    if (o.signal?.aborted) {
      throw registrationError('ABORT_ERR', `Registration of ${o.from} was aborted before it started`, { reason: 'aborted', cause: o.signal.reason });
    }
    if (this.#listening === null) {
      throw stateError('ERR_NOT_LISTENING', 'Call listen() before register(): eXosip needs a transport');
    }
    const proxyFamily = v.uriHostFamily(o.proxy!);
    if (proxyFamily !== 0 && proxyFamily !== this.#listening.family) {
      // eXosip could never send there (no socket of that family), and each try
      // leaks the resolved address (eXtl_udp.c, docs/reliability.md).
      throw typeError('ERR_INVALID_ARG_VALUE', `options.proxy ${o.proxy} is an IPv${proxyFamily} address but this context listens on IPv${this.#listening.family}`);
    }
    const n = this.#native;
    n.lock();
    try {
      const [rid, handle] = n.registerBuildInitialRegister(o.from!, o.proxy!, contact, expires);
      if (rid < 0 || handle === null) throw osipError(rid < 0 ? rid : -1, 'eXosip_register_build_initial_register');
      const message = new Message(handle);
      const registration = new Registration(this.#host, { rid, from: o.from!, proxy: o.proxy!, contact, expires });
      try {
        for (const value of o.supported ?? []) message.setSupported(value);
        const headers = Array.isArray(o.headers) ? o.headers : Object.entries(o.headers ?? {});
        for (const [name, value] of headers) message.addHeader(name, value);
      } catch (error) {
        message.dispose();
        n.registerRemove(rid);
        throw error;
      }
      this.#registrations.set(rid, registration);
      const wait = registration.begin(contact === '*' ? 'unregister' : 'register', o.timeoutMs ?? DEFAULT_TIMEOUT_MS, o.signal);
      const sent = sendRegister(n, rid, message);
      if (sent < 0) {
        wait.catch(() => undefined);
        registration.remove();
        throw osipError(sent, 'eXosip_register_send_register');
      }
      return { registration, wait };
    } finally {
      n.unlock();
    }
  }

  #checkOption(option: unknown, value: unknown): number {
    const id = typeof option === 'number' ? option : OPTIONS[option as ExosipOptionName];
    const kind = id === undefined ? undefined : optionKind(id);
    if (id === undefined || kind === undefined) {
      throw typeError('ERR_INVALID_ARG_VALUE', `Unknown eXosip option ${String(option)}`);
    }
    if (kind === 'unsupported') {
      throw typeError('ERR_INVALID_ARG_VALUE', `${String(option)} takes a C pointer this binding does not pass`);
    }
    if (!valueFits(kind, value)) {
      throw typeError('ERR_INVALID_ARG_TYPE', `${String(option)} takes a value of kind '${kind}', got ${inspect(value, { depth: 1, breakLength: Infinity })}`);
    }
    return id;
  }

  #assertOpen(): void {
    if (this.#closing !== null) throw stateError('ERR_CONTEXT_CLOSED', 'The context is closed');
  }

  #dispatch(raw: NativeEvent | NativeTrace | NativeLog): void {
    if (raw.kind === 'log') {
      if (this.#logger !== null) deliver(this.#logger, raw);
      return;
    }
    if (raw.kind === 'trace') {
      // Messages queued before setTrace(false) still arrive: report them too.
      const decoder = this.#trace ?? new TraceDecoder({});
      this.emit('trace', decoder.decode(raw.received, raw.text));
      return;
    }
    const event = toEvent(raw);
    this.emit('event', event);
    if (event.type === 'EXOSIP_REGISTRATION_SUCCESS' || event.type === 'EXOSIP_REGISTRATION_FAILURE') {
      this.#registrations.get(event.rid)?.handle(event as RegistrationEvent);
    }
  }
}
