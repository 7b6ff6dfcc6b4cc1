#include "context.h"

#include <poll.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "../errors.h"
#include "../module.h"
#include "../util/error.h"
#include "log.h"

namespace exosip {

// One method table per eXosip header, each defined in native/context/<area>.cc,
// then the two sinks. A new area adds its file, a line here and one in Init.
void AddSetupMethods(Context::Methods& methods);
void AddRegisterMethods(Context::Methods& methods);
void AddMessageMethods(Context::Methods& methods);
void AddOptionsMethods(Context::Methods& methods);
void AddCallMethods(Context::Methods& methods);
void AddSdpMethods(Context::Methods& methods);
void AddSubscribeMethods(Context::Methods& methods);
void AddPublishMethods(Context::Methods& methods);
void AddTraceMethods(Context::Methods& methods);
void AddLogMethods(Context::Methods& methods);

namespace {

constexpr int64_t kNsPerS = 1000000000;
// How far into a new second of CLOCK_MONOTONIC an active worker wakes: late
// enough that osip_getsystemtime() (the same clock, whole seconds) already
// reads the new second, early enough that timers fire as soon as they can.
constexpr int64_t kTickMarginNs = 2000000;

// When the worker wakes next if nothing wakes it before (ns of
// CLOCK_MONOTONIC), or -1: not before something does. `reopen`: when the
// commands' send window opens again (-1: no command waits for it).
int64_t NextWakeNs(bool active, int64_t now, int64_t pacer_resume, int64_t reopen) {
  if (!active) return -1;
  int64_t wake = (now / kNsPerS + 1) * kNsPerS + kTickMarginNs;
  if (pacer_resume > now) wake = std::min(wake, pacer_resume);
  if (reopen >= 0) wake = std::min(wake, std::max(reopen, now));
  return wake;
}

}  // namespace

Napi::Function Context::Init(Napi::Env env, Module& module) {
  Methods methods = {
      InstanceMethod<&Context::Close>("close"),
      InstanceMethod<&Context::Ref>("ref"),
      InstanceMethod<&Context::Unref>("unref"),
      InstanceAccessor<&Context::GetLockDepth>("lockDepth"),
      InstanceAccessor<&Context::GetState>("state"),
      InstanceAccessor<&Context::GetRetryPauses>("retryPauses"),
      InstanceMethod<&Context::SetCommandsInline>("setCommandsInline"),
      InstanceMethod<&Context::CancelQueued>("cancelQueued"),
  };
  for (auto add : {AddSetupMethods, AddRegisterMethods, AddMessageMethods, AddOptionsMethods, AddCallMethods, AddSdpMethods,
                   AddSubscribeMethods, AddPublishMethods, AddTraceMethods, AddLogMethods}) {
    add(methods);
  }
  Napi::Function ctor = DefineClass(env, "NativeContext", methods);
  module.context_ctor = Napi::Persistent(ctor);
  return ctor;
}

// new NativeContext(onEvent, onExosipEvent): eXosip_malloc. Once init() has
// succeeded, on the JS thread and in order: onExosipEvent(...) for every eXosip
// event (EventData::Emit), onEvent(item) for every trace, log line and TLS failure.
Context::Context(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<Context>(info), module_(info.Env().GetInstanceData<Module>()) {
  if (info.Length() < 1 || !info[0].IsFunction()) {
    throw TypeCodeError(info.Env(), "ERR_INVALID_ARG_TYPE", "The \"onEvent\" argument must be a function");
  }
  if (info.Length() < 2 || !info[1].IsFunction()) {
    throw TypeCodeError(info.Env(), "ERR_INVALID_ARG_TYPE", "The \"onExosipEvent\" argument must be a function");
  }
  ctx_ = eXosip_malloc();
  if (ctx_ == nullptr) throw OsipError(info.Env(), OSIP_NOMEM, "eXosip_malloc failed");
  // Kept on the wrapper object, not in a persistent reference: the callback
  // closes over the JS object that owns this wrapper, and a strong native
  // reference would keep that cycle alive for ever. While the worker runs, the
  // thread-safe function holds it (an open context stays, like a socket).
  info.This().As<Napi::Object>().DefineProperties({Napi::PropertyDescriptor::Value("onEvent", info[0], napi_default),
                                                   Napi::PropertyDescriptor::Value("onExosipEvent", info[1], napi_default)});
  module_->live_contexts.insert(this);
}

Context::~Context() {
  Shutdown();
  module_->live_contexts.erase(this);
}

eXosip_t* Context::Live(Napi::Env env) const {
  if (closed_) throw CodeError(env, "ERR_CONTEXT_CLOSED", "The context is closed");
  return ctx_;
}

// Every eXosip call but eXosip_init needs an initialized context: before it,
// even eXosip_lock would use a mutex that does not exist yet (a crash in C).
eXosip_t* Context::Ready(Napi::Env env) const {
  eXosip_t* ctx = Live(env);
  if (!initialized_) {
    throw CodeError(env, "ERR_CONTEXT_NOT_INITIALIZED", "eXosip_init has not succeeded on this context yet");
  }
  return ctx;
}

void Context::Start(Napi::Env env) {
  initialized_ = true;
  AcquireSlot();
  tsfn_ = Tsfn::New(env, Value().Get("onEvent").As<Napi::Function>(), "exosip2:events", 0, 1, this, &Context::OnTsfnFinalize,
                    static_cast<void*>(nullptr));
  tsfn_live_ = true;
  // Held for as long as the thread-safe function holds onEvent (released in
  // OnTsfnFinalize): looked up once, not per event.
  on_exosip_event_ = Napi::Persistent(Value().Get("onExosipEvent").As<Napi::Function>());
  // unref() may have come before eXosip_init (lib/ unrefs until a listen succeeds).
  if (!refed_) tsfn_.Unref(env);
  // The worker uses `this`: keep the wrapper alive until the thread is joined.
  Napi::ObjectWrap<Context>::Ref();
  stop_ = false;
  worker_ = std::thread(&Context::Run, this);
  // Named here, not by the thread itself: named once listen() resolves, even
  // before the new thread first runs (on a busy machine, later).
  // For top, perf and /proc (bench/idle.ts); not "exosip-<n>", the prefix
  // log.cc uses to tell eXosip's threads apart.
  pthread_setname_np(worker_.native_handle(), "exosip2-worker");
}

void Context::Run() {
  const int fd = eXosip_event_geteventsocket(ctx_);
  while (!stop_.load(std::memory_order_acquire)) {
    int64_t now = MonotonicNs();
    int64_t reopen = commands_.waiting() ? window_.ReopenAtNs() : -1;
    int64_t wake = NextWakeNs(active_.load(std::memory_order_relaxed), now, pacer_.ResumeAtNs(), reopen);
    timespec timeout{};
    if (wake >= 0) timeout = {static_cast<time_t>((wake - now) / kNsPerS), static_cast<long>((wake - now) % kNsPerS)};
    pollfd pfd{fd, POLLIN, 0};
    int ready = ppoll(&pfd, 1, wake >= 0 ? &timeout : nullptr, nullptr);
    if (stop_.load(std::memory_order_acquire)) break;
    if (ready > 0 && (pfd.revents & POLLIN) != 0) TakeWakeup();
    Pass();
  }
}

bool Context::TakeWakeup() {
  const int fd = eXosip_event_geteventsocket(ctx_);
  pollfd pfd{fd, POLLIN, 0};
  if (poll(&pfd, 1, 0) <= 0 || (pfd.revents & POLLIN) == 0) return false;
  // One byte per event or wakeup; any left over only cost a pass that finds
  // nothing. The pipe's read end blocks, but poll said it holds data.
  char buf[4096];
  if (read(fd, buf, sizeof buf) < 0) {
    // EINTR: the next poll sees the data again.
  }
  return true;
}

void Context::DrainEvents() {
  // Every event queued now, in eXosip's order, each queued to JS the moment it
  // is taken. eXosip_event_wait(ctx, 0, 0) returns a queued event without
  // locking; the call that finds none left runs eXosip's lost-200 OK
  // retransmission under eXosip_lock, which eXosip's thread holds for the rest
  // of its pass (timers, releases) right after queuing an event: holding an
  // event back until that call returned made every delivery wait for the lock
  // (issue #15: 84 us at the median, one event at a time). The thread-safe
  // function still hands the JS thread every item queued by one wake-up in
  // one go, in order.
  while (eXosip_event_t* je = eXosip_event_wait(ctx_, 0, 0)) {
    int64_t received = MonotonicNs();
    pacer_.OnEvent(je, RetryPacer::Clock::now());
    if (je->type == EXOSIP_REGISTRATION_SUCCESS || je->type == EXOSIP_REGISTRATION_FAILURE) window_.OnAnswer(je->rid, received);
    auto* data = new EventData(je, received);
    eXosip_event_free(je);
    active_.store(true, std::memory_order_relaxed);
    // Queued before the automatic action below reacts to it (a 401 answered
    // with a new REGISTER, say), so JS sees the events before what follows.
    Deliver(data);
  }
}

void Context::Pass() {
  DrainEvents();
  // What JS queued (commands.h), in order, as far as the send window allows,
  // then automatic action, under one lock. Each result is queued to JS while
  // the lock is still held, so it comes before every event of what the
  // command sent.
  commands_.Collect();
  int64_t now = MonotonicNs();
  bool send = commands_.waiting() && window_.Open(now);
  // Every pass, busy or idle: refreshes and 401/407 retries live here. Only
  // held back (for RetryPacer::kPause) while eXosip re-sends a REGISTER that
  // failed without a response at once, in a loop (util/retry_pacer.h).
  bool automatic = pacer_.Allows(RetryPacer::Clock::now());
  if (!send && !automatic) return;
  eXosip_lock(ctx_);
  // eXosip's thread queues an event (and writes its wake-up pipe) while it
  // holds this lock: one queued between the drain above and this lock is in
  // the queue now, and the automatic action could already react to it (send
  // the REGISTER answering a 401 before JS has the 401). Such events go to JS
  // first; bounded, so that a stream of events cannot hold the action back.
  bool took = false;
  for (int i = 0; i < 4 && TakeWakeup(); i++) {
    took = true;
    eXosip_unlock(ctx_);
    DrainEvents();
    eXosip_lock(ctx_);
  }
  // Closing (Shutdown sets stop_ before it releases a lock JS holds): nothing
  // more is sent; the commands are dropped and JS rejects what awaited them.
  if (!stop_.load(std::memory_order_acquire)) {
    now = MonotonicNs();  // the lock may have taken a while
    while (commands_.waiting() && window_.Open(now)) {
      if (CommandResult* result = commands_.Take()(ctx_)) {
        if (result->SentRequest()) window_.OnSent(result->rid, now);
        Deliver(result);
      }
    }
    if (automatic) eXosip_automatic_action(ctx_);
  }
  eXosip_unlock(ctx_);
  // A wake-up read above may have been a command's (JS posted it after
  // Collect): one more pass, so that it is not left until the next timer.
  if (took) eXosip_wakeup_event(ctx_);
}

bool Context::Deliver(Delivery* item) {
  // NonBlockingCall: the JS thread may be joining the calling thread right now.
  if (tsfn_.NonBlockingCall(item) == napi_ok) return true;
  delete item;
  return false;
}

void Context::CallJs(Napi::Env env, Napi::Function callback, Context* self, Delivery* data) {
  // env is null when the queue is drained at teardown: nothing may run JS then.
  // An exception thrown by a listener is reported as uncaught (Delivery::Call).
  // A Worker being terminated still drains its queue with an env whose every
  // N-API call fails (ToJs's included): those items go with the environment.
  // Nothing may be thrown out of here (std::terminate).
  if (env != nullptr && callback != nullptr) {
    try {
      data->Emit(env, callback, self->on_exosip_event_.Value());
    } catch (const Napi::Error& e) {
      Delivery::ReportUncaught(env, e);
    }
  }
  delete data;
}

void Context::OnTsfnFinalize(Napi::Env env, void*, Context* self) {
  // At environment teardown Node finalizes the thread-safe function before the
  // addon's own cleanup: the worker, and eXosip's thread's trace callback,
  // must be done with it before it is freed.
  self->stop_.store(true, std::memory_order_release);
  self->ReleaseJsLock();
  self->StopSinks();
  self->StopWorker();
  self->tsfn_live_ = false;
  self->on_exosip_event_.Reset();
  try {
    self->Napi::ObjectWrap<Context>::Unref();
  } catch (const Napi::Error&) {
    // Teardown: the environment frees the wrapper with everything else.
  }
  if (!self->on_close_.IsEmpty()) {
    Napi::FunctionReference cb = std::move(self->on_close_);
    try {
      cb.Call({});
    } catch (const Napi::Error&) {
      // Teardown: JS can no longer run; nothing to report to.
    }
  }
}

void Context::StopSinks() {
  StopTrace();
  ReleaseSlot();
  ForgetLogOwner(this);
  logging_ = false;
}

void Context::StopWorker() {
  if (!worker_.joinable()) return;
  stop_.store(true, std::memory_order_release);
  eXosip_wakeup_event(ctx_);
  worker_.join();
}

void Context::LockFromJs() {
  // Under the lock JS may create anything eXosip's timers will act on.
  MarkActive();
  if (js_lock_depth_++ == 0) eXosip_lock(ctx_);
}

bool Context::UnlockFromJs() {
  if (js_lock_depth_ == 0) return false;
  if (--js_lock_depth_ == 0) eXosip_unlock(ctx_);
  return true;
}

void Context::ReleaseJsLock() {
  if (js_lock_depth_ > 0) {
    js_lock_depth_ = 0;
    eXosip_unlock(ctx_);
  }
}

void Context::Shutdown() {
  if (ctx_ == nullptr) return;
  closed_ = true;
  // Before the lock JS may hold is released: a worker waiting for it must
  // find the context closing (Pass), not send what was queued.
  stop_.store(true, std::memory_order_release);
  ReleaseJsLock();
  StopSinks();
  StopWorker();
  if (initialized_) eXosip_quit(ctx_);
  osip_free(ctx_);
  ctx_ = nullptr;
  if (delivering()) {
    tsfn_released_ = true;
    tsfn_.Release();
  }
}

// close(onClosed?): onClosed runs once every event already queued has been
// delivered. Closing twice is a no-op (onClosed runs at once).
void Context::Close(const Napi::CallbackInfo& info) {
  bool has_cb = info.Length() > 0 && info[0].IsFunction();
  bool pending = delivering();
  if (has_cb && pending) {
    on_close_ = Napi::Persistent(info[0].As<Napi::Function>());
    // Someone waits for onClosed: the loop must stay alive until the queue is
    // drained, even on a context unref'd (or never listening: lib/ unrefs
    // until a listen succeeds), or the process exits with close() pending.
    tsfn_.Ref(info.Env());
  }
  Shutdown();
  if (has_cb && !pending) info[0].As<Napi::Function>().Call({});
}

void Context::Ref(const Napi::CallbackInfo& info) {
  refed_ = true;
  if (delivering()) tsfn_.Ref(info.Env());
}

void Context::Unref(const Napi::CallbackInfo& info) {
  refed_ = false;
  if (delivering()) tsfn_.Unref(info.Env());
}

Napi::Value Context::GetLockDepth(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), js_lock_depth_);
}

Napi::Value Context::GetState(const Napi::CallbackInfo& info) {
  const char* state = closed_ ? "closed" : initialized_ ? "running" : "allocated";
  return Napi::String::New(info.Env(), state);
}

// retryPauses() -> how many times the RetryPacer held automatic action back.
Napi::Value Context::GetRetryPauses(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(pacer_.pauses()));
}

// setCommandsInline(on): Post runs commands on the JS thread (commands.h).
void Context::SetCommandsInline(const Napi::CallbackInfo& info) {
  commands_inline_ = info.Length() > 0 && info[0].ToBoolean();
}

// cancelQueued(seq): JS gave up on queued command `seq` (CommandQueue::Cancel).
void Context::CancelQueued(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(info.Env(), "seq must be a number");
  commands_.Cancel(info[0].As<Napi::Number>().Int32Value());
}

}  // namespace exosip
