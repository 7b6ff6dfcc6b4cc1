/**
 * exosip2: Node.js binding to libeXosip2.
 *
 * The idiomatic API: {@link Context}, {@link Registration}, {@link Message}.
 * The C-named API for porting is `exosip2/compat`.
 * @module
 */
export { Context } from './context';
export type {
  AuthenticationInfo,
  ContextEventMap,
  ContextOptions,
  ListenInfo,
  ListenOptions,
  RegisterOptions,
  Transport,
  UnregisterAllOptions,
} from './context';
export { Registration, DEFAULT_TIMEOUT_MS } from './registration';
export type {
  RefreshOptions,
  RegistrationChallenge,
  RegistrationEventMap,
  RegistrationInfo,
  RegistrationState,
  RegistrationWaitOptions,
} from './registration';
export { Message, parseMessage } from './message';
export { redactCredentials } from './trace';
export { LOG_LEVELS } from './log';
export type { Logger, LogMethod, LogRecord } from './log';
export type { SipTrace, TraceOptions } from './trace';
export { EVENT_TYPES } from './events';
export type { AnyExosipEvent, ExosipEvent, ExosipEventType, RegistrationEvent } from './events';
export { OPTIONS, OPTION_KINDS } from './options';
export type { ExosipOptionName, OptionKind, OptionValue } from './options';
export { OSIP_CODES, osipCodeName, RegistrationError, SipError } from './errors';
export { ContextPool, DEFAULT_MAX_CONTEXTS, DEFAULT_MAX_PER_CONTEXT } from './pool';
export type { ContextPoolEventMap, ContextPoolOptions, PoolListenOptions, PoolRegisterOptions } from './pool';
export { Registrar } from './registrar';
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
} from './registrar';
