/**
 * One `'abort'` listener per AbortSignal, however many calls wait on it.
 * A signal shared by many calls (one AbortController stopping 10,000
 * `pool.register()`) would otherwise carry a listener per call, and Node
 * warns past 10 (`MaxListenersExceededWarning: Possible EventTarget memory
 * leak detected`) although nothing leaks: each call removes its own.
 * @internal
 * @module
 */

interface Listeners {
  readonly calls: Set<{ readonly run: () => void }>;
  readonly onAbort: () => void;
}

const bySignal = new WeakMap<AbortSignal, Listeners>();

const NOTHING = (): void => undefined;

/**
 * Runs `listener` once when `signal` aborts (in the order the listeners were
 * added, as EventTarget does); returns the function that stops listening
 * (idempotent). No signal: nothing to listen to. The caller checks
 * `signal.aborted` first: an aborted signal fires no more.
 */
export function listenAbort(signal: AbortSignal | undefined, listener: () => void): () => void {
  if (signal === undefined) return NOTHING;
  let listeners = bySignal.get(signal);
  if (listeners === undefined) {
    const calls = new Set<{ readonly run: () => void }>();
    const onAbort = (): void => {
      bySignal.delete(signal);
      for (const call of [...calls]) {
        calls.delete(call);
        try {
          call.run();
        } catch (error) {
          // As an EventTarget listener's: reported, the others still run.
          queueMicrotask(() => {
            throw error;
          });
        }
      }
    };
    listeners = { calls, onAbort };
    bySignal.set(signal, listeners);
    signal.addEventListener('abort', onAbort, { once: true });
  }
  const call = { run: listener };
  const { calls, onAbort } = listeners;
  calls.add(call);
  return () => {
    if (!calls.delete(call) || calls.size > 0) return;
    // The last one gone: the signal keeps no listener of ours.
    signal.removeEventListener('abort', onAbort);
    if (bySignal.get(signal) === listeners) bySignal.delete(signal);
  };
}
