/**
 * One awaited outcome (a final answer, a NOTIFY's answer, ...), settled
 * once: by its owner when the event comes, or by `timeoutMs` passing, or by
 * `signal` aborting. The timer does not keep the process alive (an open
 * context does, as its owner chose).
 * @internal
 * @module
 */
import { listenAbort } from './abort';

/** The errors a wait gives when it gives up, made only then. */
export interface GiveUpErrors {
  timeout(): Error;
  abort(): Error;
}

/** A promise with its own timeout and abort; {@link settled} once anything settled it. */
export class Outcome<T> {
  readonly promise: Promise<T>;
  #resolve!: (value: T) => void;
  #reject!: (error: Error) => void;
  #settled = false;
  #stop: () => void;

  /**
   * @param gaveUp runs after the promise rejected for the timeout or the
   *   abort (not when the owner rejects it), with that error
   */
  constructor(timeoutMs: number, signal: AbortSignal | undefined, errors: GiveUpErrors, gaveUp?: (error: Error) => void) {
    this.promise = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    const giveUp = (error: Error): void => {
      if (this.#settled) return;
      this.reject(error);
      gaveUp?.(error);
    };
    const timer = setTimeout(() => giveUp(errors.timeout()), timeoutMs);
    timer.unref();
    const unlisten = listenAbort(signal, () => giveUp(errors.abort()));
    this.#stop = () => {
      clearTimeout(timer);
      unlisten();
    };
  }

  /** True once resolved or rejected. */
  get settled(): boolean {
    return this.#settled;
  }

  /** Resolves it, unless settled already. */
  resolve(value: T): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#stop();
    this.#resolve(value);
  }

  /** Rejects it, unless settled already. */
  reject(error: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#stop();
    this.#reject(error);
  }
}
