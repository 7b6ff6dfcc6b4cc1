#include "trace_slots.h"

#include <osipparser2/osip_port.h>

#include <array>
#include <mutex>
#include <utility>

#include "../context.h"

namespace exosip {
namespace {

std::mutex& SlotsMutex() {
  static std::mutex mutex;
  return mutex;
}

std::array<Context*, kTraceSlots>& Slots() {
  static std::array<Context*, kTraceSlots> slots{};
  return slots;
}

// The mutex is held while the message is handed over, so ReleaseTraceSlot
// cannot return while a callback still uses the context.
void Dispatch(int slot, osip_message_t* msg, int received) {
  std::lock_guard<std::mutex> lock(SlotsMutex());
  if (Context* ctx = Slots()[slot]) ctx->OnSipMessage(msg, received != 0);
}

void Guard(osip_message_t* msg, int received) {
  if (received == 0 || msg == nullptr) return;
  if (msg->status_code == 0) {
    // A request: drop INVITEs (see GuardCallback in trace_slots.h).
    if (msg->sip_method != nullptr && osip_strcasecmp(msg->sip_method, "INVITE") == 0) {
      osip_free(msg->sip_method);
      msg->sip_method = nullptr;
    }
    return;
  }
  if (msg->cseq != nullptr && msg->cseq->method != nullptr && osip_strcasecmp(msg->cseq->method, "INVITE") == 0) {
    msg->status_code = 0;
  }
}

template <int I>
void Trampoline(osip_message_t* msg, int received) {
  Dispatch(I, msg, received);  // the trace shows the message as it came
  Guard(msg, received);
}

template <int... I>
constexpr std::array<CbSipCallback, sizeof...(I)> MakeTrampolines(std::integer_sequence<int, I...>) {
  return {&Trampoline<I>...};
}

constexpr auto kTrampolines = MakeTrampolines(std::make_integer_sequence<int, kTraceSlots>{});

}  // namespace

int AcquireTraceSlot(Context* ctx) {
  std::lock_guard<std::mutex> lock(SlotsMutex());
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
  std::lock_guard<std::mutex> lock(SlotsMutex());
  Slots()[slot] = nullptr;
}

CbSipCallback TraceSlotCallback(int slot) { return kTrampolines[slot]; }

CbSipCallback GuardCallback() { return &Guard; }

}  // namespace exosip
