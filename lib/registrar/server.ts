/**
 * An embedded SIP registrar on eXosip's server side, for tests, demos and
 * small labs. It is not a production registrar: the location table lives in
 * memory, there is no persistence, no outbound/GRUU/Path, no TLS client
 * authentication, and digest nonces can be replayed until they expire.
 * @module
 */
import { EventEmitter } from 'node:events';
import { connect } from 'node:net';
import { Context } from '../context/context';
import type { ListenInfo } from '../context/types';
import { abortError, OSIP_CODES, osipError, stateError } from '../errors';
import type { AnyExosipEvent } from '../events';
import { nativeOf } from '../internal/handles';
import * as v from '../internal/validate';
import { contactUri, Message } from '../message';
import { type Header, LocationTable } from './bindings';
import { challengeHeader, checkDigest, Nonces } from './digest';
import { normalizeAor, requestInfo, sipTarget } from './request';
import { publicSettings, type Settings, settings } from './settings';
import type {
  RegistrarBinding,
  RegistrarChallenge,
  RegistrarChallengeCause,
  RegistrarEventMap,
  RegistrarListenOptions,
  RegistrarOptions,
  RegistrarRejectCause,
  RegistrarRejection,
  RegistrarRequestInfo,
  RegistrarSettings,
} from './types';
import { REGISTRAR_LISTEN_OPTIONS } from '../internal/option-keys';

/** Requests eXosip answers by itself outside a dialog (481) before the application sees them. */
const ANSWERED_BY_EXOSIP: ReadonlySet<string> = new Set(['ACK', 'BYE', 'CANCEL', 'INFO']);

/** How one request is answered: status, headers, and the events to emit after sending. */
interface Outcome {
  status: number;
  headers: Header[];
  emit: Array<() => void>;
}

/** Where a client on this host reaches `where`: its address, a wildcard one as the loopback address of its family. */
function reachableHost(where: ListenInfo): string {
  const host = where.address ?? (where.family === 6 ? '::1' : '127.0.0.1');
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
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
  #nonces: Nonces;
  #table: LocationTable;
  #contexts: Context[] = [];
  #addresses: ListenInfo[] = [];
  #closing: Promise<void> | null = null;
  #unref = false;

  /** Checks the options (TypeError/RangeError with the option's name); nothing listens before {@link listen}. */
  constructor(options: RegistrarOptions) {
    super();
    this.#o = settings(options);
    this.#nonces = new Nonces(this.#o.nonceTtlMs);
    this.#table = new LocationTable(this.#o, (event) => this.emit('unregistered', event));
  }

  /** The options in effect, with the defaults filled in. */
  get options(): RegistrarSettings {
    return publicSettings(this.#o);
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
    const host = reachableHost(first);
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
    const { signal: signalOption, ...o } = v.options<RegistrarListenOptions>('options', options, REGISTRAR_LISTEN_OPTIONS);
    const signal = v.abortSignal('options.signal', signalOption);
    this.#assertOpen();
    if (signal?.aborted) throw abortError(signal);
    // It answers every request itself: no default answers.
    const ctx = new Context({ userAgent: this.#o.userAgent, defaultAnswerMs: null });
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
    return this.#table.list(key, Date.now());
  }

  /** Stops answering: closes every socket. Bindings stay readable with {@link bindings}. Idempotent. */
  close(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    this.#table.close();
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
      outcome = this.#reject(requestInfo(request), 500, 'internal-error', `the request could not be handled: ${(error as Error).message}`);
    }
    if (!this.#send(ctx, ev.tid, outcome)) return;
    for (const emit of outcome.emit) emit();
  }

  /**
   * Builds the answer of eXosip for `tid`, adds the headers, sends it. False
   * when nothing was sent (eXosip had answered already, or refused).
   */
  #send(ctx: Context, tid: number, outcome: Outcome): boolean {
    const n = nativeOf(ctx);
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
    const outcome = this.#reject(requestInfo(request), 405, 'method-not-allowed', `${request.method ?? 'this method'} is not served here: only REGISTER`);
    outcome.headers.push(['Allow', 'REGISTER']);
    return outcome;
  }

  #reject(request: RegistrarRequestInfo, status: number, cause: RegistrarRejectCause, detail: string): Outcome {
    const rejection: RegistrarRejection = Object.freeze({ ...request, status, cause, detail });
    return { status, headers: [], emit: [() => this.emit('rejected', rejection)] };
  }

  #challenge(request: RegistrarRequestInfo, realm: string, cause: RegistrarChallengeCause, stale: boolean): Outcome {
    const value = challengeHeader(realm, this.#nonces.issue(realm, Date.now()), stale);
    const challenge: RegistrarChallenge = Object.freeze({ ...request, status: 401, realm, stale, cause });
    return { status: 401, headers: [['WWW-Authenticate', value]], emit: [() => this.emit('challenge', challenge)] };
  }

  #register(request: Message): Outcome {
    const now = Date.now();
    const base = requestInfo(request);
    const target = sipTarget(contactUri(request.getHeader('to') ?? ''));
    if (target === null) return this.#reject(base, 400, 'bad-request', 'the To header has no sip: or sips: URI');
    const domain = target.host.toLowerCase();
    const aor = `${target.user}@${domain}`;
    const req: RegistrarRequestInfo = Object.freeze({ ...base, aor });
    if (this.#o.domains !== null && !this.#o.domains.has(domain)) {
      return this.#reject(req, 403, 'domain-not-served', `the domain ${domain} is not served here`);
    }

    const realm = this.#o.realm ?? target.host;
    const verdict = checkDigest(request, { realm, user: target.user, domain, lookup: this.#o.lookup, nonces: this.#nonces }, now);
    if (verdict.kind === 'challenge') return this.#challenge(req, realm, verdict.cause, verdict.stale);
    if (verdict.kind === 'reject') {
      if ('error' in verdict) this.#warn(verdict.error);
      return this.#reject(req, verdict.status, verdict.cause, verdict.detail);
    }
    const result = this.#table.bind(request, req, aor, now);
    if (result.status !== 200) {
      const outcome = this.#reject(req, result.status, result.cause, result.detail);
      outcome.headers.push(...result.headers);
      return outcome;
    }
    const emit = result.changes.map((change) => () => {
      if (change.kind === 'registered') this.emit('registered', change.event);
      else this.emit('unregistered', change.event);
    });
    return { status: 200, headers: result.headers, emit };
  }
}

/**
 * Whether something accepts TCP connections where eXosip said it listens:
 * eXosip_listen_addr succeeds for TCP/TLS even when libeXosip2 was built
 * without ENABLE_MAIN_SOCKET, and then never calls listen(2).
 */
function acceptsConnections(where: ListenInfo, signal: AbortSignal | undefined): Promise<boolean> {
  const host = reachableHost(where);
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
