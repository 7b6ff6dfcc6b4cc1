#include "log_sinks.h"

#include <osipparser2/osip_port.h>

#include <cstdarg>
#include <cstdio>
#include <mutex>
#include <string>
#include <unordered_map>

#include "../context.h"

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

}  // namespace

void InstallLogSink() {
  static std::once_flag once;
  std::call_once(once, [] {
    std::lock_guard<std::mutex> lock(SinksMutex());
    osip_trace_initialize_func(TRACE_LEVEL0, &ToSinks);
    ApplyLevels();
  });
}

void SetLogLevel(Context* ctx, int level) {
  std::lock_guard<std::mutex> lock(SinksMutex());
  if (level < 0) Sinks().erase(ctx);
  else Sinks()[ctx] = level >= END_TRACE_LEVEL ? END_TRACE_LEVEL - 1 : level;
  ApplyLevels();
}

}  // namespace exosip
