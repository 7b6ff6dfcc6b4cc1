// eX_call.h, the part this binding has today: answering an INVITE received
// outside of a dialog (EXOSIP_CALL_INVITE), enough to refuse it as eXosip's
// tools do (sip_reg.c answers 405). Full calls come with their own area.
#include "../message.h"
#include "../util/args.h"
#include "context.h"

namespace exosip {
namespace {

// callBuildAnswer(tid, status) -> [code, Message|null]
Napi::Value CallBuildAnswer(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  int tid = IntArg(info, 0, "tid");
  int status = IntArg(info, 1, "status");
  return self.Build(info.Env(), [&](osip_message_t** answer) { return eXosip_call_build_answer(ctx, tid, status, answer); });
}

// callSendAnswer(tid, status, message|null) -> code. eXosip_call_send_answer
// frees the answer on every path, its first checks included: spent always.
Napi::Value CallSendAnswer(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  int tid = IntArg(info, 0, "tid");
  int status = IntArg(info, 1, "status");
  return self.Send(info.Env(), Message::OptionalArg(info, 2, "message"),
                   [&](osip_message_t* msg) { return eXosip_call_send_answer(ctx, tid, status, msg); });
}

}  // namespace

void AddCallMethods(Context::Methods& methods) {
  methods.insert(methods.end(), {
      Context::Method<&CallBuildAnswer>("callBuildAnswer"),
      Context::Method<&CallSendAnswer>("callSendAnswer"),
  });
}

}  // namespace exosip
