/**
 * The C constants of `exosip2/compat`, with the values of the headers the
 * addon was built against: `IPPROTO_*` and `AF_*` (the socket headers),
 * `OSIP_*` return codes (osip_port.h), `EXOSIP_*` event types (eXosip.h),
 * `EXOSIP_OPT_*` options (eX_setup.h). Every export is public.
 * @module
 */
import { binding } from '../native';

function lookup(table: Readonly<Record<string, number>>, what: string): (name: string) => number {
  return (name) => {
    const value = table[name];
    if (typeof value !== 'number') throw new Error(`exosip2/compat: the native addon has no ${what} ${name}`);
    return value;
  };
}
const c = lookup(binding.constants as unknown as Record<string, number>, 'constant');
const code = lookup(binding.osipCodes, 'OSIP code');
const ev = lookup(binding.eventTypes, 'event type');
const opt = lookup(binding.constants.options, 'option');

/** `IPPROTO_UDP` from `<netinet/in.h>`: first argument of {@link eXosip_listen_addr}. */
export const IPPROTO_UDP = c('IPPROTO_UDP');
/** `IPPROTO_TCP` from `<netinet/in.h>`. */
export const IPPROTO_TCP = c('IPPROTO_TCP');
/** `AF_INET` from `<sys/socket.h>`. */
export const AF_INET = c('AF_INET');
/** `AF_INET6` from `<sys/socket.h>`. */
export const AF_INET6 = c('AF_INET6');

/** `OSIP_SUCCESS` (0). */
export const OSIP_SUCCESS = code('OSIP_SUCCESS');
/** `OSIP_UNDEFINED_ERROR` (-1). */
export const OSIP_UNDEFINED_ERROR = code('OSIP_UNDEFINED_ERROR');
/** `OSIP_BADPARAMETER` (-2). */
export const OSIP_BADPARAMETER = code('OSIP_BADPARAMETER');
/** `OSIP_WRONG_STATE` (-3). */
export const OSIP_WRONG_STATE = code('OSIP_WRONG_STATE');
/** `OSIP_NOMEM` (-4). */
export const OSIP_NOMEM = code('OSIP_NOMEM');
/** `OSIP_SYNTAXERROR` (-5). */
export const OSIP_SYNTAXERROR = code('OSIP_SYNTAXERROR');
/** `OSIP_NOTFOUND` (-6). */
export const OSIP_NOTFOUND = code('OSIP_NOTFOUND');
/** `OSIP_API_NOT_INITIALIZED` (-7). */
export const OSIP_API_NOT_INITIALIZED = code('OSIP_API_NOT_INITIALIZED');
/** `OSIP_NO_NETWORK` (-10). */
export const OSIP_NO_NETWORK = code('OSIP_NO_NETWORK');
/** `OSIP_PORT_BUSY` (-11). */
export const OSIP_PORT_BUSY = code('OSIP_PORT_BUSY');
/** `OSIP_UNKNOWN_HOST` (-12). */
export const OSIP_UNKNOWN_HOST = code('OSIP_UNKNOWN_HOST');
/** `OSIP_DISK_FULL` (-30). */
export const OSIP_DISK_FULL = code('OSIP_DISK_FULL');
/** `OSIP_NO_RIGHTS` (-31). */
export const OSIP_NO_RIGHTS = code('OSIP_NO_RIGHTS');
/** `OSIP_FILE_NOT_EXIST` (-32). */
export const OSIP_FILE_NOT_EXIST = code('OSIP_FILE_NOT_EXIST');
/** `OSIP_TIMEOUT` (-50). */
export const OSIP_TIMEOUT = code('OSIP_TIMEOUT');
/** `OSIP_TOOMUCHCALL` (-51). */
export const OSIP_TOOMUCHCALL = code('OSIP_TOOMUCHCALL');
/** `OSIP_WRONG_FORMAT` (-52). */
export const OSIP_WRONG_FORMAT = code('OSIP_WRONG_FORMAT');
/** `OSIP_NOCOMMONCODEC` (-53). */
export const OSIP_NOCOMMONCODEC = code('OSIP_NOCOMMONCODEC');
/** `OSIP_RETRY_LIMIT` (-60). */
export const OSIP_RETRY_LIMIT = code('OSIP_RETRY_LIMIT');

/** Event type: a REGISTER got a 2xx. */
export const EXOSIP_REGISTRATION_SUCCESS = ev('EXOSIP_REGISTRATION_SUCCESS');
/** Event type: a REGISTER got a failure (401/407 included, before eXosip retries) or no answer. */
export const EXOSIP_REGISTRATION_FAILURE = ev('EXOSIP_REGISTRATION_FAILURE');
/** Event type (calls are not wrapped by this binding yet). */
export const EXOSIP_CALL_INVITE = ev('EXOSIP_CALL_INVITE');
/** Event type. */
export const EXOSIP_CALL_REINVITE = ev('EXOSIP_CALL_REINVITE');
/** Event type. */
export const EXOSIP_CALL_NOANSWER = ev('EXOSIP_CALL_NOANSWER');
/** Event type. */
export const EXOSIP_CALL_PROCEEDING = ev('EXOSIP_CALL_PROCEEDING');
/** Event type. */
export const EXOSIP_CALL_RINGING = ev('EXOSIP_CALL_RINGING');
/** Event type. */
export const EXOSIP_CALL_ANSWERED = ev('EXOSIP_CALL_ANSWERED');
/** Event type. */
export const EXOSIP_CALL_REDIRECTED = ev('EXOSIP_CALL_REDIRECTED');
/** Event type. */
export const EXOSIP_CALL_REQUESTFAILURE = ev('EXOSIP_CALL_REQUESTFAILURE');
/** Event type. */
export const EXOSIP_CALL_SERVERFAILURE = ev('EXOSIP_CALL_SERVERFAILURE');
/** Event type. */
export const EXOSIP_CALL_GLOBALFAILURE = ev('EXOSIP_CALL_GLOBALFAILURE');
/** Event type. */
export const EXOSIP_CALL_ACK = ev('EXOSIP_CALL_ACK');
/** Event type. */
export const EXOSIP_CALL_CANCELLED = ev('EXOSIP_CALL_CANCELLED');
/** Event type. */
export const EXOSIP_CALL_MESSAGE_NEW = ev('EXOSIP_CALL_MESSAGE_NEW');
/** Event type. */
export const EXOSIP_CALL_MESSAGE_PROCEEDING = ev('EXOSIP_CALL_MESSAGE_PROCEEDING');
/** Event type. */
export const EXOSIP_CALL_MESSAGE_ANSWERED = ev('EXOSIP_CALL_MESSAGE_ANSWERED');
/** Event type. */
export const EXOSIP_CALL_MESSAGE_REDIRECTED = ev('EXOSIP_CALL_MESSAGE_REDIRECTED');
/** Event type. */
export const EXOSIP_CALL_MESSAGE_REQUESTFAILURE = ev('EXOSIP_CALL_MESSAGE_REQUESTFAILURE');
/** Event type. */
export const EXOSIP_CALL_MESSAGE_SERVERFAILURE = ev('EXOSIP_CALL_MESSAGE_SERVERFAILURE');
/** Event type. */
export const EXOSIP_CALL_MESSAGE_GLOBALFAILURE = ev('EXOSIP_CALL_MESSAGE_GLOBALFAILURE');
/** Event type. */
export const EXOSIP_CALL_CLOSED = ev('EXOSIP_CALL_CLOSED');
/** Event type. */
export const EXOSIP_CALL_RELEASED = ev('EXOSIP_CALL_RELEASED');
/** Event type. */
export const EXOSIP_MESSAGE_NEW = ev('EXOSIP_MESSAGE_NEW');
/** Event type. */
export const EXOSIP_MESSAGE_PROCEEDING = ev('EXOSIP_MESSAGE_PROCEEDING');
/** Event type. */
export const EXOSIP_MESSAGE_ANSWERED = ev('EXOSIP_MESSAGE_ANSWERED');
/** Event type. */
export const EXOSIP_MESSAGE_REDIRECTED = ev('EXOSIP_MESSAGE_REDIRECTED');
/** Event type. */
export const EXOSIP_MESSAGE_REQUESTFAILURE = ev('EXOSIP_MESSAGE_REQUESTFAILURE');
/** Event type. */
export const EXOSIP_MESSAGE_SERVERFAILURE = ev('EXOSIP_MESSAGE_SERVERFAILURE');
/** Event type. */
export const EXOSIP_MESSAGE_GLOBALFAILURE = ev('EXOSIP_MESSAGE_GLOBALFAILURE');
/** Event type. */
export const EXOSIP_SUBSCRIPTION_NOANSWER = ev('EXOSIP_SUBSCRIPTION_NOANSWER');
/** Event type. */
export const EXOSIP_SUBSCRIPTION_PROCEEDING = ev('EXOSIP_SUBSCRIPTION_PROCEEDING');
/** Event type. */
export const EXOSIP_SUBSCRIPTION_ANSWERED = ev('EXOSIP_SUBSCRIPTION_ANSWERED');
/** Event type. */
export const EXOSIP_SUBSCRIPTION_REDIRECTED = ev('EXOSIP_SUBSCRIPTION_REDIRECTED');
/** Event type. */
export const EXOSIP_SUBSCRIPTION_REQUESTFAILURE = ev('EXOSIP_SUBSCRIPTION_REQUESTFAILURE');
/** Event type. */
export const EXOSIP_SUBSCRIPTION_SERVERFAILURE = ev('EXOSIP_SUBSCRIPTION_SERVERFAILURE');
/** Event type. */
export const EXOSIP_SUBSCRIPTION_GLOBALFAILURE = ev('EXOSIP_SUBSCRIPTION_GLOBALFAILURE');
/** Event type. */
export const EXOSIP_SUBSCRIPTION_NOTIFY = ev('EXOSIP_SUBSCRIPTION_NOTIFY');
/** Event type. */
export const EXOSIP_IN_SUBSCRIPTION_NEW = ev('EXOSIP_IN_SUBSCRIPTION_NEW');
/** Event type. */
export const EXOSIP_NOTIFICATION_NOANSWER = ev('EXOSIP_NOTIFICATION_NOANSWER');
/** Event type. */
export const EXOSIP_NOTIFICATION_PROCEEDING = ev('EXOSIP_NOTIFICATION_PROCEEDING');
/** Event type. */
export const EXOSIP_NOTIFICATION_ANSWERED = ev('EXOSIP_NOTIFICATION_ANSWERED');
/** Event type. */
export const EXOSIP_NOTIFICATION_REDIRECTED = ev('EXOSIP_NOTIFICATION_REDIRECTED');
/** Event type. */
export const EXOSIP_NOTIFICATION_REQUESTFAILURE = ev('EXOSIP_NOTIFICATION_REQUESTFAILURE');
/** Event type. */
export const EXOSIP_NOTIFICATION_SERVERFAILURE = ev('EXOSIP_NOTIFICATION_SERVERFAILURE');
/** Event type. */
export const EXOSIP_NOTIFICATION_GLOBALFAILURE = ev('EXOSIP_NOTIFICATION_GLOBALFAILURE');

/** Option (int): keep-alive interval in ms for UDP (0 disables). */
export const EXOSIP_OPT_UDP_KEEP_ALIVE = opt('EXOSIP_OPT_UDP_KEEP_ALIVE');
/** Option (int): learn the public address from `received`/`rport` and use it in Contact. */
export const EXOSIP_OPT_AUTO_MASQUERADE_CONTACT = opt('EXOSIP_OPT_AUTO_MASQUERADE_CONTACT');
/** Option (int): the older name of {@link EXOSIP_OPT_AUTO_MASQUERADE_CONTACT} (same value). */
export const EXOSIP_OPT_UDP_LEARN_PORT = opt('EXOSIP_OPT_UDP_LEARN_PORT');
/** Option (int): add `rport` to Via. */
export const EXOSIP_OPT_USE_RPORT = opt('EXOSIP_OPT_USE_RPORT');
/** Option (string). */
export const EXOSIP_OPT_SET_IPV4_FOR_GATEWAY = opt('EXOSIP_OPT_SET_IPV4_FOR_GATEWAY');
/** Option (`{ host, ip }`). */
export const EXOSIP_OPT_ADD_DNS_CACHE = opt('EXOSIP_OPT_ADD_DNS_CACHE');
/** Option (`{ host, ip }`). */
export const EXOSIP_OPT_DELETE_DNS_CACHE = opt('EXOSIP_OPT_DELETE_DNS_CACHE');
/** Option (string). */
export const EXOSIP_OPT_SET_IPV6_FOR_GATEWAY = opt('EXOSIP_OPT_SET_IPV6_FOR_GATEWAY');
/** Option (C struct: not passed by this binding; throws). */
export const EXOSIP_OPT_ADD_ACCOUNT_INFO = opt('EXOSIP_OPT_ADD_ACCOUNT_INFO');
/** Option (int). */
export const EXOSIP_OPT_DNS_CAPABILITIES = opt('EXOSIP_OPT_DNS_CAPABILITIES');
/** Option (int). */
export const EXOSIP_OPT_SET_DSCP = opt('EXOSIP_OPT_SET_DSCP');
/** Option (int). */
export const EXOSIP_OPT_REGISTER_WITH_DATE = opt('EXOSIP_OPT_REGISTER_WITH_DATE');
/** Option (string). */
export const EXOSIP_OPT_SET_HEADER_USER_AGENT = opt('EXOSIP_OPT_SET_HEADER_USER_AGENT');
/** Option (int). */
export const EXOSIP_OPT_ENABLE_DNS_CACHE = opt('EXOSIP_OPT_ENABLE_DNS_CACHE');
/** Option (int). */
export const EXOSIP_OPT_ENABLE_AUTOANSWERBYE = opt('EXOSIP_OPT_ENABLE_AUTOANSWERBYE');
/** Option (int). */
export const EXOSIP_OPT_ENABLE_IPV6 = opt('EXOSIP_OPT_ENABLE_IPV6');
/** Option (int). */
export const EXOSIP_OPT_ENABLE_REUSE_TCP_PORT = opt('EXOSIP_OPT_ENABLE_REUSE_TCP_PORT');
/** Option (int). */
export const EXOSIP_OPT_ENABLE_USE_EPHEMERAL_PORT = opt('EXOSIP_OPT_ENABLE_USE_EPHEMERAL_PORT');
/** Option (C callback: not passed by this binding; throws). */
export const EXOSIP_OPT_SET_CALLBACK_WAKELOCK = opt('EXOSIP_OPT_SET_CALLBACK_WAKELOCK');
/** Option (int). */
export const EXOSIP_OPT_ENABLE_OUTBOUND = opt('EXOSIP_OPT_ENABLE_OUTBOUND');
/** Option (string). */
export const EXOSIP_OPT_SET_OC_LOCAL_ADDRESS = opt('EXOSIP_OPT_SET_OC_LOCAL_ADDRESS');
/** Option (`[min, max]`). */
export const EXOSIP_OPT_SET_OC_PORT_RANGE = opt('EXOSIP_OPT_SET_OC_PORT_RANGE');
/** Option (int). */
export const EXOSIP_OPT_REMOVE_PREROUTESET = opt('EXOSIP_OPT_REMOVE_PREROUTESET');
/** Option (string). */
export const EXOSIP_OPT_SET_SIP_INSTANCE = opt('EXOSIP_OPT_SET_SIP_INSTANCE');
/** Option (int). */
export const EXOSIP_OPT_SET_MAX_MESSAGE_TO_READ = opt('EXOSIP_OPT_SET_MAX_MESSAGE_TO_READ');
/** Option (long). */
export const EXOSIP_OPT_SET_MAX_READ_TIMEOUT = opt('EXOSIP_OPT_SET_MAX_READ_TIMEOUT');
/** Option (string). */
export const EXOSIP_OPT_SET_DEFAULT_CONTACT_DISPLAYNAME = opt('EXOSIP_OPT_SET_DEFAULT_CONTACT_DISPLAYNAME');
/** Option (int). */
export const EXOSIP_OPT_SET_SESSIONTIMERS_FORCE = opt('EXOSIP_OPT_SET_SESSIONTIMERS_FORCE');
/** Option (int). */
export const EXOSIP_OPT_FORCE_CONNECTIONREUSE = opt('EXOSIP_OPT_FORCE_CONNECTIONREUSE');
/** Option (string). */
export const EXOSIP_OPT_SET_CONTACT_DIALOG_EXTRA_PARAMS = opt('EXOSIP_OPT_SET_CONTACT_DIALOG_EXTRA_PARAMS');
/** Option (int). */
export const EXOSIP_OPT_SET_TLS_VERIFY_CERTIFICATE = opt('EXOSIP_OPT_SET_TLS_VERIFY_CERTIFICATE');
/** Option (C struct: not passed by this binding; throws). */
export const EXOSIP_OPT_SET_TLS_CERTIFICATES_INFO = opt('EXOSIP_OPT_SET_TLS_CERTIFICATES_INFO');
/** Option (string). */
export const EXOSIP_OPT_SET_TLS_CLIENT_CERTIFICATE_NAME = opt('EXOSIP_OPT_SET_TLS_CLIENT_CERTIFICATE_NAME');
/** Option (string). */
export const EXOSIP_OPT_SET_TLS_SERVER_CERTIFICATE_NAME = opt('EXOSIP_OPT_SET_TLS_SERVER_CERTIFICATE_NAME');
/** Option (int). */
export const EXOSIP_OPT_KEEP_ALIVE_OPTIONS_METHOD = opt('EXOSIP_OPT_KEEP_ALIVE_OPTIONS_METHOD');
/** Option (C struct: not passed by this binding; throws). */
export const EXOSIP_OPT_SET_TSC_SERVER = opt('EXOSIP_OPT_SET_TSC_SERVER');
/** Option (C struct out-parameter: not passed by this binding; throws). */
export const EXOSIP_OPT_GET_STATISTICS = opt('EXOSIP_OPT_GET_STATISTICS');
