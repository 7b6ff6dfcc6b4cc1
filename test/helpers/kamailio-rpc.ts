/**
 * Kamailio's RPC answers as the test harness (./kamailio.ts) reads them:
 * kamcmd's text output and jsonrpcs' JSON for `ul.dump` / `ul.lookup`,
 * turned into {@link Binding}s, and the error a failed RPC throws.
 */

/** One contact binding in Kamailio's location table. */
export interface Binding {
  /** Address of record, `user@domain` (usrloc use_domain=1), e.g. `alice@example.com`. */
  aor: string;
  /** The registered Contact URI (without display name / angle brackets), e.g. `sip:alice@127.0.0.1:5070;transport=udp`. */
  contact: string;
  /**
   * Seconds remaining until the binding expires, as reported by Kamailio.
   * `Infinity` for a permanent binding (never created by REGISTER).
   * Bindings that are already expired (but not yet purged by the usrloc timer)
   * are not returned at all.
   */
  expires: number;
  /** Call-ID of the REGISTER that created/refreshed the binding. */
  callId: string;
  /** CSeq number of that REGISTER. */
  cseq: number;
  /** User-Agent header of that REGISTER ('' if none). */
  userAgent: string;
  /** Kamailio socket the REGISTER arrived on, e.g. `udp:127.0.0.1:5060` or `tcp:[::1]:5060` (tells UDP from TCP). */
  socket: string;
  /** q value as stored by Kamailio (-1 = none given). */
  q: number;
  /** `+sip.instance` of the contact ('' if none). */
  instance: string;
  /** `reg-id` of the contact (0 if none). */
  regId: number;
  /** Every `Key: value` line Kamailio printed for this contact, unparsed. */
  raw: Record<string, string>;
}

/** Parsed kamcmd text output: a struct is a list of (key, value) entries; keys repeat. */
type RpcValue = string | RpcStruct;
interface RpcStruct {
  entries: Array<[string, RpcValue]>;
}

/**
 * Parse kamcmd's human-readable output, e.g.
 * ```
 * {
 * 	AoR: alice@example.com
 * 	Contacts: {
 * 		Contact: {
 * 			Address: sip:alice@127.0.0.1:5070
 * 			Expires: 3599
 * ```
 * Lines are `{`, `}`, `Key: {`, `Key: value` or a bare value (array element).
 */
function parseRpcText(text: string): RpcStruct {
  const root: RpcStruct = { entries: [] };
  const stack: RpcStruct[] = [root];
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (!line) continue;
    const top = stack[stack.length - 1];
    if (line === '}') {
      if (stack.length > 1) stack.pop();
      continue;
    }
    if (line === '{') {
      const s: RpcStruct = { entries: [] };
      top.entries.push(['', s]);
      stack.push(s);
      continue;
    }
    const idx = line.indexOf(': ');
    const key = idx >= 0 ? line.slice(0, idx) : line.endsWith(':') ? line.slice(0, -1) : '';
    const value = idx >= 0 ? line.slice(idx + 2) : line.endsWith(':') ? '' : line;
    if (value === '{') {
      const s: RpcStruct = { entries: [] };
      top.entries.push([key, s]);
      stack.push(s);
    } else {
      top.entries.push([key, value]);
    }
  }
  return root;
}

function scalar(s: RpcStruct, key: string): string | undefined {
  for (const [k, v] of s.entries) if (k === key && typeof v === 'string') return v;
  return undefined;
}

function notSet(v: string | undefined): string {
  return v === undefined || v === '[not set]' ? '' : v;
}

/** Returns undefined for expired/deleted contacts. */
function toBinding(aor: string, c: RpcStruct): Binding | undefined {
  const raw: Record<string, string> = {};
  for (const [k, v] of c.entries) if (typeof v === 'string' && !(k in raw)) raw[k] = v;
  const exp = raw['Expires'] ?? '';
  let expires: number;
  if (/^-?\d+$/.test(exp)) expires = parseInt(exp, 10);
  else if (exp === 'permanent') expires = Number.POSITIVE_INFINITY;
  else expires = 0; // 'expired', 'deleted', ...
  if (!(expires > 0)) return undefined;
  return {
    aor,
    contact: raw['Address'] ?? raw['Contact'] ?? '',
    expires,
    callId: notSet(raw['Call-ID']),
    cseq: parseInt(raw['CSeq'] ?? '0', 10) || 0,
    userAgent: notSet(raw['User-Agent']),
    socket: notSet(raw['Socket']),
    q: Number(raw['Q'] ?? -1),
    instance: notSet(raw['Instance']),
    regId: parseInt(raw['Reg-Id'] ?? '0', 10) || 0,
    raw,
  };
}

/** Collect all contacts below structs that carry an `AoR:` line, whatever the nesting. */
function collectBindings(node: RpcStruct, aor: string | undefined, out: Binding[]): void {
  const here = scalar(node, 'AoR') ?? aor;
  for (const [k, v] of node.entries) {
    if (typeof v === 'string') {
      if (k === 'Contact' && here !== undefined) {
        // Some versions print a contact as a bare scalar.
        const b = toBinding(here, { entries: [['Address', v], ['Expires', 'permanent']] });
        if (b) out.push(b);
      }
      continue;
    }
    if (k === 'Contact' && here !== undefined && scalar(v, 'Address') !== undefined) {
      const b = toBinding(here, v);
      if (b) out.push(b);
    } else {
      collectBindings(v, here, out);
    }
  }
}

/** Bindings from the JSON result of `ul.dump` (jsonrpcs): the same shape as {@link parseUlOutput}. */
export function jsonUlBindings(result: unknown): Binding[] {
  const out: Binding[] = [];
  const walk = (node: unknown, aor: string | undefined): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item, aor);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const obj = node as Record<string, unknown>;
    const here = typeof obj.AoR === 'string' ? obj.AoR : aor;
    const contact = obj.Contact;
    if (here !== undefined && contact !== null && typeof contact === 'object' && 'Address' in (contact as object)) {
      const entries = Object.entries(contact as Record<string, unknown>).map(([k, v]) => [k, String(v)] as [string, string]);
      const b = toBinding(here, { entries });
      if (b) out.push(b);
      return;
    }
    for (const value of Object.values(obj)) walk(value, here);
  };
  walk(result, undefined);
  return out;
}

/** Exported for tests of the parser itself. */
export function parseUlOutput(text: string): Binding[] {
  const out: Binding[] = [];
  collectBindings(parseRpcText(text), undefined, out);
  return out;
}

/** An RPC answered `error: CODE - REASON` (kamcmd) or a JSON-RPC error. */
export class RpcError extends Error {
  constructor(
    message: string,
    readonly code: number,
    readonly reason: string,
  ) {
    super(message);
  }
}
