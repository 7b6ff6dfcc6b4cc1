#include "context.h"

#include <netinet/in.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "message.h"
#include "module.h"
#include "util/args.h"
#include "util/error.h"
#include "util/socket.h"
#include "util/log_sinks.h"
#include "util/trace_slots.h"

namespace exosip {
namespace {

// eXosip copies credentials into char[50] fields and truncates longer ones
// silently (eXosip2.h, jauthinfo_t): refuse them instead.
constexpr size_t kMaxCredentialLength = 49;

// How long one eXosip_event_wait may block. Only bounds how late a close() is
// noticed when no wakeup reaches the thread; events wake it immediately.
constexpr int kEventWaitMs = 50;

// Tries for listen() on port 0: the port is picked by a probe bind and then
// handed to eXosip, so another process may take it in between.
constexpr int kEphemeralListenTries = 5;

}  // namespace

Napi::Function Context::Init(Napi::Env env, Module& module) {
  Napi::Function ctor = DefineClass(
      env, "NativeContext",
      {
          InstanceMethod<&Context::InitContext>("init"),
          InstanceMethod<&Context::Listen>("listen"),
          InstanceMethod<&Context::SetUserAgent>("setUserAgent"),
          InstanceMethod<&Context::SetOption>("setOption"),
          InstanceMethod<&Context::MasqueradeContact>("masqueradeContact"),
          InstanceMethod<&Context::Lock>("lock"),
          InstanceMethod<&Context::Unlock>("unlock"),
          InstanceMethod<&Context::AutomaticAction>("automaticAction"),
          InstanceMethod<&Context::DefaultAction>("defaultAction"),
          InstanceMethod<&Context::BuildInitialRegister>("registerBuildInitialRegister"),
          InstanceMethod<&Context::BuildRegister>("registerBuildRegister"),
          InstanceMethod<&Context::SendRegister>("registerSendRegister"),
          InstanceMethod<&Context::RemoveRegister>("registerRemove"),
          InstanceMethod<&Context::MessageBuildAnswer>("messageBuildAnswer"),
          InstanceMethod<&Context::MessageSendAnswer>("messageSendAnswer"),
          InstanceMethod<&Context::AddAuthenticationInfo>("addAuthenticationInfo"),
          InstanceMethod<&Context::RemoveAuthenticationInfo>("removeAuthenticationInfo"),
          InstanceMethod<&Context::ClearAuthenticationInfo>("clearAuthenticationInfo"),
          InstanceMethod<&Context::Close>("close"),
          InstanceMethod<&Context::Ref>("ref"),
          InstanceMethod<&Context::Unref>("unref"),
          InstanceMethod<&Context::SetTrace>("setTrace"),
          InstanceMethod<&Context::SetLogLevelJs>("setLogLevel"),
          InstanceAccessor<&Context::GetLockDepth>("lockDepth"),
          InstanceAccessor<&Context::GetState>("state"),
          InstanceAccessor<&Context::GetRetryPauses>("retryPauses"),
      });
  module.context_ctor = Napi::Persistent(ctor);
  return ctor;
}

// new NativeContext(onEvent): eXosip_malloc. onEvent(event) is called on the
// JS thread, in order, for every eXosip event once init() has succeeded.
Context::Context(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<Context>(info), module_(info.Env().GetInstanceData<Module>()) {
  if (info.Length() < 1 || !info[0].IsFunction()) {
    throw TypeCodeError(info.Env(), "ERR_INVALID_ARG_TYPE", "The \"onEvent\" argument must be a function");
  }
  ctx_ = eXosip_malloc();
  if (ctx_ == nullptr) throw CodeError(info.Env(), "OSIP_NOMEM", "eXosip_malloc failed");
  // Kept on the wrapper object, not in a persistent reference: the callback
  // closes over the JS object that owns this wrapper, and a strong native
  // reference would keep that cycle alive for ever. While the worker runs, the
  // thread-safe function holds it (an open context stays, like a socket).
  info.This().As<Napi::Object>().DefineProperty(
      Napi::PropertyDescriptor::Value("onEvent", info[0], napi_default));
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

// init() -> code: eXosip_init, then the worker thread starts.
Napi::Value Context::InitContext(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Live(env);
  if (initialized_) return Napi::Number::New(env, OSIP_WRONG_STATE);
  int code = eXosip_init(ctx_);
  if (code != 0) return Napi::Number::New(env, code);
  initialized_ = true;
  eXosip_set_cbsip_message(ctx_, GuardCallback());
  tsfn_ = Tsfn::New(env, Value().Get("onEvent").As<Napi::Function>(), "exosip2:events", 0, 1, this, &Context::OnTsfnFinalize,
                    static_cast<void*>(nullptr));
  tsfn_live_ = true;
  // The worker uses `this`: keep the wrapper alive until the thread is joined.
  Napi::ObjectWrap<Context>::Ref();
  stop_ = false;
  worker_ = std::thread(&Context::Run, this);
  return Napi::Number::New(env, 0);
}

void Context::Run() {
  while (!stop_.load(std::memory_order_acquire)) {
    eXosip_event_t* je = eXosip_event_wait(ctx_, 0, kEventWaitMs);
    if (je != nullptr) {
      pacer_.OnEvent(je, RetryPacer::Clock::now());
      // Queued before the automatic action below reacts to it (a 401 answered
      // with a new REGISTER, say), so JS sees the event before what follows.
      auto* data = new EventData(je);
      eXosip_event_free(je);
      // NonBlockingCall: the JS thread may be joining this thread right now.
      if (tsfn_.NonBlockingCall(data) != napi_ok) delete data;
    }
    // Every pass, busy or idle: refreshes and 401/407 retries live here. Only
    // held back (for RetryPacer::kPause) while eXosip re-sends a REGISTER that
    // failed without a response at once, in a loop (util/retry_pacer.h).
    if (!pacer_.Allows(RetryPacer::Clock::now())) continue;
    eXosip_lock(ctx_);
    eXosip_automatic_action(ctx_);
    eXosip_unlock(ctx_);
  }
}

void Context::CallJs(Napi::Env env, Napi::Function callback, Context* self, Delivery* data) {
  // env is null when the queue is drained at teardown: nothing may run JS then.
  if (env != nullptr && callback != nullptr) {
    try {
      callback.Call({data->ToJs(env)});
    } catch (const Napi::Error& e) {
      // An exception thrown by a listener must not be swallowed silently:
      // rethrowing here would abort the process, so report it as uncaught.
      napi_fatal_exception(env, e.Value());
    }
  }
  delete data;
}

void Context::OnTsfnFinalize(Napi::Env env, void*, Context* self) {
  // At environment teardown Node finalizes the thread-safe function before the
  // addon's own cleanup: the worker, and eXosip's thread's trace callback,
  // must be done with it before it is freed.
  self->ReleaseJsLock();
  self->StopTrace();
  if (self->logging_) {
    SetLogLevel(self, -1);
    self->logging_ = false;
  }
  self->StopWorker();
  self->tsfn_live_ = false;
  self->Napi::ObjectWrap<Context>::Unref();
  if (!self->on_close_.IsEmpty()) {
    Napi::FunctionReference cb = std::move(self->on_close_);
    try {
      cb.Call({});
    } catch (const Napi::Error&) {
      // Teardown: JS can no longer run; nothing to report to.
    }
  }
}

void Context::StopWorker() {
  if (!worker_.joinable()) return;
  stop_.store(true, std::memory_order_release);
  eXosip_wakeup_event(ctx_);
  worker_.join();
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
  ReleaseJsLock();
  StopTrace();
  if (logging_) {
    SetLogLevel(this, -1);
    logging_ = false;
  }
  StopWorker();
  if (initialized_) eXosip_quit(ctx_);
  osip_free(ctx_);
  ctx_ = nullptr;
  if (tsfn_live_ && !tsfn_released_) {
    tsfn_released_ = true;
    tsfn_.Release();
  }
}

// close(onClosed?): onClosed runs once every event already queued has been
// delivered. Closing twice is a no-op (onClosed runs at once).
void Context::Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool has_cb = info.Length() > 0 && info[0].IsFunction();
  if (has_cb && tsfn_live_ && !tsfn_released_) on_close_ = Napi::Persistent(info[0].As<Napi::Function>());
  bool pending = tsfn_live_ && !tsfn_released_;
  Shutdown();
  if (has_cb && !pending) info[0].As<Napi::Function>().Call({});
  (void)env;
}

void Context::Ref(const Napi::CallbackInfo& info) {
  refed_ = true;
  if (tsfn_live_ && !tsfn_released_) tsfn_.Ref(info.Env());
}

void Context::Unref(const Napi::CallbackInfo& info) {
  refed_ = false;
  if (tsfn_live_ && !tsfn_released_) tsfn_.Unref(info.Env());
}

// listen(transport, address|null, port, family, secure) -> [code, port, errno]
Napi::Value Context::Listen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Ready(env);
  int transport = IntArg(info, 0, "transport");
  auto address = OptionalStringArg(info, 1, "address");
  int port = IntArg(info, 2, "port");
  int family = IntArg(info, 3, "family");
  int secure = IntArg(info, 4, "secure");
  const char* addr = address ? address->c_str() : nullptr;
  // DTLS is refused: libeXosip2 5.3 does its DTLS handshake with blocking
  // reads on eXosip's thread while it holds eXosip's lock, so a peer that does
  // not answer DTLS freezes every thread that takes the lock, JS's included.
  if (transport == IPPROTO_UDP && secure != 0) {
    Napi::Array refused = Napi::Array::New(env, 3);
    refused.Set(0u, OSIP_BADPARAMETER);
    refused.Set(1u, 0);
    refused.Set(2u, 0);
    return refused;
  }
  int code = OSIP_UNDEFINED_ERROR;
  int bound = port;
  int err = 0;
  for (int attempt = 0; attempt < (port == 0 ? kEphemeralListenTries : 1); attempt++) {
    int probe = ProbePort(transport, family, addr, port);
    if (probe < 0) {
      err = -probe;
      code = err == EADDRINUSE ? OSIP_PORT_BUSY : OSIP_UNDEFINED_ERROR;
      if (port != 0) break;
      continue;
    }
    bound = probe;
    code = eXosip_listen_addr(ctx_, transport, addr, bound, family, secure);
    if (code == 0) {
      err = 0;
      break;
    }
  }
  Napi::Array out = Napi::Array::New(env, 3);
  out.Set(0u, code);
  out.Set(1u, code == 0 ? bound : 0);
  out.Set(2u, err);
  return out;
}

void Context::SetUserAgent(const Napi::CallbackInfo& info) {
  std::string ua = StringArg(info, 0, "userAgent");
  eXosip_set_user_agent(Ready(info.Env()), ua.c_str());
}

// setOption(opt, value) -> code. value: number (int options), string (char*
// options), [min, max] (EXOSIP_OPT_SET_OC_PORT_RANGE), {host, ip} (DNS cache).
Napi::Value Context::SetOption(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  eXosip_t* ctx = Ready(env);
  int opt = IntArg(info, 0, "option");
  Napi::Value value = info.Length() > 1 ? info[1] : env.Undefined();
  int code = OSIP_BADPARAMETER;
  if (opt == EXOSIP_OPT_SET_MAX_READ_TIMEOUT && value.IsNumber()) {
    long v = static_cast<long>(value.As<Napi::Number>().Int64Value());
    code = eXosip_set_option(ctx, opt, &v);
  } else if (opt == EXOSIP_OPT_SET_OC_PORT_RANGE && value.IsArray()) {
    Napi::Array range = value.As<Napi::Array>();
    int v[2] = {0, 0};
    if (range.Length() == 2 && range.Get(0u).IsNumber() && range.Get(1u).IsNumber()) {
      v[0] = range.Get(0u).As<Napi::Number>().Int32Value();
      v[1] = range.Get(1u).As<Napi::Number>().Int32Value();
      code = eXosip_set_option(ctx, opt, v);
    }
  } else if ((opt == EXOSIP_OPT_ADD_DNS_CACHE || opt == EXOSIP_OPT_DELETE_DNS_CACHE) && value.IsObject()) {
    Napi::Object o = value.As<Napi::Object>();
    if (o.Get("host").IsString() && o.Get("ip").IsString()) {
      eXosip_dns_cache entry;
      std::memset(&entry, 0, sizeof(entry));
      std::string host = o.Get("host").As<Napi::String>().Utf8Value();
      std::string ip = o.Get("ip").As<Napi::String>().Utf8Value();
      if (host.size() < sizeof(entry.host) && ip.size() < sizeof(entry.ip)) {
        std::memcpy(entry.host, host.c_str(), host.size());
        std::memcpy(entry.ip, ip.c_str(), ip.size());
        code = eXosip_set_option(ctx, opt, &entry);
      }
    }
  } else if (value.IsString()) {
    std::string v = StringArg(info, 1, "value");
    code = eXosip_set_option(ctx, opt, v.c_str());
  } else if (value.IsNumber()) {
    int v = IntArg(info, 1, "value");
    code = eXosip_set_option(ctx, opt, &v);
  }
  return Napi::Number::New(env, code);
}

void Context::MasqueradeContact(const Napi::CallbackInfo& info) {
  auto address = OptionalStringArg(info, 0, "address");
  int port = IntArg(info, 1, "port");
  eXosip_masquerade_contact(Ready(info.Env()), address ? address->c_str() : nullptr, port);
}

// lock()/unlock() -> code. Nesting from JS only counts: eXosip_lock is not
// recursive, so the real lock is taken once and released by the last unlock.
Napi::Value Context::Lock(const Napi::CallbackInfo& info) {
  eXosip_t* ctx = Ready(info.Env());
  if (js_lock_depth_++ == 0) eXosip_lock(ctx);
  return Napi::Number::New(info.Env(), 0);
}

Napi::Value Context::Unlock(const Napi::CallbackInfo& info) {
  eXosip_t* ctx = Ready(info.Env());
  if (js_lock_depth_ == 0) return Napi::Number::New(info.Env(), OSIP_WRONG_STATE);
  if (--js_lock_depth_ == 0) eXosip_unlock(ctx);
  return Napi::Number::New(info.Env(), 0);
}

void Context::AutomaticAction(const Napi::CallbackInfo& info) {
  eXosip_t* ctx = Ready(info.Env());
  // The compat API's eXosip_automatic_action: paced like the worker's.
  if (!pacer_.Allows(RetryPacer::Clock::now())) return;
  Locked([&] {
    eXosip_automatic_action(ctx);
    return 0;
  });
}

// defaultAction(typeId, rid, tid, did, cid, sid, nid, response) -> code.
// eXosip_default_action on an event the worker already freed: eXosip reads
// only the type, the ids and the response, so they are put back together here
// around the event's response (borrowed, not consumed).
Napi::Value Context::DefaultAction(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  eXosip_t* ctx = Ready(env);
  eXosip_event_t je;
  std::memset(&je, 0, sizeof(je));
  je.type = static_cast<eXosip_event_type_t>(IntArg(info, 0, "type"));
  je.rid = IntArg(info, 1, "rid");
  je.tid = IntArg(info, 2, "tid");
  je.did = IntArg(info, 3, "did");
  je.cid = IntArg(info, 4, "cid");
  je.sid = IntArg(info, 5, "sid");
  je.nid = IntArg(info, 6, "nid");
  if (info.Length() > 7 && !info[7].IsNull() && !info[7].IsUndefined()) {
    je.response = Message::FromValue(env, info[7], "response")->Get(env);
  }
  int code = Locked([&] { return eXosip_default_action(ctx, &je); });
  return Napi::Number::New(env, code);
}

static Napi::Value CodeAndMessage(Napi::Env env, int code, osip_message_t* msg) {
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, code);
  if (code >= 0 && msg != nullptr) {
    out.Set(1u, Message::Adopt(env, msg));
  } else {
    osip_message_free(msg);
    out.Set(1u, env.Null());
  }
  return out;
}

// registerBuildInitialRegister(from, proxy, contact|null, expires) -> [rid, Message|null]
Napi::Value Context::BuildInitialRegister(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  eXosip_t* ctx = Ready(env);
  std::string from = StringArg(info, 0, "from");
  std::string proxy = StringArg(info, 1, "proxy");
  auto contact = OptionalStringArg(info, 2, "contact");
  int expires = IntArg(info, 3, "expires");
  osip_message_t* reg = nullptr;
  int rid = Locked([&] {
    return eXosip_register_build_initial_register(ctx, from.c_str(), proxy.c_str(), contact ? contact->c_str() : nullptr,
                                                  expires, &reg);
  });
  return CodeAndMessage(env, rid, reg);
}

// registerBuildRegister(rid, expires) -> [code, Message|null]
Napi::Value Context::BuildRegister(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  eXosip_t* ctx = Ready(env);
  int rid = IntArg(info, 0, "rid");
  int expires = IntArg(info, 1, "expires");
  osip_message_t* reg = nullptr;
  int code = Locked([&] { return eXosip_register_build_register(ctx, rid, expires, &reg); });
  return CodeAndMessage(env, code, reg);
}

// registerSendRegister(rid, message|null) -> code. The message is eXosip's
// from here on, whatever the outcome: the handle is spent before the call.
Napi::Value Context::SendRegister(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  eXosip_t* ctx = Ready(env);
  int rid = IntArg(info, 0, "rid");
  osip_message_t* reg = nullptr;
  if (info.Length() > 1 && !info[1].IsNull() && !info[1].IsUndefined()) {
    reg = Message::FromValue(env, info[1], "message")->Release(env);
  }
  int code = Locked([&] { return eXosip_register_send_register(ctx, rid, reg); });
  return Napi::Number::New(env, code);
}

Napi::Value Context::RemoveRegister(const Napi::CallbackInfo& info) {
  eXosip_t* ctx = Ready(info.Env());
  int rid = IntArg(info, 0, "rid");
  return Napi::Number::New(info.Env(), Locked([&] { return eXosip_register_remove(ctx, rid); }));
}

// messageBuildAnswer(tid, status) -> [code, Message|null]: an answer to a
// request received outside of a dialog (EXOSIP_MESSAGE_NEW: MESSAGE, REGISTER...).
Napi::Value Context::MessageBuildAnswer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  eXosip_t* ctx = Ready(env);
  int tid = IntArg(info, 0, "tid");
  int status = IntArg(info, 1, "status");
  osip_message_t* answer = nullptr;
  int code = Locked([&] { return eXosip_message_build_answer(ctx, tid, status, &answer); });
  return CodeAndMessage(env, code, answer);
}

// messageSendAnswer(tid, status, message|null) -> code. eXosip frees the
// answer on every path but its first argument checks; those are made here
// first, so a message handed over is always eXosip's (spent) and a refused
// call leaves it with the caller.
Napi::Value Context::MessageSendAnswer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  eXosip_t* ctx = Ready(env);
  int tid = IntArg(info, 0, "tid");
  int status = IntArg(info, 1, "status");
  bool has_answer = info.Length() > 2 && !info[2].IsNull() && !info[2].IsUndefined();
  Message* answer = has_answer ? Message::FromValue(env, info[2], "message") : nullptr;
  if (answer != nullptr) answer->Get(env);  // spent or disposed: throw before anything else
  if (tid <= 0 || status <= 100 || status > 699 || (answer == nullptr && status < 200)) {
    return Napi::Number::New(env, OSIP_BADPARAMETER);
  }
  osip_message_t* msg = answer != nullptr ? answer->Release(env) : nullptr;
  return Napi::Number::New(env, Locked([&] { return eXosip_message_send_answer(ctx, tid, status, msg); }));
}

// addAuthenticationInfo(username, userid, passwd, ha1|null, realm|null) -> code.
// OSIP_BADPARAMETER for a value eXosip would truncate.
Napi::Value Context::AddAuthenticationInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  eXosip_t* ctx = Ready(env);
  std::string username = StringArg(info, 0, "username");
  std::string userid = StringArg(info, 1, "userid");
  std::string passwd = StringArg(info, 2, "passwd");
  auto ha1 = OptionalStringArg(info, 3, "ha1");
  auto realm = OptionalStringArg(info, 4, "realm");
  for (const std::string* s : {&username, &userid, &passwd}) {
    if (s->size() > kMaxCredentialLength) return Napi::Number::New(env, OSIP_BADPARAMETER);
  }
  if ((ha1 && ha1->size() > kMaxCredentialLength) || (realm && realm->size() > kMaxCredentialLength)) {
    return Napi::Number::New(env, OSIP_BADPARAMETER);
  }
  int code = Locked([&] {
    return eXosip_add_authentication_info(ctx, username.c_str(), userid.c_str(), passwd.c_str(),
                                          ha1 ? ha1->c_str() : nullptr, realm ? realm->c_str() : nullptr);
  });
  return Napi::Number::New(env, code);
}

Napi::Value Context::RemoveAuthenticationInfo(const Napi::CallbackInfo& info) {
  eXosip_t* ctx = Ready(info.Env());
  std::string username = StringArg(info, 0, "username");
  std::string realm = StringArg(info, 1, "realm");
  return Napi::Number::New(info.Env(), Locked([&] {
    return eXosip_remove_authentication_info(ctx, username.c_str(), realm.c_str());
  }));
}

Napi::Value Context::ClearAuthenticationInfo(const Napi::CallbackInfo& info) {
  eXosip_t* ctx = Ready(info.Env());
  return Napi::Number::New(info.Env(), Locked([&] { return eXosip_clear_authentication_info(ctx); }));
}

// setTrace(on) -> code: every SIP message sent or received reaches onEvent as
// { kind: 'trace', received, text }, in order with the events.
Napi::Value Context::SetTrace(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  eXosip_t* ctx = Ready(env);
  if (info.Length() < 1 || !info[0].IsBoolean()) {
    throw TypeCodeError(env, "ERR_INVALID_ARG_TYPE", "The \"on\" argument must be a boolean");
  }
  bool on = info[0].As<Napi::Boolean>().Value();
  if (!on) {
    StopTrace();
    return Napi::Number::New(env, 0);
  }
  if (trace_slot_ >= 0) return Napi::Number::New(env, 0);
  int slot = AcquireTraceSlot(this);
  if (slot < 0) return Napi::Number::New(env, OSIP_TOOMUCHCALL);
  trace_slot_ = slot;
  Locked([&] { return eXosip_set_cbsip_message(ctx, TraceSlotCallback(slot)); });
  return Napi::Number::New(env, 0);
}

void Context::StopTrace() {
  if (trace_slot_ < 0) return;
  if (ctx_ != nullptr && initialized_) {
    Locked([&] { return eXosip_set_cbsip_message(ctx_, GuardCallback()); });
  }
  // Waits for a callback in progress on eXosip's thread.
  ReleaseTraceSlot(trace_slot_);
  trace_slot_ = -1;
}

// setLogLevel(level): osip_trace lines of level <= level (0..7) reach onEvent
// as { kind: 'log', level, file, line, text }; -1 stops them.
void Context::SetLogLevelJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Live(env);
  int level = IntArg(info, 0, "level");
  if (level < -1 || level > 7) throw RangeCodeError(env, "ERR_OUT_OF_RANGE", "The \"level\" argument must be from -1 to 7");
  if (level >= 0 && !(tsfn_live_ && !tsfn_released_)) {
    throw CodeError(env, "ERR_CONTEXT_NOT_INITIALIZED", "eXosip_init has not succeeded on this context yet");
  }
  SetLogLevel(this, level);
  logging_ = level >= 0;
}

void Context::OnLog(int level, const char* file, int line, const std::string& text) {
  auto* data = new LogData(level, file != nullptr ? file : "", line, text);
  if (tsfn_.NonBlockingCall(data) != napi_ok) delete data;
}

void Context::OnSipMessage(osip_message_t* msg, bool received) {
  if (!tsfn_live_ || tsfn_released_) return;
  char* text = nullptr;
  size_t length = 0;
  if (msg == nullptr || osip_message_to_str(msg, &text, &length) != 0 || text == nullptr) return;
  auto* data = new TraceData(received, std::string(text, length));
  osip_free(text);
  if (tsfn_.NonBlockingCall(data) != napi_ok) delete data;
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

}  // namespace exosip
