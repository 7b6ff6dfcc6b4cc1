/**
 * The binding's own share of a registration's refresh schedule: what
 * libeXosip2 5.3.0's schedule misses.
 *
 * - **The grant.** eXosip refreshes at 90% of the period it asked for (or 6 s
 *   before it), and takes a lower grant from the 2xx only when it is more
 *   than 15 s below what was asked, and only from the Expires header or a
 *   Contact carrying its `line` parameter (jcallback.c:1017-1034 and
 *   `_eXosip_update_expires_according_to_contact`, jcallback.c:886-944).
 *   Asked 60, granted 50: eXosip refreshes at 54 s, 4 s after the binding
 *   expired. So after every 2xx the binding arms its own timer
 *   {@link refreshLead} seconds before the grant runs out; whichever of the
 *   two refreshes first wins: the timer sends nothing when eXosip's REGISTER
 *   is in flight (OSIP_WRONG_STATE) or left after the 2xx the timer was armed
 *   on (its event's `receivedNs`, checked under the lock against when each
 *   Call-ID's REGISTER left: native/context/register_sends.h). With what was
 *   asked granted, the two are due within a second of each other; before
 *   that check, a JS thread busy when both were due sent a second REGISTER
 *   after eXosip's refresh had its 2xx.
 * - **Retry-After.** eXosip ignores Retry-After on a final answer to a
 *   REGISTER (it reads it only in `_eXosip_mark_registration_expired`,
 *   eXosip.c:1595, which runs on transport errors and NAPTR failover) and
 *   retries on its failure schedule ({@link exosipFailureRetryDelay}). When
 *   Retry-After asks for longer, the binding builds the next REGISTER at once
 *   and holds it: building takes the registration's last transaction away
 *   from eXosip (`_eXosip_register_build_register`, eXregister_api.c:228-246),
 *   so its automatic action leaves the registration alone until the held
 *   REGISTER is sent, Retry-After seconds after the failure. The held
 *   REGISTER is eXosip's own refresh: same Call-ID, next CSeq (RFC 3261 §10.2.4).
 * @module
 */
import type { NativeContext } from '../../binding';
import { Message, native } from '../message';
import { exosipFailureRetryDelay } from './answers';
import { refreshLead } from './grant';

/** What the schedule needs from its registration. */
export interface ScheduleHost {
  readonly rid: number;
  readonly native: NativeContext;
  /** The expiry to ask for, in seconds. */
  requested(): number;
  /** The schedule sent a REGISTER (its own refresh, or the held one). */
  sent(): void;
  /** A REGISTER the schedule built could not be sent (eXosip_register_send_register's code). */
  notSent(code: number): void;
}

/** The 2xx a grant came in, and when its event was taken from eXosip. */
export interface GrantedBy {
  /** The 2xx (the registration keeps it as its last response): its Call-ID is read when the timer fires, not per 2xx. */
  readonly response: Message;
  /** The event's `receivedNs` (CLOCK_MONOTONIC, as `process.hrtime.bigint()`). */
  readonly receivedNs: bigint;
}

/** @internal One registration's timers and held REGISTER. */
export class RefreshSchedule {
  #host: ScheduleHost;
  #timer: NodeJS.Timeout | null = null;
  #held: Message | null = null;
  #heldUntil = 0;

  constructor(host: ScheduleHost) {
    this.#host = host;
  }

  /** Epoch ms at which the held REGISTER leaves, or 0 when none is held. */
  get heldUntil(): number {
    return this.#held === null ? 0 : this.#heldUntil;
  }

  /**
   * A 2xx granted `seconds`: refresh {@link refreshLead} before they run out,
   * unless a REGISTER left after `by` (eXosip's refresh), when `by` is known.
   */
  granted(seconds: number, by: GrantedBy | null): void {
    this.#clearTimer();
    if (seconds <= 0) return;
    this.#arm((seconds - refreshLead(seconds)) * 1000, () => this.#refreshNow(by));
  }

  /**
   * A final failure. Cancels the grant timer (eXosip's failure schedule takes
   * over), and holds the next REGISTER back until `retryAfter` seconds from
   * now when that is later than eXosip would retry for `period`.
   * @returns whether a REGISTER is now held
   */
  failed(retryAfter: number | null, period: number): boolean {
    this.#clearTimer();
    if (retryAfter === null || retryAfter <= exosipFailureRetryDelay(period)) return false;
    const n = this.#host.native;
    n.lock();
    try {
      // OSIP_WRONG_STATE: a REGISTER is already in flight again; nothing to hold.
      const [code, handle] = n.registerBuildRegister(this.#host.rid, this.#host.requested());
      if (code < 0 || handle === null) return false;
      this.#held = new Message(handle);
    } finally {
      n.unlock();
    }
    this.#heldUntil = Date.now() + retryAfter * 1000;
    this.#arm(retryAfter * 1000, () => this.#sendHeld());
    return true;
  }

  /**
   * Takes the held REGISTER for `refresh()`/`unregister()` to send instead of
   * building one: while it is held eXosip would build a REGISTER with a new
   * Call-ID. Null when none is held.
   */
  takeHeld(): Message | null {
    const held = this.#held;
    if (held !== null) {
      this.#held = null;
      this.#clearTimer();
    }
    return held;
  }

  /** Forgets timers and the held REGISTER (removed, unregistered, closed). */
  stop(): void {
    this.#clearTimer();
    this.#held?.dispose();
    this.#held = null;
  }

  #arm(ms: number, fire: () => void): void {
    this.#timer = setTimeout(() => {
      this.#timer = null;
      fire();
    }, ms);
    // An open context keeps the process alive, or not, as its owner chose
    // (Context.unref); the schedule does not add to that.
    this.#timer.unref();
  }

  #clearTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #refreshNow(by: GrantedBy | null): void {
    const n = this.#host.native;
    // A 2xx the application disposed of says nothing: then refreshed as before the check.
    const callId = by !== null && by.response.state === 'owned' ? by.response.getHeader('Call-ID') : undefined;
    const rid = this.#host.rid;
    const [code, sent] = callId === undefined ? n.registerRefresh(rid, this.#host.requested()) : n.registerRefresh(rid, this.#host.requested(), callId, by!.receivedNs);
    // Not built: in flight already, or sent since the 2xx (eXosip's own
    // refresh, an auth retry): that one's answer renews the grant.
    if (code < 0) return;
    if (sent < 0) this.#host.notSent(sent);
    else this.#host.sent();
  }

  #sendHeld(): void {
    const held = this.#held;
    this.#held = null;
    if (held === null) return;
    const n = this.#host.native;
    n.lock();
    try {
      const sent = n.registerSendRegister(this.#host.rid, native(held));
      if (sent < 0) this.#host.notSent(sent);
      else this.#host.sent();
    } finally {
      n.unlock();
    }
  }
}
