/**
 * SIP trace: every message a context sends or receives, as text.
 * @module
 */
import { typeError } from '../errors';
import * as v from '../internal/validate';
import { parseMessage } from '../message';
import { TRACE_OPTIONS } from '../internal/option-keys';

/** One SIP message on the wire. */
export interface SipTrace {
  /** `'out'` for a message eXosip sent, `'in'` for one it received. */
  readonly direction: 'in' | 'out';
  /** Transport from the top Via (`'UDP'`, `'TCP'`, `'TLS'`, ...). */
  readonly transport: string;
  /**
   * The peer as `host:port`, derived from the message (eXosip's callback does
   * not say): for a request sent, its first Route or else its Request-URI; for
   * a request received or a response sent, the top Via (`received`/`rport`
   * first); for a response received, where its request was sent. Null when
   * it cannot be told.
   */
  readonly remote: string | null;
  /** The message as serialized by libosip2, password-bearing parts redacted unless disabled. */
  readonly text: string;
  /**
   * For a message sent: the headers (`'Via'`, `'Contact'`) that still hold
   * eXosip's placeholder address `999.999.999.999:99999` in {@link text}.
   * eXosip calls the trace callback before its transport writes the real local
   * address over that placeholder (libeXosip2 5.3.0 jcallback.c:231, then
   * eXtl_udp.c:1228-1230 `_eXosip_request_viamanager` /
   * `_eXosip_message_contactmanager`, likewise in eXtl_tcp.c/eXtl_tls.c), so
   * on the wire these headers carry the context's real address and port; every
   * other byte is as traced. Empty for received messages and when nothing is
   * left to fill in.
   */
  readonly unresolved: readonly string[];
  /** Milliseconds since the epoch when the JS thread received it. */
  readonly time: number;
}

/** Options of {@link Context.setTrace}. */
export interface TraceOptions {
  /**
   * Replace the digest `response` (and Basic credentials) of Authorization /
   * Proxy-Authorization headers with `<redacted>`. Default true.
   */
  redact?: boolean;
}

const AUTH_LINE = /^((?:Proxy-)?Authorization:[ \t]*)(.*)$/gim;

/** Redacts the password-bearing parts of Authorization headers in a SIP text. */
export function redactCredentials(text: string): string {
  return text.replace(AUTH_LINE, (_line, name: string, value: string) => {
    if (/^Basic\s/i.test(value)) return `${name}Basic <redacted>`;
    return name + value.replace(/(\bresponse\s*=\s*)("[^"]*"|[^,\s]+)/i, '$1"<redacted>"');
  });
}

function hostPort(host: string | undefined, port: string | undefined, transport: string): string | null {
  if (host === undefined || host === '') return null;
  const p = port ?? (transport.toUpperCase() === 'TLS' ? '5061' : '5060');
  return `${host}:${p}`;
}

/** host and port of a SIP URI text (`sip:user@host:port;params`), bracketed IPv6 kept. */
function uriHostPort(uri: string, transport: string): string | null {
  const m = /^(?:sips?:)(?:[^@;]*@)?(\[[^\]]+\]|[^:;?>]+)(?::(\d+))?/i.exec(uri.trim().replace(/^<|>.*$/g, ''));
  return m ? hostPort(m[1], m[2], transport) : null;
}

interface Via {
  transport: string;
  host: string;
  port?: string;
  received?: string;
  rport?: string;
  branch?: string;
}

function parseVia(value: string | undefined): Via | null {
  if (value === undefined) return null;
  const m = /^SIP\/2\.0\/(\w+)\s+(\[[^\]]+\]|[^:;\s]+)(?::(\d+))?(.*)$/i.exec(value.trim());
  if (!m) return null;
  const param = (name: string): string | undefined => new RegExp(`;\\s*${name}\\s*=\\s*([^;\\s]+)`, 'i').exec(m[4])?.[1];
  return { transport: m[1].toUpperCase(), host: m[2], port: m[3], received: param('received'), rport: param('rport'), branch: param('branch') };
}

const NONE: readonly string[] = Object.freeze([]);
const PLACEHOLDER = '999.999.999.999';

/** The header names (`Via`, `Contact`) whose lines hold eXosip's placeholder address. */
function placeholders(raw: string): readonly string[] {
  if (!raw.includes(PLACEHOLDER)) return NONE;
  const names = new Set<string>();
  for (const line of raw.split('\r\n')) {
    if (line === '') break;
    const colon = line.indexOf(':');
    if (colon > 0 && line.includes(PLACEHOLDER, colon)) {
      const name = line.slice(0, colon).trim().toLowerCase();
      names.add(name === 'v' ? 'Via' : name === 'm' ? 'Contact' : name.replace(/(^|-)(\w)/g, (_m, d: string, c: string) => d + c.toUpperCase()));
    }
  }
  return Object.freeze([...names]);
}

/**
 * @internal `setTrace(on, options)`'s arguments, checked (TypeError
 * `ERR_INVALID_ARG_TYPE`): the decoder to use while on, null for off.
 */
export function traceDecoderFor(on: unknown, options: unknown): TraceDecoder | null {
  if (typeof on !== 'boolean') throw typeError('ERR_INVALID_ARG_TYPE', 'on must be a boolean');
  const o = v.options<TraceOptions>('options', options, TRACE_OPTIONS);
  if (o.redact !== undefined && typeof o.redact !== 'boolean') throw typeError('ERR_INVALID_ARG_TYPE', 'options.redact must be a boolean');
  return on ? new TraceDecoder(o) : null;
}

/** @internal Turns raw trace text into a {@link SipTrace}; remembers where requests went. */
export class TraceDecoder {
  readonly #sentTo = new Map<string, string>();
  readonly #redact: boolean;

  constructor(options: TraceOptions) {
    this.#redact = options.redact !== false;
  }

  decode(received: boolean, raw: string): SipTrace {
    let transport = 'UDP';
    let remote: string | null = null;
    try {
      const message = parseMessage(raw);
      const via = parseVia(message.getHeader('via'));
      transport = via?.transport ?? transport;
      if (!received && message.isRequest) {
        const route = message.getHeader('route');
        remote = uriHostPort(route ?? message.requestUri ?? '', transport);
        if (via?.branch !== undefined && remote !== null) this.#remember(via.branch, remote);
      } else if (!received || message.isRequest) {
        remote = via === null ? null : hostPort(via.received ?? via.host, via.rport ?? via.port, transport);
      } else {
        remote = via?.branch === undefined ? null : (this.#sentTo.get(via.branch) ?? null);
      }
      message.dispose();
    } catch {
      // A message libosip2 serialized but cannot parse back: keep the text.
    }
    return Object.freeze({
      direction: received ? 'in' : 'out',
      transport,
      remote,
      text: this.#redact ? redactCredentials(raw) : raw,
      unresolved: received ? NONE : placeholders(raw),
      time: Date.now(),
    });
  }

  #remember(branch: string, remote: string): void {
    this.#sentTo.set(branch, remote);
    // Bounded: responses come within a transaction's lifetime (32 s).
    if (this.#sentTo.size > 4096) this.#sentTo.delete(this.#sentTo.keys().next().value as string);
  }
}
