/**
 * eXosip's NAT contact rewriting, seen from the registration
 * (`EXOSIP_OPT_AUTO_MASQUERADE_CONTACT`, `ContextOptions.contactRewrite`).
 *
 * When a 2xx to our REGISTER names in its top Via a `received` address or
 * `rport` port other than our Contact's, libeXosip2 5.3.0
 * (`_eXosip_register_contact_is_modified`, jcallback.c:40-131) first sends
 * our old Contact again with `;expires=0` (the old binding is removed), then
 * a REGISTER with the Contact rewritten to that address and port
 * (eXregister_api.c:319-363, eXtl_udp.c:947). Each step's 2xx is an
 * EXOSIP_REGISTRATION_SUCCESS; the registration reports the pair as one
 * `contactChanged` event instead of a `refreshed` with expires 0 and another.
 * @module
 */
import { contactExpires, contactUri, type Message } from '../message';
import type { ContactChange, RegistrationInfo, ViaSource } from './types';

const RECEIVED = /;\s*received\s*=\s*([^;\s,]+)/i;
const RPORT = /;\s*rport\s*=\s*([^;\s,]+)/i;

/** The top Via's `received`/`rport` of a response, or null when it has neither with a value. */
export function viaSource(response: Message | null): ViaSource | null {
  const via = response?.getHeader('via');
  if (via === undefined) return null;
  const param = (re: RegExp): string | null => {
    const m = re.exec(via);
    return m === null ? null : m[1].replace(/^\[(.*)\]$/, '$1');
  };
  const received = param(RECEIVED);
  const rport = param(RPORT);
  if (received === null && rport === null) return null;
  return { received, rport: rport === null ? null : Number(rport) };
}

/**
 * Whether a REGISTER is eXosip's removal step of a contact rewrite: our
 * Contact with `;expires=0` while the REGISTER itself asks for an expiry.
 */
export function isRewriteRemoval(request: Message | null): boolean {
  const contact = request?.contacts[0];
  if (contact === undefined || contactExpires(contact) !== 0) return false;
  return (request?.expires ?? 0) > 0;
}

/** The bare URI of a Contact value, for comparing ours before and after. */
export function contactAddress(contact: string | null): string | null {
  return contact === null ? null : contactUri(contact);
}

/** Why the Contact changed, in words. */
export function rewriteReason(via: ViaSource | null): string {
  if (via === null) return 'eXosip rewrote the Contact (EXOSIP_OPT_AUTO_MASQUERADE_CONTACT)';
  const parts = [via.received === null ? null : `received=${via.received}`, via.rport === null ? null : `rport=${via.rport}`].filter(Boolean);
  return `the registrar saw the REGISTER come from another address (Via ${parts.join(' ')}), and EXOSIP_OPT_AUTO_MASQUERADE_CONTACT is on`;
}

/**
 * Follows one registration's 2xx for eXosip's two-step rewrite and tells
 * when the second step completed it: the `contactChanged` event.
 */
export class RewriteTracker {
  // The last 2xx (its Via is read only when a rewrite starts), and where we were registered before eXosip's removal step.
  #last2xx: Message | null = null;
  #rewrite: { from: string | null; via: ViaSource | null } | null = null;

  /**
   * A 2xx to `request` while registered. True when it is eXosip's removal
   * step (`previousContact` was ours before it): nothing the application must
   * act on; the 2xx of the new Contact follows.
   */
  removalStep(request: Message | null, previousContact: string | null): boolean {
    if (!isRewriteRemoval(request)) return false;
    this.#rewrite = { from: contactAddress(previousContact), via: viaSource(this.#last2xx) };
    return true;
  }

  /** Any other 2xx: remembered, for the Via a later rewrite reports. */
  success(response: Message | null): void {
    this.#last2xx = response;
  }

  /** After a 2xx registered `ourContact`: the change a rewrite made, or null. Clears the rewrite. */
  change(ourContact: string | null, info: RegistrationInfo): ContactChange | null {
    const rewrite = this.#rewrite;
    this.#rewrite = null;
    const now = contactAddress(ourContact);
    if (rewrite === null || now === null || now === rewrite.from) return null;
    return Object.freeze({ previous: rewrite.from ?? '', contact: now, reason: rewriteReason(rewrite.via), via: rewrite.via, info });
  }

  /** A final failure ends any rewrite under way. */
  reset(): void {
    this.#rewrite = null;
  }
}
