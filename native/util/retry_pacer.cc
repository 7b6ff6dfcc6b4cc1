#include "retry_pacer.h"

#include <iterator>

namespace exosip {

namespace {
// Entries older than the repeat window no longer matter; drop them once the
// table holds this many (registrations removed while failing leave one each).
constexpr size_t kPruneAt = 1024;
}  // namespace

void RetryPacer::OnEvent(const eXosip_event_t* je, Clock::time_point now) {
  if (je->rid <= 0) return;
  if (je->type == EXOSIP_REGISTRATION_FAILURE && je->response == nullptr) {
    auto it = last_failure_.find(je->rid);
    if (it != last_failure_.end() && now - it->second < kRepeatWindow) {
      paused_until_.store((now + kPause).time_since_epoch().count(), std::memory_order_release);
      pauses_.fetch_add(1, std::memory_order_relaxed);
    }
    if (last_failure_.size() >= kPruneAt) {
      for (auto p = last_failure_.begin(); p != last_failure_.end();) {
        p = now - p->second >= kRepeatWindow ? last_failure_.erase(p) : std::next(p);
      }
    }
    last_failure_[je->rid] = now;
  } else if (je->type == EXOSIP_REGISTRATION_SUCCESS || je->type == EXOSIP_REGISTRATION_FAILURE) {
    // A response came back: the registrar is reachable again.
    last_failure_.erase(je->rid);
  }
}

}  // namespace exosip
