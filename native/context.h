// One eXosip_t and the native worker thread that runs its application loop.
//
// Threads: eXosip runs its own network thread (started by eXosip_listen_addr).
// This class adds one worker per context that loops on eXosip_event_wait and
// runs eXosip_automatic_action under the lock on every pass, busy or idle (or
// refreshes and auth retries stop), except while the RetryPacer holds it back
// (a registration eXosip would otherwise re-send in a tight loop). The worker never touches JS: each event is
// copied into an EventData and queued to the JS thread with NonBlockingCall.
#pragma once

#include <eXosip2/eXosip.h>
#include <napi.h>

#include <atomic>
#include <string>
#include <thread>

#include "event.h"
#include "util/retry_pacer.h"

namespace exosip {

class Module;

class Context : public Napi::ObjectWrap<Context> {
 public:
  static Napi::Function Init(Napi::Env env, Module& module);

  explicit Context(const Napi::CallbackInfo& info);
  ~Context() override;
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  /// Stops the worker, quits eXosip and releases the thread-safe function.
  /// Safe to call more than once and from environment teardown.
  void Shutdown();

  /// Called on eXosip's thread for each SIP message sent or received while
  /// tracing is on: serializes it and queues it to JS after earlier events.
  void OnSipMessage(osip_message_t* msg, bool received);
  /// Called on any thread for each osip_trace line this context asked for.
  void OnLog(int level, const char* file, int line, const std::string& text);

 private:
  static void CallJs(Napi::Env env, Napi::Function callback, Context* self, Delivery* data);
  using Tsfn = Napi::TypedThreadSafeFunction<Context, Delivery, &Context::CallJs>;
  static void OnTsfnFinalize(Napi::Env env, void* unused, Context* self);

  void Run();
  void StopWorker();
  void ReleaseJsLock();
  eXosip_t* Live(Napi::Env env) const;
  eXosip_t* Ready(Napi::Env env) const;

  // Runs `f` under eXosip_lock unless JS already holds it (eXosip_lock is not
  // recursive: locking again from the JS thread would deadlock).
  template <typename F>
  auto Locked(F&& f) {
    struct Guard {
      Context* self;
      bool taken;
      ~Guard() {
        if (taken) eXosip_unlock(self->ctx_);
      }
    } guard{this, js_lock_depth_ == 0};
    if (guard.taken) eXosip_lock(ctx_);
    return f();
  }

  Napi::Value InitContext(const Napi::CallbackInfo& info);
  Napi::Value Listen(const Napi::CallbackInfo& info);
  void SetUserAgent(const Napi::CallbackInfo& info);
  Napi::Value SetOption(const Napi::CallbackInfo& info);
  void MasqueradeContact(const Napi::CallbackInfo& info);
  Napi::Value Lock(const Napi::CallbackInfo& info);
  Napi::Value Unlock(const Napi::CallbackInfo& info);
  void AutomaticAction(const Napi::CallbackInfo& info);
  Napi::Value DefaultAction(const Napi::CallbackInfo& info);
  Napi::Value BuildInitialRegister(const Napi::CallbackInfo& info);
  Napi::Value BuildRegister(const Napi::CallbackInfo& info);
  Napi::Value SendRegister(const Napi::CallbackInfo& info);
  Napi::Value RemoveRegister(const Napi::CallbackInfo& info);
  Napi::Value MessageBuildAnswer(const Napi::CallbackInfo& info);
  Napi::Value MessageSendAnswer(const Napi::CallbackInfo& info);
  Napi::Value AddAuthenticationInfo(const Napi::CallbackInfo& info);
  Napi::Value RemoveAuthenticationInfo(const Napi::CallbackInfo& info);
  Napi::Value ClearAuthenticationInfo(const Napi::CallbackInfo& info);
  void Close(const Napi::CallbackInfo& info);
  void Ref(const Napi::CallbackInfo& info);
  void Unref(const Napi::CallbackInfo& info);
  Napi::Value SetTrace(const Napi::CallbackInfo& info);
  void SetLogLevelJs(const Napi::CallbackInfo& info);
  void StopTrace();
  Napi::Value GetLockDepth(const Napi::CallbackInfo& info);
  Napi::Value GetState(const Napi::CallbackInfo& info);
  Napi::Value GetRetryPauses(const Napi::CallbackInfo& info);

  Module* module_;
  eXosip_t* ctx_ = nullptr;
  bool initialized_ = false;
  bool closed_ = false;
  // JS-side eXosip_lock nesting; only touched on the JS thread.
  int js_lock_depth_ = 0;

  Napi::FunctionReference on_close_;
  Tsfn tsfn_;
  bool tsfn_live_ = false;  // created and not yet finalized
  bool tsfn_released_ = false;
  bool refed_ = true;

  int trace_slot_ = -1;
  bool logging_ = false;

  std::thread worker_;
  std::atomic<bool> stop_{false};
  // Holds automatic action back while eXosip re-sends a failed REGISTER at once.
  RetryPacer pacer_;
};

}  // namespace exosip
