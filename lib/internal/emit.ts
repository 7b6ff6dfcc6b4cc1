/**
 * Emitting what came from the network without letting one listener's
 * exception stop the binding's own handling of it.
 * @internal
 * @module
 */
import type { EventEmitter } from 'node:events';

/**
 * Calls every listener of `name` on `emitter` with `args`, in order, as
 * `emit()` does, but each one even when an earlier one throws. A listener's
 * exception is raised again once the binding is done with the event (on the
 * next tick), so it is still an uncaught exception, as a throwing listener of
 * a plain `emit()` would make it: the process ends unless
 * `process.on('uncaughtException')` handles it.
 * @returns whether there was a listener, as `emit()`
 */
export function emitEach(emitter: EventEmitter, name: string, args: readonly unknown[]): boolean {
  const listeners = emitter.rawListeners(name) as Array<(...a: unknown[]) => unknown>;
  for (const listener of listeners) {
    try {
      Reflect.apply(listener, emitter, args);
    } catch (error) {
      process.nextTick(() => {
        throw error;
      });
    }
  }
  return listeners.length > 0;
}

