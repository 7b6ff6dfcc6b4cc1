#include "log.h"

#include <osipparser2/osip_port.h>

#include <cstdarg>
#include <cstdio>
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

// Enables exactly the levels some sink wants. Called with the mutex held.
void ApplyLevels() {
  int max = -1;
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
