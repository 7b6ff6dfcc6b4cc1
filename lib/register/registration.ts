/**
 * One registration (`rid`) held by a {@link Context}.
 * @module
 */
import { EventEmitter } from 'node:events';
import { OSIP_CODES, osipError, type RegistrationCode, type RegistrationError, registrationError, stateError } from '../errors';
import type { RegistrationEvent } from '../events';
import { bindRegistration, type ContextInternals } from '../internal/handles';
import * as v from '../internal/validate';
import { type Message, native } from '../message';
import { AbandonedRegister } from './abandon';
import { exosipRetries, failureCause, registrationName } from './answers';
import { ChangeWaiters } from './changes';
import { RewriteTracker } from './contact-change';
import { grantedExpires } from './grant';
import { awaitOutcome } from './outcome';
import { RefreshSchedule } from './schedule';
import {
  DEFAULT_TIMEOUT_MS,
  type Pending,
  type RefreshOptions,
  type RegistrationEventMap,
  type RegistrationInfo,
  type RegistrationInit,
  type RegistrationState,
  type RegistrationWaitOptions,
} from './types';
import { REFRESH_OPTIONS, WAIT_OPTIONS } from '../internal/option-keys';

const OSIP_WRONG_STATE = OSIP_CODES.OSIP_WRONG_STATE;

/**
 * A registration: one `rid` of eXosip. eXosip refreshes it before it expires
 * and answers 401/407 challenges by itself; this object reports each step as
 * an event and exposes what the registrar granted. The binding refreshes
 * before the grant runs out and obeys Retry-After (docs/reliability.md).
 *
 * Obtain one from {@link Context.register}.
 */
export class Registration extends EventEmitter<RegistrationEventMap> {
  /** The registration id eXosip gave (`rid`). */
  readonly rid: number;
  /** The AoR (From/To). */
  readonly from: string;
  /** The registrar's URI. */
  readonly proxy: string;

  #host: ContextInternals;
  #state: RegistrationState = 'registering';
  #requested: number;
  #expires = 0;
  #contacts: readonly string[] = [];
  #ourContact: string | null;
  #retries = 0;
  #pending: Pending | null = null;
  /** The context's TLS failure count when the REGISTER in flight was sent. */
  #tlsSeq = 0;
  /** Woken at every event, settled operation and command result. */
  #changes = new ChangeWaiters();
  #lastResponse: Message | null = null;
  #transport: string;
  /** When the REGISTER awaited was sent (ms), null when eXosip sent it by itself. */
  #sentAt: number | null = null;
  #schedule: RefreshSchedule;
  #rewrites = new RewriteTracker();
  #abandoned: AbandonedRegister | null = null;
  /** The command (seq) of a refresh/unregister queued to the worker, its result not back yet; 0: none. */
  #postedSeq = 0;

  /** @internal Made by {@link Context.register}. */
  constructor(host: ContextInternals, init: RegistrationInit) {
    super();
    this.#host = host;
    bindRegistration(this, {
      begin: (kind, timeoutMs, signal, statedMs) => this.#begin(kind, timeoutMs, signal, statedMs),
      handle: (event) => this.#handle(event),
      closed: () => this.#closed(),
    });
    this.rid = init.rid;
    this.from = init.from;
    this.proxy = init.proxy;
    this.#ourContact = init.contact;
    this.#requested = init.expires;
    this.#transport = init.transport;
    this.#schedule = new RefreshSchedule({
      rid: this.rid,
      native: host.native,
      requested: () => this.#requested,
      sent: () => void (this.#sentAt = Date.now()),
      notSent: (code) => this.#notSent(code),
    });
  }

  /** Where the registration stands. */
  get state(): RegistrationState {
    return this.#state;
  }

  /** Seconds granted by the registrar in its last 2xx (0 before the first, and after unregistering). */
  get expires(): number {
    return this.#expires;
  }

  /** The expiry last asked for. */
  get requestedExpires(): number {
    return this.#requested;
  }

  /** Every Contact the registrar listed for the AoR in its last 2xx. */
  get contacts(): readonly string[] {
    return this.#contacts;
  }

  /**
   * Our own Contact as last sent (eXosip fills in address and port); before
   * the first answer, the `contact` option given (`'*'` for `unregisterAll()`), or null.
   */
  get contact(): string | null {
    return this.#ourContact;
  }

  /** The last final response received (2xx or failure), or null. */
  get lastResponse(): Message | null {
    return this.#lastResponse;
  }

  /**
   * When a failed refresh is held back for the registrar's Retry-After: the
   * epoch ms at which the next REGISTER leaves; else null (eXosip's own
   * schedule applies).
   */
  get retryAt(): number | null {
    const at = this.#schedule.heldUntil;
    return at === 0 ? null : at;
  }

  /**
   * Sends a new REGISTER now (`eXosip_register_build_register` + send) and
   * resolves on its 2xx. When a REGISTER of this registration is already in
   * flight (an automatic refresh, an auth retry, another call), it waits for
   * that one to end first, within `timeoutMs`.
   */
  refresh(options?: RefreshOptions): Promise<RegistrationInfo> {
    return this.#sendUpdate('refresh', options);
  }

  /**
   * Removes the binding at the registrar: a REGISTER with expires 0. Resolves
   * on the registrar's 2xx; the registration is then forgotten locally too.
   * Waits for a REGISTER already in flight as {@link refresh} does. On timeout
   * the state stays `'unregistering'` until eXosip's own verdict arrives.
   */
  unregister(options?: RegistrationWaitOptions): Promise<RegistrationInfo> {
    return this.#sendUpdate('unregister', options);
  }

  /**
   * Forgets the registration locally (`eXosip_register_remove`): nothing is
   * sent, the registrar keeps the binding until it expires. A pending
   * `refresh()`/`unregister()` rejects with `ERR_REGISTRATION_REMOVED`.
   * Removing twice does nothing.
   */
  remove(): void {
    if (this.#state === 'removed' || this.#state === 'closed' || this.#state === 'unregistered') return;
    this.#host.assertOpen();
    this.#settleError(this.#error('ERR_REGISTRATION_REMOVED', 0, 'removed locally'));
    this.#state = 'removed';
    this.#schedule.stop();
    // A refresh()/unregister() still queued for the worker is not sent.
    if (this.#postedSeq !== 0) this.#host.native.cancelQueued(this.#postedSeq);
    this.#host.forgetRegistration(this.rid, true);
    // A refresh()/unregister() waiting for eXosip's own REGISTER ends now, not at its timeout.
    this.#changes.notify();
  }

  async #sendUpdate(kind: 'refresh' | 'unregister', options: RefreshOptions | undefined): Promise<RegistrationInfo> {
    const o = v.options<RefreshOptions>('options', options, kind === 'refresh' ? REFRESH_OPTIONS : WAIT_OPTIONS);
    const expires = kind === 'unregister' ? 0 : o.expires === undefined ? this.#requested : v.integer('options.expires', o.expires, 1, 99_999_999);
    const timeoutMs = o.timeoutMs === undefined ? DEFAULT_TIMEOUT_MS : v.integer('options.timeoutMs', o.timeoutMs, 1, 2_147_483_647);
    const signal = v.abortSignal('options.signal', o.signal);
    const deadline = Date.now() + timeoutMs;
    for (let pending = false; ; pending = true) {
      // Pending when the context closed or remove() came: as a REGISTER in flight then (docs/errors.md).
      if (pending && this.#state === 'closed') throw this.#error('ERR_CONTEXT_CLOSED', 0, 'the context was closed');
      if (pending && this.#state === 'removed') throw this.#error('ERR_REGISTRATION_REMOVED', 0, 'removed locally');
      if (this.#state === 'removed' || this.#state === 'closed' || this.#state === 'unregistered') {
        throw stateError('ERR_REGISTRATION_CLOSED', `Registration ${this.rid} is ${this.#state}`);
      }
      this.#host.assertOpen();
      if (signal?.aborted) throw this.#abortError(signal);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw this.#error('ERR_REGISTRATION_TIMEOUT', 0, `a REGISTER still in flight after ${timeoutMs} ms`);
      if (this.#pending === null && this.#postedSeq === 0) {
        const sent = await this.#trySend(kind, expires, remaining, timeoutMs, signal);
        if (sent === null) continue;
        if (sent !== 'busy') return sent.wait;
      }
      // A REGISTER is in flight: its final answer (or its end) comes as an
      // event or a settled promise; then try again.
      await this.#changes.next(remaining, signal);
    }
  }

  /**
   * Sends the REGISTER; `'busy'` when eXosip has one in flight
   * (OSIP_WRONG_STATE: wait for its end), null when the registration or its
   * context ended meanwhile (#sendUpdate says which). A REGISTER held for Retry-After is sent from the JS
   * thread under the lock; any other is built and sent by the worker thread
   * (issue #15: the JS thread does not wait for eXosip's lock).
   */
  #trySend(
    kind: 'refresh' | 'unregister',
    expires: number,
    timeoutMs: number,
    statedMs: number,
    signal: AbortSignal | undefined,
  ): Promise<{ wait: Promise<RegistrationInfo> } | 'busy' | null> {
    const n = this.#host.native;
    // A REGISTER held for Retry-After is sent now instead: eXosip no longer
    // holds the registration's transaction, and would build a new Call-ID.
    const held = this.#schedule.takeHeld();
    if (held !== null) {
      held.expires = expires;
      const sent = n.registerSendRegister(this.rid, native(held));
      return Promise.resolve({ wait: this.#sent(kind, expires, sent, timeoutMs, signal, statedMs) });
    }
    const deadline = Date.now() + timeoutMs;
    return new Promise((resolve, reject) => {
      const options = {
        timeoutMs,
        signal,
        timeoutError: () => this.#error('ERR_REGISTRATION_TIMEOUT', 0, `no final answer within ${statedMs} ms`),
        abortError: () => this.#abortError(signal!),
        giveUp: reject,
      };
      this.#postedSeq = this.#host.commands.postCancellable((seq) => n.registerRefreshQueued(seq, this.rid, expires), n.cancelQueued.bind(n), options, {
        done: (code, sent, gaveUp) => {
          this.#postedSeq = 0;
          const ended = this.#state === 'removed' || this.#state === 'closed' || this.#state === 'unregistered';
          if (gaveUp) {
            // Taken by the worker before the cancel: on the wire, followed as one aborted after its send.
            if (!ended && code >= 0) this.#sent(kind, expires, sent, 1, AbortSignal.abort()).catch(() => undefined);
          } else if (ended) resolve(null);
          else if (code === OSIP_WRONG_STATE) resolve('busy');
          else if (code < 0) reject(osipError(code, 'eXosip_register_build_register'));
          // What is left of timeoutMs after the wait for the worker.
          else resolve({ wait: this.#sent(kind, expires, sent, Math.max(1, deadline - Date.now()), signal, statedMs) });
          this.#changes.notify();
        },
        closed: (gaveUp) => {
          this.#postedSeq = 0;
          if (!gaveUp) resolve(null);
        },
      });
    });
  }

  /** The REGISTER left (`sent` >= 0) or could not (eXosip's send code): the wait for its outcome. */
  #sent(kind: 'refresh' | 'unregister', expires: number, sent: number, timeoutMs: number, signal: AbortSignal | undefined, statedMs = timeoutMs): Promise<RegistrationInfo> {
    // Events reach JS only after this: nothing can be missed.
    const wait = this.#begin(kind, timeoutMs, signal, statedMs);
    this.#requested = expires;
    if (kind === 'unregister') this.#state = 'unregistering';
    if (sent < 0) {
      this.#settleError(this.#error('ERR_REGISTRATION_NOT_SENT', 0, `eXosip_register_send_register returned ${sent}`));
      // The wait is rejected with the error above; eXosip's code is the error thrown.
      wait.catch(() => undefined);
      return Promise.reject(osipError(sent, 'eXosip_register_send_register'));
    }
    return wait;
  }

  /** Waits for the outcome of the REGISTER about to be sent. */
  #begin(kind: Pending['kind'], timeoutMs: number, signal: AbortSignal | undefined, statedMs = timeoutMs): Promise<RegistrationInfo> {
    this.#sentAt = Date.now();
    this.#tlsSeq = this.#host.tlsFailures.seq;
    return awaitOutcome(kind, timeoutMs, signal, {
      pending: (pending) => (this.#pending = pending),
      timedOut: () => this.#giveUp(this.#error('ERR_REGISTRATION_TIMEOUT', 0, `no final answer within ${statedMs} ms`)),
      aborted: () => this.#giveUp(this.#abortError(signal!)),
    });
  }

  /** The wait ended without a final answer: a first REGISTER is then followed to its end unawaited (#abandon). */
  #giveUp(error: RegistrationError): void {
    this.#settleError(error);
    if (this.#state === 'registering') this.#abandon();
  }

  /** Rejects what is pending: the context is closing. */
  #closed(): void {
    this.#settleError(this.#error('ERR_CONTEXT_CLOSED', 0, 'the context was closed'));
    this.#state = 'closed';
    this.#schedule.stop();
    this.#abandoned?.stop();
    this.#changes.notify();
  }

  /** One eXosip event for this rid, in order. */
  #handle(event: RegistrationEvent): void {
    this.emit('event', event);
    if (this.#state === 'removed' || this.#state === 'closed') return;
    const previousContact = this.#ourContact;
    if (event.request !== null) this.#ourContact = event.request.contacts[0] ?? this.#ourContact;
    if (event.type === 'EXOSIP_REGISTRATION_SUCCESS') this.#onSuccess(event, previousContact);
    else this.#onFailure(event);
    this.#changes.notify();
  }

  #onSuccess(event: RegistrationEvent, previousContact: string | null): void {
    this.#retries = 0;
    this.#sentAt = null;
    // eXosip's first step of a contact rewrite: the old binding is gone, the
    // new one is on its way; nothing the application must act on.
    if (this.#state !== 'registering' && this.#pending?.kind !== 'unregister' && this.#rewrites.removalStep(event.request, previousContact)) return;
    this.#lastResponse = event.response;
    this.#rewrites.success(event.response);
    const asked = event.request?.expires ?? this.#requested;
    // eXosip may have changed what it asks for by itself (a 423 answered at
    // Min-Expires): later refreshes ask for that too.
    if (asked > 0) this.#requested = asked;
    const contacts = event.response?.contacts ?? [];
    this.#contacts = Object.freeze([...contacts]);
    const pending = this.#pending;
    this.#pending = null;
    if (asked === 0 || pending?.kind === 'unregister') {
      const info: RegistrationInfo = Object.freeze({ expires: 0, contacts: this.#contacts, response: event.response });
      this.#expires = 0;
      this.#state = 'unregistered';
      this.#schedule.stop();
      this.#host.forgetRegistration(this.rid);
      pending?.resolve(info);
      this.emit('unregistered', info);
      return;
    }
    this.#expires = grantedExpires(contacts, this.#ourContact, event.response, asked);
    const info: RegistrationInfo = Object.freeze({ expires: this.#expires, contacts: this.#contacts, response: event.response });
    const first = this.#state === 'registering';
    this.#state = 'registered';
    this.#schedule.granted(this.#expires, event.response === null ? null : { response: event.response, receivedNs: event.receivedNs });
    pending?.resolve(info);
    const change = this.#rewrites.change(this.#ourContact, info);
    if (change !== null) this.emit('contactChanged', change);
    else this.emit(first ? 'registered' : 'refreshed', info);
  }

  #onFailure(event: RegistrationEvent): void {
    const status = event.response?.statusCode ?? 0;
    if (exosipRetries(status, event.response, event.textinfo, this.#retries)) {
      this.#retries += 1;
      // eXosip sends its answer to the challenge right after this event.
      this.#sentAt = Date.now();
      this.emit('challenge', Object.freeze({ statusCode: status, attempt: this.#retries, response: event.response }));
      return;
    }
    this.#lastResponse = event.response;
    this.#rewrites.reset();
    const tookMs = this.#sentAt === null ? null : Date.now() - this.#sentAt;
    this.#sentAt = null;
    const tls = status === 0 ? this.#host.tlsFailures.after(this.#tlsSeq) : null;
    const { code, statusCode, reason, retryAfter } = failureCause(event.response, event.textinfo, tls, { proxy: this.proxy, transport: this.#transport, tookMs });
    const error = this.#error(code, statusCode, reason, retryAfter);
    this.#settleError(error);
    if (this.#state === 'registering') {
      // The first REGISTER failed for good: eXosip would otherwise resend it
      // every 120 s, and register() rejected, so nobody will remove it: forget it.
      this.#drop();
    } else {
      this.#state = 'failed';
      // A failed removal (expires 0) is not retried, by eXosip either.
      if ((event.request?.expires ?? this.#requested) === 0) this.#schedule.stop();
      // eXosip's period is what was asked, or a lower grant it took: the
      // shorter one gives the earliest it may retry.
      else this.#schedule.failed(retryAfter, Math.min(this.#requested, this.#expires || this.#requested));
    }
    this.emit('failed', error);
  }

  /** A REGISTER the schedule built could not be sent: eXosip no longer holds one for this rid. */
  #notSent(code: number): void {
    this.#state = 'failed';
    this.emit('failed', this.#error('ERR_REGISTRATION_NOT_SENT', 0, `eXosip_register_send_register returned ${code}`));
  }

  /** A first REGISTER no longer awaited: 'removed' for the user, followed to its end (abandon.ts). */
  #abandon(): void {
    this.#state = 'removed';
    this.#schedule.stop();
    this.#abandoned = new AbandonedRegister(this.#host, this.rid, () => (this.#abandoned = null));
  }

  #drop(): void {
    this.#state = 'removed';
    this.#schedule.stop();
    this.#host.forgetRegistration(this.rid);
  }

  #settleError(error: RegistrationError): void {
    const pending = this.#pending;
    this.#pending = null;
    pending?.reject(error);
    if (pending !== null) this.#changes.notify();
  }

  #error(code: RegistrationCode, statusCode: number, reason: string, retryAfter: number | null = null): RegistrationError {
    const what = statusCode > 0 ? `${statusCode} ${reason}`.trim() : reason;
    const after = retryAfter === null ? '' : ` (Retry-After: ${retryAfter} s)`;
    return registrationError(code, `${this.#name()} failed: ${what}${after}`, { statusCode, reason, rid: this.rid, retryAfter });
  }

  #abortError(signal: AbortSignal): RegistrationError {
    return registrationError('ABORT_ERR', `${this.#name()} was aborted`, { reason: 'aborted', rid: this.rid, cause: signal.reason });
  }

  #name(): string {
    return registrationName(this.from, this.contact, this.rid);
  }
}
