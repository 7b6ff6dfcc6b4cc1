/**
 * What the worker and eXosip's thread hand the JS thread besides eXosip
 * events (binding.d.ts `NativeDelivery`), each sent where it belongs (out of
 * context.ts, which stays under ~400 lines).
 * @internal
 * @module
 */
import type { NativeDelivery } from '../../binding';
import type { CommandTable } from '../internal/commands';
import { deliver, type Logger } from './log';
import type { TlsFailureLog } from './tls';
import { type SipTrace, TraceDecoder } from './trace';

/** Where one context's deliveries go. */
export interface DeliverySinks {
  readonly commands: CommandTable;
  readonly tlsFailures: TlsFailureLog;
  /** The logger of setLogger(), or null. */
  logger(): Logger | null;
  /** The decoder of setTrace(true), or null once tracing stopped. */
  trace(): TraceDecoder | null;
  emitTrace(trace: SipTrace): void;
}

/**
 * A command's result to the CommandTable (lib/internal/commands.ts), a log
 * line to the logger, a TLS failure to the log of them, a traced SIP message
 * to `'trace'` (also one queued before setTrace(false)).
 */
export function routeDelivery(raw: NativeDelivery, sinks: DeliverySinks): void {
  switch (raw.kind) {
    case 'result':
      sinks.commands.settle(raw);
      return;
    case 'log': {
      const logger = sinks.logger();
      if (logger !== null) deliver(logger, raw);
      return;
    }
    case 'tls':
      sinks.tlsFailures.add(raw.text);
      return;
    default:
      sinks.emitTrace((sinks.trace() ?? new TraceDecoder({})).decode(raw.received, raw.text));
  }
}
