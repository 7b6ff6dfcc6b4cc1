/**
 * Requests received that wait for an answer, by tid, each with the timer of
 * its default answer (`ContextOptions.defaultAnswerMs`): shared by requests
 * outside a dialog (lib/message/answers.ts) and inside a call
 * (lib/call/requests.ts).
 */
import type { IncomingRequest } from './incoming';

/** @internal */
export class PendingAnswers {
  readonly #afterMs: number | null;
  readonly #timers = new Map<number, NodeJS.Timeout | null>();

  /** `afterMs`: ms before the default answer; 0 at once after the listeners; null never. */
  constructor(afterMs: number | null) {
    this.#afterMs = afterMs;
  }

  /** How many requests wait. */
  get size(): number {
    return this.#timers.size;
  }

  /** True while `tid` waits. */
  has(tid: number): boolean {
    return this.#timers.has(tid);
  }

  /** `request` waits from now (before its listeners run). */
  add(request: IncomingRequest): void {
    this.#timers.set(request.tid, null);
  }

  /** After the listeners ran: unless answered meanwhile, `fire` gives the default answer when due. */
  arm(request: IncomingRequest, fire: (request: IncomingRequest) => void): void {
    if (request.answered || !this.#timers.has(request.tid)) return;
    if (this.#afterMs === null) {
      this.#timers.delete(request.tid);
      return;
    }
    if (this.#afterMs === 0) {
      fire(request);
      return;
    }
    const timer = setTimeout(() => fire(request), this.#afterMs);
    timer.unref();
    this.#timers.set(request.tid, timer);
  }

  /**
   * Runs `emit` (the request's listeners), then {@link arm}s its default
   * answer, also when a listener threw: the exception is raised again after.
   */
  emitThenArm(request: IncomingRequest, emit: () => void, fire: (request: IncomingRequest) => void): void {
    try {
      emit();
    } finally {
      this.arm(request, fire);
    }
  }

  /** `tid` was answered: its default answer is off. */
  answered(tid: number): void {
    const timer = this.#timers.get(tid);
    if (timer !== undefined && timer !== null) clearTimeout(timer);
    this.#timers.delete(tid);
  }

  /** The context closes: no default answer will be sent. */
  close(): void {
    for (const timer of this.#timers.values()) if (timer !== null) clearTimeout(timer);
    this.#timers.clear();
  }
}
