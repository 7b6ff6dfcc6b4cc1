// RetryPacer: keeps libeXosip2 5.3 from re-sending a failed REGISTER in a
// tight loop.
//
// When a REGISTER fails without a response (TCP connect refused, connection
// lost, transaction timeout), eXosip marks the registration for a retry
// "RETRY seconds later" by setting its transaction's birth time to
// now - 120 + r_retryfailover (eXosip.c, _eXosip_mark_registration_expired),
// r_retryfailover counting 1, 2, ... 60. eXosip_automatic_action re-sends once
// 90% of the period (or period - 6 s) has passed since that birth time. With a
// period under ~66 s that is always the case, so every pass of the event loop
// sends a new REGISTER: over TCP to a registrar that is down, the connect is
// refused at once and the loop runs thousands of times a second (9,345 failed
// REGISTERs in 2 s, measured; periods from 66 s to ~130 s get a burst of up to
// ~11 immediate retries before eXosip's own spacing starts).
//
// The pacer watches the events the worker takes from eXosip: when a
// registration fails without a response less than kRepeatWindow after its
// previous failure without a response (eXosip is retrying at once), automatic
// action is held back for kPause. Every other pass runs it as before. While a
// registration is paced, the others of the context see automatic action once
// per kPause: their refreshes run at most kPause late, well inside the >= 6 s
// margin eXosip leaves before a binding expires.
//
// Thread use: OnEvent is called by the worker only; Allows by the worker and,
// through the compat API's eXosip_automatic_action, by the JS thread.
#pragma once

#include <eXosip2/eXosip.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <unordered_map>

namespace exosip {

class RetryPacer {
 public:
  using Clock = std::chrono::steady_clock;

  /// A second failure without a response this soon after the first is a retry eXosip sent at once.
  static constexpr std::chrono::milliseconds kRepeatWindow{2000};
  /// How long automatic action is held back after such a retry.
  static constexpr std::chrono::milliseconds kPause{1000};

  /// Looks at one event before the worker frees it.
  void OnEvent(const eXosip_event_t* je, Clock::time_point now);

  /// Whether eXosip_automatic_action may run now.
  bool Allows(Clock::time_point now) const {
    return now.time_since_epoch().count() >= paused_until_.load(std::memory_order_acquire);
  }

  /// When automatic action is allowed again, in ns of CLOCK_MONOTONIC
  /// (steady_clock's epoch on Linux); in the past when it is not held back.
  int64_t ResumeAtNs() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::duration(paused_until_.load(std::memory_order_acquire)))
        .count();
  }

  /// How many times automatic action was held back (for tests and diagnostics).
  uint64_t pauses() const { return pauses_.load(std::memory_order_relaxed); }

 private:
  // rid -> time of its last failure without a response. Worker thread only.
  std::unordered_map<int, Clock::time_point> last_failure_;
  std::atomic<Clock::rep> paused_until_{0};
  std::atomic<uint64_t> pauses_{0};
};

}  // namespace exosip
