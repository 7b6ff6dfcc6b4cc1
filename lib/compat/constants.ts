/**
 * The C constants of `exosip2/compat`, with the values of the headers the
 * addon was built against: `IPPROTO_*` and `AF_*` (the socket headers),
 * `OSIP_*` return codes (osip_port.h), `EXOSIP_*` event types (eXosip.h),
 * `EXOSIP_OPT_*` options (eX_setup.h). Every export is public. The OSIP,
 * event and option constants are generated from native/constants/*.def
 * (scripts/gen-constants.js) into lib/generated/compat-constants.ts.
 * @module
 */
import { binding } from '../native';
import { lookup } from '../internal/lookup';
const c = lookup(binding.constants as unknown as Record<string, number>, 'constant');

/** `IPPROTO_UDP` from `<netinet/in.h>`: first argument of {@link eXosip_listen_addr}. */
export const IPPROTO_UDP = c('IPPROTO_UDP');
/** `IPPROTO_TCP` from `<netinet/in.h>`. */
export const IPPROTO_TCP = c('IPPROTO_TCP');
/** `AF_INET` from `<sys/socket.h>`. */
export const AF_INET = c('AF_INET');
/** `AF_INET6` from `<sys/socket.h>`. */
export const AF_INET6 = c('AF_INET6');

export * from '../generated/compat-constants';
