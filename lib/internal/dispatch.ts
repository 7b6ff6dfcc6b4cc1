/**
 * The one place an eXosip event meets the domain object it is about. A
 * Context emits every event as `'event'`, then hands it here; the dispatcher
 * looks the object up by the ids eXosip keys that area with.
 * @internal
 * @module
 */
import type { NativeContext } from '../../binding';
import type { IncomingCall } from '../call/incoming';
import { CallTable } from '../call/table';
import type { TlsFailureLog } from '../context/tls';
import type { AnyExosipEvent, RegistrationEvent } from '../events';
import { IncomingDesk, type ListenedEvent } from '../message/answers';
import type { IncomingRequest } from '../message/incoming';
import { RequestTable } from '../message/request';
import type { Registration } from '../register/registration';
import type { IncomingSubscription } from '../subscribe/incoming';
import { NotifierTable } from '../subscribe/notifier';
import { SubscriptionTable } from '../subscribe/table';
import { registrationInternals } from './handles';

/** What the tables of one context need from it. */
export interface DispatchHost {
  readonly native: NativeContext;
  readonly tlsFailures: TlsFailureLog;
  /** The default answer's delay (`defaultAnswerMs`); null: never. */
  readonly answerMs: number | null;
  /** Whether the context listens over UDP. */
  udp(): boolean;
  /** Whether the context has a listener for `name`. */
  listens(name: ListenedEvent): boolean;
  /** Emits on the context what arrived outside of a dialog. */
  emit(name: 'request', request: IncomingRequest): boolean;
  emit(name: 'call', incoming: IncomingCall): boolean;
  emit(name: 'subscription', subscription: IncomingSubscription): boolean;
}

/** The domain objects of one context, by their eXosip ids. */
export class EventDispatcher {
  /** Registrations by rid (eX_register.h): `EXOSIP_REGISTRATION_*`. */
  readonly registrations = new Map<number, Registration>();
  /** First REGISTERs no longer awaited, followed to their end (lib/register/abandon.ts), by rid. */
  readonly abandoned = new Map<number, (event: RegistrationEvent) => void>();

  #host: DispatchHost | null = null;
  #incoming: IncomingDesk | null = null;
  #requests: RequestTable | null = null;
  #calls: CallTable | null = null;
  #subscriptions: SubscriptionTable | null = null;
  #notifiers: NotifierTable | null = null;

  // Each table is made the first time it is needed (a context that only
  // registers, as a ContextPool's, makes none of them): issue #15's memory
  // per context. Routing never makes one for an event no object can claim.

  /**
   * Requests received outside of a dialog, by tid: `EXOSIP_MESSAGE_NEW`,
   * `EXOSIP_CALL_INVITE`, `EXOSIP_IN_SUBSCRIPTION_NEW`.
   */
  get incoming(): IncomingDesk {
    const h = this.#opened();
    return (this.#incoming ??= new IncomingDesk(h.native, (req) => h.emit('request', req), (name) => h.listens(name), h.answerMs, () => h.udp()));
  }

  /** Requests sent outside of a dialog (eX_message.h, eX_options.h, eX_publish.h), by tid then Call-ID: `EXOSIP_MESSAGE_*`. */
  get requests(): RequestTable {
    const h = this.#opened();
    return (this.#requests ??= new RequestTable(h.native, h.tlsFailures));
  }

  /** Calls (eX_call.h) by cid: `EXOSIP_CALL_*`; `EXOSIP_CALL_INVITE` too while `ctx.on('call')` has a listener. */
  get calls(): CallTable {
    const h = this.#opened();
    return (this.#calls ??= new CallTable(h.native, (call) => h.emit('call', call), () => h.listens('call'), h.answerMs, () => h.udp()));
  }

  /** Subscriptions this context made (eX_subscribe.h) by sid: `EXOSIP_SUBSCRIPTION_*`. */
  get subscriptions(): SubscriptionTable {
    return (this.#subscriptions ??= new SubscriptionTable(this.#opened().native));
  }

  /**
   * Subscriptions made to this context (eX_subscribe.h's insubscription side)
   * by nid: `EXOSIP_NOTIFICATION_*`; `EXOSIP_IN_SUBSCRIPTION_NEW` too in their
   * dialogs, and new ones while `ctx.on('subscription')` has a listener.
   */
  get notifiers(): NotifierTable {
    const h = this.#opened();
    return (this.#notifiers ??= new NotifierTable(h.native, (sub) => h.emit('subscription', sub), () => h.listens('subscription'), h.answerMs, () => h.udp()));
  }

  /** The context is closing: what every object awaits rejects with `ERR_CONTEXT_CLOSED`. */
  close(): void {
    for (const registration of [...this.registrations.values()]) registrationInternals(registration).closed();
    this.registrations.clear();
    this.#incoming?.close();
    this.#requests?.close();
    this.#calls?.close();
    this.#subscriptions?.close();
    this.#notifiers?.close();
  }

  /** A compat answer call answered `tid`: its default answer is cancelled. */
  answered(tid: number): void {
    this.#incoming?.answered(tid);
    this.#calls?.answered(tid);
    this.#notifiers?.answered(tid);
  }

  /** Registration `rid`'s events go to `handle` from now on (lib/register/abandon.ts). */
  followAbandoned(rid: number, handle: (event: RegistrationEvent) => void): void {
    this.registrations.delete(rid);
    this.abandoned.set(rid, handle);
  }

  /** Registration `rid` gets no more events. */
  forget(rid: number): void {
    this.registrations.delete(rid);
    this.abandoned.delete(rid);
  }

  /** The context `host` describes: its tables are made from it when first needed. */
  open(host: DispatchHost): void {
    this.#host = host;
  }

  #opened(): DispatchHost {
    if (this.#host === null) throw new Error('EventDispatcher.open() was not called');
    return this.#host;
  }

  /** Hands `event` to the object its ids name; an event no object claims goes nowhere else. */
  route(event: AnyExosipEvent): void {
    switch (event.type) {
      case 'EXOSIP_REGISTRATION_SUCCESS':
      case 'EXOSIP_REGISTRATION_FAILURE': {
        const registration = this.registrations.get(event.rid);
        if (registration !== undefined) registrationInternals(registration).handle(event as RegistrationEvent);
        else this.abandoned.get(event.rid)?.(event as RegistrationEvent);
        return;
      }
      case 'EXOSIP_CALL_INVITE': {
        const calls = this.#calls ?? (this.#host?.listens('call') === true ? this.calls : null);
        if (calls?.offer(event) !== true && this.#host !== null) this.incoming.handle(event);
        return;
      }
      case 'EXOSIP_IN_SUBSCRIPTION_NEW': {
        const notifiers = this.#notifiers ?? (this.#host?.listens('subscription') === true ? this.notifiers : null);
        if (notifiers?.offer(event) !== true && this.#host !== null) this.incoming.handle(event);
        return;
      }
      case 'EXOSIP_MESSAGE_NEW':
        if (this.#host !== null) this.incoming.handle(event);
        return;
      case 'EXOSIP_MESSAGE_PROCEEDING':
      case 'EXOSIP_MESSAGE_ANSWERED':
      case 'EXOSIP_MESSAGE_REDIRECTED':
      case 'EXOSIP_MESSAGE_REQUESTFAILURE':
      case 'EXOSIP_MESSAGE_SERVERFAILURE':
      case 'EXOSIP_MESSAGE_GLOBALFAILURE':
        this.#requests?.handle(event);
        this.#notifiers?.orphan(event);
        return;
      default:
        // Made on a call's first event: requests inside a call eXosip made for
        // compat code still get their default answer (lib/call/requests.ts).
        if (event.type.startsWith('EXOSIP_CALL_')) (this.#host === null ? this.#calls : this.calls)?.handle(event);
        else if (event.type.startsWith('EXOSIP_SUBSCRIPTION_')) this.#subscriptions?.handle(event);
        else if (event.type.startsWith('EXOSIP_NOTIFICATION_')) this.#notifiers?.handle(event);
        return;
    }
  }
}
