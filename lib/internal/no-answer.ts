/**
 * How messages name a peer that did not answer, and why eXosip gave up
 * (eXosip's own `textinfo` says "4xx received for request outside call!"
 * for a refused TCP connection: no help).
 * @internal
 * @module
 */
import { isIP } from 'node:net';

/**
 * `host:port` of a peer's URI (a registrar, the next hop of a request) as
 * messages name it: IPv6 in brackets; the default port (5060, 5061 for
 * `sips:`) only for an IP literal, as a name may have SRV records.
 */
export function peerName(proxy: string): string {
  const m = /^sips?:(?:[^@;?]*@)?(\[[^\]]*\]|[^:;?]*)(?::([^;?]*))?/i.exec(proxy);
  if (m === null) return proxy;
  const bare = m[1].startsWith('[') ? m[1].slice(1, -1) : m[1];
  const host = isIP(bare) === 6 ? `[${bare}]` : bare;
  if (m[2] !== undefined && m[2] !== '') return `${host}:${m[2]}`;
  return isIP(bare) === 0 ? host : `${host}:${/^sips:/i.test(proxy) ? 5061 : 5060}`;
}

/**
 * The `reason` of a REGISTER (RegistrationError), a request outside of a
 * dialog (RequestError) or an INVITE (CallError) that ended without a final
 * answer (`statusCode` 0), in words: after eXosip's transaction timeout
 * (64 × T1 = 32 s, RFC 3261 §17.1.2.2) "no answer from 127.0.0.1:9 (udp)
 * within 32 s"; sooner, the transport failed ("eXosip gave up after 3 ms,
 * the transport failed (e.g. the connection was refused, or the name did
 * not resolve)"). `tookMs` is the time since the request was sent, null
 * when the binding does not know it (eXosip's own refresh).
 */
export function noAnswerReason(proxy: string, transport: string, tookMs: number | null): string {
  const peer = `${peerName(proxy)} (${transport})`;
  if (tookMs === null) return `no answer from ${peer}`;
  if (tookMs >= 30_000) return `no answer from ${peer} within ${Math.round(tookMs / 1000)} s`;
  const after = tookMs < 1000 ? `${Math.round(tookMs)} ms` : `${(tookMs / 1000).toFixed(1)} s`;
  return `no answer from ${peer}: eXosip gave up after ${after}, the transport failed (e.g. the connection was refused, or the name did not resolve)`;
}
