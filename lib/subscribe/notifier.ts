/**
 * The subscriptions other agents made to one context, by nid (the
 * notifier's side of eX_subscribe.h): offering a new SUBSCRIBE as
 * `ctx.on('subscription')`, routing the SUBSCRIBEs inside their dialogs and
 * the `EXOSIP_NOTIFICATION_*` answers to their NOTIFYs, the context's close.
 * @internal
 * @module
 */
import type { NativeContext } from '../../binding';
import { binding } from '../native';
import { osipError, typeError } from '../errors';
import type { AnyExosipEvent } from '../events';
import * as v from '../internal/validate';
import { Message, native } from '../message';
import { addHeaders, setBody } from '../message/answers';
import { assertFitsDatagram } from '../message/datagram';
import { IncomingSubscription, type NotifierDriver } from './incoming';

const ss = binding.constants.subscription;
const STATES = { pending: ss.EXOSIP_SUBCRSTATE_PENDING, active: ss.EXOSIP_SUBCRSTATE_ACTIVE, terminated: ss.EXOSIP_SUBCRSTATE_TERMINATED } as const;
const REASONS = {
  deactivated: ss.DEACTIVATED,
  probation: ss.PROBATION,
  rejected: ss.REJECTED,
  timeout: ss.TIMEOUT,
  giveup: ss.GIVEUP,
  noresource: ss.NORESOURCE,
} as const;

/** The incoming subscriptions of one context. */
export class NotifierTable {
  #native: NativeContext;
  #emit: (subscription: IncomingSubscription) => void;
  #hasListener: () => boolean;
  #afterMs: number | null;
  #udp: () => boolean;
  #subscriptions = new Map<number, IncomingSubscription>();
  /** The same by the Call-ID of their dialog: a NOTIFY's answer eXosip reports as `EXOSIP_MESSAGE_*` once it freed the subscription. */
  #byCallId = new Map<string, IncomingSubscription>();
  #defaults = new Map<number, NodeJS.Timeout>();

  readonly #driver: NotifierDriver = {
    answer: (tid, status, o) => {
      const reason = o.reason === undefined ? null : v.sipText('options.reason', o.reason);
      const n = this.#native;
      n.lock();
      try {
        const [code, handle] = n.insubscriptionBuildAnswer(tid, status);
        if (code < 0 || handle === null) throw osipError(code < 0 ? code : -1, 'eXosip_insubscription_build_answer', `status ${status}`);
        const answer = new Message(handle);
        try {
          // What the binding grants (eXosip writes what was asked): before headers, which may replace it.
          if (o.expires !== undefined && status < 300) answer.setHeader('Expires', String(o.expires));
          addHeaders(answer, o.headers, 'options');
          if (reason !== null) native(answer).setReasonPhrase(reason);
          if (this.#udp()) assertFitsDatagram(answer, `${status} answer`);
        } catch (error) {
          answer.dispose();
          throw error;
        }
        const sent = n.insubscriptionSendAnswer(tid, status, handle);
        if (sent < 0) throw osipError(sent, 'eXosip_insubscription_send_answer', `status ${status}`);
        this.#clearDefault(tid);
      } finally {
        n.unlock();
      }
    },
    notify: (did, event, subscriptionState, job) => {
      const n = this.#native;
      const o = job.options;
      n.lock();
      try {
        const [code, handle] = n.insubscriptionBuildNotify(did, STATES[job.state], job.state === 'terminated' ? REASONS[job.reason] : 0);
        if (code < 0 || handle === null) return { code: code < 0 ? code : -1, fn: 'eXosip_insubscription_build_notify', cseq: null };
        const request = new Message(handle);
        let cseq: string | null;
        try {
          // RFC 6665 §8.2.1: a NOTIFY carries the Event of its subscription (with its id);
          // eXosip_insubscription_build_notify writes none. Subscription-State with the
          // binding's expires. headers may replace either.
          if (event !== '') request.setHeader('Event', event);
          request.setHeader('Subscription-State', subscriptionState);
          addHeaders(request, o.headers, 'options');
          setBody(request, o.body, o.contentType, 'options', null);
          if (request.body !== null && request.contentType === null) {
            throw typeError('ERR_INVALID_ARG_VALUE', 'options.contentType: a NOTIFY body needs its Content-Type (the event package says which)');
          }
          if (this.#udp()) assertFitsDatagram(request, 'NOTIFY');
          cseq = request.getHeader('cseq') ?? null;
        } catch (error) {
          request.dispose();
          throw error;
        }
        return { code: n.insubscriptionSendRequest(did, handle), fn: 'eXosip_insubscription_send_request', cseq };
      } finally {
        n.unlock();
      }
    },
    remove: (did) => {
      try {
        this.#native.insubscriptionRemove(did);
      } catch {
        // The context closed meanwhile: eXosip_quit frees it.
      }
    },
    forget: (subscription) => {
      if (this.#subscriptions.get(subscription.nid) === subscription) this.#subscriptions.delete(subscription.nid);
      if (this.#byCallId.get(subscription.callId) === subscription) this.#byCallId.delete(subscription.callId);
      this.#clearDefault(subscription.tid);
    },
  };

  /**
   * @param emit emits `'subscription'` on the context
   * @param hasListener whether the context has a `'subscription'` listener
   * @param afterMs the default answer's delay (480); null: never
   * @param udp whether the context listens over UDP (`ERR_MESSAGE_TOO_LARGE` past one datagram)
   */
  constructor(n: NativeContext, emit: (subscription: IncomingSubscription) => void, hasListener: () => boolean, afterMs: number | null, udp: () => boolean) {
    this.#native = n;
    this.#emit = emit;
    this.#hasListener = hasListener;
    this.#afterMs = afterMs;
    this.#udp = udp;
  }

  /** How many incoming subscriptions still get events. */
  get size(): number {
    return this.#subscriptions.size;
  }

  /**
   * An `EXOSIP_IN_SUBSCRIPTION_NEW`: a SUBSCRIBE inside the dialog of one of
   * ours, or a new one while `'subscription'` has a listener (REFER and
   * the rest go on as `'request'`). False when it is not for this table.
   */
  offer(event: AnyExosipEvent): boolean {
    const known = this.#subscriptions.get(event.nid);
    if (known !== undefined) {
      if (event.tid !== known.tid) known.resubscribed(event);
      return true;
    }
    if (!this.#hasListener() || event.request?.method !== 'SUBSCRIBE' || event.tid <= 0 || event.nid <= 0 || event.did <= 0) return false;
    const subscription = new IncomingSubscription({ nid: event.nid, did: event.did, tid: event.tid }, event.request, this.#driver);
    this.#subscriptions.set(event.nid, subscription);
    this.#byCallId.set(subscription.callId, subscription);
    try {
      this.#emit(subscription);
    } finally {
      // Also when a listener threw (raised again after this): the SUBSCRIBE still gets its default answer.
      this.#armDefault(subscription);
    }
    return true;
  }

  /** An `EXOSIP_NOTIFICATION_*` event: the answer to a NOTIFY. */
  handle(event: AnyExosipEvent): void {
    this.#subscriptions.get(event.nid)?.notifyAnswered(event);
  }

  /**
   * An `EXOSIP_MESSAGE_*` answer to a request of no known transaction: one to
   * a NOTIFY of ours after eXosip freed its subscription (the 2xx of an
   * earlier NOTIFY ended it after an unsubscribe, jcallback.c:312).
   */
  orphan(event: AnyExosipEvent): void {
    if (event.nid > 0 || event.request?.method !== 'NOTIFY') return;
    this.#byCallId.get(event.request.getHeader('call-id') ?? '')?.notifyAnswered(event, true);
  }

  /** A compat call answered `tid`: its default answer is off. */
  answered(tid: number): void {
    this.#clearDefault(tid);
  }

  /** The context closes: every incoming subscription ends (`reason: 'closed'`); nothing is sent. */
  close(): void {
    for (const timer of this.#defaults.values()) clearTimeout(timer);
    this.#defaults.clear();
    for (const subscription of [...this.#subscriptions.values()]) subscription.closed();
    this.#subscriptions.clear();
    this.#byCallId.clear();
  }

  #armDefault(subscription: IncomingSubscription): void {
    if (this.#afterMs === null || subscription.answered) return;
    if (this.#afterMs === 0) {
      subscription.defaultAnswer();
      return;
    }
    const timer = setTimeout(() => {
      this.#defaults.delete(subscription.tid);
      subscription.defaultAnswer();
    }, this.#afterMs);
    timer.unref();
    this.#defaults.set(subscription.tid, timer);
  }

  #clearDefault(tid: number): void {
    const timer = this.#defaults.get(tid);
    if (timer !== undefined) clearTimeout(timer);
    this.#defaults.delete(tid);
  }
}
