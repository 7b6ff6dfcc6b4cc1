/**
 * The C constants of `exosip2/compat`, with the values of the headers the
 * addon was built against: `IPPROTO_*` and `AF_*` (the socket headers),
 * `OSIP_*` return codes (osip_port.h), `EXOSIP_*` event types (eXosip.h),
 * `EXOSIP_OPT_*` options (eX_setup.h), eX_subscribe.h's Subscription-State
 * enums. Every export is public. The OSIP,
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

const ss = lookup(binding.constants.subscription, 'eX_subscribe.h constant');

/** `EXOSIP_SUBCRSTATE_UNKNOWN` (`enum eXosip_ss`, eX_subscribe.h): a Subscription-State for {@link eXosip_insubscription_build_notify}. */
export const EXOSIP_SUBCRSTATE_UNKNOWN = ss('EXOSIP_SUBCRSTATE_UNKNOWN');
/** `EXOSIP_SUBCRSTATE_PENDING`: `Subscription-State: pending`. */
export const EXOSIP_SUBCRSTATE_PENDING = ss('EXOSIP_SUBCRSTATE_PENDING');
/** `EXOSIP_SUBCRSTATE_ACTIVE`: `Subscription-State: active`. */
export const EXOSIP_SUBCRSTATE_ACTIVE = ss('EXOSIP_SUBCRSTATE_ACTIVE');
/** `EXOSIP_SUBCRSTATE_TERMINATED`: `Subscription-State: terminated;reason=...` (the reason argument). */
export const EXOSIP_SUBCRSTATE_TERMINATED = ss('EXOSIP_SUBCRSTATE_TERMINATED');
/** `DEACTIVATED` (`enum eXosip_ss_reason`): `reason=deactivated` of a terminated subscription. */
export const DEACTIVATED = ss('DEACTIVATED');
/** `PROBATION`: `reason=probation`. */
export const PROBATION = ss('PROBATION');
/** `REJECTED`: `reason=rejected`. */
export const REJECTED = ss('REJECTED');
/** `TIMEOUT`: `reason=timeout`. */
export const TIMEOUT = ss('TIMEOUT');
/** `GIVEUP`: `reason=giveup`. */
export const GIVEUP = ss('GIVEUP');
/** `NORESOURCE`: `reason=noresource`. */
export const NORESOURCE = ss('NORESOURCE');
/** `EXOSIP_NOTIFY_UNKNOWN` (`enum eXosip_ss_status`). */
export const EXOSIP_NOTIFY_UNKNOWN = ss('EXOSIP_NOTIFY_UNKNOWN');
/** `EXOSIP_NOTIFY_PENDING`. */
export const EXOSIP_NOTIFY_PENDING = ss('EXOSIP_NOTIFY_PENDING');
/** `EXOSIP_NOTIFY_ONLINE`. */
export const EXOSIP_NOTIFY_ONLINE = ss('EXOSIP_NOTIFY_ONLINE');
/** `EXOSIP_NOTIFY_BUSY`. */
export const EXOSIP_NOTIFY_BUSY = ss('EXOSIP_NOTIFY_BUSY');
/** `EXOSIP_NOTIFY_BERIGHTBACK`. */
export const EXOSIP_NOTIFY_BERIGHTBACK = ss('EXOSIP_NOTIFY_BERIGHTBACK');
/** `EXOSIP_NOTIFY_AWAY`. */
export const EXOSIP_NOTIFY_AWAY = ss('EXOSIP_NOTIFY_AWAY');
/** `EXOSIP_NOTIFY_ONTHEPHONE`. */
export const EXOSIP_NOTIFY_ONTHEPHONE = ss('EXOSIP_NOTIFY_ONTHEPHONE');
/** `EXOSIP_NOTIFY_OUTTOLUNCH`. */
export const EXOSIP_NOTIFY_OUTTOLUNCH = ss('EXOSIP_NOTIFY_OUTTOLUNCH');
/** `EXOSIP_NOTIFY_CLOSED`. */
export const EXOSIP_NOTIFY_CLOSED = ss('EXOSIP_NOTIFY_CLOSED');

export * from '../generated/compat-constants';
