/**
 * `ctx.listen()`'s options checked into eXosip_listen_addr's C arguments,
 * and its failures named (out of context.ts, which stays under ~400 lines).
 * @internal
 * @module
 */
import { getSystemErrorName, inspect } from 'node:util';
import { osipError, type SipError, socketError, typeError } from '../errors';
import * as v from '../internal/validate';
import { binding } from '../native';
import { type ListenInfo, type ListenOptions, type Transport, TRANSPORTS } from './types';
import { LISTEN_OPTIONS } from '../internal/option-keys';

/** What `eXosip_listen_addr` is called with, from checked {@link ListenOptions}. */
export interface ListenArgs {
  transport: Transport;
  address: string | null;
  port: number;
  family: 4 | 6;
  /** `IPPROTO_UDP` or `IPPROTO_TCP`. */
  proto: number;
  /** `AF_INET` or `AF_INET6`. */
  af: number;
  /** 1 for TLS. */
  secure: number;
}

/** Checks `options` (TypeError/RangeError) → eXosip_listen_addr's arguments. */
export function listenArgs(options: ListenOptions | undefined): ListenArgs {
  const o = v.options<ListenOptions>('options', options, LISTEN_OPTIONS);
  const transport = o.transport === undefined ? 'udp' : v.oneOf('options.transport', o.transport, TRANSPORTS);
  const address = o.address === undefined ? null : o.address;
  const addressFamily = address === null ? undefined : v.ipAddress('options.address', address);
  const port = o.port === undefined ? 0 : v.integer('options.port', o.port, 0, 65535);
  if (o.family !== undefined && o.family !== 4 && o.family !== 6) {
    throw typeError('ERR_INVALID_ARG_VALUE', `options.family must be 4 or 6 (a number), got ${inspect(o.family)}`);
  }
  const family = o.family ?? addressFamily ?? 4;
  if (addressFamily !== undefined && addressFamily !== family) {
    throw typeError('ERR_INVALID_ARG_VALUE', `options.address ${address} is not an IPv${family} address`);
  }
  const c = binding.constants;
  return { transport, address, port, family, proto: transport === 'udp' ? c.IPPROTO_UDP : c.IPPROTO_TCP, af: family === 6 ? c.AF_INET6 : c.AF_INET, secure: transport === 'tls' ? 1 : 0 };
}

/** The SipError for eXosip_listen_addr's negative `code` (`EADDRINUSE` for errno 98). */
export function listenError(a: ListenArgs, code: number, errno: number): SipError {
  const where = `${a.transport} ${a.address ?? (a.family === 6 ? '[::]' : '0.0.0.0')}:${a.port}`;
  if (errno === 98 /* EADDRINUSE */) {
    return socketError('EADDRINUSE', `eXosip_listen_addr failed: ${where} is already in use (EADDRINUSE)`, code);
  }
  if (code === binding.osipCodes.OSIP_WRONG_STATE) return osipError(code, 'eXosip_listen_addr', 'this context already listens');
  return osipError(code, 'eXosip_listen_addr', errno ? `cannot bind ${where}: ${errnoText(errno)}` : `cannot listen on ${where}`);
}

/** Why bind() failed, in words: `EADDRNOTAVAIL (errno 99): not an address of this host`. */
function errnoText(errno: number): string {
  let name = 'errno';
  try {
    name = getSystemErrorName(-errno);
  } catch {
    /* not an errno Node knows */
  }
  const hint = BIND_HINTS[name];
  return `${name} (errno ${errno})${hint === undefined ? '' : `: ${hint}`}`;
}

const BIND_HINTS: Readonly<Record<string, string>> = {
  EADDRNOTAVAIL: 'not an address of this host (listen on one of its addresses, or 0.0.0.0 / ::)',
  EACCES: 'a port below 1024 needs privileges (CAP_NET_BIND_SERVICE)',
};

/** What a context listens on once `eXosip_listen_addr(proto, address, port, family, secure)` bound `port`. */
export function listenedOn(proto: number, address: string | null, port: number, family: number, secure: number): ListenInfo {
  const c = binding.constants;
  const transport: Transport = proto === c.IPPROTO_UDP ? 'udp' : secure ? 'tls' : 'tcp';
  return Object.freeze({ transport, address, port, family: family === c.AF_INET6 ? 6 : 4 });
}
