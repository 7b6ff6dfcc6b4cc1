/**
 * The shapes of requests outside of a dialog: what `ctx.request()` takes and
 * resolves with, and how an {@link IncomingRequest} is answered.
 * @module
 */
import type { Message } from '../message';

/**
 * Extra headers: `{ name: value }` or `[name, value]` pairs (to repeat a
 * name). A single-valued header eXosip may have written (Max-Forwards,
 * User-Agent, Server, Subject, Expires, Min-Expires, Session-Expires, Min-SE,
 * Date, Timestamp, Organization, Priority, Retry-After, MIME-Version, Event,
 * Refer-To) replaces it (RFC 3261 §7.3: two would make the message invalid);
 * any other is added.
 */
export type HeaderList = Readonly<Record<string, string>> | ReadonlyArray<readonly [string, string]>;

/** Options of {@link IncomingRequest.respond}. */
export interface RespondOptions {
  /** Reason phrase; default: RFC 3261's for the status (`osip_message_get_reason`). */
  reason?: string;
  /** Body of the answer: a string (UTF-8) or exact bytes. Over UDP the whole message must fit one datagram (65,507 bytes, else RangeError `ERR_MESSAGE_TOO_LARGE` before sending) and a peer built on eXosip receives at most 8,000 bytes (eXosip's `SIP_MESSAGE_MAX_LENGTH`; larger ones are dropped unanswered): use TCP for big bodies. */
  body?: string | Buffer;
  /** Content-Type of `body` (e.g. `'application/json'`); default `text/plain` when there is a body (a Content-Type among `headers` counts as this option). */
  contentType?: string;
  /** Headers added to the answer eXosip built. */
  headers?: HeaderList;
}

/** Options of `ctx.request()`: one request outside of a dialog (`eXosip_message_build_request`). */
export interface RequestOptions {
  /** The method token, e.g. `'MESSAGE'`, `'OPTIONS'`, `'INFO'`, `'NOTIFY'` (RFC 3261 §25.1 `token`). */
  method: string;
  /**
   * The target: a SIP URI (`sip:bob@example.com`) or a name-addr; becomes the
   * Request-URI and To. Without `route` it is where the request goes: a
   * `sip:`/`sips:` URI with a host (its IP literal of the context's family),
   * else TypeError `ERR_INVALID_ARG_VALUE` (eXosip 5.3.0 would crash on a
   * `tel:` or `mailto:` one). Its headers part (`?X-Note=hi`) becomes
   * headers of the request, unescaped (RFC 3261 §19.1.5): `%0D`, `%0A`,
   * `%00` or a `%` without two hex digits in the URI are refused
   * (`ERR_INVALID_ARG_VALUE`, header injection); a display name may hold any `%`.
   */
  to: string;
  /** The sender: a SIP URI or name-addr for From; no headers part (RFC 3261 §19.1.1) and the escapes of {@link RequestOptions.to} refused. */
  from: string;
  /**
   * A Route (`sip:proxy.example.com;lr`): where the request goes, so a
   * `sip:`/`sips:` URI with a host (then `to` may be a `tel:` URI); default:
   * none, sent to the Request-URI. No headers part, as `from`. A bare URI
   * is taken as `<URI>` (a Route is a name-addr, RFC 3261 §20.34: bare,
   * libosip2 would read `;lr` as a header parameter and eXosip route strictly).
   */
  route?: string;
  /** Body: a string (UTF-8) or exact bytes. Over UDP the whole message must fit one datagram (65,507 bytes, else RangeError `ERR_MESSAGE_TOO_LARGE` before sending) and a peer built on eXosip receives at most 8,000 bytes (eXosip's `SIP_MESSAGE_MAX_LENGTH`; larger ones are dropped unanswered): use TCP for big bodies. */
  body?: string | Buffer;
  /** Content-Type of `body`; default `'text/plain'` when a body is given. */
  contentType?: string;
  /** Headers added to the request eXosip built. */
  headers?: HeaderList;
  /** Rejects with an AbortError (`code: 'ABORT_ERR'`) when it aborts; the transaction runs on in eXosip. */
  signal?: AbortSignal;
  /** Rejects with `ERR_REQUEST_TIMEOUT` after this many milliseconds; default 64,000 (past eXosip's own 32 s Timer F). */
  timeoutMs?: number;
}

/** Options of the sugar `ctx.message()` / `ctx.options()`: {@link RequestOptions} without method and target. */
export type SugarOptions = Omit<RequestOptions, 'method' | 'to' | 'body'>;

/**
 * Options of {@link Context.publish} (`eXosip_build_publish` / `eXosip_publish`,
 * RFC 3903): event state published for `to`. eXosip keeps one publication
 * per `to`: a later publish() for it carries `SIP-If-Match` with the entity
 * tag of the last 2xx (a modification, RFC 3903 §4.4), and eXosip refreshes
 * it before it expires (eXosip_automatic_action) until one with `expires: 0`
 * removes it (§4.5).
 */
export interface PublishOptions {
  /** The resource whose state this is (Request-URI and To): a SIP URI or a name-addr, as {@link RequestOptions.to}. */
  to: string;
  /** The publisher: a SIP URI or a name-addr for From. */
  from: string;
  /** The event package (RFC 3903 §4.1): `'presence'`, `'dialog'`, ... */
  event: string;
  /** Seconds the state lasts (Expires); default 3600; 0 removes the publication (send no body then). */
  expires?: number;
  /** The state document (e.g. PIDF); with `contentType`. */
  body?: string | Buffer;
  /** Content-Type of `body`: required with a body (TypeError `ERR_INVALID_ARG_VALUE` otherwise). */
  contentType?: string;
  /** A Route, as {@link RequestOptions.route}. */
  route?: string;
  /** Headers added to the PUBLISH. */
  headers?: HeaderList;
  /** Rejects with an AbortError (`code: 'ABORT_ERR'`) when it aborts; the PUBLISH stays sent. */
  signal?: AbortSignal;
  /** Rejects with `ERR_REQUEST_TIMEOUT` after this many milliseconds; default 64,000. */
  timeoutMs?: number;
}

/** The 2xx a PUBLISH resolved with. */
export interface PublishResult extends RequestResult {
  /** The entity tag the 2xx gave (SIP-ETag, RFC 3903 §11.3.1), or null. */
  readonly etag: string | null;
  /** Seconds the publication lasts (the 2xx's Expires), or null when it gave none. */
  readonly expires: number | null;
}

/** The final 2xx a request outside of a dialog resolved with. */
export interface RequestResult {
  /** The status code, 200..299. */
  readonly statusCode: number;
  /** Its reason phrase. */
  readonly reason: string;
  /** Its body (exact bytes), or null. */
  readonly body: Buffer | null;
  /** Its Content-Type, or null. */
  readonly contentType: string | null;
  /** The whole response. */
  readonly response: Message;
}

/**
 * The eXosip event an {@link IncomingRequest} came with: outside of a dialog
 * `EXOSIP_MESSAGE_NEW` (MESSAGE, OPTIONS, NOTIFY, PUBLISH, REGISTER, ...),
 * `EXOSIP_CALL_INVITE` (INVITE) or `EXOSIP_IN_SUBSCRIPTION_NEW` (SUBSCRIBE,
 * REFER); inside a call (`call.on('request')`) `EXOSIP_CALL_MESSAGE_NEW`
 * (INFO, OPTIONS, UPDATE, REFER, NOTIFY, MESSAGE, ...) or
 * `EXOSIP_CALL_REINVITE` (a re-INVITE).
 */
export type IncomingKind = 'EXOSIP_MESSAGE_NEW' | 'EXOSIP_CALL_INVITE' | 'EXOSIP_IN_SUBSCRIPTION_NEW' | 'EXOSIP_CALL_MESSAGE_NEW' | 'EXOSIP_CALL_REINVITE';
