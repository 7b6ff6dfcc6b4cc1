/**
 * SIP messages: a thin owner of one `osip_message_t`.
 * @module
 */
import type { NativeMessage } from '../binding';
import { binding } from './native';
import { asSipError, check, osipError, typeError } from './errors';
import * as v from './internal/validate';

// Set by Message's static block: the handle behind a Message is a private
// field (a WeakMap entry per message made every event's messages ephemerons
// for the garbage collector to trace).
let handleOf: (message: unknown) => NativeMessage | undefined;
let setHandle: (message: Message, handle: NativeMessage) => void;
let hold: (message: Message) => void;

/** One body of a {@link Message}: a part of a multipart body, or the whole body. */
export interface MessageBody {
  /** The part's own Content-Type, or null when it has none (a simple body: see {@link Message.contentType}). */
  readonly contentType: string | null;
  /** Its exact bytes. */
  readonly data: Buffer;
}

/**
 * A SIP request or response held by libosip2.
 *
 * A message you build (e.g. the REGISTER eXosip prepares) belongs to you until
 * it is sent: sending hands it to eXosip, which owns it from then on, even if
 * the send fails. After that, any use throws an Error with code
 * `'ERR_MESSAGE_SPENT'`. A message never sent is freed when it is collected,
 * or at once by {@link Message.dispose}.
 */
export class Message {
  /** @internal Wraps a native handle; use {@link parseMessage} or the APIs that return messages. */
  constructor(native: NativeMessage) {
    this.#native = native;
  }

  #native: NativeMessage;
  /** A message of an event (lib/events.ts): the binding's handling of the event still reads it. */
  #held = false;

  static {
    hold = (message) => {
      message.#held = true;
    };
    handleOf = (message) => (typeof message === 'object' && message !== null && #native in message ? (message as Message).#native : undefined);
    setHandle = (message, handle) => {
      message.#native = handle;
    };
  }

  /** `'owned'`, `'spent'` (handed to eXosip) or `'disposed'`. */
  get state(): 'owned' | 'spent' | 'disposed' {
    return native(this).state;
  }

  /** True once the message was handed to eXosip. */
  get spent(): boolean {
    return this.state === 'spent';
  }

  /** True for a request (REGISTER, ...), false for a response. */
  get isRequest(): boolean {
    return native(this).statusCode === 0;
  }

  /** Status code of a response (e.g. 200), 0 for a request. */
  get statusCode(): number {
    return native(this).statusCode;
  }

  /** Reason phrase of a response, or null. */
  get reasonPhrase(): string | null {
    return native(this).reasonPhrase;
  }

  /** Method of a request, or the method in the CSeq of a response. */
  get method(): string | null {
    return native(this).method;
  }

  /** Request-URI of a request, or null for a response. */
  get requestUri(): string | null {
    return native(this).requestUri;
  }

  /** First value of a header (case-insensitive name, compact forms too), or undefined. */
  getHeader(name: string): string | undefined {
    return native(this).getHeaders(v.headerName('name', name))[0];
  }

  /** Every value of a header, in message order. */
  getHeaders(name: string): string[] {
    return native(this).getHeaders(v.headerName('name', name));
  }

  /** Appends a header. Typed headers (Contact, Via, ...) are parsed; a bad value throws. */
  addHeader(name: string, value: string): this {
    const n = v.headerName('name', name);
    check(native(this).addHeader(n, v.sipText('value', value, { allowEmpty: true })), 'addHeader', n);
    return this;
  }

  /** Replaces every header of that name with one value. */
  setHeader(name: string, value: string): this {
    const n = v.headerName('name', name);
    const text = v.sipText('value', value, { allowEmpty: true });
    native(this).removeHeaders(n);
    check(native(this).addHeader(n, text), 'setHeader', n);
    return this;
  }

  /** Removes every header of that name; returns how many were removed. */
  removeHeader(name: string): number {
    return native(this).removeHeaders(v.headerName('name', name));
  }

  /** Adds a Supported header, as `osip_message_set_supported` does. */
  setSupported(value: string): this {
    check(native(this).setGenericHeader('Supported', v.sipText('value', value)), 'osip_message_set_supported');
    return this;
  }

  /** The Expires header as a number, or null when absent or not a number. */
  get expires(): number | null {
    const value = native(this).getExpires();
    if (value === null || !/^\s*\d+\s*$/.test(value)) return null;
    return Number(value);
  }

  /** Sets the Expires header. */
  set expires(seconds: number) {
    check(native(this).setExpires(String(v.integer('expires', seconds, 0, 99_999_999))), 'osip_message_set_expires');
  }

  /**
   * The body as it goes on the wire, or null when there is none. A `Buffer`
   * holding the exact bytes (binary-safe; `body.toString()` for text). A
   * multipart body is the whole body as libosip2 serializes it (boundaries
   * included); {@link bodies} gives its parts one by one.
   */
  get body(): Buffer | null {
    return native(this).getBody();
  }

  /**
   * Replaces every body with `value` (a string counts as its UTF-8 bytes; null
   * or empty removes the body); Content-Length is set to the byte length.
   * Set {@link contentType} too. `osip_message_set_body` (libosip2).
   */
  set body(value: string | Buffer | null) {
    if (value !== null && typeof value !== 'string' && !Buffer.isBuffer(value)) throw typeError('ERR_INVALID_ARG_TYPE', 'body must be a string, a Buffer or null');
    check(native(this).setBody(value), 'osip_message_set_body');
  }

  /**
   * Every body of the message as libosip2 parsed it, in order: one entry for
   * a simple body, one per part of a multipart body (RFC 2046 §5.1), each
   * with its own Content-Type (null when the part has none) and exact bytes.
   */
  get bodies(): ReadonlyArray<MessageBody> {
    return Object.freeze(native(this).getBodies().map((part) => Object.freeze(part)));
  }

  /** The Content-Type header (e.g. `'text/plain'`, parameters included), or null. */
  get contentType(): string | null {
    return native(this).getContentType();
  }

  /**
   * Replaces the Content-Type header (`osip_message_set_content_type`); null
   * removes it. TypeError `ERR_INVALID_ARG_VALUE` for CR/LF/NUL; SipError for a
   * value libosip2 cannot parse (it needs `type/subtype`).
   */
  set contentType(value: string | null) {
    if (value === null) {
      native(this).setContentType(null);
      return;
    }
    check(native(this).setContentType(v.sipText('contentType', value)), 'osip_message_set_content_type', value);
  }

  /** Every Contact header value. */
  get contacts(): string[] {
    return native(this).getHeaders('contact');
  }

  /**
   * The message as text (`osip_message_to_str`), decoded as UTF-8: a body
   * byte that is not UTF-8 becomes U+FFFD here, so read binary bodies from
   * {@link body} (exact bytes). Throws a SipError when libosip2 cannot
   * serialize it (e.g. a status code outside 100..699).
   */
  toString(): string {
    try {
      return native(this).toString();
    } catch (error) {
      throw asSipError(error);
    }
  }

  /** An independent copy (`osip_message_clone`), owned by the caller. */
  clone(): Message {
    return new Message(native(this).clone());
  }

  /**
   * Frees the message now. Disposing a spent or disposed message does
   * nothing, nor does disposing a message an event carries (`event.request`,
   * `.response`, `.ack`, and the same objects as `IncomingRequest.request`,
   * `Registration.lastResponse`, ...): the binding's own handling of the event
   * reads it after your listener ran; it is freed with the event, when
   * collected (in C, eXosip_event_free frees it).
   */
  dispose(): void {
    const handle = native(this); // a foreign `this`: TypeError ERR_INVALID_ARG_TYPE first
    if (this.#held) return;
    handle.dispose();
  }
}

/** @internal The native handle behind a Message (for lib/ and compat only). */
export function native(message: Message): NativeMessage {
  const handle = handleOf(message);
  if (handle === undefined) throw typeError('ERR_INVALID_ARG_TYPE', 'Expected a Message created by exosip2');
  return handle;
}

/** @internal Wraps a message an event carries: dispose() leaves it alone (null stays null). */
export function wrapEventMessage(handle: NativeMessage | null): Message | null {
  if (handle === null) return null;
  const message = new Message(handle);
  hold(message);
  return message;
}

/** @internal Wraps a native message (null stays null). */
export function wrapMessage(handle: NativeMessage | null): Message | null {
  return handle === null ? null : new Message(handle);
}

/**
 * @internal Puts a new native handle behind `message` (compat's
 * osip_message_parse fills the message C passes in); the handle it had is
 * freed if still owned.
 */
export function replaceNative(message: Message, handle: NativeMessage): void {
  native(message).dispose();
  setHandle(message, handle);
}

/**
 * Parses a whole SIP message (`osip_message_parse`). Throws a SipError
 * (`OSIP_SYNTAXERROR`, ...) when libosip2 rejects it.
 */
export function parseMessage(raw: string | Buffer): Message {
  if (typeof raw !== 'string' && !Buffer.isBuffer(raw)) throw typeError('ERR_INVALID_ARG_TYPE', 'raw must be a string or a Buffer');
  const [code, handle] = binding.NativeMessage.parse(raw);
  if (code < 0 || handle === null) throw osipError(code < 0 ? code : -1, 'osip_message_parse');
  return new Message(handle);
}

/** A contact value's URI: what is inside `<...>`, else up to the first `;`. */
export function contactUri(contact: string): string {
  const open = contact.indexOf('<');
  if (open >= 0) {
    const close = contact.indexOf('>', open);
    return contact.slice(open + 1, close < 0 ? undefined : close).trim();
  }
  return contact.split(';')[0].trim();
}

/** A contact value's `expires` parameter (outside the URI), or null. */
export function contactExpires(contact: string): number | null {
  const match = /;\s*expires\s*=\s*(\d+)/i.exec(v.headerParamsOf(contact));
  return match ? Number(match[1]) : null;
}
