/**
 * Where eXosip will send a request: checks of the target URI (`to`, else the
 * route) against what eXosip 5.3.0 can send to, and against the context's
 * family and transport.
 * @internal
 * @module
 */
import { isIP } from 'node:net';
import { TRANSPORTS } from '../context/types';
import { typeError } from '../errors';
import { sipHost, uriOf } from './validate';

/**
 * Checks where eXosip will send a request built from `to` and `route`
 * (`eXosip_call_build_initial_invite`, `eXosip_message_build_request`, ...):
 * the route when one is given (a loose route is where the request goes, a
 * strict one becomes its Request-URI), else `to`. That URI must be `sip:` or
 * `sips:` with a host: eXosip 5.3.0 reads the host of the URI it sends to
 * without a check, and a `tel:` or `mailto:` URI has none (the process
 * dies, eXtl_udp.c). When its host is an IP literal, it must be of the
 * family the context listens on (`family`, null when not listening): eXosip
 * could never send there, fails at once with a misleading reason and leaks
 * the resolved address (eXtl_udp.c). TypeError `ERR_INVALID_ARG_VALUE`.
 * A `tel:` `to` behind a SIP `route` (a proxy) is fine (RFC 3261 §19.1.6).
 */
export function requestTarget(prefix: string, to: string, route: string | null, family: 4 | 6 | null, transport: string | null = null): void {
  const problem = targetProblem(to, route, family) ?? (transport === null ? null : transportProblem(to, route, transport));
  if (problem !== null) throw typeError('ERR_INVALID_ARG_VALUE', `${prefix}.${problem}`);
}

/**
 * The transport a URI asks for: `tls` for `sips:` (RFC 3261 §26.2.2), else
 * its `;transport=` parameter in lowercase, else undefined.
 */
export function askedTransport(uri: string): string | undefined {
  return /^sips:/i.test(uri) ? 'tls' : /;transport=([A-Za-z-]+)/i.exec(uri.split('?')[0])?.[1]?.toLowerCase();
}

/**
 * What to do about a URI asking for transport `wanted`: listen on it, or,
 * for one no context offers (sctp, ws, ...), that it cannot be reached here.
 */
export function transportAdvice(wanted: string): string {
  return (TRANSPORTS as readonly string[]).includes(wanted)
    ? `eXosip sends over the context's transport only (listen({ transport: '${wanted}' }))`
    : `no context of this binding can use ${wanted} (it listens on udp, tcp or tls)`;
}

/**
 * A target that asks for another transport than the context's one, as
 * `"<to|route> <uri> asks for ..."`, or null. eXosip sends over the
 * context's transport whatever the URI says, so a `sips:` URI (RFC 3261
 * §26.2.2: TLS on every hop) or a `;transport=` of the next hop (the route,
 * else `to`) naming another would silently go over it.
 */
function transportProblem(to: string, route: string | null, transport: string): string | null {
  const hops: Array<[string, string, boolean]> = [['to', uriOf(to), route === null]];
  if (route !== null) hops.push(['route', uriOf(route), true]);
  for (const [name, uri, next] of hops) {
    const wanted = askedTransport(uri);
    if (wanted === undefined || wanted === transport || (!next && wanted !== 'tls')) continue;
    return `${name} ${uri} asks for ${wanted} but this context listens on ${transport}: ${transportAdvice(wanted)}`;
  }
  return null;
}

/** What {@link requestTarget} refuses, as `"<to|route> <uri> <why>"`, or null when eXosip can send there. */
export function targetProblem(to: string, route: string | null, family: 4 | 6 | null): string | null {
  const name = route === null ? 'to' : 'route';
  const uri = uriOf(route ?? to);
  const host = sipHost(uri);
  if (host === null) {
    const hint = route === null ? '; a tel: number goes through a SIP proxy given as the route' : '';
    return `${name} ${JSON.stringify(uri)} is not a sip: or sips: URI with a host: eXosip sends only to those (it would crash on this one)${hint}`;
  }
  const hostFamily = isIP(host);
  if (family !== null && hostFamily !== 0 && hostFamily !== family) {
    return `${name} ${uri} is an IPv${hostFamily} address but this context listens on IPv${family}: eXosip could never send there`;
  }
  return null;
}
