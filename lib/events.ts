/**
 * eXosip events as typed objects.
 * @module
 */
import type { NativeEventCallback } from '../binding';
import type { ExosipEventType } from './generated/constants';
import { binding } from './native';
import { Message, wrapEventMessage } from './message';

/** Every `eXosip_event_type_t` value by C name. */
export const EVENT_TYPES: Readonly<Record<ExosipEventType, number>> = Object.freeze({ ...binding.eventTypes }) as Record<ExosipEventType, number>;

export type { ExosipEventType } from './generated/constants';

/**
 * One eXosip event (`eXosip_event_t`). `request`/`response`/`ack` are copies
 * the event owns; ids that do not apply are 0.
 */
export interface ExosipEvent<T extends ExosipEventType = ExosipEventType> {
  /** The C name of the event type. */
  readonly type: T;
  /** The numeric event type. */
  readonly typeId: number;
  /** Registration id. */
  readonly rid: number;
  /** Transaction id. */
  readonly tid: number;
  /** Dialog id. */
  readonly did: number;
  /** Call id (eXosip's, not the Call-ID header). */
  readonly cid: number;
  /** Outgoing subscription id. */
  readonly sid: number;
  /** Incoming subscription id. */
  readonly nid: number;
  /** Subscription state status. */
  readonly ssStatus: number;
  /** Subscription state reason. */
  readonly ssReason: number;
  /** eXosip's one-line description. */
  readonly textinfo: string;
  /**
   * When the context's worker thread took the event from eXosip
   * (`eXosip_event_wait`), in ns of CLOCK_MONOTONIC: the clock of
   * `process.hrtime.bigint()`, so `process.hrtime.bigint() - event.receivedNs`
   * in a listener is the event's delivery time to JS (ns). Events taken in one
   * wake-up of the worker share nearly the same value.
   */
  readonly receivedNs: bigint;
  /** The request of the transaction, or null. */
  readonly request: Message | null;
  /** Its last response, or null (no response: timeout or transport error). */
  readonly response: Message | null;
  /** The ACK (calls only), or null. */
  readonly ack: Message | null;
}

/** Any eXosip event: a union discriminated on `type`. */
export type AnyExosipEvent = { [K in ExosipEventType]: ExosipEvent<K> }[ExosipEventType];

/** The two registration events. */
export type RegistrationEvent = ExosipEvent<'EXOSIP_REGISTRATION_SUCCESS' | 'EXOSIP_REGISTRATION_FAILURE'>;

/** Event type names by numeric type. */
const TYPE_NAMES: readonly string[] = (() => {
  const names: string[] = [];
  for (const [name, id] of Object.entries(EVENT_TYPES)) names[id] = name;
  return names;
})();

/**
 * @internal The native context's `onExosipEvent` (binding.d.ts): turns the
 * fields the worker copied out of each `eXosip_event_t` into the typed event
 * and hands it to `deliver`.
 */
export function eventReceiver(deliver: (event: AnyExosipEvent) => void): NativeEventCallback {
  return (typeId, rid, tid, did, cid, sid, nid, ssStatus, ssReason, textinfo, receivedNs, request, response, ack) =>
    deliver(
      Object.freeze({
        type: TYPE_NAMES[typeId] ?? 'EXOSIP_UNKNOWN_EVENT',
        typeId,
        rid,
        tid,
        did,
        cid,
        sid,
        nid,
        ssStatus,
        ssReason,
        textinfo,
        receivedNs,
        request: wrapEventMessage(request),
        response: wrapEventMessage(response),
        ack: wrapEventMessage(ack),
      }) as AnyExosipEvent,
    );
}
