/**
 * exosip2: Node.js binding to libeXosip2.
 *
 * The idiomatic API: {@link Context}, {@link Registration}, {@link Message}.
 * The C-named API for porting is `exosip2/compat`.
 * @module
 */

// The context (eX_setup.h, eXosip.h): sockets, options, credentials, events, log, trace.
export { Context } from './context/context';
export type { AuthenticationInfo, ContextEventMap, ContextOptions, ContextStatistics, ListenInfo, ListenOptions, Transport } from './context/types';
export type { TlsOptions } from './context/tls';
export { LOG_LEVELS } from './context/log';
export type { Logger, LogMethod, LogRecord } from './context/log';
export { redactCredentials } from './context/trace';
export type { SipTrace, TraceOptions } from './context/trace';

// Registrations (eX_register.h).
export { Registration } from './register/registration';
export { DEFAULT_TIMEOUT_MS } from './register/types';
export type {
  ContactChange,
  RefreshOptions,
  RegisterOptions,
  RegistrationChallenge,
  RegistrationEventMap,
  RegistrationInfo,
  RegistrationState,
  RegistrationWaitOptions,
  UnregisterAllOptions,
  ViaSource,
} from './register/types';

// Requests and answers outside of a dialog (eX_message.h, eX_options.h; answers of eX_call.h, eX_subscribe.h).
export { IncomingRequest } from './message/incoming';
export { DEFAULT_ANSWER_MS } from './message/answers';
export { DEFAULT_REQUEST_TIMEOUT_MS, MAX_UDP_MESSAGE } from './message/request';
export type { HeaderList, IncomingKind, PublishOptions, PublishResult, RequestOptions, RequestResult, RespondOptions, SugarOptions } from './message/types';

// Calls (eX_call.h): placed with ctx.invite(), received as ctx.on('call').
export { Call } from './call/call';
export { IncomingCall } from './call/incoming';
export { DEFAULT_INVITE_TIMEOUT_MS, RING_TIMEOUT_MS } from './call/types';
export type {
  AnswerOptions,
  CallEnd,
  CallEventMap,
  CallProgress,
  CallRequestOptions,
  CallState,
  IncomingCallCancel,
  IncomingCallEventMap,
  IncomingCallState,
  InDialogOptions,
  InfoOptions,
  InviteOptions,
  ReferOptions,
  ReferProgress,
  ReinviteOptions,
  RejectOptions,
} from './call/types';

// Subscriptions (eX_subscribe.h, RFC 6665): made with ctx.subscribe().
export { Subscription } from './subscribe/subscription';
export { DEFAULT_SUBSCRIBE_EXPIRES, DEFAULT_SUBSCRIBE_TIMEOUT_MS, MIN_SUBSCRIBE_EXPIRES } from './subscribe/types';
export type { SubscribeOptions, SubscriptionEnd, SubscriptionEventMap, SubscriptionNotify, SubscriptionRefreshOptions, SubscriptionState } from './subscribe/types';
// Subscriptions made to this context (the notifier's side): ctx.on('subscription').
export { IncomingSubscription } from './subscribe/incoming';
export type {
  AcceptSubscriptionOptions,
  IncomingSubscriptionEnd,
  IncomingSubscriptionEventMap,
  IncomingSubscriptionState,
  NotifyOptions,
  SubscriptionTerminationReason,
} from './subscribe/notifier-types';

// Many contexts behind one register().
export { ContextPool } from './pool/pool';
export { DEFAULT_MAX_CONTEXTS, DEFAULT_MAX_PER_CONTEXT } from './pool/types';
export type { ContextPoolEventMap, ContextPoolOptions, PoolListenOptions, PoolRegisterOptions } from './pool/types';

// The embedded registrar (the server side: eX_message.h answers).
export { Registrar } from './registrar/server';
export type {
  RegistrarBinding,
  RegistrarChallenge,
  RegistrarChallengeCause,
  RegistrarEventMap,
  RegistrarListenOptions,
  RegistrarOptions,
  RegistrarPasswordLookup,
  RegistrarRegisteredEvent,
  RegistrarRejectCause,
  RegistrarRejection,
  RegistrarRequestInfo,
  RegistrarSettings,
  RegistrarUnregisteredEvent,
  RegistrarUnregisterReason,
  RegistrarUsers,
} from './registrar/types';

// Shared by every area: messages, events, options, errors.
export { Message, parseMessage } from './message';
export type { MessageBody } from './message';
export { EVENT_TYPES } from './events';
export type { AnyExosipEvent, ExosipEvent, ExosipEventType, RegistrationEvent } from './events';
export { OPTIONS, OPTION_KINDS } from './options';
export type { eXosip_stats, eXosip_tls_credentials_t, eXosip_tls_ctx_t, ExosipOptionName, OptionKind, OptionValue } from './options';
export { CallError, OSIP_CODES, osipCodeName, RegistrationError, RequestError, SipError, TransactionError } from './errors';
