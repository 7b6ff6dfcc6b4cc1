// eX_message.h: requests outside of a dialog (MESSAGE, INFO, NOTIFY,
// REGISTER received by a registrar, ...): building and sending them, and the
// answers to those of an EXOSIP_MESSAGE_NEW event.
//
// Function names are unique across native/context/*.cc: GCC emits the
// template instantiations of Context::Method<F> under one mangled name for
// same-named functions of different anonymous namespaces, and the linker
// then keeps only one of them.
#include <string>

#include "../message.h"
#include "../util/args.h"
#include "answer.h"
#include "context.h"

namespace exosip {
namespace {

// messageBuildRequest(method, to, from, route|null) -> [code, Message|null]
Napi::Value MessageBuildRequest(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  std::string method = StringArg(info, 0, "method");
  std::string to = StringArg(info, 1, "to");
  std::string from = StringArg(info, 2, "from");
  auto route = OptionalStringArg(info, 3, "route");
  return self.BuildRequest(info.Env(), [&](osip_message_t** msg) {
    return eXosip_message_build_request(ctx, msg, method.c_str(), to.c_str(), from.c_str(), route ? route->c_str() : nullptr);
  });
}

// messageSendRequest(message) -> tid (> 0) or a negative code. The message is
// eXosip's from here on, whatever the outcome (eXosip frees it on failure).
Napi::Value MessageSendRequest(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  Message* message = Message::FromValue(info.Env(), info.Length() > 0 ? info[0] : info.Env().Null(), "message");
  return self.SendRequest(info.Env(), message, [&](osip_message_t* msg) { return eXosip_message_send_request(ctx, msg); });
}

// messageBuildAnswer(tid, status) -> [code, Message|null]: an answer to a
// request received outside of a dialog (EXOSIP_MESSAGE_NEW: MESSAGE, REGISTER...).
Napi::Value MessageBuildAnswer(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  int tid = IntArg(info, 0, "tid");
  int status = IntArg(info, 1, "status");
  return self.Build(info.Env(), [&](osip_message_t** answer) { return eXosip_message_build_answer(ctx, tid, status, answer); });
}

// messageSendAnswer(tid, status, message|null) -> code. The answer is spent
// on every path (answer.h: eXosip keeps it unfreed on its first checks).
Napi::Value MessageSendAnswer(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  int tid = IntArg(info, 0, "tid");
  int status = IntArg(info, 1, "status");
  return SendNonInviteAnswer(self, info.Env(), Message::OptionalArg(info, 2, "message"), tid, status,
                             [&](osip_message_t* msg) { return eXosip_message_send_answer(ctx, tid, status, msg); });
}

}  // namespace

void AddMessageMethods(Context::Methods& methods) {
  methods.insert(methods.end(), {
      Context::Method<&MessageBuildRequest>("messageBuildRequest"),
      Context::Method<&MessageSendRequest>("messageSendRequest"),
      Context::Method<&MessageBuildAnswer>("messageBuildAnswer"),
      Context::Method<&MessageSendAnswer>("messageSendAnswer"),
  });
}

}  // namespace exosip
