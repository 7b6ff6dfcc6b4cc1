#include "trace.h"

#include <array>
#include <mutex>
#include <shared_mutex>
#include <utility>

#include "../util/error.h"
#include "context.h"
#include "guard.h"

namespace exosip {
namespace {

// Shared by the callbacks of every context, exclusive to take or free a slot.
std::shared_mutex& SlotsMutex() {
  static std::shared_mutex mutex;
  return mutex;
}

std::array<Context*, kTraceSlots>& Slots() {
  static std::array<Context*, kTraceSlots> slots{};
  return slots;
}

// The mutex is held while the message is handed over, so ReleaseTraceSlot
// cannot return while a callback still uses the context.
// Context::OnSipMessage traces, filters and guards; without a context (the
// slot freed meanwhile) only the context-free guard runs.
void Dispatch(int slot, osip_message_t* msg, int received) {
  std::shared_lock<std::shared_mutex> lock(SlotsMutex());
  if (Context* ctx = Slots()[slot]) {
    ctx->OnSipMessage(msg, received != 0);
  } else {
    ApplyInviteGuard(msg, received, nullptr);
  }
}

template <int I>
void Trampoline(osip_message_t* msg, int received) {
  Dispatch(I, msg, received);
}

template <int... I>
constexpr std::array<CbSipCallback, sizeof...(I)> MakeTrampolines(std::integer_sequence<int, I...>) {
  return {&Trampoline<I>...};
}

constexpr auto kTrampolines = MakeTrampolines(std::make_integer_sequence<int, kTraceSlots>{});

// setTrace(on) -> code: every SIP message sent or received reaches onEvent as
// { kind: 'trace', received, text }, in order with the events.
Napi::Value SetTrace(Context& self, const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  self.Ready(env);
  if (info.Length() < 1 || !info[0].IsBoolean()) {
    throw TypeCodeError(env, "ERR_INVALID_ARG_TYPE", "The \"on\" argument must be a boolean");
  }
  if (!info[0].As<Napi::Boolean>().Value()) {
    self.StopTrace();
    return Napi::Number::New(env, 0);
  }
  return Napi::Number::New(env, self.StartTrace());
}

}  // namespace

int AcquireTraceSlot(Context* ctx) {
  std::unique_lock<std::shared_mutex> lock(SlotsMutex());
  auto& slots = Slots();
  for (int i = 0; i < kTraceSlots; i++) {
    if (slots[i] == nullptr) {
      slots[i] = ctx;
      return i;
    }
  }
  return -1;
}

void ReleaseTraceSlot(int slot) {
  if (slot < 0 || slot >= kTraceSlots) return;
  std::unique_lock<std::shared_mutex> lock(SlotsMutex());
  Slots()[slot] = nullptr;
}

CbSipCallback TraceSlotCallback(int slot) { return kTrampolines[slot]; }

Napi::Object TraceData::ToJs(Napi::Env env) {
  Napi::Object trace = Napi::Object::New(env);
  trace.Set("kind", "trace");
  trace.Set("received", received);
  trace.Set("text", text);
  return trace;
}

void Context::AcquireSlot() {
  // issue #16: a slot for the context's whole life, so its digest filter
  // (auth_filter.h) sees every 401/407; without one only the guard runs.
  trace_slot_ = AcquireTraceSlot(this);
  eXosip_set_cbsip_message(ctx_, trace_slot_ >= 0 ? TraceSlotCallback(trace_slot_) : GuardCallback());
}

void Context::ReleaseSlot() {
  if (trace_slot_ < 0) return;
  if (ctx_ != nullptr && initialized_) {
    Locked([&] { return eXosip_set_cbsip_message(ctx_, GuardCallback()); });
  }
  // Waits for a callback in progress on eXosip's thread.
  ReleaseTraceSlot(trace_slot_);
  trace_slot_ = -1;
}

int Context::StartTrace() {
  if (trace_slot_ < 0) return OSIP_TOOMUCHCALL;
  tracing_.store(true);
  return 0;
}

void Context::StopTrace() { tracing_.store(false); }

void Context::OnSipMessage(osip_message_t* msg, bool received) {
  // The trace shows the message as it came; the filter then acts on it.
  TraceSipMessage(msg, received);
  if (received) auth_filter_.Filter(msg);
  else register_sends_.OnSent(msg, MonotonicNs());
  // eXosip's thread holds the lock of ctx_ here (guard.h): its dialogs can be looked up.
  ApplyInviteGuard(msg, received ? 1 : 0, ctx_);
}

void Context::TraceSipMessage(osip_message_t* msg, bool received) {
  if (!tracing_.load() || !delivering()) return;
  char* text = nullptr;
  size_t length = 0;
  if (msg == nullptr || osip_message_to_str(msg, &text, &length) != 0 || text == nullptr) return;
  auto* data = new TraceData(received, std::string(text, length));
  osip_free(text);
  Deliver(data);
}

void AddTraceMethods(Context::Methods& methods) {
  methods.push_back(Context::Method<&SetTrace>("setTrace"));
}

}  // namespace exosip
