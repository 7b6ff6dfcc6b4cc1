// What the native threads queue to JS (Context::Deliver), in order: eXosip
// events here, SIP traces (trace.h) and osip log lines (log.h). An event is
// copied into plain C++ data on the worker thread, so the eXosip_event_t can
// be freed there and nothing of eXosip is shared with JS.
#pragma once

#include <eXosip2/eXosip.h>
#include <napi.h>

#include <cstdint>
#include <string>

namespace exosip {

/// One item queued from a native thread to the JS thread, in order.
struct Delivery {
  virtual ~Delivery() = default;
  /// Hands this item to JS, once: eXosip events to `on_exosip_event` (the
  /// context's onExosipEvent, positional arguments), every other item to
  /// `on_item` (its onEvent, one object).
  virtual void Emit(Napi::Env env, const Napi::Function& on_item, const Napi::Function& on_exosip_event) = 0;

 protected:
  /// fn(...argv); a listener's exception is reported as uncaught
  /// (rethrowing would abort the process) and the next items still come.
  static void Call(Napi::Env env, const Napi::Function& fn, size_t argc, const napi_value* argv);

 public:
  /// Reports `error` as an uncaught exception if JS can still run; never throws.
  static void ReportUncaught(Napi::Env env, const Napi::Error& error) noexcept;
};

/// An item JS receives as one plain object, `kind` telling which (traces, log
/// lines, TLS failures).
struct ObjectDelivery : Delivery {
  /// The object handed to the context's onEvent.
  virtual Napi::Object ToJs(Napi::Env env) = 0;
  void Emit(Napi::Env env, const Napi::Function& on_item, const Napi::Function& on_exosip_event) override;
};

/// The time of CLOCK_MONOTONIC in ns (process.hrtime.bigint()'s clock).
int64_t MonotonicNs();

/// One eXosip_event_t, copied on the worker thread and queued to JS on its
/// own, in eXosip's order (Context::Pass).
struct EventData : Delivery {
  /// Takes the event's request/response/ack (eXosip cloned them for the event,
  /// so they belong to it): no second copy is made. Call before eXosip_event_free.
  /// `received_ns`: when the worker took it from eXosip (MonotonicNs).
  EventData(eXosip_event_t* je, int64_t received_ns);
  ~EventData() override;
  EventData(const EventData&) = delete;
  EventData& operator=(const EventData&) = delete;

  /// onExosipEvent(typeId, rid, tid, did, cid, sid, nid, ssStatus, ssReason,
  /// textinfo, receivedNs, request, response, ack): positional, so JS builds
  /// the event object once, with one shape (no keyed object made here first);
  /// the messages move into Message handles.
  void Emit(Napi::Env env, const Napi::Function& on_item, const Napi::Function& on_exosip_event) override;

  int type;
  int rid, tid, did, cid, sid, nid, ss_status, ss_reason;
  int64_t received_ns;
  std::string textinfo;
  osip_message_t* request = nullptr;
  osip_message_t* response = nullptr;
  osip_message_t* ack = nullptr;
};

}  // namespace exosip
