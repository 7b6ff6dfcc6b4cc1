// eX_subscribe.h: outgoing subscriptions (SUBSCRIBE or REFER, RFC 6665 /
// RFC 3515: build, send, refresh, remove; eXosip answers their NOTIFYs 200
// itself and reports them as EXOSIP_SUBSCRIPTION_NOTIFY) and incoming ones
// (answering the SUBSCRIBE of EXOSIP_IN_SUBSCRIPTION_NEW, NOTIFY and other
// requests inside their dialog, remove). Requests go through BuildRequest /
// SendRequest: one eXosip could not send (a target without a SIP host, on
// which it would crash) is OSIP_BADPARAMETER.
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

// subscriptionBuildInitialSubscribe(to, from, route|null, event, expires) -> [code, Message|null]
Napi::Value SubscriptionBuildInitialSubscribe(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  std::string to = StringArg(info, 0, "to");
  std::string from = StringArg(info, 1, "from");
  auto route = OptionalStringArg(info, 2, "route");
  std::string event = StringArg(info, 3, "event");
  int expires = IntArg(info, 4, "expires");
  return self.BuildRequest(info.Env(), [&](osip_message_t** msg) {
    return eXosip_subscription_build_initial_subscribe(ctx, msg, to.c_str(), from.c_str(), route ? route->c_str() : nullptr, event.c_str(), expires);
  });
}

// subscriptionBuildInitialRefer(to, from, route|null, referTo) -> [code, Message|null]
Napi::Value SubscriptionBuildInitialRefer(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  std::string to = StringArg(info, 0, "to");
  std::string from = StringArg(info, 1, "from");
  auto route = OptionalStringArg(info, 2, "route");
  std::string refer_to = StringArg(info, 3, "referTo");
  return self.BuildRequest(info.Env(), [&](osip_message_t** msg) {
    return eXosip_subscription_build_initial_refer(ctx, msg, to.c_str(), from.c_str(), route ? route->c_str() : nullptr, refer_to.c_str());
  });
}

// subscriptionSendInitialRequest(message) -> sid (> 0) or a negative code; spent always.
Napi::Value SubscriptionSendInitialRequest(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  Message* message = Message::FromValue(info.Env(), info.Length() > 0 ? info[0] : info.Env().Null(), "message");
  return self.SendRequest(info.Env(), message, [&](osip_message_t* msg) { return eXosip_subscription_send_initial_request(ctx, msg); });
}

// subscriptionBuildRefreshRequest(did) -> [code, Message|null]
Napi::Value SubscriptionBuildRefreshRequest(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  int did = IntArg(info, 0, "did");
  return self.BuildRequest(info.Env(), [&](osip_message_t** msg) { return eXosip_subscription_build_refresh_request(ctx, did, msg); });
}

// subscriptionSendRefreshRequest(did, message) -> code; spent always.
Napi::Value SubscriptionSendRefreshRequest(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  int did = IntArg(info, 0, "did");
  Message* message = Message::FromValue(info.Env(), info.Length() > 1 ? info[1] : info.Env().Null(), "message");
  return self.SendRequest(info.Env(), message, [&](osip_message_t* msg) { return eXosip_subscription_send_refresh_request(ctx, did, msg); });
}

// subscriptionRemove(did) -> code
Napi::Value SubscriptionRemove(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  int did = IntArg(info, 0, "did");
  return Napi::Number::New(info.Env(), self.Locked([&] { return eXosip_subscription_remove(ctx, did); }));
}

// insubscriptionBuildRequest(did, method) -> [code, Message|null]
Napi::Value InsubscriptionBuildRequest(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  int did = IntArg(info, 0, "did");
  std::string method = StringArg(info, 1, "method");
  return self.BuildRequest(info.Env(), [&](osip_message_t** msg) { return eXosip_insubscription_build_request(ctx, did, method.c_str(), msg); });
}

// insubscriptionBuildNotify(did, subscriptionStatus, subscriptionReason) -> [code, Message|null]
Napi::Value InsubscriptionBuildNotify(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  int did = IntArg(info, 0, "did");
  int status = IntArg(info, 1, "subscriptionStatus");
  int reason = IntArg(info, 2, "subscriptionReason");
  return self.BuildRequest(info.Env(), [&](osip_message_t** msg) { return eXosip_insubscription_build_notify(ctx, did, status, reason, msg); });
}

// insubscriptionSendRequest(did, message) -> code; spent always.
Napi::Value InsubscriptionSendRequest(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  int did = IntArg(info, 0, "did");
  Message* message = Message::FromValue(info.Env(), info.Length() > 1 ? info[1] : info.Env().Null(), "message");
  return self.SendRequest(info.Env(), message, [&](osip_message_t* msg) { return eXosip_insubscription_send_request(ctx, did, msg); });
}

// insubscriptionRemove(did) -> code
Napi::Value InsubscriptionRemove(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  int did = IntArg(info, 0, "did");
  return Napi::Number::New(info.Env(), self.Locked([&] { return eXosip_insubscription_remove(ctx, did); }));
}

}  // namespace

void AddSubscribeMethods(Context::Methods& methods) {
  methods.insert(methods.end(), {
      Context::Method<&InsubscriptionBuildAnswer>("insubscriptionBuildAnswer"),
      Context::Method<&InsubscriptionSendAnswer>("insubscriptionSendAnswer"),
      Context::Method<&SubscriptionBuildInitialSubscribe>("subscriptionBuildInitialSubscribe"),
      Context::Method<&SubscriptionBuildInitialRefer>("subscriptionBuildInitialRefer"),
      Context::Method<&SubscriptionSendInitialRequest>("subscriptionSendInitialRequest"),
      Context::Method<&SubscriptionBuildRefreshRequest>("subscriptionBuildRefreshRequest"),
      Context::Method<&SubscriptionSendRefreshRequest>("subscriptionSendRefreshRequest"),
      Context::Method<&SubscriptionRemove>("subscriptionRemove"),
      Context::Method<&InsubscriptionBuildRequest>("insubscriptionBuildRequest"),
      Context::Method<&InsubscriptionBuildNotify>("insubscriptionBuildNotify"),
      Context::Method<&InsubscriptionSendRequest>("insubscriptionSendRequest"),
      Context::Method<&InsubscriptionRemove>("insubscriptionRemove"),
  });
}

}  // namespace exosip
