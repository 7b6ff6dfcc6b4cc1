/**
 * The one place an eXosip event meets the domain object it is about. A
 * Context emits every event as `'event'`, then hands it here; the dispatcher
 * looks the object up by the ids eXosip keys that area with.
 * @internal
 * @module
 */
import type { AnyExosipEvent, RegistrationEvent } from '../events';
import type { Registration } from '../register/registration';
import { registrationInternals } from './handles';

/** The domain objects of one context, by their eXosip ids. */
export class EventDispatcher {
  /** Registrations by rid (eX_register.h): `EXOSIP_REGISTRATION_*`. */
  readonly registrations = new Map<number, Registration>();

  // The areas to come get their table here, keyed as eXosip keys them:
  // - calls (eX_call.h): by cid, then the dialog by did: `EXOSIP_CALL_*`;
  // - outgoing subscriptions (eX_subscribe.h): by sid: `EXOSIP_SUBSCRIPTION_*`;
  // - incoming subscriptions: by nid: `EXOSIP_IN_SUBSCRIPTION_NEW`, `EXOSIP_NOTIFICATION_*`;
  // - out-of-dialog requests (eX_message.h, eX_options.h, eX_publish.h):
  //   by tid: `EXOSIP_MESSAGE_*`.

  /** Hands `event` to the object its ids name; an event no object claims goes nowhere else. */
  route(event: AnyExosipEvent): void {
    switch (event.type) {
      case 'EXOSIP_REGISTRATION_SUCCESS':
      case 'EXOSIP_REGISTRATION_FAILURE': {
        const registration = this.registrations.get(event.rid);
        if (registration !== undefined) registrationInternals(registration).handle(event as RegistrationEvent);
        return;
      }
      default:
        // EXOSIP_CALL_* (cid + did), EXOSIP_SUBSCRIPTION_* (sid),
        // EXOSIP_IN_SUBSCRIPTION_NEW / EXOSIP_NOTIFICATION_* (nid),
        // EXOSIP_MESSAGE_* (tid): no domain object yet; ctx.on('event') has them.
        return;
    }
  }
}
