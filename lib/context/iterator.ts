/**
 * {@link Context.events}: a context's events as an async iterator.
 * @internal
 * @module
 */
import { abortError, typeError } from '../errors';
import { type AnyExosipEvent, EVENT_TYPES, type ExosipEvent, type ExosipEventType } from '../events';
import * as v from '../internal/validate';
import type { Context } from './context';
import { listenAbort } from '../internal/abort';
import { EVENTS_OPTIONS } from '../internal/option-keys';

/**
 * The events `ctx` emits from now on, buffered while the loop body awaits;
 * it ends when the context closes (`ended` already true: at once, after
 * nothing) or throws an `AbortError` when `signal` aborts.
 */
export function eventIterator<T extends ExosipEventType>(ctx: Context, ended: boolean, options: { types?: readonly T[]; signal?: AbortSignal } | undefined): AsyncIterableIterator<ExosipEvent<T>> {
  const o = v.options<{ types?: readonly T[]; signal?: AbortSignal }>('options', options, EVENTS_OPTIONS);
  const signal = v.abortSignal('options.signal', o.signal);
  if (o.types !== undefined && !Array.isArray(o.types)) {
    throw typeError('ERR_INVALID_ARG_TYPE', 'options.types must be an array of event type names');
  }
  for (const type of o.types ?? []) {
    // A misspelt or C-only name (EXOSIP_CALL_NEW is no eXosip 5.3 event) would never match: refused.
    if (typeof type !== 'string' || !Object.hasOwn(EVENT_TYPES, type)) {
      throw typeError('ERR_INVALID_ARG_VALUE', `options.types: ${JSON.stringify(type)} is no eXosip event type (EXOSIP_CALL_INVITE, EXOSIP_MESSAGE_NEW, ...: lib/generated/constants.ts)`);
    }
  }
  const types = o.types === undefined ? null : new Set<string>(o.types);
  const buffer: Array<ExosipEvent<T>> = [];
  let wake: (() => void) | null = null;
  const onEvent = (ev: AnyExosipEvent): void => {
    if (types !== null && !types.has(ev.type)) return;
    buffer.push(ev as ExosipEvent<T>);
    wake?.();
  };
  const onEnd = (): void => {
    ended = true;
    wake?.();
  };
  const detach = (): void => {
    ctx.off('event', onEvent);
    ctx.off('close', onEnd);
    unlisten();
  };
  ctx.on('event', onEvent);
  ctx.on('close', onEnd);
  const unlisten = listenAbort(signal, onEnd);
  const iterator: AsyncIterableIterator<ExosipEvent<T>> = {
    next: async () => {
      for (;;) {
        if (signal?.aborted) {
          detach();
          throw abortError(signal);
        }
        const ev = buffer.shift();
        if (ev !== undefined) return { value: ev, done: false };
        if (ended) {
          detach();
          return { value: undefined, done: true };
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
      }
    },
    return: async () => {
      detach();
      buffer.length = 0;
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
