// The INVITE guard: the call policy every context applies to what it receives
// while this binding has no call API beyond answering an INVITE.
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
// Incoming INVITEs reach the application as EXOSIP_CALL_INVITE, which it
// answers (eXosip_call_send_answer), or lib/ does after a short bound
// (lib/message/answers.ts: 405, as eXosip's sip_reg tool). Those carrying a
// To tag are still dropped (their method is removed, and eXosip drops a
// request without one, udp.c): no dialog of this binding can match them,
// and eXosip 5.3.0 answers them 481 but never lists their server transaction
// (_eXosip_process_new_invite), so each one (~11 KB) would stay until the
// context closes: a peer sending them could grow our memory without bound.
// Their sender gets no answer and gives up after its own timeout (32 s).
// Traces still show the INVITE as it came.
//
// Responses to REGISTER: the context-free guards of register_guard.h (a 423
// without Min-Expires and a 606 made final for eXosip, Via received/rport
// naming our own address in another notation normalized) run after it.
#pragma once

#include <eXosip2/eXosip.h>

namespace exosip {

/// Applies the guard (and GuardRegisterResponse) to one message eXosip
/// received (`received` != 0) or sent.
void ApplyInviteGuard(osip_message_t* msg, int received);

/// The callback of a context that holds no slot (trace.h): ApplyInviteGuard alone.
CbSipCallback GuardCallback();

}  // namespace exosip
