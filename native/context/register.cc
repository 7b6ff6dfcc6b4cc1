// eX_register.h: outgoing registrations (rid), under the context's lock.
#include <string>

#include "../message.h"
#include "../util/args.h"
#include "context.h"

namespace exosip {
namespace {

// registerBuildInitialRegister(from, proxy, contact|null, expires) -> [rid, Message|null]
Napi::Value BuildInitialRegister(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  std::string from = StringArg(info, 0, "from");
  std::string proxy = StringArg(info, 1, "proxy");
  auto contact = OptionalStringArg(info, 2, "contact");
  int expires = IntArg(info, 3, "expires");
  return self.Build(info.Env(), [&](osip_message_t** reg) {
    return eXosip_register_build_initial_register(ctx, from.c_str(), proxy.c_str(), contact ? contact->c_str() : nullptr,
                                                  expires, reg);
  });
}

// registerBuildRegister(rid, expires) -> [code, Message|null]
Napi::Value BuildRegister(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  int rid = IntArg(info, 0, "rid");
  int expires = IntArg(info, 1, "expires");
  return self.Build(info.Env(), [&](osip_message_t** reg) { return eXosip_register_build_register(ctx, rid, expires, reg); });
}

// registerSendRegister(rid, message|null) -> code. The message is eXosip's
// from here on, whatever the outcome: the handle is spent before the call.
Napi::Value SendRegister(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  int rid = IntArg(info, 0, "rid");
  return self.Send(info.Env(), Message::OptionalArg(info, 1, "message"),
                   [&](osip_message_t* reg) { return eXosip_register_send_register(ctx, rid, reg); });
}

// registerRemove(rid) -> code
Napi::Value Remove(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  int rid = IntArg(info, 0, "rid");
  return Napi::Number::New(info.Env(), self.Locked([&] { return eXosip_register_remove(ctx, rid); }));
}

}  // namespace

void AddRegisterMethods(Context::Methods& methods) {
  methods.insert(methods.end(), {
      Context::Method<&BuildInitialRegister>("registerBuildInitialRegister"),
      Context::Method<&BuildRegister>("registerBuildRegister"),
      Context::Method<&SendRegister>("registerSendRegister"),
      Context::Method<&Remove>("registerRemove"),
  });
}

}  // namespace exosip
