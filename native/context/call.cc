// eX_call.h: calls. Placing one (eXosip_call_build_initial_invite +
// eXosip_call_send_initial_invite → cid), acknowledging its 2xx
// (eXosip_call_build_ack / _send_ack), requests inside its dialog
// (eXosip_call_build_request and the INFO/OPTIONS/UPDATE/REFER/NOTIFY
// shorthands, eXosip_call_send_request), PRACK, answering an INVITE
// (eXosip_call_build_answer / _send_answer) and ending a call
// (eXosip_call_terminate*: CANCEL, BYE or a final answer, as its state asks).
//
// Every send spends the message handed over, whatever the outcome (Context::Send).
// Where eXosip 5.3.0 returns before taking it and would leak it in C
// (send_prack with a negative tid), the message is freed here instead.
//
// Function names are unique across native/context/*.cc (see message.cc).
#include <cstdint>
#include <string>

#include "../message.h"
#include "../util/args.h"
#include "context.h"

namespace exosip {
namespace {

// callBuildInitialInvite(to, from, route|null, subject|null) -> [code, Message|null]
Napi::Value CallBuildInitialInvite(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  std::string to = StringArg(info, 0, "to");
  std::string from = StringArg(info, 1, "from");
  auto route = OptionalStringArg(info, 2, "route");
  auto subject = OptionalStringArg(info, 3, "subject");
  return self.BuildRequest(info.Env(), [&](osip_message_t** msg) {
    return eXosip_call_build_initial_invite(ctx, msg, to.c_str(), from.c_str(), route ? route->c_str() : nullptr,
                                            subject ? subject->c_str() : nullptr);
  });
}

// callSendInitialInvite(message|null) -> cid (> 0) or a negative code; spent.
Napi::Value CallSendInitialInvite(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  return self.SendRequest(info.Env(), Message::OptionalArg(info, 0, "message"),
                   [&](osip_message_t* msg) { return eXosip_call_send_initial_invite(ctx, msg); });
}

// callBuildAck(tid) -> [code, Message|null]: the ACK for the 2xx of the
// INVITE transaction `tid` (EXOSIP_CALL_ANSWERED's tid; a did also works).
Napi::Value CallBuildAck(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  int tid = IntArg(info, 0, "tid");
  return self.Build(info.Env(), [&](osip_message_t** ack) { return eXosip_call_build_ack(ctx, tid, ack); });
}

// callSendAck(tid, message|null) -> code; spent (null: eXosip builds it).
Napi::Value CallSendAck(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  int tid = IntArg(info, 0, "tid");
  return self.SendRequest(info.Env(), Message::OptionalArg(info, 1, "message"),
                   [&](osip_message_t* msg) { return eXosip_call_send_ack(ctx, tid, msg); });
}

// callBuildRequest(did, method) -> [code, Message|null]: a request inside the dialog.
Napi::Value CallBuildRequest(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  int did = IntArg(info, 0, "did");
  std::string method = StringArg(info, 1, "method");
  return self.Build(info.Env(), [&](osip_message_t** msg) { return eXosip_call_build_request(ctx, did, method.c_str(), msg); });
}

// callBuildShorthand(kind, did, arg) -> [code, Message|null]: eXosip_call_build_info,
// _options, _update, _refer (arg: the Refer-To) and _notify (arg: the
// subscription status, EXOSIP_SUBCRSTATE_*), one entry for five C functions
// of one shape.
Napi::Value CallBuildShorthand(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  std::string kind = StringArg(info, 0, "kind");
  int did = IntArg(info, 1, "did");
  if (kind == "refer") {
    std::string refer_to = StringArg(info, 2, "referTo");
    return self.Build(info.Env(), [&](osip_message_t** msg) { return eXosip_call_build_refer(ctx, did, refer_to.c_str(), msg); });
  }
  if (kind == "notify") {
    int status = IntArg(info, 2, "subscriptionStatus");
    return self.Build(info.Env(), [&](osip_message_t** msg) { return eXosip_call_build_notify(ctx, did, status, msg); });
  }
  return self.Build(info.Env(), [&](osip_message_t** msg) {
    if (kind == "info") return eXosip_call_build_info(ctx, did, msg);
    if (kind == "options") return eXosip_call_build_options(ctx, did, msg);
    if (kind == "update") return eXosip_call_build_update(ctx, did, msg);
    return static_cast<int>(OSIP_BADPARAMETER);
  });
}

// callSendRequest(did, message|null) -> code; spent.
Napi::Value CallSendRequest(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  int did = IntArg(info, 0, "did");
  return self.SendRequest(info.Env(), Message::OptionalArg(info, 1, "message"),
                   [&](osip_message_t* msg) { return eXosip_call_send_request(ctx, did, msg); });
}

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

// callBuildPrack(tid, response1xx) -> [code, Message|null]; the 1xx stays the caller's.
Napi::Value CallBuildPrack(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  int tid = IntArg(info, 0, "tid");
  Message* response = Message::FromValue(info.Env(), info.Length() > 1 ? info[1] : info.Env().Null(), "response1xx");
  osip_message_t* r = response->Get(info.Env());
  return self.Build(info.Env(), [&](osip_message_t** prack) { return eXosip_call_build_prack(ctx, tid, r, prack); });
}

// callSendPrack(tid, message|null) -> code; spent. eXosip 5.3.0 returns
// OSIP_BADPARAMETER for a negative tid without freeing the PRACK: freed here.
Napi::Value CallSendPrack(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  int tid = IntArg(info, 0, "tid");
  return self.SendRequest(info.Env(), Message::OptionalArg(info, 1, "message"), [&](osip_message_t* msg) {
    if (tid < 0) {
      osip_message_free(msg);
      return static_cast<int>(OSIP_BADPARAMETER);
    }
    return eXosip_call_send_prack(ctx, tid, msg);
  });
}

// callTerminate(cid, did, headerName|null, headerValue|null) -> code:
// eXosip_call_terminate_with_header (terminate and _with_reason are its forms).
Napi::Value CallTerminate(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  int cid = IntArg(info, 0, "cid");
  int did = IntArg(info, 1, "did");
  auto name = OptionalStringArg(info, 2, "headerName");
  auto value = OptionalStringArg(info, 3, "headerValue");
  return Napi::Number::New(info.Env(), self.Locked([&] {
    return eXosip_call_terminate_with_header(ctx, cid, did, name ? name->c_str() : nullptr, value ? value->c_str() : nullptr);
  }));
}

// callGetReferTo(did) -> [code, string|null]: a Refer-To URI with Replaces for the dialog.
Napi::Value CallGetReferTo(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  int did = IntArg(info, 0, "did");
  char buf[1024] = {0};
  int code = self.Locked([&] { return eXosip_call_get_referto(ctx, did, buf, sizeof(buf)); });
  Napi::Array out = Napi::Array::New(info.Env(), 2);
  out.Set(0u, code);
  out.Set(1u, code == 0 ? Napi::Value(Napi::String::New(info.Env(), buf)) : info.Env().Null());
  return out;
}

// callFindByReplaces(replaces) -> cid (> 0) or a negative code.
Napi::Value CallFindByReplaces(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  std::string replaces = StringArg(info, 0, "replaces");
  return Napi::Number::New(info.Env(), self.Locked([&] { return eXosip_call_find_by_replaces(ctx, &replaces[0]); }));
}

// callSetReference(id, token) -> [code, cid]: eXosip_call_set_reference with
// `token` (> 0, JS's key for the value it keeps) as the void*. `id` is a cid
// or a did (eXosip tries the dialogs first); cid is the call's, found again
// through eXosip_call_get_reference, so JS can forget the value once that call
// is released. eXosip draws cids and dids from one increasing counter and a
// call's cid comes before its dialogs' dids, so for a did the call is found
// below it.
Napi::Value CallSetReference(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  int id = IntArg(info, 0, "id");
  int64_t token = info.Length() > 1 && info[1].IsNumber() ? info[1].As<Napi::Number>().Int64Value() : 0;
  void* ref = reinterpret_cast<void*>(static_cast<intptr_t>(token));
  int cid = 0;
  int code = self.Locked([&] {
    int r = eXosip_call_set_reference(ctx, id, ref);
    if (r != 0 || ref == nullptr) return r;
    for (int c = id; c > 0 && cid == 0; c--) {
      if (eXosip_call_get_reference(ctx, c) == ref) cid = c;
    }
    return r;
  });
  Napi::Array out = Napi::Array::New(info.Env(), 2);
  out.Set(0u, code);
  out.Set(1u, cid);
  return out;
}

// callGetReference(cid) -> the token set for call `cid`, 0 for none (NULL).
Napi::Value CallGetReference(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  int cid = IntArg(info, 0, "cid");
  void* ref = self.Locked([&] { return eXosip_call_get_reference(ctx, cid); });
  return Napi::Number::New(info.Env(), static_cast<double>(reinterpret_cast<intptr_t>(ref)));
}

}  // namespace

void AddCallMethods(Context::Methods& methods) {
  methods.insert(methods.end(), {
      Context::Method<&CallBuildInitialInvite>("callBuildInitialInvite"),
      Context::Method<&CallSendInitialInvite>("callSendInitialInvite"),
      Context::Method<&CallBuildAck>("callBuildAck"),
      Context::Method<&CallSendAck>("callSendAck"),
      Context::Method<&CallBuildRequest>("callBuildRequest"),
      Context::Method<&CallBuildShorthand>("callBuildShorthand"),
      Context::Method<&CallSendRequest>("callSendRequest"),
      Context::Method<&CallBuildAnswer>("callBuildAnswer"),
      Context::Method<&CallSendAnswer>("callSendAnswer"),
      Context::Method<&CallBuildPrack>("callBuildPrack"),
      Context::Method<&CallSendPrack>("callSendPrack"),
      Context::Method<&CallTerminate>("callTerminate"),
      Context::Method<&CallGetReferTo>("callGetReferTo"),
      Context::Method<&CallFindByReplaces>("callFindByReplaces"),
      Context::Method<&CallSetReference>("callSetReference"),
      Context::Method<&CallGetReference>("callGetReference"),
  });
}

}  // namespace exosip
