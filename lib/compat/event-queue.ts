/**
 * The event queue behind `eXosip_event_wait`: per context, bounded, fed by
 * `ctx.on('event')`.
 * @module
 */
import type { Context } from '../context/context';
import { abortError } from '../errors';
import { contextOf } from './args';
import type { eXosip_event_t } from './exosip';
import type { eXosip_t } from './setup';
import { listenAbort } from '../internal/abort';

/** How many events a context queues for {@link eXosip_event_wait} before it drops the oldest. */
export const COMPAT_EVENT_QUEUE_CAPACITY = 10_000;

/** What {@link compatEventQueueStats} reports. */
export interface CompatEventQueueStats {
  /** Events queued, not yet returned by `eXosip_event_wait`. */
  readonly queued: number;
  /** Events dropped because the queue was full (oldest first), since the queue was created. */
  readonly dropped: number;
  /** {@link COMPAT_EVENT_QUEUE_CAPACITY}. */
  readonly capacity: number;
  /** `eXosip_event_wait` calls waiting for an event. */
  readonly waiting: number;
}

interface Waiter {
  resolve(event: eXosip_event_t | null): void;
  timer: NodeJS.Timeout | null;
}

/** A bounded FIFO of a context's events, and the calls waiting for one. */
export class EventQueue {
  #events: Array<eXosip_event_t | undefined> = [];
  #head = 0;
  #waiters: Waiter[] = [];
  #dropped = 0;
  #closed = false;

  constructor(ctx: Context) {
    ctx.on('event', (event) => this.push(event));
    ctx.once('close', () => this.close());
  }

  get closed(): boolean {
    return this.#closed;
  }

  get stats(): CompatEventQueueStats {
    return Object.freeze({
      queued: this.#events.length - this.#head,
      dropped: this.#dropped,
      capacity: COMPAT_EVENT_QUEUE_CAPACITY,
      waiting: this.#waiters.length,
    });
  }

  push(event: eXosip_event_t): void {
    if (this.#closed) return;
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      if (waiter.timer !== null) clearTimeout(waiter.timer);
      waiter.resolve(event);
      return;
    }
    this.#events.push(event);
    if (this.#events.length - this.#head > COMPAT_EVENT_QUEUE_CAPACITY) {
      this.#events[this.#head++] = undefined;
      this.#dropped += 1;
    }
    this.#compact();
  }

  take(): eXosip_event_t | null {
    if (this.#head >= this.#events.length) return null;
    const event = this.#events[this.#head]!;
    this.#events[this.#head++] = undefined;
    this.#compact();
    return event;
  }

  wait(timeoutMs: number, signal?: AbortSignal): Promise<eXosip_event_t | null> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const event = this.take();
    if (event !== null || this.#closed || timeoutMs <= 0) return Promise.resolve(event);
    return new Promise((resolve, reject) => {
      let unlisten = (): void => undefined;
      const leave = (): void => {
        const at = this.#waiters.indexOf(waiter);
        if (at >= 0) this.#waiters.splice(at, 1);
        if (waiter.timer !== null) clearTimeout(waiter.timer);
        unlisten();
      };
      const onAbort = (): void => {
        leave();
        reject(abortError(signal!));
      };
      const waiter: Waiter = {
        resolve: (ev) => {
          unlisten();
          resolve(ev);
        },
        timer: null,
      };
      waiter.timer = setTimeout(() => {
        leave();
        resolve(null);
      }, timeoutMs);
      this.#waiters.push(waiter);
      unlisten = listenAbort(signal, onAbort);
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#events = [];
    this.#head = 0;
    for (const waiter of this.#waiters.splice(0)) {
      if (waiter.timer !== null) clearTimeout(waiter.timer);
      waiter.resolve(null);
    }
  }

  #compact(): void {
    if (this.#head === this.#events.length) {
      this.#events = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#events.length) {
      this.#events = this.#events.slice(this.#head);
      this.#head = 0;
    }
  }
}

const queues = new WeakMap<Context, EventQueue>();

/** The queue of `ctx`, made (and fed from then on) at the first call. */
export function queueOf(ctx: Context): EventQueue {
  let queue = queues.get(ctx);
  if (queue === undefined) {
    queue = new EventQueue(ctx);
    queues.set(ctx, queue);
  }
  return queue;
}

/**
 * The state of a context's compat event queue (not a C function): how many
 * events wait for {@link eXosip_event_wait}, and how many were dropped
 * because nobody read them. All zeros for a context that has no queue yet.
 */
export function compatEventQueueStats(ctx: eXosip_t): CompatEventQueueStats {
  const queue = queues.get(contextOf(ctx, 'compatEventQueueStats'));
  return queue?.stats ?? Object.freeze({ queued: 0, dropped: 0, capacity: COMPAT_EVENT_QUEUE_CAPACITY, waiting: 0 });
}

/** Empties and closes the queue of `ctx`, if it has one: waiting calls resolve null. */
export function closeQueue(ctx: Context): void {
  queues.get(ctx)?.close();
}

