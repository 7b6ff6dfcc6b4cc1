// Tracing: every SIP message a context sends or receives, as text, to JS.
//
// eXosip_set_cbsip_message takes a bare function pointer, called with the
// message only: nothing says which context it belongs to. Each context
// therefore takes one of a fixed set of trampolines for its whole life (it
// traces through it, and filters digest challenges, issue #16: auth_filter.h),
// each bound to a slot that points back at it. This table is process-wide because the C API leaves no
// other way; it is guarded by a mutex and holds no JS.
#pragma once

#include <eXosip2/eXosip.h>
#include <napi.h>

#include <string>
#include <utility>

#include "event.h"

namespace exosip {

class Context;

/// How many contexts can hold a slot at once, process-wide (a Pool opens at
/// most 1024 by default); a context beyond has the context-free guard only
/// (guard.h), and setTrace fails with OSIP_TOOMUCHCALL.
constexpr int kTraceSlots = 4096;

/// A SIP message as it went on or came off the wire (eXosip_set_cbsip_message),
/// serialized on eXosip's thread.
struct TraceData : ObjectDelivery {
  TraceData(bool received, std::string text) : received(received), text(std::move(text)) {}
  Napi::Object ToJs(Napi::Env env) override;
  bool received;
  std::string text;
};

/// Binds a free slot to `ctx`; returns its index, or -1 when all are taken.
int AcquireTraceSlot(Context* ctx);

/// Frees a slot; callbacks already running finish before this returns.
void ReleaseTraceSlot(int slot);

/// The trampoline of a slot, for eXosip_set_cbsip_message: hands the message
/// to the slot's context (trace, digest filter), then applies the guard (guard.h).
CbSipCallback TraceSlotCallback(int slot);

}  // namespace exosip
