/**
 * sdp_message.h (libosip2): the parsed SDP (RFC 4566) eXosip's SDP helpers
 * return, as an opaque {@link sdp_message_t} handle with libosip2's C
 * functions: `sdp_message_init` / `_parse` / `_to_str` / `_clone` / `_free`
 * here, the `sdp_message_*_get` accessors in `sdp-get.ts`, eXosip's helpers
 * (`eXosip_get_remote_sdp`, `eXosip_get_audio_media`, ...) in `exosip-sdp.ts`.
 *
 * Ownership is C's: an `sdp_message_t` you got (from `sdp_message_init`,
 * `sdp_message_clone` or an `eXosip_get_*_sdp`) is yours; free it with
 * {@link sdp_message_free} when done, or leave it to the garbage collector
 * (no leak either way). The structs read from it ({@link sdp_media_t},
 * {@link sdp_connection_t}, {@link sdp_attribute_t}, {@link sdp_bandwidth_t})
 * point into it, as in C: each field is read from the SDP when you read it,
 * and once the SDP is freed (or re-parsed) every read throws `ERR_SDP_FREED`
 * instead of touching freed memory; so does a second `sdp_message_free`.
 * @module
 */
import type { NativeSdp } from '../../binding';
import { stateError, typeError } from '../errors';
import { binding } from '../native';
import { int } from './args';
import { OSIP_BADPARAMETER, OSIP_SUCCESS } from './constants';

const handles = new WeakMap<sdp_message_t, NativeSdp>();

/**
 * `sdp_message_t *`: one parsed SDP session description, opaque. Read it
 * with the `sdp_message_*_get` functions or eXosip's helpers; free it with
 * {@link sdp_message_free}.
 */
export class sdp_message_t {
  /** @internal Wraps a native handle; use {@link sdp_message_init} or eXosip's getters. */
  constructor(native: NativeSdp) {
    handles.set(this, native);
  }
}

/** @internal The native SDP behind `sdp` (a TypeError naming `fn` for anything else), or null for null. */
export function sdpOrNull(sdp: unknown, fn: string): NativeSdp | null {
  if (sdp === null || sdp === undefined) return null;
  const native = sdp instanceof sdp_message_t ? handles.get(sdp) : undefined;
  if (native === undefined) throw typeError('ERR_INVALID_ARG_TYPE', `${fn}: sdp must be an sdp_message_t or null`);
  return native;
}

/** @internal An `sdp_message_t` for a native SDP, or null for null (C's NULL). */
export function wrapSdp(native: NativeSdp | null): sdp_message_t | null {
  return native === null ? null : new sdp_message_t(native);
}

/** Where a struct points: the SDP's native handle and the positions libosip2's accessors take (posMedia -1: the session). */
interface Place {
  readonly sdp: NativeSdp;
  readonly posMedia: number;
  readonly pos: number;
}

/** `sdp_message_<name>_get(sdp, pos_media, pos)` at `at`; throws `ERR_SDP_FREED` once the SDP is gone. */
function read(at: Place, name: string): string | null {
  return at.sdp.field(name, at.posMedia, at.pos);
}

/** `sdp_connection_t *`: one `c=` line (RFC 4566 §5.7), pointing into its SDP. Every field throws `ERR_SDP_FREED` once the SDP is freed. */
export class sdp_connection_t {
  readonly #at: Place;

  /** @internal Made by the functions that return it. */
  constructor(sdp: NativeSdp, posMedia: number, pos: number) {
    this.#at = { sdp, posMedia, pos };
  }

  /** Network type, `'IN'`. */
  get c_nettype(): string | null {
    return read(this.#at, 'c_nettype');
  }
  /** Address type, `'IP4'` or `'IP6'`. */
  get c_addrtype(): string | null {
    return read(this.#at, 'c_addrtype');
  }
  /** The connection address. */
  get c_addr(): string | null {
    return read(this.#at, 'c_addr');
  }
  /** Multicast TTL, or null. */
  get c_addr_multicast_ttl(): string | null {
    return read(this.#at, 'c_addr_multicast_ttl');
  }
  /** Number of multicast addresses, or null. */
  get c_addr_multicast_int(): string | null {
    return read(this.#at, 'c_addr_multicast_int');
  }
}

/** `sdp_attribute_t *`: one `a=` line (RFC 4566 §5.13), pointing into its SDP; fields throw `ERR_SDP_FREED` once it is freed. */
export class sdp_attribute_t {
  readonly #at: Place;

  /** @internal Made by the functions that return it. */
  constructor(sdp: NativeSdp, posMedia: number, pos: number) {
    this.#at = { sdp, posMedia, pos };
  }

  /** The attribute name (`'rtpmap'`, `'sendrecv'`). */
  get a_att_field(): string | null {
    return read(this.#at, 'a_att_field');
  }
  /** Its value (`'0 PCMU/8000'`), or null for a flag. */
  get a_att_value(): string | null {
    return read(this.#at, 'a_att_value');
  }
}

/** `sdp_bandwidth_t *`: one `b=` line (RFC 4566 §5.8), pointing into its SDP; fields throw `ERR_SDP_FREED` once it is freed. */
export class sdp_bandwidth_t {
  readonly #at: Place;

  /** @internal Made by the functions that return it. */
  constructor(sdp: NativeSdp, posMedia: number, pos: number) {
    this.#at = { sdp, posMedia, pos };
  }

  /** Bandwidth type (`'AS'`, `'CT'`, `'TIAS'`). */
  get b_bwtype(): string | null {
    return read(this.#at, 'b_bwtype');
  }
  /** Bandwidth value (kbit/s for AS and CT). */
  get b_bandwidth(): string | null {
    return read(this.#at, 'b_bandwidth');
  }
}

/** `sdp_key_t *`: a `k=` line (RFC 4566 §5.12), copied out of its SDP. */
export interface sdp_key_t {
  /** The method: `'clear'`, `'base64'`, `'uri'` or `'prompt'`. */
  readonly k_keytype: string;
  /** The key, or null (`prompt`). */
  readonly k_keydata: string | null;
}

/**
 * `sdp_media_t *`: one media description (`m=` line and the lines below it,
 * RFC 4566 §5.14), pointing into its SDP. The lists are arrays read when you
 * read the field; every field throws `ERR_SDP_FREED` once the SDP is freed.
 */
export class sdp_media_t {
  readonly #at: Place;

  /** @internal Made by the functions that return it. */
  constructor(sdp: NativeSdp, posMedia: number, pos: number) {
    this.#at = { sdp, posMedia, pos };
  }

  /** Media type: `'audio'`, `'video'`, ... */
  get m_media(): string | null {
    return read(this.#at, 'm_media');
  }
  /** Transport port, as text (`'49170'`); `'0'` for a rejected stream. */
  get m_port(): string | null {
    return read(this.#at, 'm_port');
  }
  /** Number of ports (`m=audio 49170/2 ...`), or null. */
  get m_number_of_port(): string | null {
    return read(this.#at, 'm_number_of_port');
  }
  /** Transport protocol, `'RTP/AVP'`, `'RTP/SAVP'`, ... */
  get m_proto(): string | null {
    return read(this.#at, 'm_proto');
  }
  /** Media title (`i=`), or null. */
  get i_info(): string | null {
    return read(this.#at, 'i_info');
  }
  /** The formats (payload types) of the `m=` line, in order (C: `m_payloads`, a list of `char *`). */
  get m_payloads(): string[] {
    return this.#list('m_payloads', (k) => this.#at.sdp.field('m_payload', this.#at.posMedia, k)!);
  }
  /** The media's own `c=` lines (C: `c_connections`); empty when it uses the session's. */
  get c_connections(): sdp_connection_t[] {
    return this.#list('c_connections', (k) => new sdp_connection_t(this.#at.sdp, this.#at.posMedia, k));
  }
  /** Its `a=` lines (C: `a_attributes`). */
  get a_attributes(): sdp_attribute_t[] {
    return this.#list('a_attributes', (k) => new sdp_attribute_t(this.#at.sdp, this.#at.posMedia, k));
  }
  /** Its `b=` lines (C: `b_bandwidths`). */
  get b_bandwidths(): sdp_bandwidth_t[] {
    return this.#list('b_bandwidths', (k) => new sdp_bandwidth_t(this.#at.sdp, this.#at.posMedia, k));
  }
  /** Its `k=` line as `{ k_keytype, k_keydata }` (C: `k_key`), or null. */
  get k_key(): sdp_key_t | null {
    const k_keytype = read(this.#at, 'k_keytype');
    return k_keytype === null ? null : Object.freeze({ k_keytype, k_keydata: read(this.#at, 'k_keydata') });
  }

  #list<T>(list: 'm_payloads' | 'c_connections' | 'a_attributes' | 'b_bandwidths', at: (k: number) => T): T[] {
    const n = this.#at.sdp.count(list, this.#at.posMedia);
    return Array.from({ length: Math.max(n, 0) }, (_, k) => at(k));
  }
}

/** @internal A struct at a position, or null when libosip2 has nothing there (C's NULL). */
export function structAt<T>(make: new (sdp: NativeSdp, posMedia: number, pos: number) => T, sdp: NativeSdp, probe: string, posMedia: number, pos: number): T | null {
  return sdp.field(probe, posMedia, pos) === null ? null : new make(sdp, posMedia, pos);
}

/** @internal The media struct at `pos`, or null. */
export function mediaAt(sdp: NativeSdp, pos: number): sdp_media_t | null {
  return pos < 0 || sdp.endOfMedia(pos) !== 0 ? null : new sdp_media_t(sdp, pos, 0);
}

/** `int sdp_message_init(sdp_message_t **sdp)` → `[0, sdp]`: an empty SDP, yours (parse into it with {@link sdp_message_parse}). */
export function sdp_message_init(): [code: number, sdp: sdp_message_t] {
  return [OSIP_SUCCESS, new sdp_message_t(new binding.NativeSdp())];
}

/**
 * `int sdp_message_parse(sdp_message_t *sdp, const char *buf)` → 0, or the
 * negative code libosip2 returns for text it refuses: libosip2 5.x answers
 * -1 (`OSIP_UNDEFINED_ERROR`) for empty text, a missing `v=`, `o=`, `s=` or
 * `t=` line or a malformed line. `buf` is read up to a NUL, as in C.
 * `OSIP_BADPARAMETER` for a null `sdp` or `buf`.
 *
 * ```ts
 * const [, sdp] = sdp_message_init();
 * if (sdp_message_parse(sdp, body) !== 0) { sdp_message_free(sdp); return -1; }
 * ```
 *
 * One difference from C: `buf` is parsed into a fresh SDP that replaces what
 * `sdp` held on success (C would leak and mix the two when parsing twice);
 * structs read from the old content then throw `ERR_SDP_FREED`. On failure
 * `sdp` is left as it was (C leaves it half filled; free it either way).
 * Throws `ERR_SDP_FREED` for a freed `sdp`.
 */
export function sdp_message_parse(sdp: sdp_message_t | null, buf: string | Uint8Array | null): number {
  const fn = 'sdp_message_parse';
  const native = sdpOrNull(sdp, fn);
  if (buf !== null && buf !== undefined && typeof buf !== 'string' && !(buf instanceof Uint8Array)) {
    throw typeError('ERR_INVALID_ARG_TYPE', `${fn}: buf must be a string, a Buffer (Uint8Array) or null`);
  }
  if (native === null || buf === null || buf === undefined) return OSIP_BADPARAMETER;
  if (native.freed) throw stateError('ERR_SDP_FREED', `${fn}: this sdp_message_t was freed`);
  const [code, parsed] = binding.NativeSdp.parse(typeof buf === 'string' ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength));
  if (code !== OSIP_SUCCESS || parsed === null) return code;
  native.free();
  handles.set(sdp!, parsed);
  return OSIP_SUCCESS;
}

/**
 * `int sdp_message_to_str(sdp_message_t *sdp, char **dest)` → `[code, dest]`:
 * the SDP as text, CRLF-terminated lines (libosip2 refuses, with a negative
 * code, an SDP that lacks a mandatory line, e.g. a fresh `sdp_message_init`).
 * `[OSIP_BADPARAMETER, null]` for null; `ERR_SDP_FREED` for a freed SDP.
 */
export function sdp_message_to_str(sdp: sdp_message_t | null): [code: number, dest: string | null] {
  const native = sdpOrNull(sdp, 'sdp_message_to_str');
  return native === null ? [OSIP_BADPARAMETER, null] : native.toString();
}

/** `int sdp_message_clone(sdp_message_t *sdp, sdp_message_t **dest)` → `[code, dest]`: a deep copy, yours. `[OSIP_BADPARAMETER, null]` for null. */
export function sdp_message_clone(sdp: sdp_message_t | null): [code: number, dest: sdp_message_t | null] {
  const native = sdpOrNull(sdp, 'sdp_message_clone');
  if (native === null) return [OSIP_BADPARAMETER, null];
  const [code, copy] = native.clone();
  return [code, wrapSdp(copy)];
}

/**
 * `void sdp_message_free(sdp_message_t *sdp)`: frees an SDP you own now
 * (else the garbage collector does). null does nothing. A second free
 * throws `ERR_SDP_FREED` (a double free in C), as does every later use of
 * the SDP and of the structs read from it.
 */
export function sdp_message_free(sdp: sdp_message_t | null): void {
  sdpOrNull(sdp, 'sdp_message_free')?.free();
}

/**
 * `int sdp_message_endof_media(sdp_message_t *sdp, int pos)` → 0 while the
 * SDP has a media description at `pos`, a negative code past the last (the
 * C loop `for (pos = 0; !sdp_message_endof_media(sdp, pos); pos++)` works as
 * it is). `OSIP_BADPARAMETER` for null.
 */
export function sdp_message_endof_media(sdp: sdp_message_t | null, pos: number): number {
  const fn = 'sdp_message_endof_media';
  const native = sdpOrNull(sdp, fn);
  const p = int(pos, fn, 'pos');
  return native === null ? OSIP_BADPARAMETER : native.endOfMedia(p);
}
