// An eXosip event copied into plain C++ data on the worker thread, so the
// eXosip_event_t can be freed there and nothing of eXosip is shared with JS.
#pragma once

#include <eXosip2/eXosip.h>
#include <napi.h>

#include <string>

namespace exosip {

/// One item queued from a native thread to the JS thread, in order.
struct Delivery {
  virtual ~Delivery() = default;
  /// The JS object to hand to the context's callback (`kind` tells which).
  virtual Napi::Object ToJs(Napi::Env env) = 0;
};

/// A SIP message as it went on or came off the wire (eXosip_set_cbsip_message),
/// serialized on eXosip's thread.
struct TraceData : Delivery {
  TraceData(bool received, std::string text) : received(received), text(std::move(text)) {}
  Napi::Object ToJs(Napi::Env env) override;
  bool received;
  std::string text;
};

/// One line of libosip2/eXosip's own log (osip_trace).
struct LogData : Delivery {
  LogData(int level, std::string file, int line, std::string text)
      : level(level), file(std::move(file)), line(line), text(std::move(text)) {}
  Napi::Object ToJs(Napi::Env env) override;
  int level;
  std::string file;
  int line;
  std::string text;
};

struct EventData : Delivery {
  /// Takes the event's request/response/ack (eXosip cloned them for the event,
  /// so they belong to it): no second copy is made. Call before eXosip_event_free.
  explicit EventData(eXosip_event_t* je);
  ~EventData() override;
  EventData(const EventData&) = delete;
  EventData& operator=(const EventData&) = delete;

  /// The JS object for this event; the messages move into Message handles.
  Napi::Object ToJs(Napi::Env env) override;

  int type;
  int rid, tid, did, cid, sid, nid, ss_status, ss_reason;
  std::string textinfo;
  osip_message_t* request = nullptr;
  osip_message_t* response = nullptr;
  osip_message_t* ack = nullptr;
};

/// The C name of an eXosip event type ("EXOSIP_REGISTRATION_SUCCESS").
const char* EventTypeName(int type);

/// `{ EXOSIP_REGISTRATION_SUCCESS: 0, ... }`: every eXosip_event_type_t value.
Napi::Object EventTypes(Napi::Env env);

}  // namespace exosip
