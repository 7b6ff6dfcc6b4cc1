/**
 * SDP bodies of calls (RFC 3264 offer/answer over RFC 3261 §13): reading
 * the SDP a message carries, and putting one in a message being built.
 * @internal
 * @module
 */
import { typeError } from '../errors';
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

/** Checks an `sdp` option: a non-empty string. */
export function checkSdp(name: string, value: unknown): string {
  if (typeof value !== 'string') throw typeError('ERR_INVALID_ARG_TYPE', `${name} must be a string`);
  if (value === '' || value.includes('\0')) throw typeError('ERR_INVALID_ARG_VALUE', `${name} must be a non-empty SDP without NUL`);
  return value;
}

/** Adds `headers`, then `sdp` as the body with Content-Type `application/sdp` (none when null). */
export function addSdp(message: Message, sdp: string | null, headers: HeaderList | undefined): void {
  addHeaders(message, headers, 'options');
  if (sdp === null) return;
  message.body = sdp;
  message.contentType = 'application/sdp';
}
