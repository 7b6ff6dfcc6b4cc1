// What the native threads queue to JS (Context::Deliver), in order: eXosip
// events here, SIP traces (trace.h) and osip log lines (log.h). An event is
// copied into plain C++ data on the worker thread, so the eXosip_event_t can
// be freed there and nothing of eXosip is shared with JS.
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

/// One eXosip_event_t, copied on the worker thread.
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

}  // namespace exosip
