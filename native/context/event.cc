#include "event.h"

#include "../constants/constants.h"
#include "../message.h"
#include "register_guard.h"

namespace exosip {
namespace {

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
      ack(Steal(je->ack)) {
  // issue #16: the response as it came, and why eXosip was shown another (register_guard.h).
  std::string note = RestoreGuardedResponse(response);
  if (!note.empty()) textinfo = note;
}

EventData::~EventData() {
  osip_message_free(request);
  osip_message_free(response);
  osip_message_free(ack);
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

}  // namespace exosip
