/**
 * eXosip options (`eXosip_set_option`) by C name, with the value each takes.
 * @module
 */
import { binding } from './native';

/** How an option's value is passed to eXosip. */
export type OptionKind = 'int' | 'long' | 'string' | 'range' | 'dns' | 'unsupported';

/** The C names of eXosip's options. */
export type ExosipOptionName = keyof typeof OPTION_KINDS;

/** What each option takes; `'unsupported'` ones need C pointers this binding does not pass. */
export const OPTION_KINDS = {
  EXOSIP_OPT_UDP_KEEP_ALIVE: 'int',
  EXOSIP_OPT_AUTO_MASQUERADE_CONTACT: 'int',
  EXOSIP_OPT_UDP_LEARN_PORT: 'int',
  EXOSIP_OPT_USE_RPORT: 'int',
  EXOSIP_OPT_SET_IPV4_FOR_GATEWAY: 'string',
  EXOSIP_OPT_ADD_DNS_CACHE: 'dns',
  EXOSIP_OPT_DELETE_DNS_CACHE: 'dns',
  EXOSIP_OPT_SET_IPV6_FOR_GATEWAY: 'string',
  EXOSIP_OPT_ADD_ACCOUNT_INFO: 'unsupported',
  EXOSIP_OPT_DNS_CAPABILITIES: 'int',
  EXOSIP_OPT_SET_DSCP: 'int',
  EXOSIP_OPT_REGISTER_WITH_DATE: 'int',
  EXOSIP_OPT_SET_HEADER_USER_AGENT: 'string',
  EXOSIP_OPT_ENABLE_DNS_CACHE: 'int',
  EXOSIP_OPT_ENABLE_AUTOANSWERBYE: 'int',
  EXOSIP_OPT_ENABLE_IPV6: 'int',
  EXOSIP_OPT_ENABLE_REUSE_TCP_PORT: 'int',
  EXOSIP_OPT_ENABLE_USE_EPHEMERAL_PORT: 'int',
  EXOSIP_OPT_SET_CALLBACK_WAKELOCK: 'unsupported',
  EXOSIP_OPT_ENABLE_OUTBOUND: 'int',
  EXOSIP_OPT_SET_OC_LOCAL_ADDRESS: 'string',
  EXOSIP_OPT_SET_OC_PORT_RANGE: 'range',
  EXOSIP_OPT_REMOVE_PREROUTESET: 'int',
  EXOSIP_OPT_SET_SIP_INSTANCE: 'string',
  EXOSIP_OPT_SET_MAX_MESSAGE_TO_READ: 'int',
  EXOSIP_OPT_SET_MAX_READ_TIMEOUT: 'long',
  EXOSIP_OPT_SET_DEFAULT_CONTACT_DISPLAYNAME: 'string',
  EXOSIP_OPT_SET_SESSIONTIMERS_FORCE: 'int',
  EXOSIP_OPT_FORCE_CONNECTIONREUSE: 'int',
  EXOSIP_OPT_SET_CONTACT_DIALOG_EXTRA_PARAMS: 'string',
  EXOSIP_OPT_SET_TLS_VERIFY_CERTIFICATE: 'int',
  EXOSIP_OPT_SET_TLS_CERTIFICATES_INFO: 'unsupported',
  EXOSIP_OPT_SET_TLS_CLIENT_CERTIFICATE_NAME: 'string',
  EXOSIP_OPT_SET_TLS_SERVER_CERTIFICATE_NAME: 'string',
  EXOSIP_OPT_KEEP_ALIVE_OPTIONS_METHOD: 'int',
  EXOSIP_OPT_SET_TSC_SERVER: 'unsupported',
  EXOSIP_OPT_GET_STATISTICS: 'unsupported',
} as const satisfies Record<string, OptionKind>;

/** Every `EXOSIP_OPT_*` by C name, with the C value. */
export const OPTIONS: Readonly<Record<ExosipOptionName, number>> = Object.freeze({ ...binding.constants.options }) as Record<ExosipOptionName, number>;

/** The value an option takes, by kind. */
export type OptionValue = number | string | [number, number] | { host: string; ip: string };

const kindsByValue = new Map<number, OptionKind>(
  Object.entries(OPTION_KINDS).map(([name, kind]) => [OPTIONS[name as ExosipOptionName], kind]),
);

/** @internal The kind of a numeric option, or undefined when eXosip has no such option. */
export function optionKind(option: number): OptionKind | undefined {
  return kindsByValue.get(option);
}

/** @internal Does `value` have the shape `kind` takes? */
export function valueFits(kind: OptionKind, value: unknown): boolean {
  switch (kind) {
    case 'int':
      return typeof value === 'number' && Number.isInteger(value) && value >= -2147483648 && value <= 2147483647;
    case 'long':
      return typeof value === 'number' && Number.isSafeInteger(value);
    case 'string':
      return typeof value === 'string' && !/[\0\r\n]/.test(value);
    case 'range':
      return Array.isArray(value) && value.length === 2 && value.every((n) => Number.isInteger(n) && n >= 0 && n <= 65535);
    case 'dns':
      return typeof value === 'object' && value !== null && typeof (value as { host?: unknown }).host === 'string' && typeof (value as { ip?: unknown }).ip === 'string';
    default:
      return false;
  }
}
