// Guards on responses to REGISTER, applied in the eXosip_set_cbsip_message
// callback: eXosip hands each received message to it after parsing and
// before acting on it (udp.c:1703), so what the guard changes is what eXosip
// acts on. These guards need no knowledge of the context (see
// auth_filter.h for the one that does).
//
// Some answers make libeXosip2 5.3.0 do something harmful by itself; the
// guard turns such a response into a plain final failure for eXosip (a status
// it neither retries nor acts on) and records the real status in a marker
// header, which RestoreGuardedResponse removes again from the copy the event
// carries: the application sees the response as it came, eXosip did not act
// on it.
//
// - 423 without Min-Expires: eXosip's retry (_eXosip_register_build_register,
//   eXregister_api.c:228-292) moves the registration's last transaction to
//   the garbage list, then fails on the missing header: the registration has
//   no transaction any more and eXosip_automatic_action (eXosip.c:840) never
//   refreshes it again, silently. Made a 400 for eXosip.
// - 606: eXosip re-sends the identical REGISTER up to 3 times
//   (eXosip_automatic_action, eXosip.c:859-867), though nothing changed.
//   Made a 600 for eXosip.
//
// And on every response, the top Via's `received` / `rport` are normalized
// when they name our own address or port in another notation (IPv6 full or
// compressed, IPv4-mapped IPv6, leading zeros): eXosip compares them with our
// Contact as strings (jcallback.c:40-131, udp.c:1616-1645) and would take a
// notation change for a NAT rebinding.
#pragma once

#include <osipparser2/osip_parser.h>

#include <string>

namespace exosip {

/// Name of the marker header (lower case, as osip stores header names).
inline constexpr const char* kGuardHeader = "x-exosip2-guard";
/// Marker headers holding the Contacts a guard took out of a response
/// (guard.cc, a 3xx eXosip must not follow), in order; restored with it.
inline constexpr const char* kGuardContactHeader = "x-exosip2-guard-contact";
/// Every note the binding puts in an event's textinfo starts with this.
inline constexpr const char* kGuardNotePrefix = "exosip2: ";

/// The context-free guards on one received message (requests are ignored).
void GuardRegisterResponse(osip_message_t* msg);

/// Turns a response eXosip must not retry into a final failure for eXosip:
/// `status` becomes `as_status`, and the marker records the real status and
/// `note` (which should start with kGuardNotePrefix).
void MarkFinalForExosip(osip_message_t* msg, int as_status, const std::string& note);

/// In an event's copy of a response: undoes MarkFinalForExosip (status back,
/// marker removed, Contacts taken out put back) and returns its note, or ""
/// when the guard did not touch it.
std::string RestoreGuardedResponse(osip_message_t* msg);

}  // namespace exosip
