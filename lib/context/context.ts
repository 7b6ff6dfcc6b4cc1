/**
 * The eXosip context: sockets, credentials, registrations and the event stream.
 * @module
 */
import { EventEmitter } from 'node:events';
import type { NativeContext } from '../../binding';
import type { Call } from '../call/call';
import { startInvite } from '../call/start';
import type { InviteOptions } from '../call/types';
import { check, osipError, stateError, typeError } from '../errors';
import { type AnyExosipEvent, type ExosipEvent, type ExosipEventType, eventReceiver } from '../events';
import { CommandTable } from '../internal/commands';
import { EventDispatcher } from '../internal/dispatch';
import { emitEach } from '../internal/emit';
import { bindContext, kDeferInit, kInlineCommands, kOnStarted } from '../internal/handles';
import * as v from '../internal/validate';
import { binding } from '../native';
import type { PublishOptions, PublishResult, RequestOptions, RequestResult, SugarOptions } from '../message/types';
import type { ExosipOptionName, OptionValue } from '../options';
import type { Registration } from '../register/registration';
import { registerOptions, startRegistration } from '../register/start';
import type { RegisterOptions, RegistrationInfo, UnregisterAllOptions } from '../register/types';
import { type DeliverySinks, routeDelivery } from './deliveries';
import { eventIterator } from './iterator';
import { listenArgs, listenedOn, listenError } from './listen';
import { checkLogger, type Logger } from './log';
import { readStatistics } from './statistics';
import { applySettings, contextSettings } from './settings';
import { TlsFailureLog } from './tls';
import { TraceDecoder, type TraceOptions, traceDecoderFor } from './trace';
import { type AuthenticationInfo, type ContextEventMap, type ContextOptions, type ContextStatistics, type ListenInfo, type ListenOptions } from './types';
import { PUBLISH_OPTIONS, REGISTER_OPTIONS, REQUEST_OPTIONS, SUGAR_OPTIONS, UNREGISTER_ALL_OPTIONS } from '../internal/option-keys';
import type { Subscription } from '../subscribe/subscription';
import type { SubscribeOptions } from '../subscribe/types';

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
 * A context that listens keeps the process alive, as a socket does, until
 * closed; see {@link unref}. One that never listened, or whose `listen()`
 * failed, has nothing open and does not.
 */
export class Context extends EventEmitter<ContextEventMap> {
  #native: NativeContext;
  #dispatcher = new EventDispatcher();
  #commands = new CommandTable();
  #listening: ListenInfo | null = null;
  #closing: Promise<void> | null = null;
  #trace: TraceDecoder | null = null;
  #logger: Logger | null = null;
  #tlsFailures = new TlsFailureLog();
  /** What ref()/unref() asked; the context holds the loop only once it listens. */
  #refed = true;

  /** `eXosip_malloc` + `eXosip_init`, then the worker thread starts. */
  constructor(options?: ContextOptions) {
    super();
    const settings = contextSettings(options);
    const sinks: DeliverySinks = {
      commands: this.#commands,
      tlsFailures: this.#tlsFailures,
      logger: () => this.#logger,
      trace: () => this.#trace,
      emitTrace: (trace) => this.emit('trace', trace),
    };
    this.#native = new binding.NativeContext((raw) => routeDelivery(raw, sinks), eventReceiver((event) => this.#event(event)));
    this.#dispatcher.open({
      native: this.#native,
      tlsFailures: this.#tlsFailures,
      answerMs: settings.answerMs,
      udp: () => this.#listening?.transport === 'udp',
      listens: (name) => this.listenerCount(name) > 0,
      emit: (name: 'request' | 'call' | 'subscription', value: unknown) => this.emit(name, value as never),
    });
    // Nothing is open until eXosip_listen_addr succeeds: until then the
    // context must not keep the process alive (#listen refs it).
    this.#native.unref();
    bindContext(this, {
      native: this.#native,
      dispatcher: this.#dispatcher,
      commands: this.#commands,
      init: () => this.#native.init(),
      listen: (proto, address, port, family, secure) => this.#listen(proto, address, port, family, secure),
      assertOpen: () => this.#assertOpen(),
      tlsFailures: this.#tlsFailures,
      answered: (tid) => this.#dispatcher.answered(tid),
      followAbandoned: (rid, handle) => this.#dispatcher.followAbandoned(rid, handle),
      forgetRegistration: (rid, now) => {
        this.#dispatcher.forget(rid);
        if (this.#closing !== null) return;
        if (now === true) this.#native.registerRemove(rid);
        else this.#native.registerRemoveQueued(rid);
      },
    });
    if ((options as Record<symbol, unknown> | undefined)?.[kInlineCommands] === true) this.#native.setCommandsInline(true);
    if ((options as Record<symbol, unknown> | undefined)?.[kDeferInit] === true) return;
    const code = this.#native.init();
    if (code < 0) {
      this.#native.close();
      throw osipError(code, 'eXosip_init');
    }
    if (settings.logger !== null) this.setLogger(settings.logger, settings.logLevel);
    applySettings(this.#native, settings, (name, value) => this.setOption(name, value));
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
    return this.#dispatcher.registrations;
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
    const a = listenArgs(options);
    this.#assertOpen();
    const [code, , errno] = this.#listen(a.proto, a.address, a.port, a.af, a.secure);
    if (code < 0) throw listenError(a, code, errno);
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
    const id = v.exosipOption(option, value);
    this.#assertOpen();
    check(this.#native.setOption(id, value), 'eXosip_set_option', String(option));
  }

  /**
   * eXosip's counters now (`EXOSIP_OPT_GET_STATISTICS`): transactions,
   * registrations, calls, publications and subscriptions allocated, and new
   * ones per hour. Throws `ERR_CONTEXT_CLOSED` once closed; a SipError if
   * eXosip refuses (a `MINISIZE` build has no statistics).
   */
  statistics(): ContextStatistics {
    this.#assertOpen();
    return readStatistics(this.#native);
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
    const o = v.authenticationInfo('info', info);
    this.#assertOpen();
    const added = this.#native.addAuthenticationInfo(o.username, o.userid ?? o.username, o.password ?? '', o.ha1 ?? null, o.realm ?? null);
    check(added, 'eXosip_add_authentication_info');
  }

  /** Removes `username`'s credentials for `realm`, or without `realm` those added without one (`eXosip_remove_authentication_info`; SipError `OSIP_NOTFOUND`: none). */
  removeAuthenticationInfo(info: { username: string; realm?: string }): void {
    const { username, realm } = v.credentialKey('info', info);
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
   * Throws before sending: TypeError `ERR_INVALID_ARG_*` for bad options,
   * RangeError `ERR_MESSAGE_TOO_LARGE` when `headers` make the REGISTER
   * larger than one UDP datagram (65,507 bytes) on a UDP context.
   */
  async register(options: RegisterOptions): Promise<Registration> {
    const o = registerOptions(options, REGISTER_OPTIONS);
    const expires = o.expires === undefined ? 3600 : v.integer('options.expires', o.expires, 1, 99_999_999);
    const contact = o.contact === undefined ? null : v.contactText('options.contact', o.contact);
    const started = await startRegistration(this, o, contact, expires, (r) => this.#announce(r, options));
    await started.wait;
    return started.registration;
  }

  /**
   * Asks the registrar to drop every binding of `from` (a REGISTER with
   * `Contact: *` and expires 0). Not advised by RFC 3261 for normal use, but
   * there for cleanup. Resolves on the registrar's 2xx. Registrations this
   * context holds for `from` are not told: they stay `'registered'` and
   * their next refresh binds again (unregister() or remove() them first).
   */
  async unregisterAll(options: UnregisterAllOptions): Promise<RegistrationInfo> {
    const o = registerOptions(options, UNREGISTER_ALL_OPTIONS);
    const started = await startRegistration(this, o, '*', 0, (r) => this.#announce(r, options));
    return started.wait;
  }

  /**
   * Sends one request outside of a dialog (`eXosip_message_build_request` /
   * `eXosip_message_send_request`; OPTIONS through eX_options.h) and resolves
   * with its final 2xx ({@link RequestResult}). A 401/407 is answered with
   * this context's credentials (`eXosip_default_action`), as for REGISTER,
   * and is not a failure. Rejects with a {@link RequestError}
   * (`ERR_REQUEST_REJECTED`, `ERR_REQUEST_NO_RESPONSE`, `ERR_REQUEST_TIMEOUT`,
   * `ERR_REQUEST_NOT_SENT`, `ERR_CONTEXT_CLOSED`, `ABORT_ERR`), with an Error
   * `ERR_NOT_LISTENING` before `listen()`; throws TypeError for a method that is not a token (or needs a dialog), a
   * header with CR/LF or a target eXosip cannot send to (`ERR_INVALID_ARG_VALUE`,
   * {@link RequestOptions.to}), RangeError `ERR_MESSAGE_TOO_LARGE` for a request over
   * one UDP datagram (65,507 bytes) on a UDP context.
   *
   * ```ts
   * const res = await ctx.request({ method: 'MESSAGE', to: 'sip:bob@example.com', from: 'sip:alice@example.com', body: 'hi' });
   * ```
   */
  async request(options: RequestOptions): Promise<RequestResult> {
    const o = v.options<RequestOptions>('options', options, REQUEST_OPTIONS) as RequestOptions;
    return this.#dispatcher.requests.send(o, this.#listening, () => this.#assertOpen());
  }

  /**
   * Sends a MESSAGE (RFC 3428) with `text` as its body (Content-Type default `text/plain`); see {@link request}.
   * `text` must be a string or a Buffer (TypeError `ERR_INVALID_ARG_TYPE`: a MESSAGE carries its content, RFC 3428 §4).
   */
  async message(to: string, text: string | Buffer, options: SugarOptions): Promise<RequestResult> {
    if (typeof text !== 'string' && !Buffer.isBuffer(text)) throw typeError('ERR_INVALID_ARG_TYPE', `text must be a string or a Buffer, got ${text === null ? 'null' : typeof text}`);
    return this.request({ ...v.options<SugarOptions>('options', options, SUGAR_OPTIONS), method: 'MESSAGE', to, body: text } as RequestOptions);
  }

  /** Sends an OPTIONS (RFC 3261 §11, `eXosip_options_build_request`); see {@link request}. */
  async options(to: string, options: SugarOptions): Promise<RequestResult> {
    return this.request({ ...v.options<SugarOptions>('options', options, SUGAR_OPTIONS), method: 'OPTIONS', to } as RequestOptions);
  }

  /**
   * Publishes event state (RFC 3903; `eXosip_build_publish`, `eXosip_publish`;
   * see {@link PublishOptions}: eXosip keeps and refreshes one publication
   * per `to`, `expires: 0` removes it); resolves with the 2xx and its entity
   * tag. Rejects and throws as {@link request}.
   */
  async publish(options: PublishOptions): Promise<PublishResult> {
    const o = v.options<PublishOptions>('options', options, PUBLISH_OPTIONS) as PublishOptions;
    return this.#dispatcher.requests.publish(o, this.#listening, () => this.#assertOpen());
  }

  /**
   * Places a call (`eXosip_call_build_initial_invite` with the SDP offer,
   * `eXosip_call_send_initial_invite`); resolves with the {@link Call} once
   * a 2xx came and the binding sent its ACK. See {@link InviteOptions}
   * (progress, abort, timeout); rejects with a {@link CallError}, or before
   * anything is sent with an Error `ERR_NOT_LISTENING` before `listen()` or
   * a TypeError/RangeError for bad options (TypeError
   * `ERR_INVALID_ARG_VALUE` for an `sdp` libosip2's `sdp_message_parse`
   * refuses, or a target eXosip cannot send to: a `tel:` URI without a SIP
   * `route`, {@link InviteOptions.to}; RangeError `ERR_MESSAGE_TOO_LARGE`
   * over UDP for an INVITE larger than one datagram).
   */
  async invite(options: InviteOptions): Promise<Call> {
    return startInvite(this.#native, this.#dispatcher.calls, options, () => this.#assertOpen(), this.#listening?.family ?? null, this.#listening?.transport ?? null);
  }

  /**
   * Subscribes to `options.event` state at `options.to` (RFC 6665;
   * `eXosip_subscription_build_initial_subscribe` / `_send_initial_request`);
   * resolves with the {@link Subscription} at the 2xx or the first NOTIFY.
   * Rejects with a RequestError (`ERR_REQUEST_REJECTED`, `_NO_RESPONSE`,
   * `_TIMEOUT`, `_NOT_SENT`, `ERR_CONTEXT_CLOSED`, `ABORT_ERR`); throws as
   * {@link request} does for bad options or before `listen()`.
   */
  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    return this.#dispatcher.subscriptions.start(options, this.#listening, () => this.#assertOpen());
  }

  /**
   * Stops the worker thread and eXosip (`eXosip_quit`). Pending registrations
   * and requests reject with `ERR_CONTEXT_CLOSED`; nothing is sent (requests
   * waiting for their default answer get none), not even an unregistration:
   * bindings stay at the registrar until they expire, also that of a pending
   * register() whose REGISTER had left (the registrar may still grant it).
   * Unregister first to remove them. Events eXosip already produced are
   * still emitted before the promise resolves. Idempotent.
   */
  close(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    this.#closing = new Promise<void>((resolve) => {
      this.#dispatcher.close();
      this.#commands.close();
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
    const decoder = traceDecoderFor(on, options);
    this.#assertOpen();
    check(this.#native.setTrace(on), 'eXosip_set_cbsip_message', on ? 'too many contexts trace at once' : undefined);
    this.#trace = decoder;
  }

  /**
   * The eXosip events from now on as an async iterator, optionally only some
   * types; it ends when the context closes (after the events produced before
   * closing) or when `signal` aborts (then it throws an `AbortError`).
   * Events are buffered while the loop body awaits, so none is lost. A
   * `types` entry that is no eXosip event type is a TypeError
   * `ERR_INVALID_ARG_VALUE`.
   *
   * ```ts
   * for await (const ev of ctx.events({ types: ['EXOSIP_REGISTRATION_SUCCESS'] })) console.log(ev.rid);
   * ```
   */
  events<T extends ExosipEventType = ExosipEventType>(options?: { types?: readonly T[]; signal?: AbortSignal }): AsyncIterableIterator<ExosipEvent<T>> {
    return eventIterator(this, this.#closing !== null, options);
  }

  /** Lets the process exit while this context is open (like `socket.unref()`). */
  unref(): this {
    this.#refed = false;
    if (this.#closing === null) this.#native.unref();
    return this;
  }

  /** Undoes {@link unref}: the open context keeps the process alive again. */
  ref(): this {
    this.#refed = true;
    if (this.#closing === null && this.#listening !== null) this.#native.ref();
    return this;
  }

  /** `await using ctx = new Context()` closes it. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** eXosip_listen_addr with C arguments → `[code, port, errno]`; records where the context listens on success. */
  #listen(proto: number, address: string | null, port: number, family: number, secure: number): [number, number, number] {
    const result = this.#native.listen(proto, address, port, family, secure);
    if (result[0] < 0) return result;
    this.#listening = listenedOn(proto, address, result[1], family, secure);
    if (this.#refed) this.#native.ref();
    return result;
  }

  /** `'registration'`, after the pool's hook (kOnStarted in the options) learned it. */
  #announce(registration: Registration, options: object): void {
    (options as { [kOnStarted]?: (r: Registration) => void })[kOnStarted]?.(registration);
    this.emit('registration', registration);
  }

  #assertOpen(): void {
    if (this.#closing !== null) throw stateError('ERR_CONTEXT_CLOSED', 'The context is closed');
  }

  #event(event: AnyExosipEvent): void {
    // Every 'event' listener (the compat queue, a ContextPool, a Registrar
    // among them), then the domain objects, even when a listener throws.
    emitEach(this, 'event', [event]);
    this.#dispatcher.route(event);
  }
}
