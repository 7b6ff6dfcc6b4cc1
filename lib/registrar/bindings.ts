/**
 * The registrar's location table (RFC 3261 10.3, steps 6 to 8): bindings by
 * address of record, their expiry, and the changes a REGISTER makes.
 * @internal
 * @module
 */
import { contactExpires, contactUri, type Message } from '../message';
import { contactParams, viaSource } from './request';
import type { Settings } from './settings';
import type {
  RegistrarBinding,
  RegistrarRegisteredEvent,
  RegistrarRejectCause,
  RegistrarRequestInfo,
  RegistrarUnregisteredEvent,
} from './types';

/** Kamailio's `cseq_delay`: an equal CSeq this soon after the last update is a repeat, not an error. */
const EQUAL_CSEQ_GRACE_MS = 20_000;
const MAX_TIMER_MS = 2_147_483_647;

/** A header of an answer. */
export type Header = readonly [name: string, value: string];

interface Entry {
  aor: string;
  contact: string;
  params: string;
  expiresAt: number;
  callId: string;
  cseq: number;
  userAgent: string;
  transport: string;
  source: string;
  registeredAt: number;
  updatedAt: number;
}

/** A change of the table, to report once the answer is sent. */
export type TableChange =
  | { readonly kind: 'registered'; readonly event: RegistrarRegisteredEvent }
  | { readonly kind: 'unregistered'; readonly event: RegistrarUnregisteredEvent };

/** What a REGISTER did to the table: a 200 with the AoR's bindings, or a refusal (nothing changed). */
export type BindResult =
  | { readonly status: 200; readonly headers: Header[]; readonly changes: TableChange[] }
  | { readonly status: 400 | 423 | 503; readonly cause: RegistrarRejectCause; readonly detail: string; readonly headers: Header[] };

type Limits = Pick<Settings, 'minExpires' | 'maxExpires' | 'defaultExpires' | 'maxBindingsPerAor' | 'maxBindings'>;

function remaining(entry: Entry, now: number): number {
  return Math.max(0, Math.ceil((entry.expiresAt - now) / 1000));
}

function snapshot(entry: Entry, now: number): RegistrarBinding {
  return Object.freeze({
    aor: entry.aor,
    contact: entry.contact,
    params: entry.params,
    expires: remaining(entry, now),
    expiresAt: entry.expiresAt,
    callId: entry.callId,
    cseq: entry.cseq,
    userAgent: entry.userAgent,
    transport: entry.transport,
    source: entry.source,
    registeredAt: entry.registeredAt,
    updatedAt: entry.updatedAt,
  });
}

function refuse(status: 400 | 423 | 503, cause: RegistrarRejectCause, detail: string): BindResult {
  return { status, cause, detail, headers: [] };
}

/** Bindings by AoR, then by contact URI; expired ones are purged (with `onExpired`) on use and by an unref'd timer. */
export class LocationTable {
  readonly #limits: Limits;
  readonly #onExpired: (event: RegistrarUnregisteredEvent) => void;
  readonly #table = new Map<string, Map<string, Entry>>();
  #count = 0;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(limits: Limits, onExpired: (event: RegistrarUnregisteredEvent) => void) {
    this.#limits = limits;
    this.#onExpired = onExpired;
  }

  /** Every binding, or those of the AoR key `aor` (`user@domain`), oldest first; expired ones purged first. */
  list(aor: string | undefined, now: number): RegistrarBinding[] {
    this.#purge(now);
    const out: RegistrarBinding[] = [];
    for (const [name, entries] of this.#table) {
      if (aor !== undefined && name !== aor) continue;
      for (const entry of entries.values()) out.push(snapshot(entry, now));
    }
    return out;
  }

  /** Stops the expiry timer for good; the table stays readable. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** Applies an authenticated REGISTER for `aor` (RFC 3261 10.3, steps 6 to 8). */
  bind(request: Message, req: RegistrarRequestInfo, aor: string, now: number): BindResult {
    this.#purge(now);
    const o = this.#limits;
    const contacts = request.contacts;
    const headerExpires = request.expires;
    const changes: TableChange[] = [];
    const existing = this.#table.get(aor);

    if (contacts.some((c) => c.trim() === '*')) {
      if (contacts.length !== 1) return refuse(400, 'bad-wildcard', 'Contact: * must be the only Contact');
      if (headerExpires !== 0) return refuse(400, 'bad-wildcard', 'Contact: * needs Expires: 0');
      if (existing !== undefined) {
        for (const entry of existing.values()) changes.push({ kind: 'unregistered', event: Object.freeze({ binding: snapshot(entry, now), reason: 'wildcard' }) });
        this.#count -= existing.size;
        this.#table.delete(aor);
        this.#schedule();
      }
      return { status: 200, headers: [], changes };
    }

    const cseq = Number.parseInt(request.getHeader('cseq') ?? '', 10);
    const userAgent = request.getHeader('user-agent') ?? '';
    const { transport, source } = viaSource(request.getHeader('via'));
    const plans = new Map<string, { params: string; expires: number }>();
    for (const contact of contacts) {
      const uri = contactUri(contact);
      if (!/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(uri)) return refuse(400, 'bad-request', `Contact ${contact} has no URI`);
      let expires = contactExpires(contact) ?? headerExpires ?? o.defaultExpires;
      if (expires > 0 && expires < o.minExpires) {
        const result = refuse(423, 'interval-too-brief', `expires ${expires} is below the minimum ${o.minExpires}`);
        result.headers.push(['Min-Expires', String(o.minExpires)]);
        return result;
      }
      if (expires > o.maxExpires) expires = o.maxExpires;
      plans.set(uri, { params: contactParams(contact), expires });
    }

    // RFC 3261 10.3 step 7: same Call-ID needs a higher CSeq.
    const repeats = new Set<string>();
    for (const uri of plans.keys()) {
      const entry = existing?.get(uri);
      if (entry === undefined || entry.callId !== req.callId) continue;
      if (cseq < entry.cseq || (cseq === entry.cseq && now - entry.updatedAt > EQUAL_CSEQ_GRACE_MS)) {
        return refuse(400, 'bad-cseq', `CSeq ${cseq} is not above ${entry.cseq} for Call-ID ${req.callId}`);
      }
      if (cseq === entry.cseq) repeats.add(uri);
    }

    let added = 0;
    let removed = 0;
    for (const [uri, plan] of plans) {
      if (repeats.has(uri)) continue;
      const known = existing?.has(uri) === true;
      if (plan.expires > 0 && !known) added += 1;
      if (plan.expires === 0 && known) removed += 1;
    }
    const size = existing?.size ?? 0;
    if (size + added - removed > o.maxBindingsPerAor) {
      return refuse(503, 'too-many-bindings', `${aor} would hold ${size + added - removed} bindings; at most ${o.maxBindingsPerAor}`);
    }
    if (this.#count + added - removed > o.maxBindings) {
      return refuse(503, 'too-many-bindings', `the table would hold ${this.#count + added - removed} bindings; at most ${o.maxBindings}`);
    }

    const entries = existing ?? new Map<string, Entry>();
    for (const [uri, plan] of plans) {
      if (repeats.has(uri)) continue;
      const entry = entries.get(uri);
      if (plan.expires === 0) {
        if (entry === undefined) continue;
        entries.delete(uri);
        this.#count -= 1;
        changes.push({ kind: 'unregistered', event: Object.freeze({ binding: snapshot(entry, now), reason: 'unregister' }) });
        continue;
      }
      const next: Entry = {
        aor,
        contact: uri,
        params: plan.params,
        expiresAt: now + plan.expires * 1000,
        callId: req.callId,
        cseq: Number.isNaN(cseq) ? 0 : cseq,
        userAgent,
        transport,
        source,
        registeredAt: entry?.registeredAt ?? now,
        updatedAt: now,
      };
      if (entry === undefined) this.#count += 1;
      entries.set(uri, next);
      changes.push({ kind: 'registered', event: Object.freeze({ binding: snapshot(next, now), refreshed: entry !== undefined }) });
    }
    if (entries.size > 0) this.#table.set(aor, entries);
    else this.#table.delete(aor);
    this.#schedule();

    const headers: Header[] = [...entries.values()].map((e) => ['Contact', `<${e.contact}>${e.params};expires=${remaining(e, now)}`] as const);
    return { status: 200, headers, changes };
  }

  /** Removes the expired bindings, reporting each to `onExpired`. */
  #purge(now: number): void {
    const gone: Entry[] = [];
    for (const [aor, entries] of this.#table) {
      for (const [uri, entry] of entries) {
        if (entry.expiresAt > now) continue;
        entries.delete(uri);
        gone.push(entry);
      }
      if (entries.size === 0) this.#table.delete(aor);
    }
    if (gone.length === 0) return;
    this.#count -= gone.length;
    this.#schedule();
    for (const entry of gone) this.#onExpired(Object.freeze({ binding: snapshot(entry, now), reason: 'expired' as const }));
  }

  /** Arms the (unref'd) timer for the next expiry. */
  #schedule(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#closed) return;
    let next = Infinity;
    for (const entries of this.#table.values()) for (const entry of entries.values()) next = Math.min(next, entry.expiresAt);
    if (next === Infinity) return;
    const delay = Math.min(Math.max(0, next - Date.now()) + 1, MAX_TIMER_MS);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#purge(Date.now());
      this.#schedule();
    }, delay);
    this.#timer.unref();
  }
}
