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
  queue_.push_back(std::move(command));
}

std::vector<Command> CommandQueue::TakeAll() {
  std::vector<Command> taken;
  std::lock_guard<std::mutex> hold(mu_);
  taken.swap(queue_);
  return taken;
}

}  // namespace exosip
