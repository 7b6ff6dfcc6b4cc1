// The INVITE guard: the call policy every context applies to what it
// receives, so that no peer can crash libeXosip2 5.3.0 or grow our memory
// through the call machinery.
//
// eXosip hands each received message to the eXosip_set_cbsip_message callback
// after parsing it and before acting on it, with the eXosip lock held
// (_eXosip_read_message, udp.c:1697); the guard is that callback (or is run
// by the trace trampoline after it traced the message, trace.cc).
//
// Crash guard: eXosip sends ACK, BYE, CANCEL and in-dialog requests to the
// dialog's remote target (the Contact of the INVITE or of its 1xx/2xx) or
// its first route (Record-Route), and reads that URI's host without a check:
// a non-SIP URI (tel:, sir:, ...) has none, and eXtl_udp.c:1262 /
// eXtl_tcp.c:820 dereference NULL. One stray 2xx to INVITE with such a
// Contact kills the process (eXosip answers it ACK + BYE). So a 101..299
// response to INVITE whose Contact (required for a 2xx) or a Record-Route is
// not a sip:/sips: URI with a host, or that has no To tag, gets status 0 and
// eXosip drops it; an INVITE (new, or re-INVITE) or UPDATE whose Contact or
// Record-Route is not, or a new INVITE without Contact or From tag, is
// dropped (its method removed: eXosip drops a request without one, udp.c).
// Subscriptions (eX_subscribe.h) make dialogs the same way: a 101..299 to
// SUBSCRIBE or REFER is checked as one to INVITE; a new SUBSCRIBE or REFER
// without From tag, or whose Contact is missing or not routable, a SUBSCRIBE
// refresh or a NOTIFY whose Contact or Record-Route is not, is dropped.
// A dialog without tags would also make eXosip_call_find_by_replaces
// (below) compare NULL.
//
// Redirect guard: eXosip follows a 3xx to a call's request by itself
// (eXosip_automatic_action) to a Contact whose scheme contains "sip" or
// "tel", and would crash on one without a SIP host. A 3xx with such a Contact
// loses its Contacts for eXosip (kept in marker headers, register_guard.h,
// and restored in the event's copy): eXosip does not follow it, the
// application still sees it as it came.
//
// Memory guard: eXosip 5.3.0 answers an INVITE with a To tag that matches no
// dialog 481 but never lists its server transaction
// (_eXosip_process_new_invite), so each one (~11 KB) would stay until the
// context closes. Such INVITEs are dropped; one matching a dialog of the
// context (eXosip_call_find_by_replaces on its Call-ID and tags) is a
// re-INVITE and goes through. A context that holds no slot (trace.h) has no
// way to look its dialogs up: it drops every To-tagged INVITE (no re-INVITE
// reaches it). The sender gets no answer and gives up after its own
// timeout (32 s). Traces still show messages as they came.
//
// New INVITEs reach the application as EXOSIP_CALL_INVITE, which it answers
// (eXosip_call_send_answer), or lib/ does after a short bound
// (lib/message/answers.ts: 405, as eXosip's sip_reg tool).
//
// Responses to REGISTER: the context-free guards of register_guard.h (a 423
// without Min-Expires and a 606 made final for eXosip, Via received/rport
// naming our own address in another notation normalized) run after it.
#pragma once

#include <eXosip2/eXosip.h>

namespace exosip {

/// Applies the guard (and GuardRegisterResponse) to one message eXosip
/// received (`received` != 0) or sent. `ctx`: the context whose eXosip lock
/// the caller holds (its dialogs are looked up), or nullptr when unknown.
void ApplyInviteGuard(osip_message_t* msg, int received, eXosip_t* ctx);

/// Whether eXosip 5.3.0 can send to `url`: a sip: or sips: URI with a host.
/// eXosip reads the host of the URI it sends to without a check (a tel:,
/// mailto: or other URI has none): eXtl_udp.c:1262 / eXtl_tcp.c:820
/// dereference NULL and the process dies.
bool Routable(const osip_uri_t* url);

/// Whether eXosip can send the request `msg` as it stands: the URI its
/// transaction goes to (libosip2's ict/nict init: the first Route when it
/// has `lr`, else the Request-URI) is Routable. Every request the binding
/// hands eXosip is checked with it first (Context::BuildRequest and
/// SendRequest).
bool SendableRequest(const osip_message_t* msg);

/// The callback of a context that holds no slot (trace.h): ApplyInviteGuard
/// alone, without a context.
CbSipCallback GuardCallback();

}  // namespace exosip
