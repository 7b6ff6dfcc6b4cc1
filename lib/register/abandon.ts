/**
 * What happens to a first REGISTER whose wait ended without a final answer
 * (the `signal` aborted, or `timeoutMs` passed): eXosip's transaction goes
 * on (a REGISTER cannot be cancelled, RFC 3261 §9.1), so the registrar may
 * still grant it. A binding granted then would stay at the registrar for the
 * whole expiry with nobody to refresh or remove it. So the registration stays
 * routed, silently, until eXosip's verdict: a 2xx that granted a binding is
 * answered with a REGISTER expires 0; any other final answer, or the 2xx to
 * that removal, ends it (`eXosip_register_remove`).
 */
import type { RegistrationEvent } from '../events';
import type { ContextInternals } from '../internal/handles';

/** How long an abandoned REGISTER is followed at most (ms): eXosip's own transaction timeout (32 s) twice. */
export const ABANDONED_FOLLOW_MS = 64_000;

/** @internal One abandoned first REGISTER, followed to its end. */
export class AbandonedRegister {
  readonly #host: ContextInternals;
  readonly #rid: number;
  readonly #done: () => void;
  readonly #timer: NodeJS.Timeout;
  #removing = false;

  constructor(host: ContextInternals, rid: number, done: () => void) {
    this.#host = host;
    this.#rid = rid;
    this.#done = done;
    this.#timer = setTimeout(() => this.#finish(), ABANDONED_FOLLOW_MS);
    this.#timer.unref();
    host.followAbandoned(rid, (event) => this.handle(event));
  }

  /** One eXosip event of the rid. */
  handle(event: RegistrationEvent): void {
    if (event.type === 'EXOSIP_REGISTRATION_SUCCESS') {
      const granted = (event.request?.expires ?? 0) > 0;
      if (granted && !this.#removing && this.#sendRemoval()) return;
      this.#finish();
      return;
    }
    // eXosip answers a 401/407 by itself: the transaction goes on.
    const status = event.response?.statusCode ?? 0;
    if (status === 401 || status === 407) return;
    this.#finish();
  }

  /** The context closes: nothing more can be sent. */
  stop(): void {
    clearTimeout(this.#timer);
  }

  /** REGISTER expires 0 for the binding just granted; false when eXosip refuses to build or send it, or the context is closing. */
  #sendRemoval(): boolean {
    let built: number;
    let sent: number;
    try {
      [built, sent] = this.#host.native.registerRefresh(this.#rid, 0);
    } catch {
      return false; // closing: its events still arrive, but nothing can be sent (found by the fuzz)
    }
    if (built < 0) return false;
    this.#removing = true;
    return sent >= 0;
  }

  #finish(): void {
    clearTimeout(this.#timer);
    this.#host.forgetRegistration(this.#rid);
    this.#done();
  }
}
