/**
 * `ctx.statistics()`: eXosip's counters (`EXOSIP_OPT_GET_STATISTICS`,
 * `struct eXosip_stats`) under the names of {@link ContextStatistics}.
 */
import type { NativeContext } from '../../binding';
import { check } from '../errors';
import type { ContextStatistics } from './types';

/** @internal Reads the counters of `native`; throws the SipError eXosip's code maps to when it refuses. */
export function readStatistics(native: NativeContext): ContextStatistics {
  const [code, s] = native.statistics();
  check(code < 0 || s === null ? (code < 0 ? code : -1) : 0, 'eXosip_set_option', 'EXOSIP_OPT_GET_STATISTICS');
  return Object.freeze({
    transactions: s!.allocated_transactions,
    transactionsPerHour: s!.average_transactions,
    registrations: s!.allocated_registrations,
    registrationsPerHour: s!.average_registrations,
    calls: s!.allocated_calls,
    callsPerHour: s!.average_calls,
    publications: s!.allocated_publications,
    publicationsPerHour: s!.average_publications,
    subscriptions: s!.allocated_subscriptions,
    subscriptionsPerHour: s!.average_subscriptions,
    inSubscriptions: s!.allocated_insubscriptions,
    inSubscriptionsPerHour: s!.average_insubscriptions,
  });
}
