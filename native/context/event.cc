#include "event.h"

#include <time.h>

#include "../message.h"
#include "register_guard.h"

namespace exosip {
namespace {

osip_message_t* Steal(osip_message_t*& field) {
  osip_message_t* msg = field;
  field = nullptr;
  return msg;
}

// The field gives the message up only once its handle exists: in an
// environment being torn down (a Worker terminated) the handle's constructor
// cannot run, and the message must stay the event's, freed with it.
Napi::Value AdoptOrNull(Napi::Env env, osip_message_t*& msg) {
  if (msg == nullptr) return env.Null();
  Napi::Object handle = Message::Adopt(env, msg);
  msg = nullptr;
  return handle;
}

}  // namespace

void Delivery::Call(Napi::Env env, const Napi::Function& fn, size_t argc, const napi_value* argv) {
  try {
    fn.Call(argc, argv);
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

void ObjectDelivery::Emit(Napi::Env env, const Napi::Function& on_item, const Napi::Function&) {
  napi_value value = ToJs(env);
  Call(env, on_item, 1, &value);
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
}

void EventData::Emit(Napi::Env env, const Napi::Function&, const Napi::Function& on_exosip_event) {
  const napi_value argv[] = {
      Napi::Number::New(env, type),
      Napi::Number::New(env, rid),
      Napi::Number::New(env, tid),
      Napi::Number::New(env, did),
      Napi::Number::New(env, cid),
      Napi::Number::New(env, sid),
      Napi::Number::New(env, nid),
      Napi::Number::New(env, ss_status),
      Napi::Number::New(env, ss_reason),
      Napi::String::New(env, textinfo),
      Napi::BigInt::New(env, received_ns),
      AdoptOrNull(env, request),
      AdoptOrNull(env, response),
      AdoptOrNull(env, ack),
  };
  Call(env, on_exosip_event, sizeof argv / sizeof argv[0], argv);
}

}  // namespace exosip
