// An eXosip event copied into plain C++ data on the worker thread, so the
// eXosip_event_t can be freed there and nothing of eXosip is shared with JS.
#pragma once

#include <eXosip2/eXosip.h>
#include <napi.h>

#include <string>

namespace exosip {

struct EventData {
  /// Takes the event's request/response/ack (eXosip cloned them for the event,
  /// so they belong to it): no second copy is made. Call before eXosip_event_free.
  explicit EventData(eXosip_event_t* je);
  ~EventData();
  EventData(const EventData&) = delete;
  EventData& operator=(const EventData&) = delete;

  /// The JS object for this event; the messages move into Message handles.
  Napi::Object ToJs(Napi::Env env);

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
