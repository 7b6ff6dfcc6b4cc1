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

void CommandQueue::Push(Command command) {
  std::lock_guard<std::mutex> hold(mu_);
  pushed_.push_back(std::move(command));
}

void CommandQueue::Collect() {
  std::vector<Command> taken;
  {
    std::lock_guard<std::mutex> hold(mu_);
    taken.swap(pushed_);
  }
  for (Command& command : taken) waiting_.push_back(std::move(command));
}

Command CommandQueue::Take() {
  Command command = std::move(waiting_.front());
  waiting_.pop_front();
  return command;
}

}  // namespace exosip
