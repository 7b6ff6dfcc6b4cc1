/**
 * The shapes a {@link Context} takes and gives: its options, where it
 * listens, credentials, and its events.
 * @module
 */
import type { Call } from '../call/call';
import type { IncomingCall } from '../call/incoming';
import type { AnyExosipEvent } from '../events';
import type { IncomingRequest } from '../message/incoming';
import type { ExosipOptionName, OptionValue } from '../options';
import type { Registration } from '../register/registration';
import type { IncomingSubscription } from '../subscribe/incoming';
import type { Logger } from './log';
import type { TlsOptions } from './tls';
import type { SipTrace } from './trace';

/**
 * Transports `listen()` accepts. `'tls'` needs eXosip built with OpenSSL.
 * DTLS is not offered: libeXosip2 5.3 does its DTLS handshake blocking, under
 * eXosip's lock, which can freeze the whole process (docs/reliability.md).
 */
export type Transport = 'udp' | 'tcp' | 'tls';

/** @internal Every {@link Transport}, for validation. */
export const TRANSPORTS: readonly Transport[] = ['udp', 'tcp', 'tls'];

/** Options of the {@link Context} constructor. */
export interface ContextOptions {
  /** User-Agent header of every request (`eXosip_set_user_agent`). */
  userAgent?: string;
  /** `eXosip_set_option` calls to make, by C name. */
  options?: Partial<Record<ExosipOptionName, OptionValue>>;
  /** Where libosip2/eXosip's own log goes; default: nowhere (silent). */
  logger?: Logger;
  /** Lines of osip level <= this reach `logger` (0 FATAL .. 7 INFO4; default 3, WARNING). */
  logLevel?: number;
  /**
   * Let eXosip rewrite our Contact to the address and port a registrar saw
   * our REGISTER come from (the `received`/`rport` of the Via in its 2xx;
   * `EXOSIP_OPT_AUTO_MASQUERADE_CONTACT`). Each rewrite is reported once, as
   * the registration's `contactChanged` event. Default **false**, although
   * eXosip_init turns it on (eXconf.c:805) and pjsip and linphone rewrite by
   * default: see docs/reliability.md, "Contact rewriting (NAT)", for why.
   * An explicit `options.EXOSIP_OPT_AUTO_MASQUERADE_CONTACT` wins over this.
   */
  contactRewrite?: boolean;
  /**
   * TLS: the CA to trust, a client certificate and key, and whether to verify
   * the server's certificate, which is **on by default** (eXosip's default
   * is off; see {@link TlsOptions.verify}). Applies to every TLS connection
   * the context opens.
   */
  tls?: TlsOptions;
  /**
   * Milliseconds a request received outside of a dialog waits for
   * `respond()` (or a compat answer call) before the context answers it:
   * OPTIONS with 200 (Allow, Accept, Supported), anything else with 405 and
   * Allow, as eXosip's `sip_reg` tool. Default 2000; 0 answers right after
   * the `'request'` listeners ran; null never answers (eXosip's behaviour:
   * each request then holds its transaction for up to 3 minutes). The same
   * delay bounds calls: an INVITE offered to `'call'` and neither rung,
   * answered nor rejected gets 480 (see {@link IncomingCall}), a request
   * inside a call nobody `respond()`s to gets the default of {@link Call}.
   */
  defaultAnswerMs?: number | null;
}

/**
 * eXosip's counters (`EXOSIP_OPT_GET_STATISTICS`, `struct eXosip_stats`),
 * from {@link Context.statistics}. Counts are objects allocated now; rates
 * are new ones per hour, averaged by eXosip over the last hour
 * (`EXOSIP_STATS_PERIOD`, 3600 s, in 60 s steps), since `eXosip_init`. eXosip
 * divides by whole seconds since the oldest count: a rate reads 0 within the
 * first second, then starts high (2 in 1 s reads 7200/h).
 */
export interface ContextStatistics {
  /** SIP transactions allocated now (`allocated_transactions`). */
  readonly transactions: number;
  /** New transactions per hour (`average_transactions`). */
  readonly transactionsPerHour: number;
  /** Registrations eXosip holds now, until removed (`allocated_registrations`). */
  readonly registrations: number;
  /** New registrations per hour (`average_registrations`). */
  readonly registrationsPerHour: number;
  /** Calls allocated now (`allocated_calls`). */
  readonly calls: number;
  /** New calls per hour (`average_calls`). */
  readonly callsPerHour: number;
  /** Publications allocated now (`allocated_publications`). */
  readonly publications: number;
  /** New publications per hour (`average_publications`). */
  readonly publicationsPerHour: number;
  /** Outgoing subscriptions allocated now (`allocated_subscriptions`). */
  readonly subscriptions: number;
  /** New outgoing subscriptions per hour (`average_subscriptions`). */
  readonly subscriptionsPerHour: number;
  /** Incoming subscriptions allocated now (`allocated_insubscriptions`). */
  readonly inSubscriptions: number;
  /** New incoming subscriptions per hour (`average_insubscriptions`). */
  readonly inSubscriptionsPerHour: number;
}

/** Options of {@link Context.listen}. */
export interface ListenOptions {
  /** Default `'udp'`. */
  transport?: Transport;
  /** IPv4 or IPv6 literal to bind; default: every address of `family`. */
  address?: string;
  /** Port; 0 (the default) picks a free one, reported back. */
  port?: number;
  /** 4 or 6; default: the address's family, else 4. */
  family?: 4 | 6;
}

/** Where a context listens. */
export interface ListenInfo {
  /** The transport listened on. */
  readonly transport: Transport;
  /** The address bound, or null for every address of `family`. */
  readonly address: string | null;
  /** The port: the one picked when 0 was asked (TCP/TLS: the one eXosip was told, see {@link Context.listen}). */
  readonly port: number;
  /** 4 or 6. */
  readonly family: 4 | 6;
}

/** Credentials for one service (`eXosip_add_authentication_info`). */
export interface AuthenticationInfo {
  /** The user name in the digest (and usually the AoR's user). */
  username: string;
  /** Login, if it differs from `username` (default: `username`). */
  userid?: string;
  /** The password (or give `ha1`, not both: `ERR_INVALID_ARG_VALUE`). */
  password?: string;
  /**
   * Precomputed MD5(username:realm:password) as 32 hexadecimal digits (RFC 2617
   * §3.2.2.2), instead of the password; anything else throws
   * `ERR_INVALID_ARG_VALUE` (eXosip would send a digest the server refuses).
   * MD5 challenges only: a SHA-256 one needs the password.
   */
  ha1?: string;
  /**
   * Realm the credentials are for; default: any realm. Needed with several
   * services, and with several users on one context: to answer a challenge
   * eXosip (`eXosip_find_authentication_info`) takes the From user's
   * credentials for the challenge's realm, else any user's credentials for
   * that realm, and only then credentials without a realm. A user without a
   * realm next to another user with one is answered with the other user's
   * credentials (a registrar then refuses with 403).
   */
  realm?: string;
}

/** Events of a {@link Context}. */
export interface ContextEventMap {
  /** Every eXosip event, in the order eXosip produced them. */
  event: [event: AnyExosipEvent];
  /**
   * A registration was created by `register()` or `unregisterAll()` and its
   * first REGISTER sent; no answer can have been handled yet, so listeners
   * added here see its `challenge` and `registered` events too (unless its
   * `signal` aborted while the REGISTER was on its way: it is then already
   * `'removed'`, and followed to its end without events).
   */
  registration: [registration: Registration];
  /**
   * A request received outside of a dialog (MESSAGE, OPTIONS, NOTIFY,
   * PUBLISH, INVITE, SUBSCRIBE, ...): answer it with
   * {@link IncomingRequest.respond}, else the default answer goes after
   * `defaultAnswerMs`.
   */
  request: [request: IncomingRequest];
  /**
   * An INVITE outside of a dialog: ring, answer or reject it with
   * {@link IncomingCall}. While this event has a listener INVITEs come here,
   * not as `'request'`; one neither rung, answered nor rejected within
   * `defaultAnswerMs` is refused with 480 (see {@link IncomingCall}).
   */
  call: [incoming: IncomingCall];
  /**
   * A SUBSCRIBE outside of a dialog: accept or reject it, then notify, with
   * {@link IncomingSubscription}. While this event has a listener SUBSCRIBEs
   * come here, not as `'request'` (REFER still does); one neither accepted
   * nor rejected within `defaultAnswerMs` is refused with 480.
   */
  subscription: [subscription: IncomingSubscription];
  /** A SIP message sent or received, while {@link Context.setTrace} is on. */
  trace: [trace: SipTrace];
  /** After `close()` completed. */
  close: [];
}
