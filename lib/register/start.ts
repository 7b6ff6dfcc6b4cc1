/**
 * The first REGISTER of a registration: {@link Context.register} and
 * {@link Context.unregisterAll} check their options and start here
 * (`eXosip_register_build_initial_register` + `eXosip_register_send_register`).
 * @internal
 * @module
 */
import type { Context } from '../context/context';
import { osipError, registrationError, stateError, typeError } from '../errors';
import { type ContextInternals, contextInternals, registrationInternals } from '../internal/handles';
import * as v from '../internal/validate';
import { Message, native } from '../message';
import { putHeader } from '../message/answers';
import { assertFitsDatagram } from '../message/request';
import { registrationName } from './answers';
import { Registration } from './registration';
import { DEFAULT_TIMEOUT_MS, type RegisterOptions, type RegistrationInfo, type RegistrationInit, type UnregisterAllOptions } from './types';
import { askedTransport, transportAdvice } from '../internal/target';

/** A registration whose first REGISTER is sent, and the wait for its outcome. */
export interface Started {
  readonly registration: Registration;
  readonly wait: Promise<RegistrationInfo>;
}

/** Checks the options shared by `register()` and `unregisterAll()`. */
export function registerOptions(options: RegisterOptions | UnregisterAllOptions, known: ReadonlySet<string>): Partial<RegisterOptions> {
  const o = v.options<RegisterOptions>('options', options, known);
  if (options === undefined) throw typeError('ERR_INVALID_ARG_TYPE', 'options must be an object');
  v.sipUri('options.from', o.from);
  if (v.sipHost(o.from!) === null) throw typeError('ERR_INVALID_ARG_VALUE', `options.from ${o.from} has no host: an AoR is sip:user@domain (RFC 3261 §10.2)`);
  v.sipUri('options.proxy', o.proxy, 'sip:registrar.example.com');
  if (v.sipHost(o.proxy!) === null) throw typeError('ERR_INVALID_ARG_VALUE', `options.proxy ${o.proxy} has no host: eXosip sends only to sip: or sips: URIs with a host`);
  if (o.supported !== undefined) {
    if (!Array.isArray(o.supported)) throw typeError('ERR_INVALID_ARG_TYPE', 'options.supported must be an array of strings');
    o.supported.forEach((s, i) => v.sipText(`options.supported[${i}]`, s));
  }
  if (o.headers !== undefined) {
    const entries = Array.isArray(o.headers) ? o.headers : Object.entries(v.record('options.headers', o.headers));
    entries.forEach((entry, i) => {
      if (!Array.isArray(entry) || entry.length !== 2) throw typeError('ERR_INVALID_ARG_TYPE', `options.headers[${i}] must be a [name, value] pair`);
      const name = v.extraHeaderName(`options.headers[${i}] name`, entry[0]).toLowerCase();
      // eXosip writes these from options.contact and options.expires: a second one would contradict them.
      if (name === 'contact' || name === 'm' || name === 'expires') {
        throw typeError('ERR_INVALID_ARG_VALUE', `options.headers[${i}] is ${entry[0]}, which eXosip writes from ${name === 'expires' ? 'options.expires' : 'options.contact'}: give it there`);
      }
      v.sipText(`options.headers[${i}] value`, entry[1], { allowEmpty: true });
    });
  }
  if (o.timeoutMs !== undefined) v.integer('options.timeoutMs', o.timeoutMs, 1, 2_147_483_647);
  v.abortSignal('options.signal', o.signal);
  return o;
}

/**
 * Builds the first REGISTER under eXosip's lock, adds the Supported and extra
 * headers, routes the new rid to its Registration and sends it. Rejects (and
 * leaves nothing behind) when any step fails. A REGISTER sent as eXosip builds
 * it is built and sent by the worker thread (lib/internal/commands.ts): the
 * JS thread does not wait for eXosip's lock. `announce` gets the
 * Registration the moment it exists, before any event of its REGISTER.
 */
export function startRegistration(
  context: Context,
  o: Partial<RegisterOptions>,
  contact: string | null,
  expires: number,
  announce: (registration: Registration) => void,
): Promise<Started> {
  const host = contextInternals(context);
  host.assertOpen();
  const what = registrationName(o.from!, contact);
  if (o.signal?.aborted) {
    throw registrationError('ABORT_ERR', `${what} was aborted before it started`, { reason: 'aborted', cause: o.signal.reason });
  }
  const listening = context.address;
  if (listening === null) throw stateError('ERR_NOT_LISTENING', `Call listen() before ${contact === '*' ? 'unregisterAll' : 'register'}(): eXosip needs a transport`);
  const proxyFamily = v.uriHostFamily(o.proxy!);
  if (proxyFamily !== 0 && proxyFamily !== listening.family) {
    // eXosip could never send there (no socket of that family), and each try
    // leaks the resolved address (eXtl_udp.c, docs/reliability.md).
    throw typeError('ERR_INVALID_ARG_VALUE', `options.proxy ${o.proxy} is an IPv${proxyFamily} address but this context listens on IPv${listening.family}`);
  }
  // eXosip sends over the context's one transport whatever the URI asks for:
  // a sips: proxy (RFC 3261 §19.1: TLS) or ;transport=tcp on a UDP context
  // would silently go over UDP.
  const asked = askedTransport(o.proxy!);
  if (asked !== undefined && asked !== listening.transport) {
    throw typeError(
      'ERR_INVALID_ARG_VALUE',
      `options.proxy ${o.proxy} asks for ${asked} but this context listens on ${listening.transport}: ${transportAdvice(asked)}`,
    );
  }
  const n = host.native;
  const headers = Array.isArray(o.headers) ? o.headers : Object.entries(o.headers ?? {});
  const init = (rid: number): RegistrationInit => ({ rid, from: o.from!, proxy: o.proxy!, contact, expires, transport: listening.transport });
  // Long URIs (a From of 100 kB) may not fit one datagram: built on the JS thread and measured.
  const long = listening.transport === 'udp' && 2 * o.from!.length + o.proxy!.length + (contact?.length ?? 0) > 8000;
  if (headers.length === 0 && (o.supported ?? []).length === 0 && !long) {
    // Sent as eXosip builds it: built and sent by the worker, in one command (issue #15).
    return new Promise<Started>((resolve, reject) => {
      const kind = contact === '*' ? 'unregister' : 'register';
      // timeoutMs and signal count from this call, also while the command
      // waits for the worker (a burst waits for its send window:
      // native/context/commands.h); what remains is the Registration's.
      const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      const deadline = Date.now() + timeoutMs;
      const options = {
        timeoutMs,
        signal: o.signal,
        timeoutError: () => registrationError('ERR_REGISTRATION_TIMEOUT', `${what} failed: no final answer within ${timeoutMs} ms`, { reason: `no final answer within ${timeoutMs} ms` }),
        abortError: () => registrationError('ABORT_ERR', `${what} was aborted`, { reason: 'aborted', cause: o.signal!.reason }),
        giveUp: reject,
      };
      host.commands.postCancellable((seq) => n.registerStartQueued(seq, o.from!, o.proxy!, contact, expires), n.cancelQueued.bind(n), options, {
        done: (rid, sent, gaveUp) => {
          if (rid < 0) return gaveUp || reject(osipError(rid, 'eXosip_register_build_initial_register'));
          if (sent < 0) {
            n.registerRemove(rid);
            return gaveUp || reject(osipError(sent, 'eXosip_register_send_register'));
          }
          const registration = new Registration(host, init(rid));
          host.dispatcher.registrations.set(rid, registration);
          const internals = registrationInternals(registration);
          if (gaveUp) {
            // Given up while the worker was sending it: the REGISTER is on the
            // wire, so it is followed to its end as an abandoned one (abandon.ts).
            internals.begin(kind, timeoutMs, AbortSignal.abort()).catch(() => undefined);
            return;
          }
          // This result reaches JS before any event of the REGISTER: nothing can be missed.
          const wait = internals.begin(kind, Math.max(1, deadline - Date.now()), o.signal, timeoutMs);
          resolve({ registration, wait });
          announce(registration);
        },
        closed: (gaveUp) => {
          if (!gaveUp) reject(registrationError('ERR_CONTEXT_CLOSED', `${what} failed: the context was closed`, { reason: 'the context was closed' }));
        },
      });
    });
  }
  try {
    const started = startEdited(host, o, init, headers);
    announce(started.registration);
    return Promise.resolve(started);
  } catch (error) {
    return Promise.reject(error);
  }
}

/** The first REGISTER with Supported or extra headers: built, edited and sent from the JS thread, under the lock. */
function startEdited(host: ContextInternals, o: Partial<RegisterOptions>, init: (rid: number) => RegistrationInit, headers: readonly (readonly [string, string])[]): Started {
  const n = host.native;
  const { contact, expires, transport } = init(0);
  n.lock();
  try {
    const [rid, handle] = n.registerBuildInitialRegister(o.from!, o.proxy!, contact, expires);
    if (rid < 0 || handle === null) throw osipError(rid < 0 ? rid : -1, 'eXosip_register_build_initial_register');
    const message = new Message(handle);
    const registration = new Registration(host, init(rid));
    try {
      for (const value of o.supported ?? []) message.setSupported(value);
      for (const [name, value] of headers) putHeader(message, name, value);
      if (transport === 'udp') assertFitsDatagram(message, 'REGISTER');
    } catch (error) {
      message.dispose();
      n.registerRemove(rid);
      throw error;
    }
    host.dispatcher.registrations.set(rid, registration);
    const internals = registrationInternals(registration);
    const wait = internals.begin(contact === '*' ? 'unregister' : 'register', o.timeoutMs ?? DEFAULT_TIMEOUT_MS, o.signal);
    // The message is spent whatever happens (eXosip takes it even on failure).
    const sent = n.registerSendRegister(rid, native(message));
    if (sent < 0) {
      wait.catch(() => undefined);
      registration.remove();
      throw osipError(sent, 'eXosip_register_send_register');
    }
    return { registration, wait };
  } finally {
    n.unlock();
  }
}
