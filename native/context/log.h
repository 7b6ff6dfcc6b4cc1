// libosip2/eXosip's own log, to JS.
//
// They log through one process-wide function (osip_trace), with no user data
// and no context: the lines go to every context that asked for them, at the
// levels it asked for. Like the trace slots, this registry is process-wide
// because the C API is; it holds no JS and is mutex-guarded.
#pragma once

#include <napi.h>

#include <string>
#include <utility>

#include "event.h"

namespace exosip {

class Context;

/// One line of libosip2/eXosip's own log (osip_trace).
struct LogData : Delivery {
  LogData(int level, std::string file, int line, std::string text)
      : level(level), file(std::move(file)), line(line), text(std::move(text)) {}
  Napi::Object ToJs(Napi::Env env) override;
  int level;
  std::string file;
  int line;
  std::string text;
};

/// Installs the addon's osip trace sink (once per process) with every level
/// off: libosip2 stays silent until a context asks for its log.
void InstallLogSink();

/// `ctx` receives log lines of level <= `level` (0 FATAL .. 7 INFO4); -1 removes it.
/// Removing waits for a line being handed to it on another thread.
void SetLogSink(Context* ctx, int level);

}  // namespace exosip
