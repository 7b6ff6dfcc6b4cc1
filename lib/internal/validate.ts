/**
 * Argument checks done in TypeScript before any native call, with precise
 * TypeError/RangeError messages (codes `ERR_INVALID_ARG_TYPE`,
 * `ERR_INVALID_ARG_VALUE`, `ERR_OUT_OF_RANGE`, as Node's own).
 * @internal
 * @module
 */
import { isIP } from 'node:net';
import { inspect } from 'node:util';
import type { AuthenticationInfo } from '../context/types';
import { rangeError, typeError } from '../errors';
import { type ExosipOptionName, OPTIONS, optionKind, unknownField, valueFits } from '../options';
import { AUTHENTICATION_INFO, REMOVE_AUTHENTICATION_INFO } from './option-keys';

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return `a string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`;
  if (typeof value === 'object') return `an object (${Object.prototype.toString.call(value)})`;
  return `${typeof value} (${String(value)})`;
}

/** A string with no NUL, CR or LF: anything that goes into a SIP message. */
export function sipText(name: string, value: unknown, { allowEmpty = false } = {}): string {
  if (typeof value !== 'string') throw typeError('ERR_INVALID_ARG_TYPE', `${name} must be a string, got ${describe(value)}`);
  if (!allowEmpty && value.length === 0) throw typeError('ERR_INVALID_ARG_VALUE', `${name} must not be empty`);
  if (/[\0\r\n]/.test(value)) {
    throw typeError('ERR_INVALID_ARG_VALUE', `${name} must not contain NUL, CR or LF (header injection)`);
  }
  return value;
}

/**
 * Whether the URI of `value` (the part in `<...>` of a name-addr, else the
 * value; {@link uriOf}) has an escape libosip2 would unescape into NUL, CR or
 * LF: `%0D`, `%0A`, `%00`, and any `%` not followed by two hex digits, which
 * RFC 3986 §2.1 does not allow and libosip2 reads with `sscanf("%02X")` (so
 * `%D%A`, `% D` and `%+D` are CR too). Raw NUL, CR and LF anywhere count as
 * well. A display name may hold any `%` (eXosip copies it as it is).
 */
export function unsafeUri(value: string): boolean {
  if (/[\0\r\n]/.test(value)) return true;
  const uri = uriOf(value);
  return /%(?![0-9A-Fa-f]{2})|%(?:0[aAdD]|00)/.test(uri);
}

/**
 * A URI (or name-addr, `"Bob" <sip:bob@example.com>`) that goes into a SIP
 * message: {@link sipText}, and its URI without an escape that unescapes to
 * NUL, CR or LF ({@link unsafeUri}: `%0D`, `%0A`, `%00`, or a `%` without two
 * hex digits): eXosip turns the headers part of a To URI (`?name=value`,
 * RFC 3261 §19.1.5) into headers of the request, unescaped, so an escaped
 * CR LF would start a header of the caller's choosing (header injection).
 * `headers: false` refuses a headers part at all: RFC 3261 §19.1.1
 * (Table 1) allows none in From, in a Request-URI or in a Route, and eXosip
 * copies a REGISTER's From into its To. TypeError `ERR_INVALID_ARG_VALUE`.
 */
export function uriText(name: string, value: unknown, { headers = true } = {}): string {
  const text = sipText(name, value);
  if (unsafeUri(text)) {
    throw typeError(
      'ERR_INVALID_ARG_VALUE',
      `${name} must not contain %0D, %0A, %00 or a % without two hex digits in its URI (eXosip unescapes a URI's headers into the message: header injection), got ${describe(value)}`,
    );
  }
  const port = sipPort(uriOf(text));
  if (port !== null && !(/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) {
    throw typeError('ERR_INVALID_ARG_VALUE', `${name} has port ${JSON.stringify(port)}: a port is 1 to 65535, got ${describe(value)}`);
  }
  const uri = uriOf(text);
  if (!headers && uri.includes('?')) {
    throw typeError('ERR_INVALID_ARG_VALUE', `${name} must not have a headers part ("?name=value": RFC 3261 §19.1.1 allows none here; eXosip would add them to the message), got ${describe(value)}`);
  }
  // The headers part becomes headers of the request: the same rule as an added header's name.
  for (const pair of uri.includes('?') ? uri.slice(uri.indexOf('?') + 1).split('&') : []) {
    const raw = pair.split('=')[0];
    let header = raw;
    try {
      header = decodeURIComponent(raw);
    } catch {
      // Not UTF-8 once unescaped: checked as written.
    }
    if (EXOSIP_OWNED_HEADERS.has(header.trim().toLowerCase())) {
      throw typeError('ERR_INVALID_ARG_VALUE', `${name} has the header ${JSON.stringify(header)} in its headers part, which eXosip writes itself (a second one would contradict it), got ${describe(value)}`);
    }
  }
  return text;
}

/**
 * A `contact` option of register(): {@link uriText}, a URI (`scheme:...`)
 * or a name-addr holding one, and no `expires` header parameter. libosip2
 * cannot parse a Contact without a URI, and eXosip then sends the REGISTER
 * with no Contact at all: a query (RFC 3261 §10.2.3) the registrar answers
 * 200 without binding anything. An `expires` parameter would override
 * `options.expires` at the registrar (§10.2.1.1) while the registration
 * counts on the latter. TypeError `ERR_INVALID_ARG_VALUE`.
 */
export function contactText(name: string, value: unknown): string {
  const text = uriText(name, value);
  if (!SCHEME_URI.test(uriOf(text))) {
    throw typeError('ERR_INVALID_ARG_VALUE', `${name} must be a URI such as "sip:alice@192.0.2.1:5060" or a name-addr "<sip:...>" (eXosip would drop it and send no Contact), got ${describe(value)}`);
  }
  if (/;\s*expires\s*=/i.test(headerParamsOf(text))) {
    throw typeError('ERR_INVALID_ARG_VALUE', `${name} must not carry an expires parameter: give options.expires (RFC 3261 §10.2.1.1), got ${describe(value)}`);
  }
  return text;
}

/**
 * A `route` option: {@link uriText} without a headers part, as a name-addr.
 * RFC 3261 §20.34 allows only `<URI>` in a Route, and libosip2 reads a bare
 * `sip:proxy;lr` as the URI `sip:proxy` with a header parameter `lr`, so
 * eXosip took the proxy for a strict router (§16.12.1.1: the Request-URI
 * replaced by the proxy's, the target moved into the Route; Kamailio then
 * answers 405/404). A bare URI is therefore put in `<>`.
 */
export function routeText(name: string, value: unknown): string {
  const text = uriText(name, value, { headers: false });
  return text.includes('<') ? text : `<${text.trim()}>`;
}

/**
 * {@link uriText} whose URI has a scheme (`scheme:...`, RFC 3986 §3.1: `sip:`,
 * `sips:`, `tel:`, ...), as a From or a Refer-To. TypeError
 * `ERR_INVALID_ARG_VALUE`.
 */
export function schemeUri(name: string, value: unknown, { headers = true } = {}): string {
  const text = uriText(name, value, { headers });
  if (!SCHEME_URI.test(uriOf(text))) {
    throw typeError('ERR_INVALID_ARG_VALUE', `${name} must be a URI such as "sip:alice@example.com" or a name-addr holding one ("Alice" <sip:alice@example.com>), got ${describe(value)}`);
  }
  return text;
}

/**
 * The From of a request or INVITE outside of a dialog: {@link uriText}
 * without a headers part, holding a URI (`scheme:...`, RFC 3261 §20.20), and
 * without a `tag` parameter (eXosip adds its own: the From had two).
 * TypeError `ERR_INVALID_ARG_VALUE`.
 */
export function fromText(name: string, value: unknown): string {
  const text = schemeUri(name, value, { headers: false });
  noTag(name, text, 'eXosip adds the From tag of the new dialog or transaction itself (RFC 3261 §8.1.1.3)');
  return text;
}

/**
 * Refuses a From or To value (`text`, checked as `name`) that carries a
 * `tag` header parameter (outside its URI): a request outside of a dialog has
 * no To tag (RFC 3261 §8.1.1.2) and eXosip writes the From tag. TypeError
 * `ERR_INVALID_ARG_VALUE`.
 */
export function noTag(name: string, text: string, why = 'a request outside of a dialog has no To tag (RFC 3261 §8.1.1.2)'): void {
  if (/;\s*tag\s*=/i.test(headerParamsOf(text))) throw typeError('ERR_INVALID_ARG_VALUE', `${name} must not carry a tag: ${why}, got ${JSON.stringify(text)}`);
}

/** A `sip:` or `sips:` URI without headers ({@link uriText}), as a REGISTER's From (`example` for the message) or a proxy address. */
export function sipUri(name: string, value: unknown, example = 'sip:alice@example.com'): string {
  const text = uriText(name, value, { headers: false });
  if (!/^sips?:[^\s<>"]+$/i.test(text)) {
    throw typeError('ERR_INVALID_ARG_VALUE', `${name} must be a sip: or sips: URI such as "${example}", got ${describe(value)}`);
  }
  return text;
}

/**
 * The headers eXosip itself writes into every request and answer it builds,
 * which identify the transaction and dialog (RFC 3261 §8.1.1, §17.1.3) or
 * frame the body: an extra one would contradict them. Lowercase, with the
 * compact forms (§7.3.3).
 */
const EXOSIP_OWNED_HEADERS = new Set(['via', 'v', 'from', 'f', 'to', 't', 'call-id', 'i', 'cseq', 'content-length', 'l']);

/**
 * The name of a header the caller adds to a message eXosip built: a header
 * name, and not one of Via, From, To, Call-ID, CSeq, Content-Length (eXosip
 * writes those; `ERR_INVALID_ARG_VALUE`).
 */
export function extraHeaderName(name: string, value: unknown): string {
  const text = headerName(name, value);
  if (EXOSIP_OWNED_HEADERS.has(text.toLowerCase())) {
    throw typeError('ERR_INVALID_ARG_VALUE', `${name} is ${text}, which eXosip writes itself (Via, From, To, Call-ID, CSeq and Content-Length identify the transaction or frame the body)`);
  }
  return text;
}

/** A SIP header name (an RFC 3261 token). */
export function headerName(name: string, value: unknown): string {
  const text = sipText(name, value);
  if (!/^[A-Za-z0-9\-.!%*_+`'~]+$/.test(text)) {
    throw typeError('ERR_INVALID_ARG_VALUE', `${name} must be a header name (letters, digits, "-" ...), got ${describe(value)}`);
  }
  return text;
}

/** An integer in [min, max]. */
export function integer(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number') throw typeError('ERR_INVALID_ARG_TYPE', `${name} must be a number, got ${describe(value)}`);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw rangeError(`${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

/**
 * A plain options object (undefined gives `{}`) whose keys are all in `known`
 * (lib/internal/option-keys.ts): a key no option has is a TypeError
 * `ERR_INVALID_ARG_VALUE`, not silently ignored.
 */
export function options<T extends object>(name: string, value: unknown, known: ReadonlySet<string>): Partial<T> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw typeError('ERR_INVALID_ARG_TYPE', `${name} must be an object, got ${describe(value)}`);
  }
  for (const key in value) {
    if (!known.has(key) && Object.hasOwn(value, key)) {
      throw typeError('ERR_INVALID_ARG_VALUE', `${name} has no option ${JSON.stringify(key)}; the options are ${[...known].join(', ')}`);
    }
  }
  return value as Partial<T>;
}

/** A plain object used as a map (header names, eXosip option names): any keys; undefined gives `{}`. */
export function record<T>(name: string, value: unknown): Partial<Record<string, T>> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw typeError('ERR_INVALID_ARG_TYPE', `${name} must be an object, got ${describe(value)}`);
  }
  return value as Partial<Record<string, T>>;
}

/** An IPv4 or IPv6 literal; returns its family (4 or 6). */
export function ipAddress(name: string, value: unknown): 4 | 6 {
  const text = sipText(name, value);
  const family = isIP(text);
  if (family === 0) throw typeError('ERR_INVALID_ARG_VALUE', `${name} must be an IPv4 or IPv6 address, got ${describe(value)}`);
  return family as 4 | 6;
}

/** One of the listed strings. */
export function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw typeError('ERR_INVALID_ARG_VALUE', `${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describe(value)}`);
  }
  return value as T;
}

/** An AbortSignal, or undefined. */
export function abortSignal(name: string, value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof AbortSignal)) throw typeError('ERR_INVALID_ARG_TYPE', `${name} must be an AbortSignal, got ${describe(value)}`);
  return value;
}

/** eXosip keeps credentials in char[50] and truncates longer ones silently: refuse them. */
export function credential(name: string, value: unknown, { allowEmpty = false } = {}): string {
  // A credential of the wrong type is still a secret: name its type only.
  if (typeof value !== 'string') throw typeError('ERR_INVALID_ARG_TYPE', `${name} must be a string, got ${value === null ? 'null' : typeof value}`);
  const text = sipText(name, value, { allowEmpty });
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > 49) {
    throw rangeError(`${name} is ${bytes} bytes long; libeXosip2 keeps at most 49 bytes and would truncate it silently`);
  }
  return text;
}

/**
 * The address family of a SIP URI's host when it is an IP literal
 * (`sip:alice@192.0.2.1`, `sip:[::1]:5060`), else 0 (a host name).
 */
export function uriHostFamily(uri: string): 0 | 4 | 6 {
  const rest = uri.replace(/^sips?:/i, '');
  const hostPart = rest.slice(rest.lastIndexOf('@') + 1);
  const m = /^\[([^\]]+)\]/.exec(hostPart) ?? /^([^:;?>]+)/.exec(hostPart);
  return m === null ? 0 : (isIP(m[1]) as 0 | 4 | 6);
}

/**
 * The URI of a From/To/Route value: the part in `<...>` of a name-addr, else
 * the value (RFC 3261 §20.10). A quoted display name is skipped first, so
 * `"<sip:x@y>" <sip:a@h>` gives `sip:a@h`.
 */
export function uriOf(value: string): string {
  const quoted = /^\s*"(?:[^"\\]|\\.)*"/.exec(value);
  const rest = quoted === null ? value : value.slice(quoted[0].length);
  return /<([^>]*)>/.exec(rest)?.[1]?.trim() ?? rest.trim();
}

/**
 * The header parameters of a From/To/Contact value (RFC 3261 §20.10): what
 * follows the `>` of a name-addr, or the first `;` of a bare URI (there they
 * are header parameters, not URI ones), e.g. `;tag=1928;expires=60`; `''`
 * when there are none.
 */
export function headerParamsOf(value: string): string {
  const close = value.lastIndexOf('>');
  if (close >= 0) return value.slice(close + 1);
  const semi = value.indexOf(';');
  return semi >= 0 ? value.slice(semi) : '';
}

/** A URI with a scheme (`sip:`, `tel:`, ...), as {@link uriOf} gives it. */
const SCHEME_URI = /^[a-z][a-z0-9+.-]*:[^\s<>"]+$/i;

/** The port of a `sip:`/`sips:` URI as written (`"5060"`), or null: none, or another scheme. */
function sipPort(uri: string): string | null {
  const m = /^sips?:([^;?>]*)/i.exec(uri);
  if (m === null) return null;
  const hostPart = m[1].slice(m[1].lastIndexOf('@') + 1);
  return (hostPart.startsWith('[') ? /^\[[^\]]*\]:(.*)$/ : /^[^:]*:(.*)$/).exec(hostPart)?.[1] ?? null;
}

/** The host of a `sip:`/`sips:` URI (IPv6 without brackets), or null: another scheme, or no host. */
export function sipHost(uri: string): string | null {
  const m = /^sips?:([^?]*)/i.exec(uri);
  if (m === null) return null;
  const rest = m[1];
  const hostPart = rest.slice(rest.lastIndexOf('@') + 1);
  const host = /^\[([^\]]*)\]/.exec(hostPart)?.[1] ?? /^[^:;>]*/.exec(hostPart)![0];
  return host === '' ? null : host;
}


/**
 * Credentials for `eXosip_add_authentication_info` (a checked copy):
 * `username`, `password` or `ha1`, optional `userid` and `realm`, each
 * within the 49 bytes eXosip keeps.
 */
export function authenticationInfo(name: string, value: unknown): AuthenticationInfo {
  const o = options<AuthenticationInfo>(name, value, AUTHENTICATION_INFO);
  if (value === undefined) throw typeError('ERR_INVALID_ARG_TYPE', `${name} must be an object`);
  credential(`${name}.username`, o.username);
  if (o.userid !== undefined) credential(`${name}.userid`, o.userid);
  if (o.password === undefined && o.ha1 === undefined) throw typeError('ERR_INVALID_ARG_VALUE', `${name}.password or ${name}.ha1 is required`);
  if (o.password !== undefined) credential(`${name}.password`, o.password, { allowEmpty: true });
  if (o.ha1 !== undefined) {
    credential(`${name}.ha1`, o.ha1);
    // The value is a secret: the message never shows it.
    if (!/^[0-9a-fA-F]{32}$/.test(o.ha1)) throw typeError('ERR_INVALID_ARG_VALUE', `${name}.ha1 must be 32 hexadecimal digits (an MD5 HA1, RFC 2617 §3.2.2.2)`);
    if (o.password !== undefined) throw typeError('ERR_INVALID_ARG_VALUE', `${name}: give password or ha1, not both`);
  }
  if (o.realm !== undefined) credential(`${name}.realm`, o.realm);
  return { ...o } as AuthenticationInfo;
}

/**
 * `{ username, realm }` of credentials to remove, checked; no realm gives
 * `''`: eXosip_remove_authentication_info then matches the credentials added
 * without one (eXosip.c).
 */
export function credentialKey(name: string, value: unknown): { username: string; realm: string } {
  if (value === undefined) throw typeError('ERR_INVALID_ARG_TYPE', `${name} must be an object`);
  const o = options<{ username: string; realm?: string }>(name, value, REMOVE_AUTHENTICATION_INFO);
  return { username: credential(`${name}.username`, o.username), realm: o.realm === undefined ? '' : credential(`${name}.realm`, o.realm) };
}

/** An `eXosip_set_option` option (C name or number) and a value of the kind it takes; returns its number. */
export function exosipOption(option: unknown, value: unknown): number {
  const id = typeof option === 'number' ? option : OPTIONS[option as ExosipOptionName];
  const kind = id === undefined ? undefined : optionKind(id);
  if (id === undefined || kind === undefined) throw typeError('ERR_INVALID_ARG_VALUE', `Unknown eXosip option ${String(option)}`);
  if (kind === 'unsupported') throw typeError('ERR_INVALID_ARG_VALUE', `${String(option)} takes a C pointer this binding does not pass`);
  if (kind === 'stats') throw typeError('ERR_INVALID_ARG_VALUE', `${String(option)} reads eXosip's counters: call ctx.statistics()`);
  const unknown = unknownField(kind, value);
  if (unknown !== null) throw typeError('ERR_INVALID_ARG_VALUE', `${String(option)} has no field ${unknown.field} (eX_setup.h: ${unknown.fields.join(', ')})`);
  if (!valueFits(kind, value)) {
    throw typeError('ERR_INVALID_ARG_TYPE', `${String(option)} takes a value of kind '${kind}', got ${inspect(value, { depth: 1, breakLength: Infinity })}`);
  }
  return id;
}
