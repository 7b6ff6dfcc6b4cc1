#include "event.h"

#include "message.h"

namespace exosip {
namespace {

struct TypeName {
  int value;
  const char* name;
};

// Every eXosip_event_type_t of eXosip 5.x, in the header's order.
constexpr TypeName kTypes[] = {
    {EXOSIP_REGISTRATION_SUCCESS, "EXOSIP_REGISTRATION_SUCCESS"},
    {EXOSIP_REGISTRATION_FAILURE, "EXOSIP_REGISTRATION_FAILURE"},
    {EXOSIP_CALL_INVITE, "EXOSIP_CALL_INVITE"},
    {EXOSIP_CALL_REINVITE, "EXOSIP_CALL_REINVITE"},
    {EXOSIP_CALL_NOANSWER, "EXOSIP_CALL_NOANSWER"},
    {EXOSIP_CALL_PROCEEDING, "EXOSIP_CALL_PROCEEDING"},
    {EXOSIP_CALL_RINGING, "EXOSIP_CALL_RINGING"},
    {EXOSIP_CALL_ANSWERED, "EXOSIP_CALL_ANSWERED"},
    {EXOSIP_CALL_REDIRECTED, "EXOSIP_CALL_REDIRECTED"},
    {EXOSIP_CALL_REQUESTFAILURE, "EXOSIP_CALL_REQUESTFAILURE"},
    {EXOSIP_CALL_SERVERFAILURE, "EXOSIP_CALL_SERVERFAILURE"},
    {EXOSIP_CALL_GLOBALFAILURE, "EXOSIP_CALL_GLOBALFAILURE"},
    {EXOSIP_CALL_ACK, "EXOSIP_CALL_ACK"},
    {EXOSIP_CALL_CANCELLED, "EXOSIP_CALL_CANCELLED"},
    {EXOSIP_CALL_MESSAGE_NEW, "EXOSIP_CALL_MESSAGE_NEW"},
    {EXOSIP_CALL_MESSAGE_PROCEEDING, "EXOSIP_CALL_MESSAGE_PROCEEDING"},
    {EXOSIP_CALL_MESSAGE_ANSWERED, "EXOSIP_CALL_MESSAGE_ANSWERED"},
    {EXOSIP_CALL_MESSAGE_REDIRECTED, "EXOSIP_CALL_MESSAGE_REDIRECTED"},
    {EXOSIP_CALL_MESSAGE_REQUESTFAILURE, "EXOSIP_CALL_MESSAGE_REQUESTFAILURE"},
    {EXOSIP_CALL_MESSAGE_SERVERFAILURE, "EXOSIP_CALL_MESSAGE_SERVERFAILURE"},
    {EXOSIP_CALL_MESSAGE_GLOBALFAILURE, "EXOSIP_CALL_MESSAGE_GLOBALFAILURE"},
    {EXOSIP_CALL_CLOSED, "EXOSIP_CALL_CLOSED"},
    {EXOSIP_CALL_RELEASED, "EXOSIP_CALL_RELEASED"},
    {EXOSIP_MESSAGE_NEW, "EXOSIP_MESSAGE_NEW"},
    {EXOSIP_MESSAGE_PROCEEDING, "EXOSIP_MESSAGE_PROCEEDING"},
    {EXOSIP_MESSAGE_ANSWERED, "EXOSIP_MESSAGE_ANSWERED"},
    {EXOSIP_MESSAGE_REDIRECTED, "EXOSIP_MESSAGE_REDIRECTED"},
    {EXOSIP_MESSAGE_REQUESTFAILURE, "EXOSIP_MESSAGE_REQUESTFAILURE"},
    {EXOSIP_MESSAGE_SERVERFAILURE, "EXOSIP_MESSAGE_SERVERFAILURE"},
    {EXOSIP_MESSAGE_GLOBALFAILURE, "EXOSIP_MESSAGE_GLOBALFAILURE"},
    {EXOSIP_SUBSCRIPTION_NOANSWER, "EXOSIP_SUBSCRIPTION_NOANSWER"},
    {EXOSIP_SUBSCRIPTION_PROCEEDING, "EXOSIP_SUBSCRIPTION_PROCEEDING"},
    {EXOSIP_SUBSCRIPTION_ANSWERED, "EXOSIP_SUBSCRIPTION_ANSWERED"},
    {EXOSIP_SUBSCRIPTION_REDIRECTED, "EXOSIP_SUBSCRIPTION_REDIRECTED"},
    {EXOSIP_SUBSCRIPTION_REQUESTFAILURE, "EXOSIP_SUBSCRIPTION_REQUESTFAILURE"},
    {EXOSIP_SUBSCRIPTION_SERVERFAILURE, "EXOSIP_SUBSCRIPTION_SERVERFAILURE"},
    {EXOSIP_SUBSCRIPTION_GLOBALFAILURE, "EXOSIP_SUBSCRIPTION_GLOBALFAILURE"},
    {EXOSIP_SUBSCRIPTION_NOTIFY, "EXOSIP_SUBSCRIPTION_NOTIFY"},
    {EXOSIP_IN_SUBSCRIPTION_NEW, "EXOSIP_IN_SUBSCRIPTION_NEW"},
    {EXOSIP_NOTIFICATION_NOANSWER, "EXOSIP_NOTIFICATION_NOANSWER"},
    {EXOSIP_NOTIFICATION_PROCEEDING, "EXOSIP_NOTIFICATION_PROCEEDING"},
    {EXOSIP_NOTIFICATION_ANSWERED, "EXOSIP_NOTIFICATION_ANSWERED"},
    {EXOSIP_NOTIFICATION_REDIRECTED, "EXOSIP_NOTIFICATION_REDIRECTED"},
    {EXOSIP_NOTIFICATION_REQUESTFAILURE, "EXOSIP_NOTIFICATION_REQUESTFAILURE"},
    {EXOSIP_NOTIFICATION_SERVERFAILURE, "EXOSIP_NOTIFICATION_SERVERFAILURE"},
    {EXOSIP_NOTIFICATION_GLOBALFAILURE, "EXOSIP_NOTIFICATION_GLOBALFAILURE"},
};

osip_message_t* Steal(osip_message_t*& field) {
  osip_message_t* msg = field;
  field = nullptr;
  return msg;
}

Napi::Value AdoptOrNull(Napi::Env env, osip_message_t*& msg) {
  if (msg == nullptr) return env.Null();
  return Message::Adopt(env, Steal(msg));
}

}  // namespace

EventData::EventData(eXosip_event_t* je)
    : type(je->type),
      rid(je->rid),
      tid(je->tid),
      did(je->did),
      cid(je->cid),
      sid(je->sid),
      nid(je->nid),
      ss_status(je->ss_status),
      ss_reason(je->ss_reason),
      textinfo(je->textinfo),
      request(Steal(je->request)),
      response(Steal(je->response)),
      ack(Steal(je->ack)) {}

EventData::~EventData() {
  osip_message_free(request);
  osip_message_free(response);
  osip_message_free(ack);
}

Napi::Object TraceData::ToJs(Napi::Env env) {
  Napi::Object trace = Napi::Object::New(env);
  trace.Set("kind", "trace");
  trace.Set("received", received);
  trace.Set("text", text);
  return trace;
}

Napi::Object LogData::ToJs(Napi::Env env) {
  Napi::Object log = Napi::Object::New(env);
  log.Set("kind", "log");
  log.Set("level", level);
  log.Set("file", file);
  log.Set("line", line);
  log.Set("text", text);
  return log;
}

Napi::Object EventData::ToJs(Napi::Env env) {
  Napi::Object ev = Napi::Object::New(env);
  ev.Set("kind", "event");
  ev.Set("type", EventTypeName(type));
  ev.Set("typeId", type);
  ev.Set("rid", rid);
  ev.Set("tid", tid);
  ev.Set("did", did);
  ev.Set("cid", cid);
  ev.Set("sid", sid);
  ev.Set("nid", nid);
  ev.Set("ssStatus", ss_status);
  ev.Set("ssReason", ss_reason);
  ev.Set("textinfo", textinfo);
  ev.Set("request", AdoptOrNull(env, request));
  ev.Set("response", AdoptOrNull(env, response));
  ev.Set("ack", AdoptOrNull(env, ack));
  return ev;
}

const char* EventTypeName(int type) {
  for (const auto& t : kTypes) {
    if (t.value == type) return t.name;
  }
  return "EXOSIP_UNKNOWN_EVENT";
}

Napi::Object EventTypes(Napi::Env env) {
  Napi::Object types = Napi::Object::New(env);
  for (const auto& t : kTypes) types.Set(t.name, t.value);
  return types;
}

}  // namespace exosip
