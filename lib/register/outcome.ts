/**
 * The wait for the final answer to one REGISTER: what `register()`,
 * `refresh()` and `unregister()` return, settled by the registration's
 * events, its timeout or its AbortSignal.
 * @internal
 * @module
 */
import { listenAbort } from '../internal/abort';
import type { Pending, RegistrationInfo } from './types';

/** What the wait tells its registration. */
export interface OutcomeHooks {
  /** The wait's settle functions: the registration settles it from its events. */
  pending(pending: Pending): void;
  /** `timeoutMs` passed without a final answer. */
  timedOut(): void;
  /** `signal` aborted (also when it already was). */
  aborted(): void;
}

/**
 * A promise settled through the {@link Pending} handed to `hooks.pending`;
 * `hooks.timedOut` runs after `timeoutMs` (a timer that does not keep the
 * process alive: the context's ref() decides that), `hooks.aborted` when
 * `signal` aborts. Either is cleared once the wait settles.
 */
export function awaitOutcome(kind: Pending['kind'], timeoutMs: number, signal: AbortSignal | undefined, hooks: OutcomeHooks): Promise<RegistrationInfo> {
  return new Promise<RegistrationInfo>((resolve, reject) => {
    let unlisten = (): void => undefined;
    const timer = setTimeout(hooks.timedOut, timeoutMs).unref();
    const cleanup = (): void => {
      clearTimeout(timer);
      unlisten();
    };
    hooks.pending({
      kind,
      resolve: (info) => {
        cleanup();
        resolve(info);
      },
      reject: (error) => {
        cleanup();
        reject(error);
      },
    });
    // Aborted while the worker was sending it (commands.ts): as an abort after the send.
    if (signal?.aborted) hooks.aborted();
    else unlisten = listenAbort(signal, hooks.aborted);
  });
}
