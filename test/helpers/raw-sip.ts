/**
 * A raw SIP client over UDP for the registrar tests (test/registrar/): crafted
 * REGISTERs (and other requests), digest credentials computed here, final
 * responses matched by Via branch, and a summary of an answer that two
 * registrars must agree on.
 */
import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import type * as net from 'node:net';

/** MD5 of `text`, lower-case hex (RFC 2617's H()). */
export const md5 = (text: string): string => createHash('md5').update(text).digest('hex');

/** A final response as the raw client parsed it. */
export interface Response {
  status: number;
  reason: string;
  headers: Map<string, string[]>;
  text: string;
}

function parseResponse(text: string): Response {
  const lines = text.split('\r\n\r\n')[0].split('\r\n');
  const m = /^SIP\/2\.0 (\d{3}) ?(.*)$/.exec(lines[0]);
  if (m === null) throw new Error(`not a response: ${lines[0]}`);
  const headers = new Map<string, string[]>();
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    const name = line.slice(0, i).trim().toLowerCase();
    const values = headers.get(name) ?? [];
    // Kamailio folds several contacts into one header: split on commas outside <> and quotes.
    values.push(...(name === 'contact' ? splitList(line.slice(i + 1)) : [line.slice(i + 1).trim()]));
    headers.set(name, values);
  }
  return { status: Number(m[1]), reason: m[2], headers, text };
}

function splitList(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (const ch of value) {
    if (ch === '"') quoted = !quoted;
    if (!quoted && ch === '<') depth++;
    if (!quoted && ch === '>') depth--;
    if (ch === ',' && depth === 0 && !quoted) {
      out.push(current.trim());
      current = '';
    } else {
      current += ch;
    }
  }
  if (current.trim() !== '') out.push(current.trim());
  return out;
}

/** Digest parameters of a WWW-Authenticate value. */
export function challengeParams(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of value.matchAll(/([A-Za-z-]+)\s*=\s*(?:"([^"]*)"|([^,\s]+))/g)) out[m[1].toLowerCase()] = m[2] ?? m[3];
  return out;
}

/** A UDP socket on 127.0.0.1 that sends requests and waits for their final response. */
export class RawClient {
  readonly sock = dgram.createSocket('udp4');
  port = 0;
  #waiting = new Map<string, (r: Response) => void>();

  async open(): Promise<this> {
    this.sock.on('message', (msg) => {
      const response = parseResponse(msg.toString('latin1'));
      if (response.status < 200) return;
      const branch = /branch=([^;\s,]+)/.exec(response.headers.get('via')?.[0] ?? '')?.[1] ?? '';
      this.#waiting.get(branch)?.(response);
    });
    this.sock.bind(0, '127.0.0.1');
    await once(this.sock, 'listening');
    this.port = (this.sock.address() as net.AddressInfo).port;
    return this;
  }

  /** Sends `text` (whose Via branch must be unique) and resolves with the final response, or null. */
  send(text: string, port: number, timeoutMs = 3000): Promise<Response | null> {
    const branch = /branch=([^;\s]+)/.exec(text)![1];
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(branch);
        resolve(null);
      }, timeoutMs);
      this.#waiting.set(branch, (r) => {
        clearTimeout(timer);
        this.#waiting.delete(branch);
        resolve(r);
      });
      this.sock.send(text, port, '127.0.0.1');
    });
  }

  close(): void {
    this.sock.close();
  }
}

/** A request to craft; every field has a default (a REGISTER of alice@example.com). */
export interface RequestSpec {
  method?: string;
  user?: string;
  domain?: string;
  toUser?: string;
  callId?: string;
  cseq?: number;
  /** Contact values; default one `<sip:user@127.0.0.1:port>`. */
  contacts?: string[];
  expires?: number | string;
  headers?: string[];
}

/** The text of the request `r` describes, from 127.0.0.1:`port`, with a fresh Via branch. */
export function request(port: number, r: RequestSpec): string {
  const method = r.method ?? 'REGISTER';
  const user = r.user ?? 'alice';
  const domain = r.domain ?? 'example.com';
  return [
    `${method} sip:${domain} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${port};rport;branch=z9hG4bK${randomBytes(8).toString('hex')}`,
    'Max-Forwards: 70',
    `From: <sip:${user}@${domain}>;tag=${randomBytes(4).toString('hex')}`,
    `To: <sip:${r.toUser ?? user}@${domain}>`,
    `Call-ID: ${r.callId ?? randomBytes(8).toString('hex')}`,
    `CSeq: ${r.cseq ?? 1} ${method}`,
    ...(r.contacts ?? [`<sip:${user}@127.0.0.1:${port}>`]).map((c) => `Contact: ${c}`),
    ...(r.expires === undefined ? [] : [`Expires: ${r.expires}`]),
    'User-Agent: exosip2-registrar-test',
    ...(r.headers ?? []),
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** Digest credentials to compute (RFC 2617; qop=auth unless told). */
export interface DigestSpec {
  user: string;
  password: string;
  realm: string;
  nonce: string;
  uri?: string;
  qop?: boolean;
  nc?: string;
  cnonce?: string;
  /** Header name (default Authorization). */
  header?: string;
  /** Drop these parameters from the header. */
  omit?: string[];
  /** Send this username instead (the digest is still computed for `user`). */
  sendUser?: string;
}

/** An Authorization (or other) header line with the digest `d` describes. */
export function authorization(d: DigestSpec): string {
  const uri = d.uri ?? 'sip:example.com';
  const ha1 = md5(`${d.user}:${d.realm}:${d.password}`);
  const ha2 = md5(`REGISTER:${uri}`);
  const nc = d.nc ?? '00000001';
  const cnonce = d.cnonce ?? randomBytes(4).toString('hex');
  const qop = d.qop ?? true;
  const response = qop ? md5(`${ha1}:${d.nonce}:${nc}:${cnonce}:auth:${ha2}`) : md5(`${ha1}:${d.nonce}:${ha2}`);
  const params: Array<[string, string]> = [
    ['username', `"${d.sendUser ?? d.user}"`],
    ['realm', `"${d.realm}"`],
    ['nonce', `"${d.nonce}"`],
    ['uri', `"${uri}"`],
    ['response', `"${response}"`],
    ['algorithm', 'MD5'],
    ...(qop ? ([['qop', 'auth'], ['nc', nc], ['cnonce', `"${cnonce}"`]] as Array<[string, string]>) : []),
  ];
  const kept = params.filter(([name]) => !(d.omit ?? []).includes(name));
  return `${d.header ?? 'Authorization'}: Digest ${kept.map(([n, v]) => `${n}=${v}`).join(', ')}`;
}

/** One registrar under test (Kamailio or ours) as seen by the raw client. */
export class Peer {
  #nonces = new Map<string, string>();
  constructor(
    readonly name: string,
    readonly client: RawClient,
    readonly port: number,
  ) {}

  send(spec: RequestSpec): Promise<Response | null> {
    return this.client.send(request(this.client.port, spec), this.port);
  }

  /** A nonce of this registrar for `realm`, from a 401 to a REGISTER without credentials. */
  async nonce(realm = 'example.com'): Promise<string> {
    const known = this.#nonces.get(realm);
    if (known !== undefined) return known;
    const r = await this.send({ user: 'nonce', domain: realm, contacts: [] });
    assert.equal(r?.status, 401, `${this.name}: no 401 to fetch a nonce`);
    const nonce = challengeParams(r.headers.get('www-authenticate')![0]).nonce;
    this.#nonces.set(realm, nonce);
    return nonce;
  }

  /** A REGISTER with digest credentials computed for this registrar's nonce. */
  async auth(spec: RequestSpec, digest: Partial<DigestSpec> & { password: string }): Promise<Response | null> {
    const user = spec.user ?? 'alice';
    const realm = digest.realm ?? spec.domain ?? 'example.com';
    const nonce = digest.nonce ?? (await this.nonce(spec.domain ?? 'example.com'));
    const header = authorization({ user, realm, nonce, ...digest });
    return this.send({ ...spec, headers: [...(spec.headers ?? []), header] });
  }
}

/** What must be equal between two registrars: status and the headers that matter for it. */
export function summarize(r: Response | null): string {
  if (r === null) return 'no answer';
  const h = (name: string): string[] => r.headers.get(name) ?? [];
  switch (r.status) {
    case 401: {
      const p = challengeParams(h('www-authenticate')[0] ?? '');
      return `401 realm=${p.realm} qop=${p.qop}${p.stale === 'true' ? ' stale' : ''}`;
    }
    case 423:
      return `423 min-expires=${h('min-expires').join(',')}`;
    case 405:
      return `405 allow=${h('allow').join(',')}`;
    case 200: {
      const contacts = h('contact')
        .map((c) => {
          const uri = /<([^>]*)>/.exec(c)?.[1] ?? c;
          const expires = Number(/;expires=(\d+)/.exec(c)?.[1] ?? NaN);
          // Kamailio counts whole seconds left: a second boundary may pass mid-case.
          return `${uri};expires~${Math.round(expires / 10) * 10}`;
        })
        .sort();
      return `200 [${contacts.join(' ')}]`;
    }
    default:
      return String(r.status);
  }
}
