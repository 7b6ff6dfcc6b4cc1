// eX_message.h: requests outside of a dialog (MESSAGE, REGISTER received by
// a registrar, ...): the answers to those of an EXOSIP_MESSAGE_NEW event.
#include "../message.h"
#include "../util/args.h"
#include "context.h"

namespace exosip {
namespace {

// messageBuildAnswer(tid, status) -> [code, Message|null]: an answer to a
// request received outside of a dialog (EXOSIP_MESSAGE_NEW: MESSAGE, REGISTER...).
Napi::Value BuildAnswer(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  int tid = IntArg(info, 0, "tid");
  int status = IntArg(info, 1, "status");
  return self.Build(info.Env(), [&](osip_message_t** answer) { return eXosip_message_build_answer(ctx, tid, status, answer); });
}

// messageSendAnswer(tid, status, message|null) -> code. eXosip frees the
// answer on every path but its first argument checks; those are made here
// first, so a message handed over is always eXosip's (spent) and a refused
// call leaves it with the caller.
Napi::Value SendAnswer(Context& self, const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  eXosip_t* ctx = self.Ready(env);
  int tid = IntArg(info, 0, "tid");
  int status = IntArg(info, 1, "status");
  Message* answer = Message::OptionalArg(info, 2, "message");  // spent or disposed: throws before anything else
  if (tid <= 0 || status <= 100 || status > 699 || (answer == nullptr && status < 200)) {
    return Napi::Number::New(env, OSIP_BADPARAMETER);
  }
  return self.Send(env, answer, [&](osip_message_t* msg) { return eXosip_message_send_answer(ctx, tid, status, msg); });
}

}  // namespace

void AddMessageMethods(Context::Methods& methods) {
  methods.insert(methods.end(), {
      Context::Method<&BuildAnswer>("messageBuildAnswer"),
      Context::Method<&SendAnswer>("messageSendAnswer"),
  });
}

}  // namespace exosip
