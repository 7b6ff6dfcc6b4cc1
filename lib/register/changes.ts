/**
 * Waits for "something changed" on a Registration: an event, a settled
 * operation, a command's result. `refresh()`/`unregister()` wait here while
 * a REGISTER of the registration is in flight, then try again.
 * @internal
 * @module
 */
import { listenAbort } from '../internal/abort';

/** The waiters of one registration. */
export class ChangeWaiters {
  #waiters = new Set<() => void>();

  /** Resolves at the next {@link notify}, after `ms` or when `signal` aborts, whichever comes first. */
  next(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        unlisten();
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms).unref();
      const unlisten = listenAbort(signal, done);
      this.#waiters.add(done);
    });
  }

  /** Wakes every waiter. */
  notify(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}
