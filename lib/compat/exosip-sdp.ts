/**
 * eXosip.h's SDP helpers (`eXosip2_sdp`): the SDP of a call, of one of its
 * transactions or of a message, as a new {@link sdp_message_t} that is yours
 * (free it with `sdp_message_free`, or leave it to the garbage collector), and
 * the media and connection of a given type inside one (pointing into it: they
 * throw `ERR_SDP_FREED` once it is freed).
 *
 * ```ts
 * const remote = eXosip_get_remote_sdp(ctx, evt.did);
 * const audio = eXosip_get_audio_media(remote);
 * const conn = eXosip_get_audio_connection(remote);
 * if (audio !== null && conn !== null) startRtp(conn.c_addr, Number(audio.m_port), audio.m_payloads);
 * sdp_message_free(remote);
 * ```
 * @module
 */
import { int, messageOrNull, nativeContext, str } from './args';
import { mediaAt, sdp_connection_t, sdpOrNull, wrapSdp, type sdp_media_t, type sdp_message_t } from './sdp';
import { binding } from '../native';
import type { osip_message_t } from './osip-message';
import type { eXosip_t } from './setup';

type Kind = 'remote' | 'local' | 'previous_local' | 'remote_tid' | 'local_tid';

function sdpOf(ctx: unknown, fn: string, kind: Kind, id: unknown, name: string): sdp_message_t | null {
  const n = nativeContext(ctx, fn);
  return wrapSdp(n.getSdp(kind, int(id, fn, name)));
}

/**
 * `sdp_message_t *eXosip_get_remote_sdp(struct eXosip_t *excontext, int did)`:
 * the peer's SDP in the last INVITE transaction of the call of dialog `did`
 * (a cid works too): the offer of an INVITE received (or the SDP of its ACK
 * when the INVITE had none), the SDP of the answer to ours. null for no such
 * call or no SDP (eXosip logs `no call here` at ERROR level).
 */
export function eXosip_get_remote_sdp(ctx: eXosip_t, did: number): sdp_message_t | null {
  return sdpOf(ctx, 'eXosip_get_remote_sdp', 'remote', did, 'did');
}

/**
 * `sdp_message_t *eXosip_get_local_sdp(struct eXosip_t *excontext, int did)`:
 * our SDP in that transaction: the offer of the INVITE we sent (or of our
 * ACK), the answer we sent to the INVITE received; null when none.
 */
export function eXosip_get_local_sdp(ctx: eXosip_t, did: number): sdp_message_t | null {
  return sdpOf(ctx, 'eXosip_get_local_sdp', 'local', did, 'did');
}

/** `sdp_message_t *eXosip_get_previous_local_sdp(struct eXosip_t *excontext, int did)`: our SDP of the INVITE transaction before the last (the one a re-INVITE replaced), or null. */
export function eXosip_get_previous_local_sdp(ctx: eXosip_t, did: number): sdp_message_t | null {
  return sdpOf(ctx, 'eXosip_get_previous_local_sdp', 'previous_local', did, 'did');
}

/** `sdp_message_t *eXosip_get_remote_sdp_from_tid(struct eXosip_t *excontext, int tid)`: as {@link eXosip_get_remote_sdp}, in the call transaction `tid` (the event's tid), or null. */
export function eXosip_get_remote_sdp_from_tid(ctx: eXosip_t, tid: number): sdp_message_t | null {
  return sdpOf(ctx, 'eXosip_get_remote_sdp_from_tid', 'remote_tid', tid, 'tid');
}

/** `sdp_message_t *eXosip_get_local_sdp_from_tid(struct eXosip_t *excontext, int tid)`: as {@link eXosip_get_local_sdp}, in the call transaction `tid`, or null. */
export function eXosip_get_local_sdp_from_tid(ctx: eXosip_t, tid: number): sdp_message_t | null {
  return sdpOf(ctx, 'eXosip_get_local_sdp_from_tid', 'local_tid', tid, 'tid');
}

/**
 * `sdp_message_t *eXosip_get_sdp_info(osip_message_t *message)`: the first
 * `application/sdp` body of `message` (also inside a `multipart/*` one),
 * parsed into a new SDP that is yours; null for null, no such body, or one
 * libosip2 cannot parse. The message stays yours (a sent one throws
 * `ERR_MESSAGE_SPENT`).
 */
export function eXosip_get_sdp_info(message: osip_message_t | null): sdp_message_t | null {
  const m = messageOrNull(message, 'eXosip_get_sdp_info');
  return m === null ? null : wrapSdp(binding.NativeSdp.fromMessage(m));
}

function media(sdp: unknown, fn: string, type: string): sdp_media_t | null {
  const native = sdpOrNull(sdp, fn);
  if (native === null) return null;
  return mediaAt(native, native.media(type));
}

function connection(sdp: unknown, fn: string, type: string): sdp_connection_t | null {
  const native = sdpOrNull(sdp, fn);
  if (native === null) return null;
  const at = native.connection(type);
  return at === null ? null : new sdp_connection_t(native, at[0], at[1]);
}

/**
 * `sdp_media_t *eXosip_get_media(sdp_message_t *sdp, const char *media)`: the
 * first media description of type `media` (case-insensitive: `'audio'`,
 * `'video'`, `'application'`...), pointing into `sdp`, or null. C crashes on
 * a NULL `sdp`; here null gives null.
 */
export function eXosip_get_media(sdp: sdp_message_t | null, media_type: string): sdp_media_t | null {
  return media(sdp, 'eXosip_get_media', str(media_type, 'eXosip_get_media', 'media'));
}

/** `sdp_media_t *eXosip_get_audio_media(sdp_message_t *sdp)`: {@link eXosip_get_media} for `'audio'`. */
export function eXosip_get_audio_media(sdp: sdp_message_t | null): sdp_media_t | null {
  return media(sdp, 'eXosip_get_audio_media', 'audio');
}

/** `sdp_media_t *eXosip_get_video_media(sdp_message_t *sdp)`: {@link eXosip_get_media} for `'video'`. */
export function eXosip_get_video_media(sdp: sdp_message_t | null): sdp_media_t | null {
  return media(sdp, 'eXosip_get_video_media', 'video');
}

/**
 * `sdp_connection_t *eXosip_get_connection(sdp_message_t *sdp, const char *media)`:
 * the connection of the first media of type `media`: its own first `c=`
 * line, else the session's (RFC 4566 §5.7); null when there is no such
 * media, or neither line. Points into `sdp`.
 */
export function eXosip_get_connection(sdp: sdp_message_t | null, media_type: string): sdp_connection_t | null {
  return connection(sdp, 'eXosip_get_connection', str(media_type, 'eXosip_get_connection', 'media'));
}

/** `sdp_connection_t *eXosip_get_audio_connection(sdp_message_t *sdp)`: {@link eXosip_get_connection} for `'audio'`. */
export function eXosip_get_audio_connection(sdp: sdp_message_t | null): sdp_connection_t | null {
  return connection(sdp, 'eXosip_get_audio_connection', 'audio');
}

/** `sdp_connection_t *eXosip_get_video_connection(sdp_message_t *sdp)`: {@link eXosip_get_connection} for `'video'`. */
export function eXosip_get_video_connection(sdp: sdp_message_t | null): sdp_connection_t | null {
  return connection(sdp, 'eXosip_get_video_connection', 'video');
}
