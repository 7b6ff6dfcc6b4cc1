#include "event.h"

#include <time.h>

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

void Delivery::Call(Napi::Env env, const Napi::Function& callback, Napi::Object value) {
  try {
    callback.Call({value});
  } catch (const Napi::Error& e) {
    ReportUncaught(env, e);
  }
}

void Delivery::ReportUncaught(Napi::Env env, const Napi::Error& error) noexcept {
  // Nothing may leave a thread-safe call's callback: a C++ exception there is
  // std::terminate. In an environment that is being torn down (a Worker
  // terminated, process exit) every N-API call fails, Value() included.
  try {
    Napi::Object value = error.Value();
    if (!value.IsEmpty()) napi_fatal_exception(env, value);
  } catch (...) {
    // JS cannot run any more: there is nobody to report to.
  }
}

int64_t MonotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

EventData::EventData(eXosip_event_t* je, int64_t received_ns)
    : type(je->type),
      rid(je->rid),
      tid(je->tid),
      did(je->did),
      cid(je->cid),
      sid(je->sid),
      nid(je->nid),
      ss_status(je->ss_status),
      ss_reason(je->ss_reason),
      received_ns(received_ns),
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
  // Unlinked one by one: a long batch must not recurse once per event.
  for (std::unique_ptr<EventData> rest = std::move(next); rest != nullptr;) rest = std::move(rest->next);
}

void EventData::Emit(Napi::Env env, const Napi::Function& callback) {
  for (EventData* e = this; e != nullptr; e = e->next.get()) Call(env, callback, e->ToJs(env));
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
  ev.Set("receivedNs", Napi::BigInt::New(env, received_ns));
  ev.Set("request", AdoptOrNull(env, request));
  ev.Set("response", AdoptOrNull(env, response));
  ev.Set("ack", AdoptOrNull(env, ack));
  return ev;
}

}  // namespace exosip
