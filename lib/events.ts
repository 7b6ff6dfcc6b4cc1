/**
 * eXosip events as typed objects.
 * @module
 */
import type { NativeEvent } from '../binding';
import { binding } from './native';
import { Message, wrapMessage } from './message';

/** Every `eXosip_event_type_t` value by C name. */
export const EVENT_TYPES: Readonly<Record<ExosipEventType, number>> = Object.freeze({ ...binding.eventTypes }) as Record<ExosipEventType, number>;

/** The C names of eXosip's event types. */
export type ExosipEventType =
  | 'EXOSIP_REGISTRATION_SUCCESS'
  | 'EXOSIP_REGISTRATION_FAILURE'
  | 'EXOSIP_CALL_INVITE'
  | 'EXOSIP_CALL_REINVITE'
  | 'EXOSIP_CALL_NOANSWER'
  | 'EXOSIP_CALL_PROCEEDING'
  | 'EXOSIP_CALL_RINGING'
  | 'EXOSIP_CALL_ANSWERED'
  | 'EXOSIP_CALL_REDIRECTED'
  | 'EXOSIP_CALL_REQUESTFAILURE'
  | 'EXOSIP_CALL_SERVERFAILURE'
  | 'EXOSIP_CALL_GLOBALFAILURE'
  | 'EXOSIP_CALL_ACK'
  | 'EXOSIP_CALL_CANCELLED'
  | 'EXOSIP_CALL_MESSAGE_NEW'
  | 'EXOSIP_CALL_MESSAGE_PROCEEDING'
  | 'EXOSIP_CALL_MESSAGE_ANSWERED'
  | 'EXOSIP_CALL_MESSAGE_REDIRECTED'
  | 'EXOSIP_CALL_MESSAGE_REQUESTFAILURE'
  | 'EXOSIP_CALL_MESSAGE_SERVERFAILURE'
  | 'EXOSIP_CALL_MESSAGE_GLOBALFAILURE'
  | 'EXOSIP_CALL_CLOSED'
  | 'EXOSIP_CALL_RELEASED'
  | 'EXOSIP_MESSAGE_NEW'
  | 'EXOSIP_MESSAGE_PROCEEDING'
  | 'EXOSIP_MESSAGE_ANSWERED'
  | 'EXOSIP_MESSAGE_REDIRECTED'
  | 'EXOSIP_MESSAGE_REQUESTFAILURE'
  | 'EXOSIP_MESSAGE_SERVERFAILURE'
  | 'EXOSIP_MESSAGE_GLOBALFAILURE'
  | 'EXOSIP_SUBSCRIPTION_NOANSWER'
  | 'EXOSIP_SUBSCRIPTION_PROCEEDING'
  | 'EXOSIP_SUBSCRIPTION_ANSWERED'
  | 'EXOSIP_SUBSCRIPTION_REDIRECTED'
  | 'EXOSIP_SUBSCRIPTION_REQUESTFAILURE'
  | 'EXOSIP_SUBSCRIPTION_SERVERFAILURE'
  | 'EXOSIP_SUBSCRIPTION_GLOBALFAILURE'
  | 'EXOSIP_SUBSCRIPTION_NOTIFY'
  | 'EXOSIP_IN_SUBSCRIPTION_NEW'
  | 'EXOSIP_NOTIFICATION_NOANSWER'
  | 'EXOSIP_NOTIFICATION_PROCEEDING'
  | 'EXOSIP_NOTIFICATION_ANSWERED'
  | 'EXOSIP_NOTIFICATION_REDIRECTED'
  | 'EXOSIP_NOTIFICATION_REQUESTFAILURE'
  | 'EXOSIP_NOTIFICATION_SERVERFAILURE'
  | 'EXOSIP_NOTIFICATION_GLOBALFAILURE';

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

/** @internal Turns the worker's plain event into the typed object. */
export function toEvent(raw: NativeEvent): AnyExosipEvent {
  return Object.freeze({
    type: raw.type,
    typeId: raw.typeId,
    rid: raw.rid,
    tid: raw.tid,
    did: raw.did,
    cid: raw.cid,
    sid: raw.sid,
    nid: raw.nid,
    ssStatus: raw.ssStatus,
    ssReason: raw.ssReason,
    textinfo: raw.textinfo,
    request: wrapMessage(raw.request),
    response: wrapMessage(raw.response),
    ack: wrapMessage(raw.ack),
  }) as AnyExosipEvent;
}
