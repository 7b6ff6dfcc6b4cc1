// Work the JS thread queues to the worker instead of taking eXosip_lock itself
// (issue #15). Under load eXosip's own thread holds the lock most of the time
// (it scans every transaction on each pass: docs/threads.md), and a JS thread
// blocked on it stalls the whole event loop (measured: a median 1.2 ms, up to
// 107 ms, per REGISTER sent at 16 in flight). A queued command runs on the
// worker, in queue order, under the lock the worker takes anyway for
// eXosip_automatic_action; its result is queued to JS in the same FIFO as the
// events, before any event of what it sent (the worker still holds the lock
// when it queues it: eXosip's thread cannot have answered yet).
//
// A burst is paced (SendWindow): the worker keeps at most SendWindow::kSize
// registrations waiting for the answer to a REGISTER it sent, and sends the
// rest as answers come in. Sent all at once, 1,000 register() calls on one
// context made 1,000 answers arrive together; eXosip's thread reads one
// datagram per pass over all its transactions, the socket's receive buffer
// overflowed, and the lost answers waited for retransmission timers: 11.7-
// 12.2 s to register 1,000 and as long to unregister them, as the C loop
// sending them at once; with a window of 64, 2.3-4.0 s and 5.1-6.1 s
// (measured 2026-12-01; windows of 128 and 256 were slower in the same run,
// and at N = 100 a window of 64 is as fast as none, within noise).
//
// A ContextPool's contexts still run their commands inline (Context::Post
// under the lock on the JS thread, the result queued the same way): each
// context's window bounds its own socket, not Kamailio's. With 112 contexts,
// 10,000 unregister() calls at once put 112 windows of 64 REGISTERs on the
// wire together: 1,209-2,335 unregistrations/s against 2,181-3,475 inline
// (the JS thread sending them one by one paces them); registrations, which
// the pool spreads over contexts as it opens them, 1,578-2,753/s on the
// workers against 1,063-2,244/s inline (2026-12-01, two runs, alternating,
// a noisy machine). A budget shared by the pool's contexts on top of their
// windows (at most 128, 256 or 512 REGISTERs in flight across all 112) did
// not do better: 1,319-2,112 registrations/s and 1,566-2,026
// unregistrations/s, against 1,014-1,868 and 1,940-3,047/s inline in the
// same runs (2026-12-01): not kept. The pool is bound by CPU on this
// machine, and a worker's wake-up per context burst only adds to it.
#pragma once

#include <eXosip2/eXosip.h>
#include <napi.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <iterator>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "event.h"

namespace exosip {

/// What a command gives JS: `{ kind: 'result', seq, code, sent }` on
/// onEvent (`code`: eXosip's build code or id, `sent`: its send code, 0 when
/// nothing was sent). `rid`: the registration the REGISTER belongs to, for
/// the send window (not given to JS).
struct CommandResult : ObjectDelivery {
  CommandResult(int seq, int code, int sent, int rid) : seq(seq), code(code), sent(sent), rid(rid) {}
  Napi::Object ToJs(Napi::Env env) override;
  /// Whether the command put a request on the wire (built, and the send succeeded).
  bool SentRequest() const { return code >= 0 && sent == 0; }
  int seq, code, sent, rid;
};

/// One command: runs on the worker under eXosip_lock; returns the result to
/// queue to JS, or nullptr when JS awaits nothing.
using Command = std::function<CommandResult*(eXosip_t*)>;

/// Commands queued from the JS thread, run by the worker in order.
class CommandQueue {
 public:
  /// Queues a command; `seq` names it for Cancel (0: cannot be cancelled). Any thread.
  void Push(int seq, Command command);
  /// JS gave up on command `seq` (an abort or a timeout while it waited for
  /// the worker): if the worker has not taken it yet it is not run, and its
  /// result says so (code OSIP_UNDEFINED_ERROR, nothing sent). Too late, it
  /// runs as usual. Any thread.
  void Cancel(int seq);
  /// Moves every command pushed so far behind those still waiting. Worker only.
  void Collect();
  /// Whether a collected command waits. Worker only.
  bool waiting() const { return !waiting_.empty(); }
  /// The oldest collected command, removed (one that reports itself
  /// cancelled when Cancel came first). Worker only; waiting() is true.
  Command Take();

 private:
  struct Queued {
    int seq;
    Command run;
  };
  std::mutex mu_;
  std::vector<Queued> pushed_;
  std::unordered_set<int> cancelled_;  // under mu_; emptied whenever nothing is queued
  std::deque<Queued> waiting_;
};

/// Flow control for the REGISTERs commands send (issue #15): at most kSize
/// registrations whose command-sent REGISTER eXosip has not reported an
/// answer for (EXOSIP_REGISTRATION_* of that rid: a 401 answers it; the
/// authenticated retry eXosip sends by itself rides on it). When nothing has
/// been sent or answered for kStallNs (200 ms) (a registrar that does not
/// answer, answers lost), the window opens again: a silent registrar slows a
/// burst, it does not stop it (each registration then times out on its own).
/// A REGISTER still counted after kForgetNs will get no event (its
/// registration was removed while it was in flight): it stops counting.
/// Worker only; times in ns of CLOCK_MONOTONIC.
class SendWindow {
 public:
  /// REGISTERs in flight: their answers (~500 bytes each, twice with the 401)
  /// fit a default UDP receive buffer (208 KiB) with room to spare.
  static constexpr size_t kSize = 64;
  /// Longer than eXosip takes to answer a burst of kSize on a busy machine
  /// (its thread handles them in batches 20-25 ms apart, measured); a
  /// registrar that answers nothing still gets kSize more every 200 ms.
  static constexpr int64_t kStallNs = 200000000;
  /// Past eXosip's own transaction timeout (64 x T1 = 32 s, RFC 3261 Timer F),
  /// after which every REGISTER has had its answer or failure event.
  static constexpr int64_t kForgetNs = 40000000000;

  bool Open(int64_t now) {
    if (awaiting_.size() < kSize) return true;
    for (auto it = awaiting_.begin(); it != awaiting_.end();) {
      it = now - it->second >= kForgetNs ? awaiting_.erase(it) : std::next(it);
    }
    return awaiting_.size() < kSize || now - last_ns_ >= kStallNs;
  }
  void OnSent(int rid, int64_t now) {
    if (awaiting_.size() >= kSize) awaiting_.clear();  // opened by a stall: count afresh
    awaiting_[rid] = now;
    last_ns_ = now;
  }
  void OnAnswer(int rid, int64_t now) {
    if (awaiting_.erase(rid) > 0) last_ns_ = now;
  }
  /// When a full window opens by itself if nothing is answered; -1 when open.
  int64_t ReopenAtNs() const { return awaiting_.size() >= kSize ? last_ns_ + kStallNs : -1; }

 private:
  std::unordered_map<int, int64_t> awaiting_;  // rid -> when its REGISTER was sent
  int64_t last_ns_ = 0;
};

}  // namespace exosip
