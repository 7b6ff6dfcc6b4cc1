// eX_options.h: OPTIONS outside of a dialog: sending one (a keep-alive or
// capability query) and answering one received (EXOSIP_MESSAGE_NEW).
#include <string>

#include "../message.h"
#include "../util/args.h"
#include "answer.h"
#include "context.h"

namespace exosip {
namespace {

// optionsBuildRequest(to, from, route|null) -> [code, Message|null]
Napi::Value OptionsBuildRequest(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  std::string to = StringArg(info, 0, "to");
  std::string from = StringArg(info, 1, "from");
  auto route = OptionalStringArg(info, 2, "route");
  return self.BuildRequest(info.Env(), [&](osip_message_t** msg) {
    return eXosip_options_build_request(ctx, msg, to.c_str(), from.c_str(), route ? route->c_str() : nullptr);
  });
}

// optionsSendRequest(message) -> tid (> 0) or a negative code; the message is spent.
Napi::Value OptionsSendRequest(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  Message* message = Message::FromValue(info.Env(), info.Length() > 0 ? info[0] : info.Env().Null(), "message");
  return self.SendRequest(info.Env(), message, [&](osip_message_t* msg) { return eXosip_options_send_request(ctx, msg); });
}

// optionsBuildAnswer(tid, status) -> [code, Message|null]
Napi::Value OptionsBuildAnswer(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  int tid = IntArg(info, 0, "tid");
  int status = IntArg(info, 1, "status");
  return self.Build(info.Env(), [&](osip_message_t** answer) { return eXosip_options_build_answer(ctx, tid, status, answer); });
}

// optionsSendAnswer(tid, status, message|null) -> code; the answer is spent (answer.h).
Napi::Value OptionsSendAnswer(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  int tid = IntArg(info, 0, "tid");
  int status = IntArg(info, 1, "status");
  return SendNonInviteAnswer(self, info.Env(), Message::OptionalArg(info, 2, "message"), tid, status,
                             [&](osip_message_t* msg) { return eXosip_options_send_answer(ctx, tid, status, msg); });
}

}  // namespace

void AddOptionsMethods(Context::Methods& methods) {
  methods.insert(methods.end(), {
      Context::Method<&OptionsBuildRequest>("optionsBuildRequest"),
      Context::Method<&OptionsSendRequest>("optionsSendRequest"),
      Context::Method<&OptionsBuildAnswer>("optionsBuildAnswer"),
      Context::Method<&OptionsSendAnswer>("optionsSendAnswer"),
  });
}

}  // namespace exosip
