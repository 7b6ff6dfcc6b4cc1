/**
 * SDP bodies of calls (RFC 3264 offer/answer over RFC 3261 §13): reading
 * the SDP a message carries, and putting one in a message being built.
 * @internal
 * @module
 */
import { typeError } from '../errors';
import { binding } from '../native';
import type { Message } from '../message';
import { addHeaders } from '../message/answers';
import type { HeaderList } from '../message/types';

/** The SDP `message` carries (its body when Content-Type is `application/sdp`), or null. */
export function sdpOf(message: Message): string | null {
  const type = message.contentType;
  const body = message.body;
  if (body === null || type === null || !/^application\/sdp\b/i.test(type.trim())) return null;
  return body.toString('utf8');
}

/**
 * Checks an `sdp` option: a non-empty string without NUL that libosip2's
 * `sdp_message_parse` accepts (RFC 4566: `v=`, `o=`, `s=` and `t=` lines,
 * each `<letter>=<value>`); parsed once, then freed. Else TypeError
 * `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE`.
 */
export function checkSdp(name: string, value: unknown): string {
  if (typeof value !== 'string') throw typeError('ERR_INVALID_ARG_TYPE', `${name} must be a string`);
  if (value === '' || value.includes('\0')) throw typeError('ERR_INVALID_ARG_VALUE', `${name} must be a non-empty SDP without NUL`);
  const [code, parsed] = binding.NativeSdp.parse(value);
  parsed?.free();
  if (code !== 0) {
    const start = JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
    throw typeError('ERR_INVALID_ARG_VALUE', `${name} is not an SDP libosip2 can parse (sdp_message_parse returned ${code}; RFC 4566 asks for v=, o=, s= and t= lines, each <letter>=<value>), got ${start}`);
  }
  return value;
}

/** Adds `headers`, then `sdp` as the body with Content-Type `application/sdp` (none when null). */
export function addSdp(message: Message, sdp: string | null, headers: HeaderList | undefined): void {
  addHeaders(message, headers, 'options');
  if (sdp === null) return;
  message.body = sdp;
  message.contentType = 'application/sdp';
}
