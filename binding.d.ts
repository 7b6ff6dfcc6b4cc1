/**
 * The native surface of the addon (`native/`), as `lib/` sees it. Only `lib/`
 * imports this; users see the classes of `lib/`.
 *
 * Conventions: methods named after an eXosip call return that call's int code
 * (negative on failure, as in C) and never throw for a failure eXosip reports.
 * They throw only for misuse C would crash on: a wrong argument type, a closed
 * context (`ERR_CONTEXT_CLOSED`), a spent message (`ERR_MESSAGE_SPENT`).
 */

import type { eXosip_stats, eXosip_tls_ctx_t } from './lib/options';

/** A SIP message eXosip sent (`received` false) or received, as text. */
export interface NativeTrace {
  kind: 'trace';
  received: boolean;
  text: string;
}

/** One line of libosip2/eXosip's own log (osip_trace). */
export interface NativeLog {
  kind: 'log';
  /** 0 FATAL, 1 BUG, 2 ERROR, 3 WARNING, 4..7 INFO1..INFO4. */
  level: number;
  file: string;
  line: number;
  text: string;
}

/**
 * An ERROR line of eXosip's TLS transport (eXtl_tls.c) logged on this
 * context's eXosip thread, while certificate verification is on: eXosip
 * reports a certificate it refused only there (native/context/log.h).
 */
export interface NativeTlsError {
  kind: 'tls';
  /** The line, e.g. `[eXosip] [TLS] invalid  depth[0] [/CN=...] [20:unable to get local issuer certificate]`. */
  text: string;
}

/**
 * The outcome of a command queued to the worker (`register*Queued`,
 * native/context/commands.h), in order with the events: before any event of
 * what it sent.
 */
export interface NativeCommandResult {
  kind: 'result';
  /** The `seq` the command was queued with. */
  seq: number;
  /** eXosip's build code, or the new rid for `registerStartQueued`; < 0: nothing was built. */
  code: number;
  /** eXosip's send code; 0 when nothing was sent. */
  sent: number;
}

/** What a native context hands its `onEvent`, in order with the events. */
export type NativeDelivery = NativeTrace | NativeLog | NativeTlsError | NativeCommandResult;

/**
 * What a native context calls for each eXosip event, in order: the fields of
 * the `eXosip_event_t` as the worker thread copied them (positional, so the JS
 * side builds one object per event). `typeId` is the numeric
 * `eXosip_event_type_t` (names: {@link eventTypes}); ids that do not apply are
 * 0; `receivedNs` is when the worker took the event from eXosip
 * (`eXosip_event_wait`), CLOCK_MONOTONIC in ns, the clock of
 * `process.hrtime.bigint()`; `request` is the transaction's request, `response`
 * its last response, `ack` the ACK (calls), each owned by its handle, or null.
 */
export type NativeEventCallback = (
  typeId: number,
  rid: number,
  tid: number,
  did: number,
  cid: number,
  sid: number,
  nid: number,
  ssStatus: number,
  ssReason: number,
  textinfo: string,
  receivedNs: bigint,
  request: NativeMessage | null,
  response: NativeMessage | null,
  ack: NativeMessage | null,
) => void;

/** One `eXosip_t` plus the worker thread that runs its application loop. */
export declare class NativeContext {
  /**
   * `eXosip_malloc`. Once {@link init} has succeeded, on the JS thread and in
   * order: `onExosipEvent` for every eXosip event, `onEvent` for every trace,
   * log line and TLS failure.
   */
  constructor(onEvent: (item: NativeDelivery) => void, onExosipEvent: NativeEventCallback);
  /** `eXosip_init`, then starts the worker thread. */
  init(): number;
  /**
   * `eXosip_listen_addr`. Port 0 picks a free port. Returns
   * `[code, boundPort, errno]`; errno is set when a bind probe failed.
   */
  listen(transport: number, address: string | null, port: number, family: number, secure: number): [number, number, number];
  /** `eXosip_set_user_agent`. */
  setUserAgent(userAgent: string): void;
  /**
   * `eXosip_set_option`. value: a number for int options, a string for char*
   * options, `[min, max]` for `EXOSIP_OPT_SET_OC_PORT_RANGE`, `{ host, ip }` for
   * the DNS cache options, an `eXosip_tls_ctx_t`-shaped object for
   * `EXOSIP_OPT_SET_TLS_CERTIFICATES_INFO` (copied, then wiped: it holds the
   * key's password). `OSIP_BADPARAMETER` for any other shape or a string
   * eXosip would cut. `EXOSIP_OPT_SET_TLS_VERIFY_CERTIFICATE` > 0 also
   * starts the {@link NativeTlsError} deliveries.
   */
  setOption(option: number, value: number | string | [number, number] | { host: string; ip: string } | eXosip_tls_ctx_t): number;
  /**
   * `EXOSIP_OPT_GET_STATISTICS` (through `eXosip_set_option`, under the
   * lock) → `[0, stats]`, or `[code, null]`.
   */
  statistics(): [number, eXosip_stats | null];
  /** `eXosip_masquerade_contact`. */
  masqueradeContact(address: string | null, port: number): void;
  /** `eXosip_lock`; nesting from JS counts and never deadlocks. */
  lock(): number;
  /** `eXosip_unlock`; `OSIP_WRONG_STATE` when JS does not hold the lock. */
  unlock(): number;
  /** `eXosip_automatic_action` (under the lock). The worker also runs it on every pass. */
  automaticAction(): void;
  /**
   * `eXosip_default_action` for an event already delivered: its type, ids and
   * response and request (borrowed, not consumed; a 401/407 needs the
   * request). 1 when eXosip had nothing to do.
   */
  defaultAction(typeId: number, rid: number, tid: number, did: number, cid: number, sid: number, nid: number, response: NativeMessage | null, request?: NativeMessage | null): number;
  /** `eXosip_register_build_initial_register` → `[rid, message]`. */
  registerBuildInitialRegister(from: string, proxy: string, contact: string | null, expires: number): [number, NativeMessage | null];
  /** `eXosip_register_build_register` → `[code, message]`. */
  registerBuildRegister(rid: number, expires: number): [number, NativeMessage | null];
  /** `eXosip_register_send_register`; the message is spent whatever the result. */
  registerSendRegister(rid: number, message: NativeMessage | null): number;
  /**
   * `eXosip_register_build_register` then `eXosip_register_send_register` under
   * one lock → `[buildCode, sendCode]`; `buildCode < 0`: nothing built (sendCode 0).
   * With `callId` and `sinceNs` (an event's `receivedNs`): OSIP_WRONG_STATE, nothing
   * built, when a REGISTER with that Call-ID left after `sinceNs`
   * (native/context/register_sends.h; known while the context holds a trace slot).
   */
  registerRefresh(rid: number, expires: number, callId?: string, sinceNs?: bigint): [number, number];
  /** `eXosip_register_remove`. */
  registerRemove(rid: number): number;
  /**
   * `eXosip_register_build_initial_register` then `eXosip_register_send_register`
   * under one lock, for a REGISTER sent as built, run by the worker thread (the
   * JS thread never waits for `eXosip_lock`): `[rid, sendCode]` comes to
   * `onEvent` as the {@link NativeCommandResult} `{ seq, code: rid, sent }`;
   * `rid < 0`: nothing built (sent 0).
   */
  registerStartQueued(seq: number, from: string, proxy: string, contact: string | null, expires: number): void;
  /** {@link registerRefresh} run by the worker thread; the pair comes as the {@link NativeCommandResult} `seq`. */
  registerRefreshQueued(seq: number, rid: number, expires: number): void;
  /**
   * `true`: the `*Queued` calls run on the JS thread under the lock, their
   * results still queued in order with the events (a ContextPool's contexts,
   * native/context/commands.h); `false` (the default): on the worker.
   */
  setCommandsInline(on: boolean): void;
  /**
   * JS gave up on the queued command `seq`: if the worker has not taken it
   * yet it is not run, and its result comes as `code` OSIP_UNDEFINED_ERROR
   * (-1), `sent` 0; taken already, it runs as usual (native/context/commands.h).
   */
  cancelQueued(seq: number): void;
  /** {@link registerRemove} run by the worker thread; no result (an unknown rid is `OSIP_NOTFOUND` there, as a second remove is). */
  registerRemoveQueued(rid: number): void;
  /** `eXosip_message_build_request` → `[code, request]` (a request outside of a dialog). */
  messageBuildRequest(method: string, to: string, from: string, route: string | null): [number, NativeMessage | null];
  /** `eXosip_message_send_request` → tid (> 0) or a negative code; the message is spent whatever the result. */
  messageSendRequest(message: NativeMessage): number;
  /** `eXosip_message_build_answer` → `[code, answer]` for a request of an `EXOSIP_MESSAGE_NEW` event. */
  messageBuildAnswer(tid: number, status: number): [number, NativeMessage | null];
  /**
   * `eXosip_message_send_answer`. The answer is spent whatever the result
   * (on `OSIP_BADPARAMETER` for a bad tid/status the binding frees it, where
   * C would leak it).
   */
  messageSendAnswer(tid: number, status: number, answer: NativeMessage | null): number;
  /** `eXosip_options_build_request` → `[code, request]`. */
  optionsBuildRequest(to: string, from: string, route: string | null): [number, NativeMessage | null];
  /** `eXosip_options_send_request` → tid (> 0) or a negative code; the message is spent. */
  optionsSendRequest(message: NativeMessage): number;
  /** `eXosip_options_build_answer` → `[code, answer]` for an OPTIONS of an `EXOSIP_MESSAGE_NEW` event. */
  optionsBuildAnswer(tid: number, status: number): [number, NativeMessage | null];
  /** `eXosip_options_send_answer`; the answer is spent whatever the result (as {@link messageSendAnswer}). */
  optionsSendAnswer(tid: number, status: number, answer: NativeMessage | null): number;
  /** `eXosip_call_build_answer` → `[code, answer]` for the INVITE of an `EXOSIP_CALL_INVITE` event. */
  callBuildAnswer(tid: number, status: number): [number, NativeMessage | null];
  /** `eXosip_call_send_answer`; the answer is spent whatever the result (eXosip frees it). */
  callSendAnswer(tid: number, status: number, answer: NativeMessage | null): number;
  /** `eXosip_call_build_initial_invite` → `[code, invite]` (route, subject: null for none). */
  callBuildInitialInvite(to: string, from: string, route: string | null, subject: string | null): [number, NativeMessage | null];
  /** `eXosip_call_send_initial_invite` → cid (> 0) or a negative code; the INVITE is spent whatever the result. */
  callSendInitialInvite(invite: NativeMessage | null): number;
  /** `eXosip_call_build_ack` → `[code, ack]` for the 2xx of INVITE transaction `tid` (a did also works). */
  callBuildAck(tid: number): [number, NativeMessage | null];
  /** `eXosip_call_send_ack` → code; the ACK is spent (null: eXosip builds it). */
  callSendAck(tid: number, ack: NativeMessage | null): number;
  /** `eXosip_call_build_request` → `[code, request]` inside dialog `did` (INFO, INVITE, UPDATE, ...). */
  callBuildRequest(did: number, method: string): [number, NativeMessage | null];
  /**
   * `eXosip_call_build_info` / `_options` / `_update` (`arg` unused), `_refer`
   * (`arg`: Refer-To) and `_notify` (`arg`: `EXOSIP_SUBCRSTATE_*`) → `[code, request]`.
   */
  callBuildShorthand(kind: 'info' | 'options' | 'update' | 'refer' | 'notify', did: number, arg?: string | number): [number, NativeMessage | null];
  /** `eXosip_call_send_request` → code; the request is spent whatever the result. */
  callSendRequest(did: number, request: NativeMessage | null): number;
  /** `eXosip_call_build_prack` → `[code, prack]` for the reliable 1xx `response1xx` (not consumed) of transaction `tid`. */
  callBuildPrack(tid: number, response1xx: NativeMessage): [number, NativeMessage | null];
  /** `eXosip_call_send_prack` → code; the PRACK is spent whatever the result. */
  callSendPrack(tid: number, prack: NativeMessage | null): number;
  /** `eXosip_call_terminate_with_header` (null name: `eXosip_call_terminate`) → code: CANCEL, BYE or a final answer. */
  callTerminate(cid: number, did: number, headerName: string | null, headerValue: string | null): number;
  /** `eXosip_call_get_referto` → `[code, referTo]`: the dialog's remote URI with a Replaces header. */
  callGetReferTo(did: number): [number, string | null];
  /** `eXosip_call_find_by_replaces` → cid (> 0) or a negative code (`OSIP_NOTFOUND`: answer 481). */
  callFindByReplaces(replaces: string): number;
  /**
   * `eXosip_call_set_reference` with `token` (> 0, or 0 for NULL) as the
   * `void *` → `[code, cid]`: the cid of the call whose reference was set
   * (`id` is a cid or a did), 0 when none was.
   */
  callSetReference(id: number, token: number): [number, number];
  /** `eXosip_call_get_reference` → the token set for call `cid`, 0 for none (NULL). */
  callGetReference(cid: number): number;
  /**
   * `eXosip_get_remote_sdp` / `_local_sdp` / `_previous_local_sdp` (id: a
   * did) or `eXosip_get_remote_sdp_from_tid` / `_local_sdp_from_tid` (id: a
   * tid) → a new SDP owned by the caller, or null.
   */
  getSdp(kind: 'remote' | 'local' | 'previous_local' | 'remote_tid' | 'local_tid', id: number): NativeSdp | null;
  /** `eXosip_guess_localip` → `[code, address]` (`size` bytes at most, NUL included). */
  guessLocalIp(family: number, size: number): [number, string | null];
  /** `eXosip_insubscription_build_answer` → `[code, answer]` for an `EXOSIP_IN_SUBSCRIPTION_NEW` event. */
  insubscriptionBuildAnswer(tid: number, status: number): [number, NativeMessage | null];
  /** `eXosip_insubscription_send_answer`; the answer is spent whatever the result. */
  insubscriptionSendAnswer(tid: number, status: number, answer: NativeMessage | null): number;
  /** `eXosip_subscription_build_initial_subscribe` → `[code, subscribe]` (`OSIP_BADPARAMETER`: a target eXosip cannot send to). */
  subscriptionBuildInitialSubscribe(to: string, from: string, route: string | null, event: string, expires: number): [number, NativeMessage | null];
  /** `eXosip_subscription_build_initial_refer` → `[code, refer]`. */
  subscriptionBuildInitialRefer(to: string, from: string, route: string | null, referTo: string): [number, NativeMessage | null];
  /** `eXosip_subscription_send_initial_request` → sid (> 0) or a negative code; spent whatever the result. */
  subscriptionSendInitialRequest(request: NativeMessage): number;
  /** `eXosip_subscription_build_refresh_request` → `[code, subscribe]` inside subscription dialog `did`. */
  subscriptionBuildRefreshRequest(did: number): [number, NativeMessage | null];
  /** `eXosip_subscription_send_refresh_request`; spent whatever the result. */
  subscriptionSendRefreshRequest(did: number, request: NativeMessage): number;
  /** `eXosip_subscription_remove`. */
  subscriptionRemove(did: number): number;
  /** `eXosip_insubscription_build_request` → `[code, request]` inside incoming subscription dialog `did`. */
  insubscriptionBuildRequest(did: number, method: string): [number, NativeMessage | null];
  /** `eXosip_insubscription_build_notify` → `[code, notify]` (Subscription-State from `EXOSIP_SUBCRSTATE_*` and a reason). */
  insubscriptionBuildNotify(did: number, subscriptionStatus: number, subscriptionReason: number): [number, NativeMessage | null];
  /** `eXosip_insubscription_send_request`; spent whatever the result. */
  insubscriptionSendRequest(did: number, request: NativeMessage): number;
  /** `eXosip_insubscription_remove`. */
  insubscriptionRemove(did: number): number;
  /** `eXosip_build_publish` → `[code, publish]` (RFC 3903). */
  buildPublish(to: string, from: string, route: string | null, event: string, expires: string | null, ctype: string | null, body: string | null): [number, NativeMessage | null];
  /** `eXosip_publish` → tid (> 0) or a negative code, for the publication of AoR `to`; spent whatever the result. */
  publish(request: NativeMessage, to: string): number;
  /** `eXosip_add_authentication_info`; `OSIP_BADPARAMETER` for a value over 49 bytes. */
  addAuthenticationInfo(username: string, userid: string, password: string, ha1: string | null, realm: string | null): number;
  /** `eXosip_remove_authentication_info`. */
  removeAuthenticationInfo(username: string, realm: string): number;
  /** `eXosip_clear_authentication_info`. */
  clearAuthenticationInfo(): number;
  /**
   * Stops the worker, `eXosip_quit`, frees the context. `onClosed` runs once
   * every event already queued has been delivered.
   */
  close(onClosed?: () => void): void;
  /** Keeps the event loop alive while the context is open (the default). */
  ref(): void;
  /** Lets the process exit while the context is open. */
  unref(): void;
  /**
   * `eXosip_set_cbsip_message`: while on, every SIP message sent or received
   * reaches `onEvent` as a {@link NativeTrace}, in order with the events.
   * `OSIP_TOOMUCHCALL` when 512 contexts of the process already trace.
   */
  setTrace(on: boolean): number;
  /**
   * osip_trace lines of level <= `level` (0..7) reach `onEvent` as
   * {@link NativeLog}; -1 stops them. osip's log is process-wide: every
   * context that asks gets every line.
   */
  setLogLevel(level: number): void;
  /** How many `lock()` calls JS has not yet matched with `unlock()`. */
  readonly lockDepth: number;
  /** `'allocated'` (before init), `'running'`, or `'closed'`. */
  readonly state: 'allocated' | 'running' | 'closed';
  /**
   * How many times the worker held `eXosip_automatic_action` back because
   * eXosip was re-sending a REGISTER that failed without a response at once
   * (native/util/retry_pacer.h).
   */
  readonly retryPauses: number;
}

/** One `osip_message_t`, owned by this handle until it is sent or disposed. */
export declare class NativeMessage {
  /** An empty message (`osip_message_init`). */
  constructor();
  /** `osip_message_parse` → `[code, message]`. */
  static parse(raw: string | Buffer): [number, NativeMessage | null];
  /** `osip_message_to_str`. */
  toString(): string;
  /** Every value of a header, typed or generic, by name (case-insensitive, compact forms too). */
  getHeaders(name: string): string[];
  /** Appends a header (typed headers are parsed) → code. */
  addHeader(name: string, value: string): number;
  /** Removes every header of that name → how many. */
  removeHeaders(name: string): number;
  /** `osip_message_set_header` (generic list) → code. */
  setGenericHeader(name: string, value: string): number;
  /** `osip_message_replace_header` → code. */
  replaceGenericHeader(name: string, value: string): number;
  /** The Expires header's value, or null. */
  getExpires(): string | null;
  /** Replaces the Expires header → code. */
  setExpires(value: string): number;
  /** `osip_message_clone`. */
  clone(): NativeMessage;
  /** Frees the message now; later use throws `ERR_MESSAGE_DISPOSED`. */
  dispose(): void;
  /** Status code of a response; 0 for a request. */
  readonly statusCode: number;
  /** Reason phrase of a response, or null. */
  readonly reasonPhrase: string | null;
  /** Method of a request, or of the CSeq of a response. */
  readonly method: string | null;
  /** Request-URI of a request, or null. */
  readonly requestUri: string | null;
  /** `'owned'`, `'spent'` (handed to eXosip) or `'disposed'`. */
  readonly state: 'owned' | 'spent' | 'disposed';
  /** The body as sent on the wire (a multipart body re-serialized by libosip2, boundaries included), or null. */
  getBody(): Buffer | null;
  /** Replaces every body with these exact bytes (none for null or empty); Content-Length follows → code. */
  setBody(body: Buffer | string | null): number;
  /** `osip_message_set_body`: appends one body (Content-Length follows) → code. */
  addBody(body: Buffer | string): number;
  /** Replaces the reason phrase of a response (`osip_message_set_reason_phrase`). */
  setReasonPhrase(reason: string): void;
  /** Every body libosip2 holds (one per part of a multipart body), in order. */
  getBodies(): Array<{ contentType: string | null; data: Buffer }>;
  /** The Content-Type header, or null. */
  getContentType(): string | null;
  /** Replaces the Content-Type header (`osip_message_set_content_type`), null removes it → code. */
  setContentType(value: string | null): number;
}

/**
 * One `sdp_message_t` (libosip2), owned by this handle until `free()` or
 * garbage collection; after `free()` every method throws `ERR_SDP_FREED`.
 */
export declare class NativeSdp {
  /** An empty SDP (`sdp_message_init`). */
  constructor();
  /** `sdp_message_parse` of `buf` (up to its first NUL) into a new SDP → `[code, sdp]` (null when code != 0). */
  static parse(buf: string | Buffer): [number, NativeSdp | null];
  /** `eXosip_get_sdp_info`: the first `application/sdp` body of `message` (multipart too), parsed, or null. */
  static fromMessage(message: NativeMessage): NativeSdp | null;
  /** `sdp_message_to_str` → `[code, text]`. */
  toString(): [number, string | null];
  /** `sdp_message_clone` → `[code, copy]`. */
  clone(): [number, NativeSdp | null];
  /** `sdp_message_free`; throws `ERR_SDP_FREED` when already freed. */
  free(): void;
  /** Whether `free()` was called. */
  readonly freed: boolean;
  /** `sdp_message_<name>_get(sdp, a, b)` (positions as that function takes them; extra ones ignored) → the string, or null (NULL). */
  field(name: string, a: number, b: number): string | null;
  /** Size of one of the message's lists at `posMedia` (-1: the session's); -1 for no such media. */
  count(list: 'm_medias' | 'm_payloads' | 'c_connections' | 'a_attributes' | 'b_bandwidths' | 't_descrs' | 'e_emails' | 'p_phones', posMedia: number): number;
  /** `sdp_message_endof_media(sdp, pos)`: 0 while a media line exists at pos. */
  endOfMedia(pos: number): number;
  /** Position of `eXosip_get_media(sdp, media)` in the media list, or -1 (NULL). */
  media(media: string): number;
  /** `eXosip_get_connection(sdp, media)` as `[posMedia, pos]` (posMedia -1: the session's c= line), or null. */
  connection(media: string): [number, number] | null;
}

/** Every OSIP return code by C name, e.g. `{ OSIP_NOTFOUND: -6 }`. */
export declare const osipCodes: Readonly<Record<string, number>>;
/** Every `eXosip_event_type_t` by C name. */
export declare const eventTypes: Readonly<Record<string, number>>;
/** C constants with the values of the headers the addon was built against. */
export declare const constants: Readonly<{
  IPPROTO_UDP: number;
  IPPROTO_TCP: number;
  AF_INET: number;
  AF_INET6: number;
  /** Every `EXOSIP_OPT_*` by C name. */
  options: Readonly<Record<string, number>>;
  /** eX_subscribe.h's `EXOSIP_SUBCRSTATE_*`, `eXosip_ss_reason` (`DEACTIVATED`...) and `EXOSIP_NOTIFY_*` by C name. */
  subscription: Readonly<Record<string, number>>;
}>;
/** `eXosip_get_version()`. */
export declare const exosipVersion: string;

/** The JS error classes the addon throws, handed over by {@link setErrorClasses}. */
export interface ErrorClasses {
  /**
   * lib/errors.ts's `SipError`: native code calls
   * `new SipError(message, code, errno)` with `code` the C name of an OSIP
   * return code (`'OSIP_NOMEM'`) and `errno` its negative value.
   */
  SipError: new (message: string, code: string, errno: number) => Error;
}

/**
 * Hands the addon the error classes of lib/errors.ts, which calls it once as
 * it loads (as better-sqlite3 hands `SqliteError` to its addon). Native
 * failures with an OSIP return code (`osip_message_to_str`,
 * `osip_message_clone`, `osip_message_init`, `eXosip_malloc`) then throw a
 * `SipError` directly, so `lib/` does not re-wrap them; before the call they
 * throw an `Error` with the same `message`, `code` and `errno`. Kept per
 * environment: each worker_thread hands over its own classes; a second call
 * replaces the first. Throws a TypeError (`ERR_INVALID_ARG_TYPE`) when
 * `classes.SipError` is not a function.
 */
export declare function setErrorClasses(classes: ErrorClasses): void;
