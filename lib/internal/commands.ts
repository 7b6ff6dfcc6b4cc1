/**
 * Commands the JS thread queues to its context's worker thread instead of
 * taking `eXosip_lock` itself (native/context/commands.h, issue #15): under
 * load eXosip's own thread holds that lock most of the time, and a JS thread
 * waiting for it stalls the whole event loop. Each result comes back to
 * `onEvent` in the same FIFO as the events, before any event of what the
 * command sent, and is handed to the command's `done` right there, before the
 * next event is emitted.
 * @internal
 * @module
 */
import type { NativeCommandResult } from '../../binding';
import { listenAbort } from './abort';

/** What the poster of a command is told, once. */
export interface CommandCallbacks {
  /** The worker ran it: eXosip's codes (`NativeCommandResult.code`, `.sent`). Must not throw. */
  done(code: number, sent: number): void;
  /** The context closed before the result came (the command may or may not have run). Must not throw. */
  closed(): void;
}

/** The commands of one context awaiting their result, by sequence number. */
export class CommandTable {
  #last = 0;
  #waiting = new Map<number, CommandCallbacks>();

  /**
   * Queues a command: `issue(seq)` makes the native `*Queued` call (which
   * throws, and nothing is left waiting, when the context is closed).
   * Returns `seq`, for the native `cancelQueued(seq)`.
   */
  post(issue: (seq: number) => void, callbacks: CommandCallbacks): number {
    const seq = this.#last >= 0x7fff_ffff ? 1 : this.#last + 1;
    this.#last = seq;
    issue(seq);
    this.#waiting.set(seq, callbacks);
    return seq;
  }

  /**
   * {@link post} for a caller that gives up after `o.timeoutMs` or when
   * `o.signal` aborts, also while the command still waits for the worker:
   * then `o.giveUp` gets the error (`o.timeoutError()` / `o.abortError()`),
   * once, and the queued command is cancelled (`cancel(seq)`, the native
   * `cancelQueued`: CommandQueue::Cancel, nothing sent, its result comes with
   * a negative code). One the worker took first runs as usual: its result
   * still reaches `callbacks.done`, with `gaveUp` true. Returns `seq` (for a
   * `cancel(seq)` of the caller's own: the result then comes with a negative code).
   */
  postCancellable(
    issue: (seq: number) => void,
    cancel: (seq: number) => void,
    o: { timeoutMs: number; signal: AbortSignal | undefined; timeoutError(): Error; abortError(): Error; giveUp(error: Error): void },
    callbacks: { done(code: number, sent: number, gaveUp: boolean): void; closed(gaveUp: boolean): void },
  ): number {
    let gaveUp = false;
    let seq = 0;
    const giveUp = (error: Error): void => {
      gaveUp = true;
      stop();
      if (seq !== 0) cancel(seq);
      o.giveUp(error);
    };
    const timer = setTimeout(() => giveUp(o.timeoutError()), o.timeoutMs).unref(); // the context's ref() keeps the process alive
    const unlisten = listenAbort(o.signal, () => giveUp(o.abortError()));
    const stop = (): void => {
      clearTimeout(timer);
      unlisten();
    };
    try {
      seq = this.post(issue, {
        done: (code, sent) => {
          stop();
          callbacks.done(code, sent, gaveUp);
        },
        closed: () => {
          stop();
          callbacks.closed(gaveUp);
        },
      });
      return seq;
    } catch (error) {
      stop();
      throw error;
    }
  }

  /** A result from the worker; one for a command no longer awaited (closed) is dropped. */
  settle(result: NativeCommandResult): void {
    const callbacks = this.#waiting.get(result.seq);
    if (callbacks === undefined) return;
    this.#waiting.delete(result.seq);
    callbacks.done(result.code, result.sent);
  }

  /** The context is closing: every command still awaited is told, now. */
  close(): void {
    const waiting = [...this.#waiting.values()];
    this.#waiting.clear();
    for (const callbacks of waiting) callbacks.closed();
  }
}
