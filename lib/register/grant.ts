/**
 * What a registrar granted to our binding (RFC 3261 §10.2.4), and when to
 * refresh it.
 * @module
 */
import { isIP } from 'node:net';
import type { Message } from '../message';
import { headerParamsOf } from '../internal/validate';
import { contactExpires, contactUri } from '../message';

/**
 * A host for comparisons: lower case; IP literals in one notation (IPv6
 * compressed, IPv4-mapped IPv6 as IPv4, brackets dropped), so that
 * `[0:0:0:0:0:0:0:1]`, `::1` and `[::1]` are one address, as are
 * `::ffff:127.0.0.1` and `127.0.0.1`.
 */
export function canonicalHost(host: string): string {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (isIP(bare) !== 6) return bare;
  const compressed = new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(compressed);
  if (mapped === null) return compressed;
  const hi = parseInt(mapped[1], 16);
  const lo = parseInt(mapped[2], 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** The parts of a SIP URI that say which binding it is. */
interface UriParts {
  user: string;
  host: string;
  port: number;
  params: Map<string, string>;
}

function uriParts(uri: string): UriParts | null {
  const m = /^(sips?):(?:([^@]*)@)?(\[[^\]]+\]|[^:;?]+)(?::(\d+))?([^?]*)/i.exec(uri.trim());
  if (m === null) return null;
  const params = new Map<string, string>();
  for (const p of m[5].split(';').slice(1)) {
    const eq = p.indexOf('=');
    const name = (eq < 0 ? p : p.slice(0, eq)).trim().toLowerCase();
    if (name) params.set(name, eq < 0 ? '' : p.slice(eq + 1).trim().toLowerCase());
  }
  const secure = m[1].toLowerCase() === 'sips' || params.get('transport') === 'tls';
  return { user: decodeURIComponent(m[2] ?? ''), host: canonicalHost(m[3]), port: m[4] ? Number(m[4]) : secure ? 5061 : 5060, params };
}

/** A Contact header parameter (outside the URI), without quotes, or null. */
function contactParam(contact: string, name: string): string | null {
  const m = new RegExp(`;\\s*${name.replace(/[.+]/g, '\\$&')}\\s*=\\s*("[^"]*"|[^;\\s]+)`, 'i').exec(headerParamsOf(contact));
  return m === null ? null : m[1].replace(/^"|"$/g, '');
}

function sameParams(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

/**
 * Which of the Contacts of a 2xx is our binding, matching in this order:
 * the same URI (user, address in any notation, port, URI parameters); the
 * same user, address and port with parameters dropped or changed; eXosip's
 * `line` URI parameter (kept by registrars that rewrite host and port); the
 * same `+sip.instance`; else, when the 2xx lists one Contact only, that one.
 * Null when none can be told apart (other devices' bindings only).
 */
export function findOurContact(contacts: readonly string[], ours: string | null): string | null {
  if (contacts.length === 0) return null;
  // The usual case first, without parsing: the registrar echoes our URI as we sent it.
  const ourUri = ours === null ? null : contactUri(ours);
  const echoed = ourUri === null ? undefined : contacts.find((c) => contactUri(c) === ourUri);
  if (echoed !== undefined) return echoed;
  const mine = ourUri === null ? null : uriParts(ourUri);
  if (mine !== null) {
    const parsed = contacts.map((c) => ({ c, u: uriParts(contactUri(c)) }));
    const address = (u: UriParts | null): boolean => u !== null && u.user === mine.user && u.host === mine.host && u.port === mine.port;
    const exact = parsed.find(({ u }) => address(u) && sameParams(u!.params, mine.params));
    if (exact) return exact.c;
    const loose = parsed.find(({ u }) => address(u));
    if (loose) return loose.c;
    const line = mine.params.get('line');
    const byLine = line ? parsed.find(({ u }) => u?.params.get('line') === line) : undefined;
    if (byLine) return byLine.c;
    const instance = contactParam(ours!, '+sip.instance');
    const byInstance = instance ? contacts.find((c) => contactParam(c, '+sip.instance') === instance) : undefined;
    if (byInstance) return byInstance;
  }
  return contacts.length === 1 ? contacts[0] : null;
}

/**
 * The expiry the registrar granted to our binding, in seconds: the `expires`
 * parameter of our Contact in the 2xx ({@link findOurContact}), else the
 * 2xx's Expires header, else what was asked. When our Contact cannot be told
 * apart from other devices' bindings, the shortest expiry listed is taken (a
 * refresh a little early is harmless; one too late loses the binding).
 */
export function grantedExpires(contacts: readonly string[], ours: string | null, response: Message | null, asked: number): number {
  const header = response?.expires ?? null;
  const of = (c: string): number => contactExpires(c) ?? header ?? asked;
  const mine = findOurContact(contacts, ours);
  if (mine !== null) return of(mine);
  if (contacts.length > 0) return Math.min(...contacts.map(of));
  return header ?? asked;
}

/** The least time, in seconds, a refresh leaves before the grant runs out. */
export const MIN_REFRESH_LEAD_S = 5;

/**
 * How long before a grant of `granted` seconds runs out the binding sends its
 * refresh: 10% of the grant, at least {@link MIN_REFRESH_LEAD_S} (room for
 * UDP retransmissions), but never earlier than half the grant.
 */
export function refreshLead(granted: number): number {
  return Math.min(Math.max(granted / 10, MIN_REFRESH_LEAD_S), granted / 2);
}
