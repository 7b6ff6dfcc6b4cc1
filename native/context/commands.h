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
// A ContextPool's contexts run their commands inline instead (Context::Post
// under the lock on the JS thread, the result queued the same way): with 112
// contexts and bursts of thousands of REGISTERs, 112 workers sending each
// context's queue at once made the answers overflow the contexts' sockets
// (10,000 registrations: 12 s median against 8 s, measured 2026-12-01, and
// a registration past its 40 s timeout), where the JS thread sending them one
// by one paces them.
#pragma once

#include <eXosip2/eXosip.h>
#include <napi.h>

#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include "event.h"

namespace exosip {

/// What a command gives JS: `{ kind: 'result', seq, code, sent }` on
/// onEvent (`code`: eXosip's build code or id, `sent`: its send code, 0 when
/// nothing was sent).
struct CommandResult : ObjectDelivery {
  CommandResult(int seq, int code, int sent) : seq(seq), code(code), sent(sent) {}
  Napi::Object ToJs(Napi::Env env) override;
  int seq, code, sent;
};

/// One command: runs on the worker under eXosip_lock; returns the item to
/// queue to JS, or nullptr when JS awaits nothing.
using Command = std::function<Delivery*(eXosip_t*)>;

/// Commands queued from the JS thread, taken by the worker. Thread-safe.
class CommandQueue {
 public:
  void Push(Command command);
  /// Every command queued so far, oldest first; the queue is left empty.
  std::vector<Command> TakeAll();

 private:
  std::mutex mu_;
  std::vector<Command> queue_;
};

}  // namespace exosip
