/**
 * One context of a {@link ContextPool} and what is assigned to it, and the
 * per-registration credentials (`auth`) the pool adds to that context.
 * @module
 * @internal
 */
import type { Context } from '../context/context';
import type { AuthenticationInfo } from '../context/types';
import type { Registration } from '../register/registration';

/** Credentials added to one context for some registrations; `starting`: register() calls not yet given their Registration. */
export interface AuthEntry {
  info: AuthenticationInfo;
  readonly users: Set<Registration>;
  starting: number;
}

/** One context of the pool and what is assigned to it. */
export interface Member {
  readonly ready: Promise<Context>;
  context: Context | null;
  /** register() calls assigned here whose Context.register() has not run yet. */
  pending: number;
  /** Per-registration credentials: key → the registrations that brought them. */
  readonly auths: Map<string, AuthEntry>;
}

const TERMINAL = new Set(['unregistered', 'removed', 'closed']);

const authKey = (info: AuthenticationInfo): string => `${info.username}\0${info.realm ?? ''}`;

/**
 * Adds per-registration credentials to `member`'s context (eXosip's
 * `eXosip_add_authentication_info` never de-duplicates: the same ones are
 * added once) and, amortized, drops those no live or starting registration
 * needs and the pool does not hold for all (`poolAuths`). `load`: the
 * member's registrations, started or not.
 */
export function addMemberAuth(member: Member, context: Context, info: AuthenticationInfo, load: number, poolAuths: readonly AuthenticationInfo[]): AuthEntry {
  const key = authKey(info);
  let entry = member.auths.get(key);
  if (entry !== undefined) {
    // The same credentials again (a user registering anew): forget its registrations that ended,
    // or every Registration of a user who comes back stays reachable from here.
    for (const r of entry.users) if (TERMINAL.has(r.state)) entry.users.delete(r);
    if (entry.info.password !== info.password || entry.info.ha1 !== info.ha1 || entry.info.userid !== info.userid) {
      context.addAuthenticationInfo(info);
      entry.info = info;
    }
  } else {
    context.addAuthenticationInfo(info);
    entry = { info, users: new Set(), starting: 0 };
    member.auths.set(key, entry);
  }
  // Amortized sweep: credentials whose registrations all ended.
  if (member.auths.size > 2 * (load + 16)) {
    for (const [k, e] of member.auths) {
      for (const r of e.users) if (TERMINAL.has(r.state)) e.users.delete(r);
      if (e.users.size === 0 && e.starting === 0 && k !== key && !poolAuths.some((a) => authKey(a) === k)) {
        member.auths.delete(k);
        // Credentials without a realm stay in the context (removing needs a realm).
        if (e.info.realm === undefined) continue;
        try {
          context.removeAuthenticationInfo({ username: e.info.username, realm: e.info.realm });
        } catch {
          // Already gone (clearAuthenticationInfo on the context).
        }
      }
    }
  }
  return entry;
}
