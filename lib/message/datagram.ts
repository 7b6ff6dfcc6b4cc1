/**
 * Message sizes over UDP: what one datagram carries, checked before a
 * message is handed to eXosip.
 *
 * Two limits apply. Sending: one IPv4 UDP datagram carries at most
 * {@link MAX_UDP_MESSAGE} bytes (65,535 - 8 - 20); eXosip would send nothing
 * for a larger message and report a transport failure that reads like an
 * unreachable peer, so every message the binding builds over UDP is refused
 * first with RangeError `ERR_MESSAGE_TOO_LARGE`. Receiving: eXosip 5.3.0
 * reads a datagram into a buffer of `SIP_MESSAGE_MAX_LENGTH` bytes
 * (osip_message.h: 8000; eXtl_udp.c `udp_message_max_length`). On Linux
 * `recvfrom` cuts a larger datagram to those 8,000 bytes, libosip2 then
 * refuses it ("Message was not receieved enterely", its Content-Length is
 * longer than the body left) and eXosip drops it silently: no answer, no
 * event. So a peer built on eXosip (this binding included) receives at most
 * 8,000 bytes per UDP message, headers included; a larger request is
 * retransmitted until Timer F (32 s) and ends as no answer. Over TCP or TLS
 * eXosip frames the stream itself and takes larger messages: use TCP for
 * big bodies (docs/reliability.md, "Message sizes over UDP").
 * @internal
 * @module
 */
import { tooLargeError } from '../errors';
import type { Message } from '../message';

/** The largest SIP message one UDP datagram carries over IPv4 (65,535 - 8 - 20 bytes). */
export const MAX_UDP_MESSAGE = 65_507;

/** What eXosip 5.3.0 receives at most in one UDP datagram: `SIP_MESSAGE_MAX_LENGTH` (osip_message.h), bytes, headers included. */
export const EXOSIP_UDP_RECEIVE_MAX = 8000;

/**
 * @internal Throws RangeError `ERR_MESSAGE_TOO_LARGE` when `message` (as it
 * would go on the wire) does not fit one UDP datagram: eXosip would send
 * nothing and report a transport failure that reads like an unreachable peer.
 * `what` names the message in the error (`'INFO'`, `'200 answer'`).
 */
export function assertFitsDatagram(message: Message, what: string): void {
  const size = Buffer.byteLength(message.toString().split('\r\n\r\n')[0]) + 4 + (message.body?.length ?? 0);
  if (size > MAX_UDP_MESSAGE) {
    throw tooLargeError(`The ${what} is ${size} bytes: over UDP one datagram carries at most ${MAX_UDP_MESSAGE} (and a peer built on eXosip receives at most ${EXOSIP_UDP_RECEIVE_MAX}); listen over TCP`);
  }
}
