// eX_subscribe.h, the part this binding has today: answering a SUBSCRIBE (or
// REFER) received outside of a dialog (EXOSIP_IN_SUBSCRIPTION_NEW), enough to
// refuse it as eXosip's tools do (sip_reg.c answers 405).
#include "../message.h"
#include "../util/args.h"
#include "context.h"

namespace exosip {
namespace {

// insubscriptionBuildAnswer(tid, status) -> [code, Message|null]
Napi::Value InsubscriptionBuildAnswer(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  int tid = IntArg(info, 0, "tid");
  int status = IntArg(info, 1, "status");
  return self.Build(info.Env(), [&](osip_message_t** answer) { return eXosip_insubscription_build_answer(ctx, tid, status, answer); });
}

// insubscriptionSendAnswer(tid, status, message|null) -> code. eXosip frees
// a given answer on every path that has one: spent always.
Napi::Value InsubscriptionSendAnswer(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  int tid = IntArg(info, 0, "tid");
  int status = IntArg(info, 1, "status");
  return self.Send(info.Env(), Message::OptionalArg(info, 2, "message"),
                   [&](osip_message_t* msg) { return eXosip_insubscription_send_answer(ctx, tid, status, msg); });
}

}  // namespace

void AddSubscribeMethods(Context::Methods& methods) {
  methods.insert(methods.end(), {
      Context::Method<&InsubscriptionBuildAnswer>("insubscriptionBuildAnswer"),
      Context::Method<&InsubscriptionSendAnswer>("insubscriptionSendAnswer"),
  });
}

}  // namespace exosip
