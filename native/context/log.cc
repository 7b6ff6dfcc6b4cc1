#include "log.h"

#include <osipparser2/osip_port.h>
#include <pthread.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>

#include "../util/args.h"
#include "../util/error.h"
#include "context.h"

namespace exosip {
namespace {

std::mutex& SinksMutex() {
  static std::mutex mutex;
  return mutex;
}

std::unordered_map<Context*, int>& Sinks() {
  static std::unordered_map<Context*, int> sinks;
  return sinks;
}

// Thread names given by InitNamingThread: "exosip-<n>", n per context.
constexpr const char* kThreadPrefix = "exosip-";

std::unordered_map<Context*, unsigned>& ThreadTags() {
  static std::unordered_map<Context*, unsigned> tags;
  return tags;
}

// Contexts watching for TLS errors, by the tag of their eXosip thread.
std::unordered_map<unsigned, Context*>& TlsWatchers() {
  static std::unordered_map<unsigned, Context*> watchers;
  return watchers;
}

// The tag of `owner`'s threads, made on first use. Called with the mutex held.
unsigned TagOf(Context* owner) {
  static unsigned next = 0;
  auto found = ThreadTags().find(owner);
  if (found != ThreadTags().end()) return found->second;
  next = next % 99999999u + 1;  // "exosip-" + at most 8 digits: the 15 chars a name holds
  ThreadTags()[owner] = next;
  return next;
}

// The context whose eXosip thread is the calling thread, if it watches.
// Called with the mutex held.
Context* WatcherOfThisThread() {
  char name[16] = {0};
  if (pthread_getname_np(pthread_self(), name, sizeof(name)) != 0) return nullptr;
  size_t prefix = std::strlen(kThreadPrefix);
  if (std::strncmp(name, kThreadPrefix, prefix) != 0) return nullptr;
  auto found = TlsWatchers().find(static_cast<unsigned>(std::strtoul(name + prefix, nullptr, 10)));
  return found == TlsWatchers().end() ? nullptr : found->second;
}

bool FromTlsTransport(const char* file) {
  if (file == nullptr) return false;
  size_t n = std::strlen(file);
  return n >= 10 && std::strcmp(file + n - 10, "eXtl_tls.c") == 0;
}

// Enables exactly the levels some sink wants. Called with the mutex held.
void ApplyLevels() {
  int max = TlsWatchers().empty() ? -1 : static_cast<int>(TRACE_LEVEL2);
  for (const auto& entry : Sinks()) max = entry.second > max ? entry.second : max;
  for (int level = 0; level < END_TRACE_LEVEL; level++) {
    if (level <= max) osip_trace_enable_level(static_cast<osip_trace_level_t>(level));
    else osip_trace_disable_level(static_cast<osip_trace_level_t>(level));
  }
}

void ToSinks(const char* file, int line, osip_trace_level_t level, const char* format, va_list ap) {
  char buffer[1024];
  va_list copy;
  va_copy(copy, ap);
  int needed = std::vsnprintf(buffer, sizeof(buffer), format, copy);
  va_end(copy);
  if (needed < 0) return;
  std::string text;
  if (static_cast<size_t>(needed) < sizeof(buffer)) {
    text.assign(buffer, static_cast<size_t>(needed));
  } else {
    text.resize(static_cast<size_t>(needed) + 1);
    std::vsnprintf(&text[0], text.size(), format, ap);
    text.resize(static_cast<size_t>(needed));
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  std::lock_guard<std::mutex> lock(SinksMutex());
  for (const auto& entry : Sinks()) {
    if (static_cast<int>(level) <= entry.second) entry.first->OnLog(static_cast<int>(level), file, line, text);
  }
  if (level == TRACE_LEVEL2 && !TlsWatchers().empty() && FromTlsTransport(file)) {
    Context* owner = WatcherOfThisThread();
    if (owner != nullptr) owner->Deliver(new TlsErrorData(text));
  }
}

// setLogLevel(level): osip_trace lines of level <= level (0..7) reach onEvent
// as { kind: 'log', level, file, line, text }; -1 stops them.
Napi::Value SetLogLevel(Context& self, const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  self.Live(env);
  int level = IntArg(info, 0, "level");
  if (level < -1 || level > 7) throw RangeCodeError(env, "ERR_OUT_OF_RANGE", "The \"level\" argument must be from -1 to 7");
  if (level >= 0 && !self.delivering()) {
    throw CodeError(env, "ERR_CONTEXT_NOT_INITIALIZED", "eXosip_init has not succeeded on this context yet");
  }
  self.SetLogLevel(level);
  return env.Undefined();
}

}  // namespace

void InstallLogSink() {
  static std::once_flag once;
  std::call_once(once, [] {
    std::lock_guard<std::mutex> lock(SinksMutex());
    osip_trace_initialize_func(TRACE_LEVEL0, &ToSinks);
    ApplyLevels();
  });
}

void SetLogSink(Context* ctx, int level) {
  std::lock_guard<std::mutex> lock(SinksMutex());
  if (level < 0) Sinks().erase(ctx);
  else Sinks()[ctx] = level >= END_TRACE_LEVEL ? END_TRACE_LEVEL - 1 : level;
  ApplyLevels();
}

int NamingThreads(Context* owner, const std::function<int()>& create) {
  unsigned tag;
  {
    std::lock_guard<std::mutex> lock(SinksMutex());
    tag = TagOf(owner);
  }
  char saved[16] = {0};
  bool named = pthread_getname_np(pthread_self(), saved, sizeof(saved)) == 0;
  char name[16];
  std::snprintf(name, sizeof(name), "%s%u", kThreadPrefix, tag);
  named = named && pthread_setname_np(pthread_self(), name) == 0;
  int code = create();
  if (named) pthread_setname_np(pthread_self(), saved);
  return code;
}

void SetTlsWatch(Context* owner, bool on) {
  std::lock_guard<std::mutex> lock(SinksMutex());
  if (on) {
    TlsWatchers()[TagOf(owner)] = owner;
  } else {
    auto tag = ThreadTags().find(owner);
    if (tag != ThreadTags().end()) TlsWatchers().erase(tag->second);
  }
  ApplyLevels();
}

void ForgetLogOwner(Context* owner) {
  SetLogSink(owner, -1);
  SetTlsWatch(owner, false);
  std::lock_guard<std::mutex> lock(SinksMutex());
  ThreadTags().erase(owner);
}

Napi::Object TlsErrorData::ToJs(Napi::Env env) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("kind", "tls");
  out.Set("text", text);
  return out;
}

Napi::Object LogData::ToJs(Napi::Env env) {
  Napi::Object log = Napi::Object::New(env);
  log.Set("kind", "log");
  log.Set("level", level);
  log.Set("file", file);
  log.Set("line", line);
  log.Set("text", text);
  return log;
}

void Context::SetLogLevel(int level) {
  SetLogSink(this, level);
  logging_ = level >= 0;
}

void Context::OnLog(int level, const char* file, int line, const std::string& text) {
  Deliver(new LogData(level, file != nullptr ? file : "", line, text));
}

void AddLogMethods(Context::Methods& methods) {
  methods.push_back(Context::Method<&SetLogLevel>("setLogLevel"));
}

}  // namespace exosip
