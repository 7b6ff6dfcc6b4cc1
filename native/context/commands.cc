#include "commands.h"

#include <utility>

namespace exosip {

Napi::Object CommandResult::ToJs(Napi::Env env) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("kind", "result");
  out.Set("seq", seq);
  out.Set("code", code);
  out.Set("sent", sent);
  return out;
}

void CommandQueue::Push(int seq, Command command) {
  std::lock_guard<std::mutex> hold(mu_);
  pushed_.push_back({seq, std::move(command)});
}

void CommandQueue::Cancel(int seq) {
  if (seq == 0) return;
  std::lock_guard<std::mutex> hold(mu_);
  cancelled_.insert(seq);
}

void CommandQueue::Collect() {
  std::vector<Queued> taken;
  {
    std::lock_guard<std::mutex> hold(mu_);
    taken.swap(pushed_);
    // Nothing queued any more: every cancel left refers to a command already run.
    if (taken.empty() && waiting_.empty()) cancelled_.clear();
  }
  for (Queued& queued : taken) waiting_.push_back(std::move(queued));
}

Command CommandQueue::Take() {
  Queued queued = std::move(waiting_.front());
  waiting_.pop_front();
  bool cancelled = false;
  if (queued.seq != 0) {
    std::lock_guard<std::mutex> hold(mu_);
    cancelled = cancelled_.erase(queued.seq) > 0;
  }
  if (!cancelled) return std::move(queued.run);
  int seq = queued.seq;
  return [seq](eXosip_t*) -> CommandResult* { return new CommandResult(seq, OSIP_UNDEFINED_ERROR, 0, -1); };
}

}  // namespace exosip
