/**
 * What the registrar reads from a request: the To target, the top Via, the
 * Contact parameters, and the {@link RegistrarRequestInfo} of its events.
 * @internal
 * @module
 */
import { headerParamsOf } from '../internal/validate';
import { contactUri, type Message } from '../message';
import type { RegistrarRequestInfo } from './types';

/** User and host of a sip:/sips: URI, or null. */
export function sipTarget(uri: string): { user: string; host: string } | null {
  const m = /^sips?:(?:([^@;?]*)@)?(\[[^\]]+\]|[^:;?>]+)/i.exec(uri);
  if (m === null) return null;
  const user = (m[1] ?? '').split(':')[0];
  return { user, host: m[2] };
}

/** Transport and `host:port` of the request's top Via (after eXosip added received/rport). */
export function viaSource(via: string | undefined): { transport: string; source: string } {
  if (via === undefined) return { transport: '', source: '' };
  const m = /^\s*SIP\s*\/\s*2\.0\s*\/\s*([A-Za-z]+)\s+(\[[^\]]+\]|[^\s:;]+)(?::(\d+))?/i.exec(via);
  if (m === null) return { transport: '', source: '' };
  const received = /;\s*received=([^;\s]+)/i.exec(via)?.[1];
  const rport = /;\s*rport=(\d+)/i.exec(via)?.[1];
  let host = received ?? m[2];
  if (host.includes(':') && !host.startsWith('[')) host = `[${host}]`;
  const port = rport ?? m[3] ?? (m[1].toUpperCase() === 'TLS' ? '5061' : '5060');
  return { transport: m[1].toUpperCase(), source: `${host}:${port}` };
}

/** A Contact value's header parameters after the URI, without `expires`. */
export function contactParams(contact: string): string {
  return headerParamsOf(contact)
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p !== '' && !/^expires\s*=/i.test(p))
    .map((p) => `;${p}`)
    .join('');
}

/** Normalizes an AoR as the table keys it: no scheme, domain lower-cased. */
export function normalizeAor(aor: string): string {
  const bare = aor.replace(/^sips?:/i, '');
  const at = bare.lastIndexOf('@');
  return at < 0 ? bare.toLowerCase() : `${bare.slice(0, at)}@${bare.slice(at + 1).toLowerCase()}`;
}

/** The request fields every `'challenge'` and `'rejected'` event carries. */
export function requestInfo(request: Message): RegistrarRequestInfo {
  const to = sipTarget(contactUri(request.getHeader('to') ?? ''));
  return Object.freeze({
    method: request.method ?? '',
    aor: to === null ? null : `${to.user}@${to.host.toLowerCase()}`,
    callId: request.getHeader('call-id') ?? '',
    source: viaSource(request.getHeader('via')).source,
  });
}
