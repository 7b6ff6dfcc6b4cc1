/**
 * eXosip options (`eXosip_set_option`) by C name, with the value each takes.
 * @module
 */
import { binding } from './native';
import type { ExosipOptionName } from './generated/constants';

/**
 * How an option's value is passed to eXosip: `'tls'` is an
 * {@link eXosip_tls_ctx_t}-shaped object, `'stats'` an object eXosip fills
 * ({@link eXosip_stats}, compat's `eXosip_set_option` only).
 */
export type OptionKind = 'int' | 'long' | 'string' | 'range' | 'dns' | 'tls' | 'stats' | 'unsupported';

/**
 * `eXosip_tls_credentials_t` (eX_setup.h): one side's key pair. Paths are
 * absolute paths of PEM (or DER) files; each string at most 1023 bytes (C's
 * `char[1024]`; longer ones are refused, eXosip would cut them).
 */
export interface eXosip_tls_credentials_t {
  /** The private key file. */
  priv_key?: string;
  /** The private key's password (unused for an unencrypted key). */
  priv_key_pw?: string;
  /** The certificate file of `priv_key`; eXosip needs both or neither. */
  cert?: string;
  /** Client side: a DER file with the server's expected public key (pinning). */
  public_key_pinned?: string;
}

/**
 * `eXosip_tls_ctx_t` (eX_setup.h), the value of
 * `EXOSIP_OPT_SET_TLS_CERTIFICATES_INFO`. Absent fields are C's empty
 * strings / zeros. eXosip copies every field (`eXosip_set_tls_ctx`): nothing
 * needs to outlive the call.
 */
export interface eXosip_tls_ctx_t {
  /** A file of random data (unused by eXosip 5.3 with OpenSSL >= 1.1). */
  random_file?: string;
  /** Diffie-Hellman parameters file; default: eXosip generates them. */
  dh_param?: string;
  /** The CAs to trust: a PEM file, or a directory of hashed certificates (`openssl rehash`); eXosip tells them apart with stat(). */
  root_ca_cert?: string;
  /** OpenSSL cipher list (at most 2047 bytes); default `HIGH:!COMPLEMENTOFDEFAULT:!kRSA:!PSK:!SRP`. */
  cipher_list?: string;
  /** `SSL_OP_*` flags added to the TLS context (an unsigned 32-bit number here). */
  tls_flags?: number;
  /** `SSL_OP_*` flags added to the DTLS context. */
  dtls_flags?: number;
  /** The certificate this context presents as a TLS client. */
  client?: eXosip_tls_credentials_t;
  /** The certificate for incoming TLS connections (a build with `ENABLE_MAIN_SOCKET` only). */
  server?: eXosip_tls_credentials_t;
}

/**
 * `struct eXosip_stats` (eX_setup.h), read with `EXOSIP_OPT_GET_STATISTICS`.
 * `allocated_*` are counts now; `average_*` are new ones per hour, averaged
 * over eXosip's `EXOSIP_STATS_PERIOD` (3600 s) in steps of
 * `EXOSIP_STATS_INTERVAL` (60 s). Counted since `eXosip_init`.
 */
export interface eXosip_stats {
  /** Transactions allocated now. */
  allocated_transactions: number;
  /** New transactions per hour. */
  average_transactions: number;
  /** Registrations allocated now (`eXosip_register_build_*` until removed). */
  allocated_registrations: number;
  /** New registrations per hour. */
  average_registrations: number;
  /** Calls allocated now. */
  allocated_calls: number;
  /** New calls per hour. */
  average_calls: number;
  /** Publications allocated now. */
  allocated_publications: number;
  /** New publications per hour. */
  average_publications: number;
  /** Outgoing subscriptions allocated now. */
  allocated_subscriptions: number;
  /** New outgoing subscriptions per hour. */
  average_subscriptions: number;
  /** Incoming subscriptions allocated now. */
  allocated_insubscriptions: number;
  /** New incoming subscriptions per hour. */
  average_insubscriptions: number;
}

export type { ExosipOptionName } from './generated/constants';

/** What each option takes; `'unsupported'` ones need C pointers this binding does not pass. */
export const OPTION_KINDS = {
  /** Interval of keep-alive packets in ms, 0 to disable (default: 17000; UDP, TCP, TLS). */
  EXOSIP_OPT_UDP_KEEP_ALIVE: 'int',
  /**
   * 1 to learn the public address and port from `received`/`rport` of responses and put them in Contact.
   * eXosip_init sets 1; a {@link Context} sets 0 unless `contactRewrite: true` (the compat API keeps eXosip's 1).
   */
  EXOSIP_OPT_AUTO_MASQUERADE_CONTACT: 'int',
  /** Obsolete alias of `EXOSIP_OPT_AUTO_MASQUERADE_CONTACT` (same value). */
  EXOSIP_OPT_UDP_LEARN_PORT: 'int',
  /** 0 to leave `rport` out of Via (default: 1). */
  EXOSIP_OPT_USE_RPORT: 'int',
  /** An IPv4 address (usually the proxy's) eXosip routes to when guessing the local address. */
  EXOSIP_OPT_SET_IPV4_FOR_GATEWAY: 'string',
  /** `{ host, ip }`: adds a DNS cache entry, so `host` is not resolved. */
  EXOSIP_OPT_ADD_DNS_CACHE: 'dns',
  /** `{ host, ip }`: removes a DNS cache entry. */
  EXOSIP_OPT_DELETE_DNS_CACHE: 'dns',
  /** An IPv6 address (usually the proxy's) eXosip routes to when guessing the local address. */
  EXOSIP_OPT_SET_IPV6_FOR_GATEWAY: 'string',
  /** Takes a C struct (eXosip internal): not settable from JS. */
  EXOSIP_OPT_ADD_ACCOUNT_INFO: 'unsupported',
  /** 0 to disable NAPTR/SRV lookups, 2 (default) to use them. */
  EXOSIP_OPT_DNS_CAPABILITIES: 'int',
  /** The DSCP value of the SIP socket (default: 0x1A). */
  EXOSIP_OPT_SET_DSCP: 'int',
  /** 1 to add a Date header to REGISTER. */
  EXOSIP_OPT_REGISTER_WITH_DATE: 'int',
  /** The User-Agent header. */
  EXOSIP_OPT_SET_HEADER_USER_AGENT: 'string',
  /** 0 to disable eXosip's DNS cache. */
  EXOSIP_OPT_ENABLE_DNS_CACHE: 'int',
  /** 0 to disable answering BYE automatically. */
  EXOSIP_OPT_ENABLE_AUTOANSWERBYE: 'int',
  /** DNS requests: 0 IPv4 only, 1 IPv6 only, 2 the best of both. */
  EXOSIP_OPT_ENABLE_IPV6: 'int',
  /** 1 to reuse the local TCP port for outgoing connections. */
  EXOSIP_OPT_ENABLE_REUSE_TCP_PORT: 'int',
  /** 1 to put the ephemeral TCP/TLS port in Contact instead of the listening port. */
  EXOSIP_OPT_ENABLE_USE_EPHEMERAL_PORT: 'int',
  /** Takes a C callback: not settable from JS. */
  EXOSIP_OPT_SET_CALLBACK_WAKELOCK: 'unsupported',
  /** 1 to add the `ob` parameter (RFC 5626) to dialogs' Contact headers. */
  EXOSIP_OPT_ENABLE_OUTBOUND: 'int',
  /** The IP address to bind for outgoing connections. */
  EXOSIP_OPT_SET_OC_LOCAL_ADDRESS: 'string',
  /** `[min, max]`: the port range to bind for outgoing connections (TCP/TLS only unless `EXOSIP_OPT_SET_OC_LOCAL_ADDRESS` is set). */
  EXOSIP_OPT_SET_OC_PORT_RANGE: 'range',
  /** 0 to keep the pre-route set in initial INVITE/SUBSCRIBE/REFER (default: 1, removed). */
  EXOSIP_OPT_REMOVE_PREROUTESET: 'int',
  /** The `+sip.instance` parameter of Contact headers (e.g. `urn:uuid:...`). */
  EXOSIP_OPT_SET_SIP_INSTANCE: 'string',
  /** Messages read at once per network pass (high-load tuning; not for common use). */
  EXOSIP_OPT_SET_MAX_MESSAGE_TO_READ: 'int',
  /** How long to read SIP messages per pass, in ns (high-load tuning; not for common use). */
  EXOSIP_OPT_SET_MAX_READ_TIMEOUT: 'long',
  /** The display name of Contact headers. */
  EXOSIP_OPT_SET_DEFAULT_CONTACT_DISPLAYNAME: 'string',
  /** 1 to use session timers on the UAC side even if the UAS does not announce them. */
  EXOSIP_OPT_SET_SESSIONTIMERS_FORCE: 'int',
  /** 1 to force reusing the established connection for ACK and in-dialog requests. */
  EXOSIP_OPT_FORCE_CONNECTIONREUSE: 'int',
  /** Extra Contact parameters, without the leading `;` (e.g. `audio;video`). */
  EXOSIP_OPT_SET_CONTACT_DIALOG_EXTRA_PARAMS: 'string',
  /** 1 to verify the peer's certificate on TLS connections. */
  EXOSIP_OPT_SET_TLS_VERIFY_CERTIFICATE: 'int',
  /** An {@link eXosip_tls_ctx_t}: CA, client certificate, key and its password. */
  EXOSIP_OPT_SET_TLS_CERTIFICATES_INFO: 'tls',
  /** Obsolete in eXosip 5.3 (Windows store): eXosip answers `OSIP_UNDEFINED_ERROR`. */
  EXOSIP_OPT_SET_TLS_CLIENT_CERTIFICATE_NAME: 'string',
  /** Obsolete in eXosip 5.3 (Windows store): eXosip answers `OSIP_UNDEFINED_ERROR`. */
  EXOSIP_OPT_SET_TLS_SERVER_CERTIFICATE_NAME: 'string',
  /** 1 to send TCP keep-alives as OPTIONS requests; only in an eXosip built with `ENABLE_KEEP_ALIVE_OPTIONS_METHOD`. */
  EXOSIP_OPT_KEEP_ALIVE_OPTIONS_METHOD: 'int',
  /** Deprecated by eXosip; takes a C pointer: not settable from JS. */
  EXOSIP_OPT_SET_TSC_SERVER: 'unsupported',
  /** Fills an {@link eXosip_stats} object (compat); `ctx.statistics()` reads it. */
  EXOSIP_OPT_GET_STATISTICS: 'stats',
} as const satisfies Record<ExosipOptionName, OptionKind>;

/** Every `EXOSIP_OPT_*` by C name, with the C value. */
export const OPTIONS: Readonly<Record<ExosipOptionName, number>> = Object.freeze({ ...binding.constants.options }) as Record<ExosipOptionName, number>;

/** The value an option takes, by kind. */
export type OptionValue =
  | number
  | string
  | [number, number]
  | eXosip_tls_ctx_t
  | {
      /** The host name the DNS cache entry is for. */
      host: string;
      /** The IP address eXosip uses for `host` instead of resolving it. */
      ip: string;
    };

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
    case 'tls':
      return tlsCtxFits(value);
    case 'stats':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    default:
      return false;
  }
}

const TLS_STRINGS = ['random_file', 'dh_param', 'root_ca_cert', 'cipher_list'] as const;
const TLS_CREDENTIALS = ['priv_key', 'priv_key_pw', 'cert', 'public_key_pinned'] as const;

const TLS_CTX_FIELDS: ReadonlySet<string> = new Set(Object.keys({
  random_file: true, dh_param: true, root_ca_cert: true, cipher_list: true, tls_flags: true, dtls_flags: true, client: true, server: true,
} satisfies Record<keyof Required<eXosip_tls_ctx_t>, true>));
const TLS_CREDENTIAL_FIELDS: ReadonlySet<string> = new Set(Object.keys({
  priv_key: true, priv_key_pw: true, cert: true, public_key_pinned: true,
} satisfies Record<keyof Required<eXosip_tls_credentials_t>, true>));
const DNS_FIELDS: ReadonlySet<string> = new Set(['host', 'ip']);

/**
 * The first field of a C struct value (`'dns'`, `'tls'`) that the struct has
 * no member for, with the members it has (`{ field: 'client.certt', fields:
 * [...] }`), or null. A C program with such a field does not compile; here it
 * would be dropped silently (a mistyped `root_ca_cert`: no CA at all).
 */
export function unknownField(kind: OptionKind, value: unknown): { field: string; fields: readonly string[] } | null {
  const extra = (o: unknown, fields: ReadonlySet<string>, prefix = ''): { field: string; fields: readonly string[] } | null => {
    if (typeof o !== 'object' || o === null || Array.isArray(o)) return null;
    const key = Object.keys(o).find((k) => !fields.has(k));
    return key === undefined ? null : { field: prefix + key, fields: [...fields].map((f) => prefix + f) };
  };
  if (kind === 'dns') return extra(value, DNS_FIELDS);
  if (kind !== 'tls') return null;
  const o = value as { client?: unknown; server?: unknown } | null;
  return extra(value, TLS_CTX_FIELDS) ?? extra(o?.client, TLS_CREDENTIAL_FIELDS, 'client.') ?? extra(o?.server, TLS_CREDENTIAL_FIELDS, 'server.');
}

function cString(value: unknown, max: number): boolean {
  return value === undefined || (typeof value === 'string' && !value.includes('\0') && Buffer.byteLength(value) <= max);
}

function credentialsFit(value: unknown): boolean {
  if (value === undefined) return true;
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  return TLS_CREDENTIALS.every((k) => cString(c[k], 1023)) && (c.cert === undefined || c.cert === '') === (c.priv_key === undefined || c.priv_key === '');
}

/** An eXosip_tls_ctx_t that eXosip takes whole: strings that fit, flags in 32 bits, cert and key together. */
function tlsCtxFits(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const o = value as Record<string, unknown>;
  const flags = (v: unknown): boolean => v === undefined || (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff);
  return TLS_STRINGS.every((k) => cString(o[k], k === 'cipher_list' ? 2047 : 1023)) && flags(o.tls_flags) && flags(o.dtls_flags) && credentialsFit(o.client) && credentialsFit(o.server);
}
