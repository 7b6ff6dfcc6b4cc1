// libosip2/eXosip's own log, to JS.
//
// They log through one process-wide function (osip_trace), with no user data
// and no context: the lines go to every context that asked for them, at the
// levels it asked for. Like the trace slots, this registry is process-wide
// because the C API is; it holds no JS and is mutex-guarded.
#pragma once

#include <eXosip2/eXosip.h>
#include <napi.h>

#include <functional>
#include <string>
#include <utility>

#include "event.h"

namespace exosip {

class Context;

/// One line of libosip2/eXosip's own log (osip_trace).
struct LogData : ObjectDelivery {
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

/// An ERROR line eXosip's TLS transport (eXtl_tls.c) logged on the eXosip
/// thread of the context that receives it: a certificate it did not verify
/// ("invalid depth[...]"), a pinned key that does not match, ...
struct TlsErrorData : ObjectDelivery {
  explicit TlsErrorData(std::string text) : text(std::move(text)) {}
  Napi::Object ToJs(Napi::Env env) override;
  std::string text;
};

/// Runs `create` (eXosip_listen_addr: it starts eXosip's own thread) with the
/// calling thread named "exosip-<n>" after `owner` for the time of the call:
/// on Linux a new thread inherits its creator's name, so eXosip's thread
/// carries it. osip_trace gives no context; that name is how a TLS error line
/// is told apart by context (SetTlsWatch). Elsewhere lines stay unattributed.
int NamingThreads(Context* owner, const std::function<int()>& create);

/// While `on`, `owner` receives the ERROR lines of eXtl_tls.c logged on its
/// eXosip thread as TlsErrorData (osip's ERROR level is enabled for it).
/// Off waits for a line being handed to it on another thread.
void SetTlsWatch(Context* owner, bool on);

/// Stops every sink and watch of `owner` (it is closing).
void ForgetLogOwner(Context* owner);

}  // namespace exosip
