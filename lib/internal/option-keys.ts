/**
 * @internal The keys each options object accepts. A key no option has (a typo
 * such as `invite({ sdpp })`) is refused with ERR_INVALID_ARG_VALUE by
 * `v.options()` instead of being ignored: in plain JS the call would go ahead
 * without the option. Each list is a map the compiler checks against its type
 * (every key of the type, no other), so a list cannot drift from the type.
 */
import type { ReferOptions, AnswerOptions, CallRequestOptions, InfoOptions, InviteOptions, ReinviteOptions, RejectOptions } from '../call/types';
import type { TlsOptions } from '../context/tls';
import type { TraceOptions } from '../context/trace';
import type { AuthenticationInfo, ContextOptions, ListenOptions } from '../context/types';
import type { PublishOptions, RequestOptions, RespondOptions, SugarOptions } from '../message/types';
import type { ContextPoolOptions, PoolListenOptions, PoolRegisterOptions } from '../pool/types';
import type { RefreshOptions, RegisterOptions, RegistrationWaitOptions, UnregisterAllOptions } from '../register/types';
import type { RegistrarListenOptions, RegistrarOptions } from '../registrar/types';
import type { AcceptSubscriptionOptions, NotifyOptions } from '../subscribe/notifier-types';
import type { SubscribeOptions, SubscriptionRefreshOptions } from '../subscribe/types';

/** Every key of T, optional ones included, each as `true`. */
type KeysOf<T> = { readonly [K in keyof Required<T>]: true };

const keys = <T>(map: KeysOf<T>): ReadonlySet<string> => new Set(Object.keys(map));

const WAIT = { timeoutMs: true, signal: true } as const;
const REGISTER = { from: true, proxy: true, expires: true, contact: true, supported: true, headers: true, ...WAIT } as const;
const IN_DIALOG = { headers: true, ...WAIT } as const;
const LISTEN = { transport: true, address: true, port: true, family: true } as const;

export const CONTEXT_OPTIONS = keys<ContextOptions>({
  userAgent: true, options: true, logger: true, logLevel: true, contactRewrite: true, tls: true, defaultAnswerMs: true,
});
export const LISTEN_OPTIONS = keys<ListenOptions>(LISTEN);
export const TLS_OPTIONS = keys<TlsOptions>({ ca: true, cert: true, key: true, keyPassword: true, pinnedPublicKey: true, verify: true });
export const TRACE_OPTIONS = keys<TraceOptions>({ redact: true });
export const AUTHENTICATION_INFO = keys<AuthenticationInfo>({ username: true, userid: true, password: true, ha1: true, realm: true });
export const EVENTS_OPTIONS = keys<{ types?: unknown; signal?: unknown }>({ types: true, signal: true });

export const REGISTER_OPTIONS = keys<RegisterOptions>(REGISTER);
export const UNREGISTER_ALL_OPTIONS = keys<UnregisterAllOptions>({ from: true, proxy: true, supported: true, headers: true, ...WAIT });
export const REFRESH_OPTIONS = keys<RefreshOptions>({ expires: true, ...WAIT });
export const WAIT_OPTIONS = keys<RegistrationWaitOptions>(WAIT);

export const REQUEST_OPTIONS = keys<RequestOptions>({
  method: true, to: true, from: true, route: true, body: true, contentType: true, headers: true, ...WAIT,
});
export const SUGAR_OPTIONS = keys<SugarOptions>({ from: true, route: true, contentType: true, headers: true, ...WAIT });
export const PUBLISH_OPTIONS = keys<PublishOptions>({ to: true, from: true, event: true, expires: true, body: true, contentType: true, route: true, headers: true, ...WAIT });
export const RESPOND_OPTIONS = keys<RespondOptions>({ reason: true, body: true, contentType: true, headers: true });

export const INVITE_OPTIONS = keys<InviteOptions>({
  to: true, from: true, route: true, subject: true, sdp: true, answerOffer: true, headers: true, onProgress: true, ...WAIT,
});
export const ANSWER_OPTIONS = keys<AnswerOptions>({ sdp: true, headers: true, timeoutMs: true });
export const REJECT_OPTIONS = keys<RejectOptions>({ reason: true, headers: true });
export const CALL_REQUEST_OPTIONS = keys<CallRequestOptions>({ method: true, body: true, contentType: true, ...IN_DIALOG });
export const INFO_OPTIONS = keys<InfoOptions>({ body: true, contentType: true, ...IN_DIALOG });
export const REINVITE_OPTIONS = keys<ReinviteOptions>({ sdp: true, ...IN_DIALOG });
export const REFER_OPTIONS = keys<ReferOptions>(IN_DIALOG);

export const POOL_OPTIONS = keys<ContextPoolOptions>({
  size: true, maxPerContext: true, maxContexts: true, listen: true, userAgent: true, options: true,
});
export const POOL_LISTEN_OPTIONS = keys<PoolListenOptions>({ transport: true, address: true, family: true });
export const POOL_REGISTER_OPTIONS = keys<PoolRegisterOptions>({ ...REGISTER, auth: true });

export const REGISTRAR_OPTIONS = keys<RegistrarOptions>({
  users: true, realm: true, domains: true, minExpires: true, maxExpires: true, defaultExpires: true,
  maxBindingsPerAor: true, maxBindings: true, nonceTtlMs: true, userAgent: true,
});
export const REGISTRAR_LISTEN_OPTIONS = keys<RegistrarListenOptions>({ ...LISTEN, signal: true });
export const POOL_UNREGISTER_ALL_OPTIONS = keys<UnregisterAllOptions & { auth?: unknown }>({ from: true, proxy: true, supported: true, headers: true, auth: true, ...WAIT });
export const REMOVE_AUTHENTICATION_INFO = keys<{ username: string; realm?: string }>({ username: true, realm: true });
export const SIGNAL_OPTIONS = keys<{ signal?: AbortSignal }>({ signal: true });

export const SUBSCRIBE_OPTIONS = keys<SubscribeOptions>({ to: true, from: true, event: true, expires: true, route: true, headers: true, ...WAIT });
export const SUBSCRIPTION_REFRESH_OPTIONS = keys<SubscriptionRefreshOptions>({ expires: true, ...WAIT });
export const ACCEPT_SUBSCRIPTION_OPTIONS = keys<AcceptSubscriptionOptions>({ status: true, expires: true, headers: true });
export const NOTIFY_OPTIONS = keys<NotifyOptions>({ state: true, reason: true, body: true, contentType: true, headers: true, ...WAIT });
