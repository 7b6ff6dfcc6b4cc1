/**
 * sdp_message.h (libosip2): the `sdp_message_*_get` accessors, each the C
 * function of that name (positions as C takes them: `pos_media` -1 is the
 * session level for `i=`, `c=`, `b=`, `k=` and `a=` lines; a position with
 * nothing there gives null, C's NULL). A null `sdp` gives null too; a freed
 * one throws `ERR_SDP_FREED`. The returned strings are copies: unlike C's
 * `char *`, they stay valid after {@link sdp_message_free}.
 * @module
 */
import { int } from './args';
import { sdp_attribute_t, sdp_bandwidth_t, sdp_connection_t, sdpOrNull, structAt, type sdp_message_t } from './sdp';

function get(fn: string, sdp: unknown, name: string, a: unknown = 0, b: unknown = 0): string | null {
  const native = sdpOrNull(sdp, `sdp_message_${fn}`);
  const x = int(a, `sdp_message_${fn}`, 'position');
  const y = int(b, `sdp_message_${fn}`, 'position');
  return native === null ? null : native.field(name, x, y);
}

/** `char *sdp_message_v_version_get(sdp_message_t *sdp)`: the `v=` line (`'0'`). */
export function sdp_message_v_version_get(sdp: sdp_message_t | null): string | null {
  return get('v_version_get', sdp, 'v_version');
}

/** `char *sdp_message_o_username_get(sdp_message_t *sdp)`: `o=`'s user name. */
export function sdp_message_o_username_get(sdp: sdp_message_t | null): string | null {
  return get('o_username_get', sdp, 'o_username');
}

/** `char *sdp_message_o_sess_id_get(sdp_message_t *sdp)`: `o=`'s session id. */
export function sdp_message_o_sess_id_get(sdp: sdp_message_t | null): string | null {
  return get('o_sess_id_get', sdp, 'o_sess_id');
}

/** `char *sdp_message_o_sess_version_get(sdp_message_t *sdp)`: `o=`'s session version (RFC 3264 §8: raised by each new offer). */
export function sdp_message_o_sess_version_get(sdp: sdp_message_t | null): string | null {
  return get('o_sess_version_get', sdp, 'o_sess_version');
}

/** `char *sdp_message_o_nettype_get(sdp_message_t *sdp)`: `o=`'s network type (`'IN'`). */
export function sdp_message_o_nettype_get(sdp: sdp_message_t | null): string | null {
  return get('o_nettype_get', sdp, 'o_nettype');
}

/** `char *sdp_message_o_addrtype_get(sdp_message_t *sdp)`: `o=`'s address type (`'IP4'`, `'IP6'`). */
export function sdp_message_o_addrtype_get(sdp: sdp_message_t | null): string | null {
  return get('o_addrtype_get', sdp, 'o_addrtype');
}

/** `char *sdp_message_o_addr_get(sdp_message_t *sdp)`: `o=`'s address. */
export function sdp_message_o_addr_get(sdp: sdp_message_t | null): string | null {
  return get('o_addr_get', sdp, 'o_addr');
}

/** `char *sdp_message_s_name_get(sdp_message_t *sdp)`: the session name (`s=`). */
export function sdp_message_s_name_get(sdp: sdp_message_t | null): string | null {
  return get('s_name_get', sdp, 's_name');
}

/** `char *sdp_message_i_info_get(sdp_message_t *sdp, int pos_media)`: the `i=` line of a media (-1: of the session). */
export function sdp_message_i_info_get(sdp: sdp_message_t | null, pos_media: number): string | null {
  return get('i_info_get', sdp, 'i_info', pos_media);
}

/** `char *sdp_message_u_uri_get(sdp_message_t *sdp)`: the `u=` line. */
export function sdp_message_u_uri_get(sdp: sdp_message_t | null): string | null {
  return get('u_uri_get', sdp, 'u_uri');
}

/** `char *sdp_message_e_email_get(sdp_message_t *sdp, int pos)`: the `e=` line at `pos`. */
export function sdp_message_e_email_get(sdp: sdp_message_t | null, pos: number): string | null {
  return get('e_email_get', sdp, 'e_email', pos);
}

/** `char *sdp_message_p_phone_get(sdp_message_t *sdp, int pos)`: the `p=` line at `pos`. */
export function sdp_message_p_phone_get(sdp: sdp_message_t | null, pos: number): string | null {
  return get('p_phone_get', sdp, 'p_phone', pos);
}

/** `char *sdp_message_c_nettype_get(sdp_message_t *sdp, int pos_media, int pos)`: a `c=` line's network type. */
export function sdp_message_c_nettype_get(sdp: sdp_message_t | null, pos_media: number, pos: number): string | null {
  return get('c_nettype_get', sdp, 'c_nettype', pos_media, pos);
}

/** `char *sdp_message_c_addrtype_get(sdp_message_t *sdp, int pos_media, int pos)`: a `c=` line's address type. */
export function sdp_message_c_addrtype_get(sdp: sdp_message_t | null, pos_media: number, pos: number): string | null {
  return get('c_addrtype_get', sdp, 'c_addrtype', pos_media, pos);
}

/**
 * `char *sdp_message_c_addr_get(sdp_message_t *sdp, int pos_media, int pos)`:
 * the address of the `c=` line at `pos` of media `pos_media`, or of the
 * session's (`pos_media` -1, `pos` 0): where to send the RTP.
 */
export function sdp_message_c_addr_get(sdp: sdp_message_t | null, pos_media: number, pos: number): string | null {
  return get('c_addr_get', sdp, 'c_addr', pos_media, pos);
}

/** `char *sdp_message_c_addr_multicast_ttl_get(sdp_message_t *sdp, int pos_media, int pos)`: a `c=` line's multicast TTL. */
export function sdp_message_c_addr_multicast_ttl_get(sdp: sdp_message_t | null, pos_media: number, pos: number): string | null {
  return get('c_addr_multicast_ttl_get', sdp, 'c_addr_multicast_ttl', pos_media, pos);
}

/** `char *sdp_message_c_addr_multicast_int_get(sdp_message_t *sdp, int pos_media, int pos)`: a `c=` line's number of multicast addresses. */
export function sdp_message_c_addr_multicast_int_get(sdp: sdp_message_t | null, pos_media: number, pos: number): string | null {
  return get('c_addr_multicast_int_get', sdp, 'c_addr_multicast_int', pos_media, pos);
}

/** `sdp_connection_t *sdp_message_connection_get(sdp_message_t *sdp, int pos_media, int pos)`: the `c=` line itself (pointing into `sdp`), or null. */
export function sdp_message_connection_get(sdp: sdp_message_t | null, pos_media: number, pos: number): sdp_connection_t | null {
  const fn = 'sdp_message_connection_get';
  const native = sdpOrNull(sdp, fn);
  const [m, p] = [int(pos_media, fn, 'pos_media'), int(pos, fn, 'pos')];
  return native === null ? null : structAt(sdp_connection_t, native, 'c_nettype', m, p);
}

/** `char *sdp_message_b_bwtype_get(sdp_message_t *sdp, int pos_media, int pos)`: a `b=` line's type. */
export function sdp_message_b_bwtype_get(sdp: sdp_message_t | null, pos_media: number, pos: number): string | null {
  return get('b_bwtype_get', sdp, 'b_bwtype', pos_media, pos);
}

/** `char *sdp_message_b_bandwidth_get(sdp_message_t *sdp, int pos_media, int pos)`: a `b=` line's value. */
export function sdp_message_b_bandwidth_get(sdp: sdp_message_t | null, pos_media: number, pos: number): string | null {
  return get('b_bandwidth_get', sdp, 'b_bandwidth', pos_media, pos);
}

/** `sdp_bandwidth_t *sdp_message_bandwidth_get(sdp_message_t *sdp, int pos_media, int pos)`: the `b=` line itself (pointing into `sdp`), or null. */
export function sdp_message_bandwidth_get(sdp: sdp_message_t | null, pos_media: number, pos: number): sdp_bandwidth_t | null {
  const fn = 'sdp_message_bandwidth_get';
  const native = sdpOrNull(sdp, fn);
  const [m, p] = [int(pos_media, fn, 'pos_media'), int(pos, fn, 'pos')];
  return native === null ? null : structAt(sdp_bandwidth_t, native, 'b_bwtype', m, p);
}

/** `char *sdp_message_t_start_time_get(sdp_message_t *sdp, int pos_td)`: the start time of the `t=` line at `pos_td`. */
export function sdp_message_t_start_time_get(sdp: sdp_message_t | null, pos_td: number): string | null {
  return get('t_start_time_get', sdp, 't_start_time', pos_td);
}

/** `char *sdp_message_t_stop_time_get(sdp_message_t *sdp, int pos_td)`: the stop time of the `t=` line at `pos_td`. */
export function sdp_message_t_stop_time_get(sdp: sdp_message_t | null, pos_td: number): string | null {
  return get('t_stop_time_get', sdp, 't_stop_time', pos_td);
}

/** `char *sdp_message_r_repeat_get(sdp_message_t *sdp, int pos_time_descr, int pos_repeat)`: an `r=` line of a `t=` line. */
export function sdp_message_r_repeat_get(sdp: sdp_message_t | null, pos_time_descr: number, pos_repeat: number): string | null {
  return get('r_repeat_get', sdp, 'r_repeat', pos_time_descr, pos_repeat);
}

/** `char *sdp_message_z_adjustments_get(sdp_message_t *sdp)`: the `z=` line. */
export function sdp_message_z_adjustments_get(sdp: sdp_message_t | null): string | null {
  return get('z_adjustments_get', sdp, 'z_adjustments');
}

/** `char *sdp_message_k_keytype_get(sdp_message_t *sdp, int pos_media)`: the `k=` method of a media (-1: of the session). */
export function sdp_message_k_keytype_get(sdp: sdp_message_t | null, pos_media: number): string | null {
  return get('k_keytype_get', sdp, 'k_keytype', pos_media);
}

/** `char *sdp_message_k_keydata_get(sdp_message_t *sdp, int pos_media)`: the `k=` key of a media (-1: of the session). */
export function sdp_message_k_keydata_get(sdp: sdp_message_t | null, pos_media: number): string | null {
  return get('k_keydata_get', sdp, 'k_keydata', pos_media);
}

/** `char *sdp_message_a_att_field_get(sdp_message_t *sdp, int pos_media, int pos)`: the name of the `a=` line at `pos` of a media (-1: of the session). */
export function sdp_message_a_att_field_get(sdp: sdp_message_t | null, pos_media: number, pos: number): string | null {
  return get('a_att_field_get', sdp, 'a_att_field', pos_media, pos);
}

/** `char *sdp_message_a_att_value_get(sdp_message_t *sdp, int pos_media, int pos)`: its value, or null for a flag such as `a=sendrecv`. */
export function sdp_message_a_att_value_get(sdp: sdp_message_t | null, pos_media: number, pos: number): string | null {
  return get('a_att_value_get', sdp, 'a_att_value', pos_media, pos);
}

/** `sdp_attribute_t *sdp_message_attribute_get(sdp_message_t *sdp, int pos_media, int pos)`: the `a=` line itself (pointing into `sdp`), or null. */
export function sdp_message_attribute_get(sdp: sdp_message_t | null, pos_media: number, pos: number): sdp_attribute_t | null {
  const fn = 'sdp_message_attribute_get';
  const native = sdpOrNull(sdp, fn);
  const [m, p] = [int(pos_media, fn, 'pos_media'), int(pos, fn, 'pos')];
  return native === null ? null : structAt(sdp_attribute_t, native, 'a_att_field', m, p);
}

/** `char *sdp_message_m_media_get(sdp_message_t *sdp, int pos_media)`: the media type of the `m=` line at `pos_media` (`'audio'`). */
export function sdp_message_m_media_get(sdp: sdp_message_t | null, pos_media: number): string | null {
  return get('m_media_get', sdp, 'm_media', pos_media);
}

/** `char *sdp_message_m_port_get(sdp_message_t *sdp, int pos_media)`: its port, as text (`'0'`: a rejected stream, RFC 3264 §6). */
export function sdp_message_m_port_get(sdp: sdp_message_t | null, pos_media: number): string | null {
  return get('m_port_get', sdp, 'm_port', pos_media);
}

/** `char *sdp_message_m_number_of_port_get(sdp_message_t *sdp, int pos_media)`: its number of ports, or null. */
export function sdp_message_m_number_of_port_get(sdp: sdp_message_t | null, pos_media: number): string | null {
  return get('m_number_of_port_get', sdp, 'm_number_of_port', pos_media);
}

/** `char *sdp_message_m_proto_get(sdp_message_t *sdp, int pos_media)`: its transport (`'RTP/AVP'`). */
export function sdp_message_m_proto_get(sdp: sdp_message_t | null, pos_media: number): string | null {
  return get('m_proto_get', sdp, 'm_proto', pos_media);
}

/** `char *sdp_message_m_payload_get(sdp_message_t *sdp, int pos_media, int pos)`: its format (payload type) at `pos` (`'0'` for PCMU). */
export function sdp_message_m_payload_get(sdp: sdp_message_t | null, pos_media: number, pos: number): string | null {
  return get('m_payload_get', sdp, 'm_payload', pos_media, pos);
}
