/**
 * osip_message.h (libosip2): the SIP message calls a registration port
 * needs (`osip_message_*`).
 * @module
 */
import type { NativeMessage } from '../../binding';
import { typeError } from '../errors';
import { Message, replaceNative } from '../message';
import { binding } from '../native';
import { assertOwned, int, messageOrNull, str, UNSAFE_TEXT } from './args';
import { OSIP_BADPARAMETER, OSIP_SUCCESS, OSIP_SYNTAXERROR, OSIP_UNDEFINED_ERROR } from './constants';

/** `osip_message_t *`: a SIP message, the same object as a {@link Message}. */
export type osip_message_t = Message;

/** `osip_header_t *`: a generic header, as `osip_message_header_get_byname` returns it. */
export interface osip_header_t {
  /** The header name, in lowercase. */
  readonly hname: string;
  /** The header value. */
  readonly hvalue: string;
}

/**
 * `int osip_message_init(osip_message_t **sip)` → `[0, message]`: an empty
 * message (neither request nor response yet).
 */
export function osip_message_init(): [code: number, sip: osip_message_t] {
  return [OSIP_SUCCESS, new Message(new binding.NativeMessage())];
}

/**
 * `int osip_message_parse(osip_message_t *sip, const char *buf, size_t length)`
 * → 0, or the negative code libosip2 returns for text it rejects (e.g.
 * `OSIP_SYNTAXERROR`). Parses the first `length` bytes of `buf` (a string
 * counts as its UTF-8 bytes) into `sip`, a message from
 * {@link osip_message_init}:
 *
 * ```ts
 * const [, sip] = osip_message_init();
 * if (osip_message_parse(sip, raw, Buffer.byteLength(raw)) !== 0) osip_message_free(sip);
 * ```
 *
 * As in C, parse into a fresh message; one difference: whatever `sip` held
 * before is freed and replaced on success (C would leak it and mix the two),
 * and on failure `sip` is left as it was (C leaves it half filled; free it
 * either way). `OSIP_BADPARAMETER` for a null `sip` or `buf`, or a `length`
 * outside 0..the byte length of `buf` (C would read past the buffer). A spent
 * or freed `sip` throws, as in every other call.
 */
export function osip_message_parse(sip: osip_message_t | null, buf: string | Uint8Array | null, length: number): number {
  const fn = 'osip_message_parse';
  const handle = messageOrNull(sip, fn);
  if (buf !== null && buf !== undefined && typeof buf !== 'string' && !(buf instanceof Uint8Array)) {
    throw typeError('ERR_INVALID_ARG_TYPE', `${fn}: buf must be a string, a Buffer (Uint8Array) or null`);
  }
  const n = int(length, fn, 'length');
  if (handle === null || buf === null || buf === undefined) return OSIP_BADPARAMETER;
  assertOwned(handle, fn, 'this message was freed');
  const bytes = typeof buf === 'string' ? Buffer.from(buf, 'utf8') : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (n < 0 || n > bytes.length) return OSIP_BADPARAMETER;
  const [result, parsed] = binding.NativeMessage.parse(bytes.subarray(0, n));
  if (result !== OSIP_SUCCESS || parsed === null) return result < 0 ? result : OSIP_SYNTAXERROR;
  replaceNative(sip!, parsed);
  return OSIP_SUCCESS;
}

/**
 * `void osip_message_free(osip_message_t *sip)`: frees a message you own now
 * (else the garbage collector does). null does nothing. Throws
 * `ERR_MESSAGE_SPENT` for a message handed to eXosip and
 * `ERR_MESSAGE_DISPOSED` for one already freed (a double free in C).
 */
export function osip_message_free(sip: osip_message_t | null): void {
  const handle = messageOrNull(sip, 'osip_message_free');
  if (handle === null) return;
  assertOwned(handle, 'osip_message_free', 'this message was already freed');
  handle.dispose();
}

/**
 * `int osip_message_clone(const osip_message_t *sip, osip_message_t **dest)`
 * → `[0, copy]`, owned by you; `[OSIP_BADPARAMETER, null]` for null.
 */
export function osip_message_clone(sip: osip_message_t | null): [code: number, dest: osip_message_t | null] {
  const handle = messageOrNull(sip, 'osip_message_clone');
  if (handle === null) return [OSIP_BADPARAMETER, null];
  return [OSIP_SUCCESS, new Message(handle.clone())];
}

/**
 * `int osip_message_to_str(osip_message_t *sip, char **dest, size_t *message_length)`
 * → `[0, text, length in bytes]`, or `[code, null, 0]` when the message is
 * incomplete (e.g. `OSIP_BADPARAMETER` for an empty message) or null.
 */
export function osip_message_to_str(sip: osip_message_t | null): [code: number, dest: string | null, message_length: number] {
  const handle = messageOrNull(sip, 'osip_message_to_str');
  if (handle === null) return [OSIP_BADPARAMETER, null, 0];
  try {
    const text = handle.toString();
    return [OSIP_SUCCESS, text, Buffer.byteLength(text, 'utf8')];
  } catch (error) {
    const name = (error as { code?: unknown }).code;
    const value = typeof name === 'string' ? binding.osipCodes[name] : undefined;
    if (value === undefined) throw error;
    return [value, null, 0];
  }
}

/**
 * `int osip_message_set_header(osip_message_t *sip, const char *hname, const char *hvalue)`
 * → 0 or a negative code: appends a header to the message's generic header
 * list, as C does (headers osip parses, such as Contact or Via, are not
 * meant for this call: use the typed setters in C, the `Message` API here).
 * `OSIP_BADPARAMETER` for a null message, an empty name, or a name or value
 * with CR, LF or NUL.
 */
export function osip_message_set_header(sip: osip_message_t | null, hname: string, hvalue: string): number {
  return withGenericHeader('osip_message_set_header', sip, hname, hvalue, (handle, name, value) => handle.setGenericHeader(name, value));
}

/**
 * `int osip_message_replace_header(osip_message_t *sip, const char *hname, const char *hvalue)`
 * → 0 or a negative code: as libosip2 does, removes the first generic header
 * of that name (if any) and appends the new one at the end. Same refusals as
 * {@link osip_message_set_header}.
 */
export function osip_message_replace_header(sip: osip_message_t | null, hname: string, hvalue: string): number {
  return withGenericHeader('osip_message_replace_header', sip, hname, hvalue, (handle, name, value) => handle.replaceGenericHeader(name, value));
}

/**
 * Checks the arguments of a generic-header setter named `fn` as C does
 * (`OSIP_BADPARAMETER` for a null message or an empty name) and refuses CR,
 * LF or NUL (which C would inject), then runs `op`.
 */
function withGenericHeader(
  fn: string,
  sip: osip_message_t | null,
  hname: string,
  hvalue: string,
  op: (handle: NativeMessage, name: string, value: string) => number,
): number {
  const handle = messageOrNull(sip, fn);
  const name = str(hname, fn, 'hname');
  const value = str(hvalue, fn, 'hvalue');
  if (handle === null || name === '' || UNSAFE_TEXT.test(name) || UNSAFE_TEXT.test(value)) return OSIP_BADPARAMETER;
  return op(handle, name, value);
}

/**
 * `int osip_message_header_get_byname(const osip_message_t *sip, const char *hname, int pos, osip_header_t **dest)`
 * → `[index, header]` for the first generic header named `hname`
 * (case-insensitive) at or after `pos`, else `[OSIP_UNDEFINED_ERROR, null]`,
 * as in C. One difference: `pos` and the index count only the headers of that
 * name (C counts every generic header), so the C idioms `if (i >= 0)`,
 * `if (dest != NULL)` and `for (pos = 0; (pos = get(..., pos, &h)) >= 0; pos++)`
 * port unchanged.
 */
export function osip_message_header_get_byname(sip: osip_message_t | null, hname: string, pos: number): [index: number, dest: osip_header_t | null] {
  const fn = 'osip_message_header_get_byname';
  const handle = messageOrNull(sip, fn);
  const name = str(hname, fn, 'hname');
  const at = int(pos, fn, 'pos');
  if (handle === null) return [OSIP_BADPARAMETER, null];
  const values = handle.getHeaders(name);
  const index = Math.max(0, at);
  if (index >= values.length) return [OSIP_UNDEFINED_ERROR, null];
  return [index, Object.freeze({ hname: name.toLowerCase(), hvalue: values[index] })];
}

/** `int osip_message_set_supported(osip_message_t *sip, const char *hvalue)`: C's macro for `osip_message_set_header(sip, "Supported", hvalue)`. */
export function osip_message_set_supported(sip: osip_message_t | null, hvalue: string): number {
  return osip_message_set_header(sip, 'Supported', hvalue);
}

/** `int osip_message_get_supported(const osip_message_t *sip, int pos, osip_header_t **dest)` → `[index, header]`; see {@link osip_message_header_get_byname}. */
export function osip_message_get_supported(sip: osip_message_t | null, pos: number): [index: number, dest: osip_header_t | null] {
  return osip_message_header_get_byname(sip, 'supported', pos);
}

/**
 * `int osip_message_set_expires(osip_message_t *sip, const char *hvalue)`:
 * C's macro for `osip_message_set_header(sip, "Expires", hvalue)`. Like C,
 * it appends: a REGISTER eXosip built already has an Expires header, so
 * change that one with {@link osip_message_replace_header} (or pass the
 * expiry to the build call).
 */
export function osip_message_set_expires(sip: osip_message_t | null, hvalue: string): number {
  return osip_message_set_header(sip, 'Expires', hvalue);
}

/**
 * `int osip_message_get_expires(const osip_message_t *sip, int pos, osip_header_t **dest)`
 * → `[index, header]`, e.g. `[0, { hname: 'expires', hvalue: '1800' }]`, or
 * `[OSIP_UNDEFINED_ERROR, null]`; see {@link osip_message_header_get_byname}.
 */
export function osip_message_get_expires(sip: osip_message_t | null, pos: number): [index: number, dest: osip_header_t | null] {
  return osip_message_header_get_byname(sip, 'expires', pos);
}

/** `osip_body_t *`: one body of a message, as `osip_message_get_body` gives it. */
export interface osip_body_t {
  /** The bytes as text (UTF-8), as C code prints `body->body`. */
  readonly body: string;
  /** The exact bytes (binary-safe). */
  readonly data: Buffer;
  /** Its length in bytes (`body->length`). */
  readonly length: number;
  /** The part's own Content-Type in a multipart body, else null (`body->content_type`, as text). */
  readonly content_type: string | null;
}

/**
 * `int osip_message_set_body(osip_message_t *sip, const char *buf, size_t length)`
 * → 0 or a negative code: appends a body of the first `length` bytes of
 * `buf` (a string counts as its UTF-8 bytes), as C does; Content-Length is
 * kept right. `OSIP_BADPARAMETER` for a null message or `buf`, or a `length`
 * outside 0..the byte length of `buf` (C would read past it).
 */
export function osip_message_set_body(sip: osip_message_t | null, buf: string | Uint8Array | null, length: number): number {
  const fn = 'osip_message_set_body';
  const handle = messageOrNull(sip, fn);
  const n = int(length, fn, 'length');
  if (buf !== null && buf !== undefined && typeof buf !== 'string' && !(buf instanceof Uint8Array)) {
    throw typeError('ERR_INVALID_ARG_TYPE', `${fn}: buf must be a string, a Buffer (Uint8Array) or null`);
  }
  if (handle === null || buf === null || buf === undefined) return OSIP_BADPARAMETER;
  const bytes = typeof buf === 'string' ? Buffer.from(buf, 'utf8') : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (n < 0 || n > bytes.length) return OSIP_BADPARAMETER;
  return handle.addBody(Buffer.from(bytes.subarray(0, n)));
}

/**
 * `int osip_message_get_body(const osip_message_t *sip, int pos, osip_body_t **dest)`
 * → `[pos, body]` for the body at `pos` (one per part of a multipart body),
 * else `[OSIP_UNDEFINED_ERROR, null]` (`[OSIP_BADPARAMETER, null]` for null), as in C.
 */
export function osip_message_get_body(sip: osip_message_t | null, pos: number): [index: number, dest: osip_body_t | null] {
  const fn = 'osip_message_get_body';
  const handle = messageOrNull(sip, fn);
  const at = int(pos, fn, 'pos');
  if (handle === null) return [OSIP_BADPARAMETER, null];
  const part = handle.getBodies()[at];
  if (at < 0 || part === undefined) return [OSIP_UNDEFINED_ERROR, null];
  return [at, Object.freeze({ body: part.data.toString('utf8'), data: part.data, length: part.data.length, content_type: part.contentType })];
}

/**
 * `int osip_message_set_content_type(osip_message_t *sip, const char *hvalue)`
 * → 0 or a negative code; replaces the Content-Type the message had, if
 * any (a message has at most one). `OSIP_BADPARAMETER` for null, empty or CR/LF/NUL; libosip2's
 * code for a value it cannot parse (it needs `type/subtype`).
 */
export function osip_message_set_content_type(sip: osip_message_t | null, hvalue: string): number {
  const fn = 'osip_message_set_content_type';
  const handle = messageOrNull(sip, fn);
  const value = str(hvalue, fn, 'hvalue');
  if (handle === null || value === '' || UNSAFE_TEXT.test(value)) return OSIP_BADPARAMETER;
  return handle.setContentType(value);
}

/** `osip_content_type_t *osip_message_get_content_type(const osip_message_t *sip)` → the header as text (`'text/plain'`), or null. */
export function osip_message_get_content_type(sip: osip_message_t | null): string | null {
  const handle = messageOrNull(sip, 'osip_message_get_content_type');
  return handle === null ? null : handle.getContentType();
}

/** `osip_from_t *osip_message_get_from(const osip_message_t *sip)` → the From header as text (`osip_from_to_str`), or null. */
export function osip_message_get_from(sip: osip_message_t | null): string | null {
  return firstHeader(sip, 'osip_message_get_from', 'from');
}

/** `osip_to_t *osip_message_get_to(const osip_message_t *sip)` → the To header as text, or null. */
export function osip_message_get_to(sip: osip_message_t | null): string | null {
  return firstHeader(sip, 'osip_message_get_to', 'to');
}

/** `osip_call_id_t *osip_message_get_call_id(const osip_message_t *sip)` → the Call-ID as text (`osip_call_id_to_str`), or null. */
export function osip_message_get_call_id(sip: osip_message_t | null): string | null {
  return firstHeader(sip, 'osip_message_get_call_id', 'call-id');
}

/** `char *osip_message_get_method(const osip_message_t *sip)` → the method of a request (`sip->sip_method`), null for a response or null. */
export function osip_message_get_method(sip: osip_message_t | null): string | null {
  const handle = messageOrNull(sip, 'osip_message_get_method');
  return handle === null || handle.statusCode !== 0 ? null : handle.method;
}

/** `osip_uri_t *osip_message_get_uri(const osip_message_t *sip)` → the Request-URI (`sip->req_uri`) as text (`osip_uri_to_str`), or null. */
export function osip_message_get_uri(sip: osip_message_t | null): string | null {
  const handle = messageOrNull(sip, 'osip_message_get_uri');
  return handle === null ? null : handle.requestUri;
}

/** `int osip_message_get_status_code(const osip_message_t *sip)` → the status of a response, 0 for a request (-1 for null, as C's macro would crash). */
export function osip_message_get_status_code(sip: osip_message_t | null): number {
  const handle = messageOrNull(sip, 'osip_message_get_status_code');
  return handle === null ? OSIP_UNDEFINED_ERROR : handle.statusCode;
}

/** `char *osip_message_get_reason_phrase(const osip_message_t *sip)` → the reason phrase of a response, or null. */
export function osip_message_get_reason_phrase(sip: osip_message_t | null): string | null {
  const handle = messageOrNull(sip, 'osip_message_get_reason_phrase');
  return handle === null ? null : handle.reasonPhrase;
}

function firstHeader(sip: osip_message_t | null, fn: string, name: string): string | null {
  const handle = messageOrNull(sip, fn);
  return handle === null ? null : (handle.getHeaders(name)[0] ?? null);
}

/**
 * `void osip_message_set_reason_phrase(osip_message_t *sip, char *reason)`:
 * replaces the reason phrase of a response. The C idiom
 * `osip_free(answer->reason_phrase); answer->reason_phrase = osip_strdup("...")`
 * ports to this call. Throws `ERR_INVALID_ARG_VALUE` for CR, LF or NUL
 * (C would inject them); null does nothing.
 */
export function osip_message_set_reason_phrase(sip: osip_message_t | null, reason: string): void {
  const fn = 'osip_message_set_reason_phrase';
  const handle = messageOrNull(sip, fn);
  const value = str(reason, fn, 'reason');
  if (UNSAFE_TEXT.test(value)) throw typeError('ERR_INVALID_ARG_VALUE', `${fn}: reason must not contain CR, LF or NUL`);
  if (handle !== null) handle.setReasonPhrase(value);
}

/**
 * `int osip_strcasecmp(const char *s1, const char *s2)` (osip_port.h): 0 when
 * the two strings are equal ignoring ASCII case, else the difference of the
 * first differing (lowercased) characters, as C's `strcasecmp`.
 * @throws TypeError `ERR_INVALID_ARG_TYPE` for a non-string (C would crash on NULL).
 */
export function osip_strcasecmp(s1: string, s2: string): number {
  const fn = 'osip_strcasecmp';
  const lower = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase()); // ASCII only, as C's
  const a = lower(str(s1, fn, 's1'));
  const b = lower(str(s2, fn, 's2'));
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a.charCodeAt(i) !== b.charCodeAt(i)) return a.charCodeAt(i) - b.charCodeAt(i);
  }
  return a.length - b.length;
}
