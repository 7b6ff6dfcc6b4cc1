/**
 * The options of `new Context()`, checked before anything native exists.
 * @internal
 * @module
 */
import type { NativeContext } from '../../binding';
import { check, typeError } from '../errors';
import * as v from '../internal/validate';
import { DEFAULT_ANSWER_MS } from '../message/answers';
import { binding } from '../native';
import type { ExosipOptionName, OptionValue } from '../options';
import { checkLogger, type Logger } from './log';
import { type TlsSettings, tlsSettings } from './tls';
import type { ContextOptions } from './types';
import { CONTEXT_OPTIONS } from '../internal/option-keys';

/** {@link ContextOptions}, checked and with their defaults. */
export interface ContextSettings {
  readonly userAgent: string | undefined;
  /** Raw `eXosip_set_option` values by option name, each checked. */
  readonly options: Partial<Record<string, OptionValue>>;
  readonly logger: Logger | null;
  /** osip log level 0..7 (default 3). */
  readonly logLevel: number;
  /** `EXOSIP_OPT_AUTO_MASQUERADE_CONTACT` (default false, issue #16). */
  readonly contactRewrite: boolean;
  readonly tls: TlsSettings;
  /** ms before an unanswered request gets its default answer; null: never. */
  readonly answerMs: number | null;
}

/** Checks `options`: TypeError `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE`, RangeError `ERR_OUT_OF_RANGE`. */
export function contextSettings(options: ContextOptions | undefined): ContextSettings {
  const o = v.options<ContextOptions>('options', options, CONTEXT_OPTIONS);
  const userAgent = o.userAgent === undefined ? undefined : v.sipText('options.userAgent', o.userAgent);
  const settings = v.record<OptionValue>('options.options', o.options);
  const logger = o.logger === undefined ? null : checkLogger('options.logger', o.logger);
  const logLevel = o.logLevel === undefined ? 3 : v.integer('options.logLevel', o.logLevel, 0, 7);
  if (o.contactRewrite !== undefined && typeof o.contactRewrite !== 'boolean') throw typeError('ERR_INVALID_ARG_TYPE', 'options.contactRewrite must be a boolean');
  for (const [name, value] of Object.entries(settings)) v.exosipOption(name, value);
  const tls = tlsSettings('options.tls', o.tls);
  const answerMs = o.defaultAnswerMs === undefined ? DEFAULT_ANSWER_MS : o.defaultAnswerMs === null ? null : v.integer('options.defaultAnswerMs', o.defaultAnswerMs, 0, 180_000);
  return { userAgent, options: settings, logger, logLevel, contactRewrite: o.contactRewrite === true, tls, answerMs };
}

/**
 * After `eXosip_init`: the User-Agent, the binding's default for
 * `EXOSIP_OPT_AUTO_MASQUERADE_CONTACT` (issue #16: off), TLS, then the raw
 * options, which may override that default (`setOption`: the Context's, so a
 * value eXosip refuses throws its SipError). The logger is the caller's.
 */
export function applySettings(native: NativeContext, s: ContextSettings, setOption: (name: ExosipOptionName, value: OptionValue) => void): void {
  const options = binding.constants.options;
  if (s.userAgent !== undefined) native.setUserAgent(s.userAgent);
  setOption('EXOSIP_OPT_AUTO_MASQUERADE_CONTACT', s.contactRewrite ? 1 : 0);
  if (s.tls.certificates !== null) check(native.setOption(options.EXOSIP_OPT_SET_TLS_CERTIFICATES_INFO, s.tls.certificates), 'eXosip_set_option', 'EXOSIP_OPT_SET_TLS_CERTIFICATES_INFO');
  check(native.setOption(options.EXOSIP_OPT_SET_TLS_VERIFY_CERTIFICATE, s.tls.verify), 'eXosip_set_option', 'EXOSIP_OPT_SET_TLS_VERIFY_CERTIFICATE');
  for (const [name, value] of Object.entries(s.options)) setOption(name as ExosipOptionName, value as OptionValue);
}
