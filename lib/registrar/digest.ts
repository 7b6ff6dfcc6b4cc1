/**
 * The registrar's digest authentication (RFC 2617 / RFC 7616 with MD5,
 * `qop=auth` or none, as RFC 3261 section 22.4 asks): the nonces it issues
 * and the verdict on a REGISTER's Authorization header.
 * @internal
 * @module
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Message } from '../message';
import type { RegistrarChallengeCause, RegistrarPasswordLookup, RegistrarRejectCause } from './types';

const NONCE_BYTES = 24;

function md5(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

/** A quoted-string (RFC 3261 25.1). */
function quote(text: string): string {
  return `"${text.replace(/["\\]/g, '\\$&')}"`;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The parameters of a `Digest` credentials value, names lower-cased, quoted strings unescaped; null for another scheme. */
function parseDigest(value: string): Map<string, string> | null {
  const m = /^\s*digest\s+/i.exec(value);
  if (m === null) return null;
  const params = new Map<string, string>();
  const re = /\s*([A-Za-z0-9_.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))\s*(?:,|$)/gy;
  re.lastIndex = m[0].length;
  let p: RegExpExecArray | null;
  while (re.lastIndex < value.length && (p = re.exec(value)) !== null) {
    const name = p[1].toLowerCase();
    if (!params.has(name)) params.set(name, p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3]);
    if (p[0].length === 0) break;
  }
  return params;
}

/**
 * Nonces that need no table: 6 bytes of issue time, 6 random bytes, and an
 * HMAC of both and the realm under a secret of this registrar (so a nonce
 * from before a restart, or for another realm, is unknown).
 */
export class Nonces {
  readonly #secret = randomBytes(32);
  readonly #ttlMs: number;

  /** @param ttlMs how long a nonce is fresh, in ms */
  constructor(ttlMs: number) {
    this.#ttlMs = ttlMs;
  }

  /** A new nonce for `realm`. */
  issue(realm: string, now: number): string {
    const buf = Buffer.alloc(NONCE_BYTES);
    buf.writeUIntBE(now, 0, 6);
    randomBytes(6).copy(buf, 6);
    this.#mac(buf.subarray(0, 12), realm).copy(buf, 12);
    return buf.toString('base64url');
  }

  /** Whether `nonce` was issued here for `realm`, and is still fresh. */
  check(nonce: string, realm: string, now: number): 'fresh' | 'stale' | 'unknown' {
    if (!/^[A-Za-z0-9_-]{32}$/.test(nonce)) return 'unknown';
    const buf = Buffer.from(nonce, 'base64url');
    if (buf.length !== NONCE_BYTES || !timingSafeEqual(this.#mac(buf.subarray(0, 12), realm), buf.subarray(12))) return 'unknown';
    const issued = buf.readUIntBE(0, 6);
    if (issued > now + 1000) return 'unknown';
    return now - issued > this.#ttlMs ? 'stale' : 'fresh';
  }

  #mac(data: Buffer, realm: string): Buffer {
    return createHmac('sha256', this.#secret).update(data).update(realm).digest().subarray(0, 12);
  }
}

/** The WWW-Authenticate value of a 401 (RFC 2617 3.2.1). */
export function challengeHeader(realm: string, nonce: string, stale: boolean): string {
  return `Digest realm=${quote(realm)}, nonce="${nonce}", qop="auth", algorithm=MD5${stale ? ', stale=true' : ''}`;
}

/** What to answer a REGISTER for the authentication part. */
export type DigestVerdict =
  /** Authenticated as the To user. */
  | { readonly kind: 'ok' }
  /** 401 with a new nonce. */
  | { readonly kind: 'challenge'; readonly cause: RegistrarChallengeCause; readonly stale: boolean }
  /** A final refusal; `error` (present only then) is what the password lookup threw. */
  | { readonly kind: 'reject'; readonly status: number; readonly cause: RegistrarRejectCause; readonly detail: string; readonly error?: unknown };

/** Who the REGISTER is for, and how to check it. */
export interface DigestCheck {
  /** The digest realm expected. */
  readonly realm: string;
  /** The To user, which the digest user name must be. */
  readonly user: string;
  /** The To domain, lower-cased (for the lookup). */
  readonly domain: string;
  /** The password lookup of the options. */
  readonly lookup: RegistrarPasswordLookup;
  /** The nonces this registrar issues. */
  readonly nonces: Nonces;
}

function reject(status: number, cause: RegistrarRejectCause, detail: string): DigestVerdict {
  return { kind: 'reject', status, cause, detail };
}

/**
 * The verdict on `request`'s credentials for `check.realm`: no credentials or
 * an unknown nonce → challenge; malformed credentials, an unknown user, a wrong
 * response or a user name other than the To user → 403; a stale nonce →
 * challenge with `stale` set when the response was right.
 */
export function checkDigest(request: Message, check: DigestCheck, now: number): DigestVerdict {
  const { realm } = check;
  const credentials = request
    .getHeaders('authorization')
    .map(parseDigest)
    .find((p) => p !== null && p.get('realm') === realm);
  if (credentials === undefined || credentials === null) return { kind: 'challenge', cause: 'no-credentials', stale: false };
  const username = credentials.get('username');
  const nonce = credentials.get('nonce');
  const uri = credentials.get('uri');
  const response = credentials.get('response');
  const qop = credentials.get('qop');
  const nc = credentials.get('nc');
  const cnonce = credentials.get('cnonce');
  const algorithm = (credentials.get('algorithm') ?? 'MD5').toUpperCase();
  if (!username || !nonce || uri === undefined || !response) {
    return reject(403, 'bad-credentials', 'the credentials lack username, nonce, uri or response');
  }
  if (qop !== undefined && (qop.toLowerCase() !== 'auth' || !/^[0-9a-f]{8}$/i.test(nc ?? '') || !cnonce)) {
    return reject(403, 'bad-credentials', `qop=${qop} needs qop=auth with nc (8 hex digits) and cnonce`);
  }
  if (algorithm !== 'MD5' && algorithm !== 'MD5-SESS') {
    return reject(403, 'bad-credentials', `algorithm ${algorithm} is not supported (MD5 only)`);
  }
  if (algorithm === 'MD5-SESS' && !cnonce) return reject(403, 'bad-credentials', 'MD5-sess needs a cnonce');
  const freshness = check.nonces.check(nonce, realm, now);
  if (freshness === 'unknown') return { kind: 'challenge', cause: 'unknown-nonce', stale: false };

  let password: string | undefined;
  try {
    const found = check.lookup(username, realm, check.domain);
    password = typeof found === 'string' ? found : undefined;
  } catch (error) {
    return { kind: 'reject', status: 500, cause: 'internal-error', detail: `the password lookup threw: ${(error as Error).message}`, error };
  }
  let valid = false;
  if (password !== undefined) {
    let ha1 = md5(`${username}:${realm}:${password}`);
    if (algorithm === 'MD5-SESS') ha1 = md5(`${ha1}:${nonce}:${cnonce}`);
    const ha2 = md5(`REGISTER:${uri}`);
    const expected = qop === undefined ? md5(`${ha1}:${nonce}:${ha2}`) : md5(`${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${ha2}`);
    valid = sameText(expected, response.toLowerCase());
  }
  if (freshness === 'stale') return { kind: 'challenge', cause: 'stale-nonce', stale: valid };
  if (password === undefined) return reject(403, 'unknown-user', `no password for ${username} in realm ${realm}`);
  if (!valid) return reject(403, 'wrong-password', `wrong digest response for ${username} in realm ${realm}`);
  if (username !== check.user) {
    const aor = `${check.user}@${check.domain}`;
    return reject(403, 'user-mismatch', `${username} may not register ${aor} (the digest user name must be the To user)`);
  }
  return { kind: 'ok' };
}
