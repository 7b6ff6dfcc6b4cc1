// eXosip_set_cbsip_message takes a bare function pointer, called with the
// message only: nothing says which context it belongs to. Each tracing context
// therefore takes one of a fixed set of trampolines, each bound to a slot that
// points back at it. This table is the addon's one piece of process-wide state
// (the C API leaves no other way); it is guarded by a mutex and holds no JS.
#pragma once

#include <eXosip2/eXosip.h>

namespace exosip {

class Context;

/// How many contexts can trace at once, process-wide.
constexpr int kTraceSlots = 512;

/// Binds a free slot to `ctx`; returns its index, or -1 when all are taken.
int AcquireTraceSlot(Context* ctx);

/// Frees a slot; callbacks already running finish before this returns.
void ReleaseTraceSlot(int slot);

/// The trampoline of a slot, for eXosip_set_cbsip_message: traces the
/// message to the slot's context, then applies the guard below.
CbSipCallback TraceSlotCallback(int slot);

/// The callback every context has while it does not trace: only the guard.
/// eXosip hands each received message to this callback after parsing it and
/// before acting on it. libeXosip2 5.3.0 answers a stray 2xx to INVITE with
/// ACK + BYE and, when its Contact is not a SIP URI, dereferences NULL
/// (eXtl_udp.c, eXtl_tcp.c): one datagram would kill the process. This
/// binding never sends INVITE, so a response to INVITE is always stray: its
/// status is zeroed, and eXosip drops it as malformed.
///
/// Incoming INVITEs are dropped too (their method is removed, and eXosip drops
/// a request without one, udp.c): this binding has no call API, so nobody
/// could answer them, and eXosip keeps each one's server transaction (~11 KB)
/// for 3 minutes, or until the context closes when the INVITE carries a To
/// tag: a peer sending INVITEs could grow our memory without bound. The
/// caller gets no answer and gives up after its own timeout (32 s). Traces
/// still show the INVITE as it came.
CbSipCallback GuardCallback();

}  // namespace exosip
