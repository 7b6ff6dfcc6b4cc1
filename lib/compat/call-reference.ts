/**
 * eX_call.h: a call's application reference (`eXosip_call_set_reference` /
 * `eXosip_call_get_reference`). C hands eXosip a `void *`; here any JS value,
 * kept alive by the context while the call exists in eXosip: it is dropped
 * once the call is released (`EXOSIP_CALL_RELEASED`) or the context closes,
 * so a reference never outlives its call.
 * @module
 */
import type { Context } from '../context/context';
import { EXOSIP_CALL_RELEASED } from './constants';
import { contextOf, int } from './args';
import { nativeOf } from '../internal/handles';
import type { eXosip_t } from './setup';

/** The references of one context: by cid, with the token eXosip holds as the `void *`. */
class References {
  readonly #byCid = new Map<number, { token: number; value: unknown }>();
  #next = 1;

  constructor(ctx: Context) {
    const onEvent = (event: { typeId: number }): void => {
      if (event.typeId === EXOSIP_CALL_RELEASED) this.sweep(ctx);
    };
    ctx.on('event', onEvent);
    ctx.once('close', () => {
      this.#byCid.clear();
      ctx.off('event', onEvent);
      tables.delete(ctx);
    });
  }

  set(ctx: Context, id: number, value: unknown): number {
    const token = value === null || value === undefined ? 0 : this.#next++;
    const [code, cid] = nativeOf(ctx).callSetReference(id, token);
    if (code !== 0) return code;
    if (token === 0) {
      // NULL: eXosip forgot it; so do we (for the cid it was set on, found again).
      this.sweep(ctx);
    } else if (cid > 0) {
      this.#byCid.set(cid, { token, value });
    }
    return code;
  }

  get(ctx: Context, cid: number): unknown {
    const token = nativeOf(ctx).callGetReference(cid);
    const entry = this.#byCid.get(cid);
    return token !== 0 && entry?.token === token ? entry.value : null;
  }

  /** Drops every value whose call eXosip no longer holds (or holds with another reference). */
  sweep(ctx: Context): void {
    if (ctx.closed) return;
    for (const [cid, entry] of this.#byCid) {
      if (nativeOf(ctx).callGetReference(cid) !== entry.token) this.#byCid.delete(cid);
    }
  }

  get size(): number {
    return this.#byCid.size;
  }
}

const tables = new WeakMap<Context, References>();

function tableOf(ctx: Context): References {
  let table = tables.get(ctx);
  if (table === undefined) {
    table = new References(ctx);
    tables.set(ctx, table);
  }
  return table;
}

/**
 * `int eXosip_call_set_reference(struct eXosip_t *excontext, int id, void *reference)`
 * → 0, or `OSIP_NOTFOUND` when `id` is neither a call (cid) nor a dialog
 * (did) of one. Attaches `reference` (any value; null clears it) to the
 * call; read it back with {@link eXosip_call_get_reference} and the event's
 * `cid`. The context keeps the value alive until the call is released
 * (`EXOSIP_CALL_RELEASED`) or the context closes, then lets it go.
 */
export function eXosip_call_set_reference(ctx: eXosip_t, id: number, reference: unknown): number {
  const fn = 'eXosip_call_set_reference';
  const context = contextOf(ctx, fn);
  const i = int(id, fn, 'id');
  // A context not running: the native call throws (ERR_CONTEXT_CLOSED, _NOT_INITIALIZED) before any table is made.
  if (nativeOf(context).state !== 'running') return nativeOf(context).callSetReference(i, 0)[0];
  return tableOf(context).set(context, i, reference);
}

/**
 * `void *eXosip_call_get_reference(struct eXosip_t *excontext, int cid)`:
 * the value set on call `cid`, or null (C's NULL) when none was set or
 * there is no such call (eXosip logs `no call here` at ERROR level).
 */
export function eXosip_call_get_reference(ctx: eXosip_t, cid: number): unknown {
  const fn = 'eXosip_call_get_reference';
  const context = contextOf(ctx, fn);
  const c = int(cid, fn, 'cid');
  const table = tables.get(context);
  if (table === undefined) {
    nativeOf(context).callGetReference(c); // the same checks (closed, not initialized) as C's call
    return null;
  }
  return table.get(context, c);
}

/** @internal How many references `ctx` keeps alive (tests: released with their calls). */
export function callReferenceCount(ctx: eXosip_t): number {
  return tables.get(ctx)?.size ?? 0;
}
