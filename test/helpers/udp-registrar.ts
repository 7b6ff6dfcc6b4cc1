/**
 * Test harness: a minimal UDP registrar on loopback, scripted by a handler,
 * for registrar behaviours Kamailio cannot be configured into (a 423 without
 * Min-Expires, a Retry-After on any status, a Via with a wrong rport, several
 * digest challenges at once...). It parses just enough SIP to answer, logs
 * every request with its arrival time, and verifies digests of every
 * algorithm RFC 8760 names (MD5, SHA-256, SHA-512-256, their -sess forms,
 * qop auth / auth-int / none).
 *
 * Adapted from the issue #16 reproductions (sip-lite.mjs); nothing is read
 * from outside the repository at run time. `await using` closes it.
 */
import { createHash } from 'node:crypto';
import * as dgram from 'node:dgram';

const COMPACT: Record<string, string> = { v: 'via', f: 'from', t: 'to', i: 'call-id', m: 'contact', l: 'content-length', k: 'supported', c: 'content-type' };

/** A request as the registrar received it. */
export interface SipRequest {
  readonly method: string;
  readonly uri: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly text: string;
  /** The first value of a header (name in any case, compact forms expanded). */
  get(name: string): string | undefined;
  /** Every value of a header. */
  all(name: string): string[];
}

/** Parses a request; null for a response or garbage. */
export function parseRequest(text: string): SipRequest | null {
  const head = text.split('\r\n\r\n')[0];
  const lines = head.split('\r\n');
  const m = /^([A-Z]+) (\S+) SIP\/2\.0$/.exec(lines.shift() ?? '');
  if (!m) return null;
  const headers: Array<[string, string]> = [];
  for (const line of lines) {
    if (/^[ \t]/.test(line) && headers.length > 0) {
      headers[headers.length - 1][1] += ' ' + line.trim();
      continue;
    }
    const i = line.indexOf(':');
    if (i < 0) continue;
    const raw = line.slice(0, i).trim().toLowerCase();
    headers.push([COMPACT[raw] ?? raw, line.slice(i + 1).trim()]);
  }
  return {
    method: m[1],
    uri: m[2],
    headers,
    text,
    get: (n) => headers.find(([k]) => k === n.toLowerCase())?.[1],
    all: (n) => headers.filter(([k]) => k === n.toLowerCase()).map(([, v]) => v),
  };
}

let tagSeq = 0;

/** Options of {@link respond}. */
export interface RespondOptions {
  /** Rewrites the top Via (e.g. to add a wrong `rport`). */
  topVia?: (via: string) => string;
}

/** A response to `req` copying Via/From/To/Call-ID/CSeq; `extra` are header lines. */
export function respond(req: SipRequest, status: number, reason: string, extra: readonly string[] = [], o: RespondOptions = {}): string {
  const out = [`SIP/2.0 ${status} ${reason}`];
  req.all('via').forEach((v, i) => out.push(`Via: ${i === 0 && o.topVia ? o.topVia(v) : v}`));
  out.push(`From: ${req.get('from')}`);
  let to = req.get('to') ?? '';
  if (!/;\s*tag=/i.test(to)) to += `;tag=reg${++tagSeq}`;
  out.push(`To: ${to}`, `Call-ID: ${req.get('call-id')}`, `CSeq: ${req.get('cseq')}`, ...extra, 'Content-Length: 0');
  return out.join('\r\n') + '\r\n\r\n';
}

/** The Contact values of a request, split on top-level commas. */
export function contacts(req: SipRequest): string[] {
  const out: string[] = [];
  for (const v of req.all('contact')) {
    let depth = 0;
    let quote = false;
    let cur = '';
    for (const ch of v) {
      if (ch === '"') quote = !quote;
      if (!quote && ch === '<') depth++;
      if (!quote && ch === '>') depth--;
      if (ch === ',' && depth === 0 && !quote) {
        out.push(cur.trim());
        cur = '';
        continue;
      }
      cur += ch;
    }
    if (cur.trim()) out.push(cur.trim());
  }
  return out;
}

/** A 200 OK granting `expires` to every Contact of the REGISTER (and in an Expires header). */
export function grant(req: SipRequest, expires: number, extra: readonly string[] = []): string {
  return respond(req, 200, 'OK', [...contacts(req).map((c) => `Contact: ${c.replace(/;expires=\d+/i, '')};expires=${expires}`), `Expires: ${expires}`, ...extra]);
}

/** Parameters of a Digest challenge or credentials header (quotes removed). */
export function authParams(value: string): { scheme: string; params: Record<string, string> } {
  const sp = value.indexOf(' ');
  const params: Record<string, string> = {};
  const re = /([a-zA-Z0-9_-]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^,\s]+)/g;
  for (let m = re.exec(value.slice(sp + 1)); m; m = re.exec(value.slice(sp + 1))) params[m[1].toLowerCase()] = m[3] ?? m[2];
  return { scheme: value.slice(0, sp), params };
}

const HASHES: Record<string, string> = { md5: 'md5', 'sha-256': 'sha256', 'sha-512-256': 'sha512-256' };

/** H() of an RFC 8760 algorithm name ("MD5", "SHA-256-sess", ...). */
export function digestHash(algorithm: string, data: string): string {
  const base = algorithm.toLowerCase().replace(/-sess$/, '');
  const name = HASHES[base];
  if (name === undefined) throw new Error(`unknown digest algorithm ${algorithm}`);
  return createHash(name).update(data).digest('hex');
}

/** What {@link verifyDigest} found. */
export interface DigestCheck {
  ok: boolean;
  algorithm: string;
  qop: string | null;
  reason: string;
}

/**
 * Verifies Authorization/Proxy-Authorization credentials (RFC 2617, RFC 7616,
 * RFC 8760) for REGISTER with the password; `ha1` (MD5 only) instead of a
 * password, like a registrar storing HA1 hashes.
 */
export function verifyDigest(value: string, o: { user: string; password: string; method?: string; body?: string }): DigestCheck {
  const { scheme, params: p } = authParams(value);
  const algorithm = p.algorithm ?? 'MD5';
  const qop = p.qop ?? null;
  if (scheme.toLowerCase() !== 'digest') return { ok: false, algorithm, qop, reason: `scheme ${scheme}` };
  if (p.username !== o.user) return { ok: false, algorithm, qop, reason: `username ${p.username}` };
  let a1 = digestHash(algorithm, `${o.user}:${p.realm}:${o.password}`);
  if (/-sess$/i.test(algorithm)) a1 = digestHash(algorithm, `${a1}:${p.nonce}:${p.cnonce}`);
  const method = o.method ?? 'REGISTER';
  const a2 = qop === 'auth-int' ? digestHash(algorithm, `${method}:${p.uri}:${digestHash(algorithm, o.body ?? '')}`) : digestHash(algorithm, `${method}:${p.uri}`);
  const expected = qop ? digestHash(algorithm, `${a1}:${p.nonce}:${p.nc}:${p.cnonce}:${qop}:${a2}`) : digestHash(algorithm, `${a1}:${p.nonce}:${a2}`);
  return { ok: expected === p.response, algorithm, qop, reason: expected === p.response ? 'ok' : 'wrong digest' };
}

/** One request the registrar received. */
export interface Logged {
  /** 1-based. */
  readonly n: number;
  /** ms since the registrar started. */
  readonly t: number;
  readonly req: SipRequest;
  readonly from: { address: string; port: number };
}

/** What a handler answers: nothing, one response, or several (each possibly delayed). */
export type Answer = undefined | string | ReadonlyArray<string | { delayMs: number; text: string }>;

/** A running registrar; `await using` closes it. */
export interface UdpRegistrar extends AsyncDisposable {
  readonly port: number;
  /** `sip:127.0.0.1:PORT` (or `sip:[::1]:PORT`). */
  readonly proxy: string;
  /** Every request received, in order. */
  readonly log: readonly Logged[];
  /** The REGISTERs received. */
  registers(): Logged[];
  /** ms since start. */
  now(): number;
  /** Resolves once `count` REGISTERs have arrived (rejects after `timeoutMs`). */
  waitRegisters(count: number, timeoutMs: number): Promise<Logged[]>;
  /** Stops answering and closes the socket. */
  close(): Promise<void>;
}

/** Starts a registrar on loopback (`host` '127.0.0.1' or '::1') driven by `handler`. */
export async function startUdpRegistrar(handler: (req: SipRequest, entry: Logged) => Answer, host = '127.0.0.1'): Promise<UdpRegistrar> {
  const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const log: Logged[] = [];
  const t0 = Date.now();
  const waiters = new Set<() => void>();
  const timers = new Set<NodeJS.Timeout>();
  sock.on('message', (buf, rinfo) => {
    const req = parseRequest(buf.toString('utf8'));
    if (req === null) return;
    const entry: Logged = { n: log.length + 1, t: Date.now() - t0, req, from: { address: rinfo.address, port: rinfo.port } };
    log.push(entry);
    for (const w of [...waiters]) w();
    const answer = handler(req, entry);
    if (answer === undefined) return;
    for (const item of typeof answer === 'string' ? [answer] : answer) {
      const { delayMs, text } = typeof item === 'string' ? { delayMs: 0, text: item } : item;
      const send = (): void => sock.send(Buffer.from(text), rinfo.port, rinfo.address);
      if (delayMs > 0) {
        const t = setTimeout(() => {
          timers.delete(t);
          send();
        }, delayMs);
        timers.add(t);
      } else send();
    }
  });
  await new Promise<void>((resolve) => sock.bind(0, host, resolve));
  const port = sock.address().port;
  const registers = (): Logged[] => log.filter((e) => e.req.method === 'REGISTER');
  const close = (): Promise<void> =>
    new Promise<void>((resolve) => {
      for (const t of timers) clearTimeout(t);
      sock.close(() => resolve());
    });
  return {
    port,
    proxy: `sip:${host.includes(':') ? `[${host}]` : host}:${port}`,
    log,
    registers,
    now: () => Date.now() - t0,
    waitRegisters: (count, timeoutMs) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (registers().length < count) return;
          cleanup();
          resolve(registers());
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`${registers().length} REGISTERs after ${timeoutMs} ms, waited for ${count}`));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
    close,
    [Symbol.asyncDispose]: close,
  };
}
