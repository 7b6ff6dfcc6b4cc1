/**
 * The options of a {@link Registrar}, checked and with their defaults.
 * @internal
 * @module
 */
import { rangeError, typeError } from '../errors';
import * as v from '../internal/validate';
import type { RegistrarOptions, RegistrarPasswordLookup, RegistrarSettings } from './types';
import { REGISTRAR_OPTIONS } from '../internal/option-keys';

/** The checked options a Registrar runs with. */
export interface Settings {
  lookup: RegistrarPasswordLookup;
  realm: string | null;
  domains: ReadonlySet<string> | null;
  minExpires: number;
  maxExpires: number;
  defaultExpires: number;
  maxBindingsPerAor: number;
  maxBindings: number;
  nonceTtlMs: number;
  userAgent: string;
}

/** Checks and normalizes the constructor options. */
export function settings(options: unknown): Settings {
  if (options === undefined) throw typeError('ERR_INVALID_ARG_TYPE', 'options must be an object with at least options.users');
  const o = v.options<RegistrarOptions>('options', options, REGISTRAR_OPTIONS);
  const lookup = usersLookup(o.users);
  let realm: string | null = null;
  if (o.realm !== undefined) {
    realm = v.sipText('options.realm', o.realm);
    if (/["\\]/.test(realm)) throw typeError('ERR_INVALID_ARG_VALUE', 'options.realm must not contain " or \\ (it is sent as a quoted string)');
  }
  let domains: Set<string> | null = null;
  if (o.domains !== undefined) {
    if (!Array.isArray(o.domains)) throw typeError('ERR_INVALID_ARG_TYPE', 'options.domains must be an array of domain names');
    domains = new Set(
      o.domains.map((d, i) => {
        const name = v.sipText(`options.domains[${i}]`, d);
        if (/[\s@;<>"]/.test(name)) throw typeError('ERR_INVALID_ARG_VALUE', `options.domains[${i}] must be a domain name such as "example.com", got ${JSON.stringify(name)}`);
        return name.toLowerCase();
      }),
    );
  }
  const minExpires = o.minExpires === undefined ? 60 : v.integer('options.minExpires', o.minExpires, 1, 99_999_999);
  const maxExpires = o.maxExpires === undefined ? Math.max(3600, minExpires) : v.integer('options.maxExpires', o.maxExpires, 1, 99_999_999);
  if (maxExpires < minExpires) throw rangeError(`options.maxExpires (${maxExpires}) must not be below options.minExpires (${minExpires})`);
  const defaultExpires = o.defaultExpires === undefined ? Math.min(Math.max(1800, minExpires), maxExpires) : v.integer('options.defaultExpires', o.defaultExpires, 1, 99_999_999);
  if (defaultExpires < minExpires || defaultExpires > maxExpires) {
    throw rangeError(`options.defaultExpires (${defaultExpires}) must be from options.minExpires (${minExpires}) to options.maxExpires (${maxExpires})`);
  }
  const maxBindingsPerAor = o.maxBindingsPerAor === undefined ? 10 : v.integer('options.maxBindingsPerAor', o.maxBindingsPerAor, 1, 10_000);
  const maxBindings = o.maxBindings === undefined ? 10_000 : v.integer('options.maxBindings', o.maxBindings, 1, 1_000_000);
  const nonceTtlMs = o.nonceTtlMs === undefined ? 300_000 : v.integer('options.nonceTtlMs', o.nonceTtlMs, 100, 86_400_000);
  const userAgent = o.userAgent === undefined ? 'exosip2-registrar' : v.sipText('options.userAgent', o.userAgent);
  return { lookup, realm, domains, minExpires, maxExpires, defaultExpires, maxBindingsPerAor, maxBindings, nonceTtlMs, userAgent };
}

function usersLookup(users: unknown): RegistrarPasswordLookup {
  if (typeof users === 'function') return users as RegistrarPasswordLookup;
  if (users === undefined) throw typeError('ERR_INVALID_ARG_TYPE', 'options.users is required: a record of passwords or a (user, realm, domain) => password function');
  if (users === null || typeof users !== 'object' || Array.isArray(users)) {
    throw typeError('ERR_INVALID_ARG_TYPE', `options.users must be a record of passwords or a function, got ${users === null ? 'null' : Array.isArray(users) ? 'an array' : typeof users}`);
  }
  const table = new Map<string, string>();
  for (const [key, password] of Object.entries(users as Record<string, unknown>)) {
    if (key === '' || /[\s:;<>"]/.test(key) || key.split('@').length > 2 || key.startsWith('@') || key.endsWith('@')) {
      throw typeError('ERR_INVALID_ARG_VALUE', `options.users key ${JSON.stringify(key)} must be "user" or "user@domain"`);
    }
    if (typeof password !== 'string') throw typeError('ERR_INVALID_ARG_TYPE', `options.users[${JSON.stringify(key)}] must be a string password, got ${typeof password}`);
    const at = key.indexOf('@');
    table.set(at < 0 ? key : `${key.slice(0, at)}@${key.slice(at + 1).toLowerCase()}`, password);
  }
  return (user, _realm, domain) => table.get(`${user}@${domain}`) ?? table.get(user);
}

/** The options in effect, as {@link Registrar.options} reports them. */
export function publicSettings(o: Settings): RegistrarSettings {
  return Object.freeze({
    realm: o.realm,
    domains: o.domains === null ? null : Object.freeze([...o.domains]),
    minExpires: o.minExpires,
    maxExpires: o.maxExpires,
    defaultExpires: o.defaultExpires,
    maxBindingsPerAor: o.maxBindingsPerAor,
    maxBindings: o.maxBindings,
    nonceTtlMs: o.nonceTtlMs,
    userAgent: o.userAgent,
  });
}
