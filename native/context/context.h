// One eXosip_t and the native worker thread that runs its application loop.
//
// Threads: eXosip runs its own network thread (started by eXosip_listen_addr).
// This class adds one worker per context, the application loop a C program
// would write. It sleeps in poll() on eXosip's event pipe
// (eXosip_event_geteventsocket) and wakes for three reasons only: eXosip
// queued events (its thread writes the pipe), something else called
// eXosip_wakeup_event (close(), a JS request on a dormant context), or the
// next whole second of CLOCK_MONOTONIC began. Each pass takes every queued
// event (eXosip_event_wait(ctx, 0, 0) until NULL), queues them to JS in one
// thread-safe call, then runs eXosip_automatic_action under the lock, unless
// the RetryPacer holds it back (a registration eXosip would otherwise re-send
// in a tight loop). Why a second: every timer automatic action acts on
// (refreshes, retries after failure or Retry-After, the lost-200 OK
// retransmission eXosip_event_wait runs) compares osip_getsystemtime(), whole
// seconds of CLOCK_MONOTONIC in libosip2 5.3, so its outcome can only change
// when a new second begins; the worker wakes 2 ms into it. A context on which
// nothing happened yet (no event, no message built or sent, no eXosip_lock
// from JS: no registration, call or subscription can exist) does not tick at
// all; the first such request wakes it (MarkActive). The worker never touches
// JS: events are copied into EventData and queued with NonBlockingCall.
//
// Layout: this file and context.cc hold the lifecycle (worker, lock, close).
// The methods JS calls are spread over one file per eXosip header
// (setup.cc for eX_setup.h, register.cc for eX_register.h, message.cc for
// eX_message.h, ...), each adding its table with Add<Area>Methods (joined in
// Context::Init); trace.cc and log.cc add the two sinks. trace.cc also holds
// the context's message-callback slot, through which the guards (guard.h,
// register_guard.h) and the digest filter (auth_filter.h) see every message.
// Calls and subscriptions are ids under this one eXosip_t and its one lock,
// so they will be areas too, not classes. An area method that creates an
// eXosip object without Build or Send must call MarkActive() itself.
#pragma once

#include <eXosip2/eXosip.h>
#include <napi.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "../message.h"
#include "../util/retry_pacer.h"
#include "auth_filter.h"
#include "commands.h"
#include "event.h"
#include "guard.h"
#include "register_sends.h"

namespace exosip {

class Module;

class Context : public Napi::ObjectWrap<Context> {
 public:
  /// A method of an area file: the context it is called on and the JS call.
  using AreaMethod = Napi::Value (*)(Context& self, const Napi::CallbackInfo& info);
  using Methods = std::vector<PropertyDescriptor>;

  static Napi::Function Init(Napi::Env env, Module& module);

  /// `InstanceMethod` for an area's free function: `Method<&Listen>("listen")`.
  template <AreaMethod F>
  static PropertyDescriptor Method(const char* name) {
    return InstanceMethod<&Context::Call<F>>(name);
  }

  explicit Context(const Napi::CallbackInfo& info);
  ~Context() override;
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  /// Stops the worker, quits eXosip and releases the thread-safe function.
  /// Safe to call more than once and from environment teardown.
  void Shutdown();

  /// The eXosip_t; throws ERR_CONTEXT_CLOSED once the context is closed.
  eXosip_t* Live(Napi::Env env) const;
  /// As Live, and throws ERR_CONTEXT_NOT_INITIALIZED before eXosip_init succeeded.
  eXosip_t* Ready(Napi::Env env) const;
  bool initialized() const { return initialized_; }
  /// Whether deliveries can still reach JS (init done, not closed).
  bool delivering() const { return tsfn_live_ && !tsfn_released_; }

  /// After eXosip_init succeeded: installs the INVITE guard and starts the worker.
  void Start(Napi::Env env);

  /// JS's eXosip_lock: nesting only counts, the real lock is taken once.
  void LockFromJs();
  /// JS's eXosip_unlock: false when JS does not hold the lock.
  bool UnlockFromJs();

  RetryPacer& pacer() { return pacer_; }

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

  /// An eXosip_*_build_* call: runs `build(&msg)` under the lock and gives JS
  /// `[code, Message|null]` (Message::Result).
  template <typename F>
  Napi::Value Build(Napi::Env env, F&& build) {
    MarkActive();
    osip_message_t* msg = nullptr;
    int code = Locked([&] { return build(&msg); });
    return Message::Result(env, code, msg);
  }

  /// An eXosip_*_send_* call: takes the message out of `message` (nullptr: let
  /// eXosip build it) before anything else, so it is spent whatever the
  /// outcome (eXosip frees it on failure too), then runs `send(msg)` under the
  /// lock and gives JS the code.
  template <typename F>
  Napi::Value Send(Napi::Env env, Message* message, F&& send) {
    osip_message_t* msg = Message::Take(env, message);
    MarkActive();
    return Napi::Number::New(env, Locked([&] { return send(msg); }));
  }

  /// Build for a request eXosip will send as built: one it could not send
  /// (SendableRequest: it would crash on a target without a SIP host) is
  /// freed and the code is OSIP_BADPARAMETER.
  template <typename F>
  Napi::Value BuildRequest(Napi::Env env, F&& build) {
    return Build(env, [&](osip_message_t** msg) {
      int code = build(msg);
      if (code < 0 || *msg == nullptr || SendableRequest(*msg)) return code;
      osip_message_free(*msg);
      *msg = nullptr;
      return static_cast<int>(OSIP_BADPARAMETER);
    });
  }

  /// Send for a request: one eXosip could not send (SendableRequest; the
  /// caller may have changed its Request-URI or Route since it was built) is
  /// freed, not sent, and the code is OSIP_BADPARAMETER. nullptr (eXosip
  /// builds it) goes through.
  template <typename F>
  Napi::Value SendRequest(Napi::Env env, Message* message, F&& send) {
    return Send(env, message, [&](osip_message_t* msg) {
      if (msg == nullptr || SendableRequest(msg)) return send(msg);
      osip_message_free(msg);
      return static_cast<int>(OSIP_BADPARAMETER);
    });
  }

  /// From now on the worker ticks once a second (automatic action's timers):
  /// JS is about to create eXosip state. Wakes a dormant worker; cheap after.
  void MarkActive() {
    if (!active_.load(std::memory_order_relaxed) && !active_.exchange(true) && worker_.joinable()) {
      eXosip_wakeup_event(ctx_);
    }
  }

  /// Queues `command` (named `seq` for CommandQueue::Cancel; 0: none) for
  /// the worker's next pass (commands.h) and wakes it;
  /// with commands inline (SetCommandsInline), runs it now on the JS thread
  /// under the lock instead, its result queued the same way. JS thread; the
  /// context is Ready.
  void Post(int seq, Command command) {
    active_.store(true, std::memory_order_relaxed);
    if (commands_inline_) {
      Locked([&] {
        if (Delivery* result = command(ctx_)) Deliver(result);
      });
      return;
    }
    commands_.Push(seq, std::move(command));
    eXosip_wakeup_event(ctx_);
  }

  /// Queues one item to JS after those already queued; false (and the item
  /// deleted) when JS can no longer receive it. Any thread.
  bool Deliver(Delivery* item);

  /// Called on eXosip's thread for each SIP message sent or received, before
  /// eXosip acts on it: traces it (TraceSipMessage), filters the digest
  /// challenges of a received 401/407 (auth_filter.h), then applies the INVITE guard (guard.h).
  void OnSipMessage(osip_message_t* msg, bool received);
  /// While tracing is on: serializes the message and queues it to JS after earlier events.
  void TraceSipMessage(osip_message_t* msg, bool received);
  /// Called on any thread for each osip_trace line this context asked for.
  void OnLog(int level, const char* file, int line, const std::string& text);

  /// Tracing (trace.cc): 0, or OSIP_TOOMUCHCALL when the context holds no slot.
  int StartTrace();
  void StopTrace();
  /// The digest filter's mirror of the credentials (setup.cc keeps it in step with eXosip's).
  AuthFilter& auth_filter() { return auth_filter_; }
  /// When each registration's latest REGISTER left (register_sends.h); recorded while the context holds a trace slot.
  const RegisterSends& register_sends() const { return register_sends_; }
  /// osip_trace lines of level <= `level` reach JS (log.cc); -1 stops them.
  void SetLogLevel(int level);

 private:
  template <AreaMethod F>
  Napi::Value Call(const Napi::CallbackInfo& info) {
    return F(*this, info);
  }

  static void CallJs(Napi::Env env, Napi::Function callback, Context* self, Delivery* data);
  using Tsfn = Napi::TypedThreadSafeFunction<Context, Delivery, &Context::CallJs>;
  static void OnTsfnFinalize(Napi::Env env, void* unused, Context* self);

  void Run();
  // One pass of the loop: the queued events to JS, then the queued commands
  // and automatic action under one lock.
  void Pass();
  // Every event eXosip has queued, each queued to JS as it is taken (no lock).
  void DrainEvents();
  // Whether eXosip's wake-up pipe has a byte unread (an event queued since the
  // last read); reads what is there.
  bool TakeWakeup();
  void StopWorker();
  void StopSinks();
  void AcquireSlot();
  void ReleaseSlot();
  void ReleaseJsLock();

  void Close(const Napi::CallbackInfo& info);
  void Ref(const Napi::CallbackInfo& info);
  void Unref(const Napi::CallbackInfo& info);
  Napi::Value GetLockDepth(const Napi::CallbackInfo& info);
  Napi::Value GetState(const Napi::CallbackInfo& info);
  Napi::Value GetRetryPauses(const Napi::CallbackInfo& info);
  void SetCommandsInline(const Napi::CallbackInfo& info);
  void CancelQueued(const Napi::CallbackInfo& info);

  Module* module_;
  eXosip_t* ctx_ = nullptr;
  bool initialized_ = false;
  bool closed_ = false;
  // JS-side eXosip_lock nesting; only touched on the JS thread.
  int js_lock_depth_ = 0;

  Napi::FunctionReference on_close_;
  /// The constructor's onExosipEvent, from Start until the thread-safe function is finalized.
  Napi::FunctionReference on_exosip_event_;
  Tsfn tsfn_;
  bool tsfn_live_ = false;  // created and not yet finalized
  bool tsfn_released_ = false;
  bool refed_ = true;

  // The context's eXosip_set_cbsip_message slot (trace.cc), held from init to
  // shutdown (issue #16: the digest filter needs its context); -1 when all are taken.
  int trace_slot_ = -1;
  std::atomic<bool> tracing_{false};
  AuthFilter auth_filter_;
  RegisterSends register_sends_;
  bool logging_ = false;

  std::thread worker_;
  std::atomic<bool> stop_{false};
  // Whether the worker ticks every second (MarkActive); dormant until then.
  std::atomic<bool> active_{false};
  // Holds automatic action back while eXosip re-sends a failed REGISTER at once.
  RetryPacer pacer_;
  // What JS queued for the worker to run under the lock (Post), and the
  // window that paces the REGISTERs they send. Worker only but for Push.
  CommandQueue commands_;
  SendWindow window_;
  // Post runs commands on the JS thread (a ContextPool's contexts: commands.h).
  bool commands_inline_ = false;
};

}  // namespace exosip
