// eX_register.h: outgoing registrations (rid), under the context's lock.
#include <optional>
#include <string>
#include <utility>

#include "../message.h"
#include "../util/args.h"
#include "../util/error.h"
#include "context.h"

namespace exosip {
namespace {

Napi::Value PairOf(Napi::Env env, int first, int second) {
  Napi::Array pair = Napi::Array::New(env, 2);
  pair.Set(uint32_t{0}, Napi::Number::New(env, first));
  pair.Set(uint32_t{1}, Napi::Number::New(env, second));
  return pair;
}

// After eXosip_register_build_initial_register gave `rid` and `*reg`: a
// REGISTER eXosip could not send (a proxy without a SIP host: it would crash
// on it, at once or at the first refresh, guard.h) is freed with its
// registration, and the code becomes OSIP_BADPARAMETER. Under the lock.
int Unsendable(eXosip_t* ctx, int rid, osip_message_t** reg) {
  if (rid < 0 || *reg == nullptr || SendableRequest(*reg)) return rid;
  osip_message_free(*reg);
  *reg = nullptr;
  eXosip_register_remove(ctx, rid);
  return OSIP_BADPARAMETER;
}

// registerBuildInitialRegister(from, proxy, contact|null, expires) -> [rid, Message|null]
Napi::Value BuildInitialRegister(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  std::string from = StringArg(info, 0, "from");
  std::string proxy = StringArg(info, 1, "proxy");
  auto contact = OptionalStringArg(info, 2, "contact");
  int expires = IntArg(info, 3, "expires");
  return self.Build(info.Env(), [&](osip_message_t** reg) {
    int rid = eXosip_register_build_initial_register(ctx, from.c_str(), proxy.c_str(),
                                                     contact ? contact->c_str() : nullptr, expires, reg);
    return Unsendable(ctx, rid, reg);
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
  return self.SendRequest(info.Env(), Message::OptionalArg(info, 1, "message"),
                          [&](osip_message_t* reg) { return eXosip_register_send_register(ctx, rid, reg); });
}

// The calls below do in one native call, under one lock, what the three
// before do for a REGISTER sent as eXosip built it (issue #15): no message
// handle is made for JS. Each gives [buildCode, sendCode]: buildCode < 0
// when eXosip built nothing (sendCode is then 0, nothing was sent). The
// *Queued forms run the same on the worker (commands.h) and give the pair as
// { kind: 'result', seq, code, sent }: the JS thread never waits for the lock.

// The first REGISTER of a new registration, built and sent; its rid or a
// code; `*sent` gets the send code. Under the lock.
int StartRegister(eXosip_t* ctx, const std::string& from, const std::string& proxy,
                  const std::optional<std::string>& contact, int expires, int* sent) {
  osip_message_t* reg = nullptr;
  int built = eXosip_register_build_initial_register(ctx, from.c_str(), proxy.c_str(),
                                                     contact ? contact->c_str() : nullptr, expires, &reg);
  built = Unsendable(ctx, built, &reg);
  if (built < 0 || reg == nullptr) {
    osip_message_free(reg);
    if (built >= 0) eXosip_register_remove(ctx, built);
    return built < 0 ? built : OSIP_UNDEFINED_ERROR;
  }
  *sent = eXosip_register_send_register(ctx, built, reg);  // takes reg, whatever the result
  return built;
}

// A refresh or unregistration (expires 0) of `rid`, built and sent; the build
// code; `*sent` gets the send code. Under the lock.
int RefreshRegister(eXosip_t* ctx, int rid, int expires, int* sent) {
  osip_message_t* reg = nullptr;
  int code = eXosip_register_build_register(ctx, rid, expires, &reg);
  if (code < 0 || reg == nullptr) {
    osip_message_free(reg);
    return code < 0 ? code : OSIP_UNDEFINED_ERROR;
  }
  *sent = eXosip_register_send_register(ctx, rid, reg);
  return code;
}

// registerStartQueued(seq, from, proxy, contact|null, expires): StartRegister on the
// worker; [rid|code, sendCode] comes as { kind: 'result', seq, code, sent }.
Napi::Value StartQueued(Context& self, const Napi::CallbackInfo& info) {
  self.Ready(info.Env());
  int seq = IntArg(info, 0, "seq");
  std::string from = StringArg(info, 1, "from");
  std::string proxy = StringArg(info, 2, "proxy");
  auto contact = OptionalStringArg(info, 3, "contact");
  int expires = IntArg(info, 4, "expires");
  self.Post(seq, [seq, from = std::move(from), proxy = std::move(proxy), contact = std::move(contact), expires](eXosip_t* ctx) -> CommandResult* {
    int sent = 0;
    int rid = StartRegister(ctx, from, proxy, contact, expires, &sent);
    return new CommandResult(seq, rid, sent, rid);
  });
  return info.Env().Undefined();
}

// registerRefresh(rid, expires[, callId, sinceNs]) -> [buildCode, sendCode].
// With callId and sinceNs (a bigint of MonotonicNs, an event's receivedNs):
// nothing is built, [OSIP_WRONG_STATE, 0], when a REGISTER with that Call-ID
// left after sinceNs (eXosip's own refresh went first: register_sends.h).
Napi::Value Refresh(Context& self, const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  eXosip_t* ctx = self.Ready(env);
  int rid = IntArg(info, 0, "rid");
  int expires = IntArg(info, 1, "expires");
  auto call_id = OptionalStringArg(info, 2, "callId");
  int64_t since_ns = 0;
  if (call_id) {
    if (info.Length() < 4 || !info[3].IsBigInt()) throw TypeCodeError(env, "ERR_INVALID_ARG_TYPE", "The \"sinceNs\" argument must be a bigint");
    bool lossless = true;
    since_ns = info[3].As<Napi::BigInt>().Int64Value(&lossless);
  }
  int sent = 0;
  int built = self.Locked([&] {
    // Under the lock: a REGISTER eXosip's thread sends is recorded before it lets go of it.
    if (call_id && self.register_sends().SentSince(*call_id, since_ns)) return OSIP_WRONG_STATE;
    return RefreshRegister(ctx, rid, expires, &sent);
  });
  return PairOf(env, built, sent);
}

// registerRefreshQueued(seq, rid, expires): registerRefresh on the worker.
Napi::Value RefreshQueued(Context& self, const Napi::CallbackInfo& info) {
  self.Ready(info.Env());
  int seq = IntArg(info, 0, "seq");
  int rid = IntArg(info, 1, "rid");
  int expires = IntArg(info, 2, "expires");
  self.Post(seq, [seq, rid, expires](eXosip_t* ctx) -> CommandResult* {
    int sent = 0;
    int built = RefreshRegister(ctx, rid, expires, &sent);
    return new CommandResult(seq, built, sent, rid);
  });
  return info.Env().Undefined();
}

// registerRemove(rid) -> code
Napi::Value Remove(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  int rid = IntArg(info, 0, "rid");
  return Napi::Number::New(info.Env(), self.Locked([&] { return eXosip_register_remove(ctx, rid); }));
}

// registerRemoveQueued(rid): eXosip_register_remove on the worker, no result
// (an unknown rid is OSIP_NOTFOUND there, as a second remove is).
Napi::Value RemoveQueued(Context& self, const Napi::CallbackInfo& info) {
  self.Ready(info.Env());
  int rid = IntArg(info, 0, "rid");
  self.Post(0, [rid](eXosip_t* ctx) -> CommandResult* {
    eXosip_register_remove(ctx, rid);
    return nullptr;
  });
  return info.Env().Undefined();
}

}  // namespace

void AddRegisterMethods(Context::Methods& methods) {
  methods.insert(methods.end(), {
      Context::Method<&BuildInitialRegister>("registerBuildInitialRegister"),
      Context::Method<&BuildRegister>("registerBuildRegister"),
      Context::Method<&SendRegister>("registerSendRegister"),
      Context::Method<&StartQueued>("registerStartQueued"),
      Context::Method<&Refresh>("registerRefresh"),
      Context::Method<&RefreshQueued>("registerRefreshQueued"),
      Context::Method<&Remove>("registerRemove"),
      Context::Method<&RemoveQueued>("registerRemoveQueued"),
  });
}

}  // namespace exosip
