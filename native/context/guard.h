// The INVITE guard: the call policy every context applies to what it receives
// while this binding has no call API.
//
// eXosip hands each received message to the eXosip_set_cbsip_message callback
// after parsing it and before acting on it; the guard is that callback (or is
// run by the trace trampoline after it traced the message, trace.cc).
//
// Responses to INVITE: libeXosip2 5.3.0 answers a stray 2xx to INVITE with
// ACK + BYE and, when its Contact is not a SIP URI, dereferences NULL
// (eXtl_udp.c, eXtl_tcp.c): one datagram would kill the process. This binding
// never sends INVITE, so a response to INVITE is always stray: its status is
// zeroed, and eXosip drops it as malformed.
//
// Incoming INVITEs are dropped too (their method is removed, and eXosip drops
// a request without one, udp.c): nobody could answer them, and eXosip keeps
// each one's server transaction (~11 KB) for 3 minutes, or until the context
// closes when the INVITE carries a To tag: a peer sending INVITEs could grow
// our memory without bound. The caller gets no answer and gives up after its
// own timeout (32 s). Traces still show the INVITE as it came.
//
// Responses to REGISTER: the context-free guards of register_guard.h (a 423
// without Min-Expires and a 606 made final for eXosip, Via received/rport
// naming our own address in another notation normalized) run after it.
//
// When a call area (eX_call.h) arrives, this file is where a context that
// takes calls lets INVITE through.
#pragma once

#include <eXosip2/eXosip.h>

namespace exosip {

/// Applies the guard (and GuardRegisterResponse) to one message eXosip
/// received (`received` != 0) or sent.
void ApplyInviteGuard(osip_message_t* msg, int received);

/// The callback of a context that holds no slot (trace.h): ApplyInviteGuard alone.
CbSipCallback GuardCallback();

}  // namespace exosip
