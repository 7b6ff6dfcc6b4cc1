// When each registration's latest REGISTER left, by Call-ID: what lets the
// binding's own refresh timer (lib/register/schedule.ts) stand down when
// eXosip's refresh went first.
//
// libeXosip2 5.3.0 refreshes a registration at an age of period - max(period
// / 10, 6) s, counted in whole seconds from the REGISTER's birth
// (eXosip_automatic_action, eXosip.c:851); the binding's timer, armed when
// the 2xx reaches JS, fires refreshLead(grant) s before the grant runs out.
// With what was asked granted, the two come within a second of each other
// (30 s: eXosip at 24-25 s after sending, the binding at 25 s after the 2xx
// reached JS). eXosip_register_build_register refuses while eXosip's refresh
// is in flight (OSIP_WRONG_STATE), but once its 2xx came, and before the
// event reached JS (a busy JS thread), the binding sent a second REGISTER:
// one refresh too many (seen in CI: test/reliability/hostile.test.ts). The
// binding now refreshes only when no REGISTER of that registration left since
// the 2xx it armed its timer on (registerRefresh's `since`).
//
// Recorded from eXosip_set_cbsip_message (Context::OnSipMessage), which
// eXosip calls just before it hands a message to the transport
// (_eXosip_snd_message, jcallback.c:231), under eXosip_lock: a REGISTER that
// left is recorded before anyone holding the lock can ask.
#pragma once

#include <osipparser2/osip_parser.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace exosip {

/// Last send time (MonotonicNs) of each REGISTER Call-ID. Any thread.
class RegisterSends {
 public:
  /// A request eXosip is about to send: recorded when it is a REGISTER.
  void OnSent(const osip_message_t* msg, int64_t now_ns) {
    if (msg == nullptr || !MSG_IS_REQUEST(msg) || !MSG_IS_REGISTER(msg) || msg->call_id == nullptr) return;
    char* call_id = nullptr;
    if (osip_call_id_to_str(msg->call_id, &call_id) != 0 || call_id == nullptr) return;
    std::string key(call_id);
    osip_free(call_id);
    std::lock_guard<std::mutex> lock(mu_);
    last_[std::move(key)] = now_ns;
    Prune(now_ns);
  }

  /// Whether a REGISTER with `call_id` left after `since_ns` (MonotonicNs).
  bool SentSince(const std::string& call_id, int64_t since_ns) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = last_.find(call_id);
    return it != last_.end() && it->second > since_ns;
  }

 private:
  /// Far past eXosip's transaction timeout (64 x T1 = 32 s): a REGISTER older
  /// than this has long had its answer or failure event, which re-armed or
  /// stopped the timer that would ask.
  static constexpr int64_t kKeepNs = 600LL * 1000000000LL;

  // At most once a minute: entries older than kKeepNs go (a registration
  // removed, a Call-ID eXosip replaced).
  void Prune(int64_t now_ns) {
    if (now_ns - pruned_ns_ < 60LL * 1000000000LL) return;
    pruned_ns_ = now_ns;
    for (auto it = last_.begin(); it != last_.end();) it = now_ns - it->second > kKeepNs ? last_.erase(it) : std::next(it);
  }

  mutable std::mutex mu_;
  std::unordered_map<std::string, int64_t> last_;
  int64_t pruned_ns_ = 0;
};

}  // namespace exosip
