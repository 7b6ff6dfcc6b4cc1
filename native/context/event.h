// What the native threads queue to JS (Context::Deliver), in order: eXosip
// events here, SIP traces (trace.h) and osip log lines (log.h). An event is
// copied into plain C++ data on the worker thread, so the eXosip_event_t can
// be freed there and nothing of eXosip is shared with JS.
#pragma once

#include <eXosip2/eXosip.h>
#include <napi.h>

#include <cstdint>
#include <memory>
#include <string>

namespace exosip {

/// One item queued from a native thread to the JS thread, in order.
struct Delivery {
  virtual ~Delivery() = default;
  /// The JS object to hand to the context's callback (`kind` tells which).
  virtual Napi::Object ToJs(Napi::Env env) = 0;
  /// Hands this item to `callback` (the context's onEvent): once, with ToJs.
  virtual void Emit(Napi::Env env, const Napi::Function& callback) { Call(env, callback, ToJs(env)); }

 protected:
  /// callback(value); a listener's exception is reported as uncaught
  /// (rethrowing would abort the process) and the next items still come.
  static void Call(Napi::Env env, const Napi::Function& callback, Napi::Object value);

 public:
  /// Reports `error` as an uncaught exception if JS can still run; never throws.
  static void ReportUncaught(Napi::Env env, const Napi::Error& error) noexcept;
};

/// The time of CLOCK_MONOTONIC in ns (process.hrtime.bigint()'s clock).
int64_t MonotonicNs();

/// One eXosip_event_t, copied on the worker thread. The events the worker
/// takes in one wake-up travel as one chain (`next`), queued to JS in one
/// thread-safe call and emitted in eXosip's order.
struct EventData : Delivery {
  /// Takes the event's request/response/ack (eXosip cloned them for the event,
  /// so they belong to it): no second copy is made. Call before eXosip_event_free.
  /// `received_ns`: when the worker took it from eXosip (MonotonicNs).
  EventData(eXosip_event_t* je, int64_t received_ns);
  ~EventData() override;
  EventData(const EventData&) = delete;
  EventData& operator=(const EventData&) = delete;

  /// The JS object for this event; the messages move into Message handles.
  Napi::Object ToJs(Napi::Env env) override;
  /// This event, then the rest of its chain, in order.
  void Emit(Napi::Env env, const Napi::Function& callback) override;

  int type;
  int rid, tid, did, cid, sid, nid, ss_status, ss_reason;
  int64_t received_ns;
  std::string textinfo;
  osip_message_t* request = nullptr;
  osip_message_t* response = nullptr;
  osip_message_t* ack = nullptr;
  /// The next event of the same batch (owned), or null.
  std::unique_ptr<EventData> next;
};

}  // namespace exosip
