// Per-environment state of the addon. Everything that would otherwise be a
// static lives here, so the addon loads in several worker_threads at once.
#pragma once

#include <napi.h>

#include <unordered_set>

namespace exosip {

class Context;

class Module : public Napi::Addon<Module> {
 public:
  Module(Napi::Env env, Napi::Object exports);
  // Runs at environment teardown (process exit, worker.terminate()): contexts
  // the program never closed are shut down here, so no eXosip or worker thread
  // outlives the environment whose thread-safe functions it would call.
  ~Module();

  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  Napi::FunctionReference context_ctor;
  Napi::FunctionReference message_ctor;
  Napi::FunctionReference sdp_ctor;
  // lib/errors.ts's SipError, handed over by setErrorClasses (errors.h);
  // empty until then.
  Napi::FunctionReference sip_error_class;
  std::unordered_set<Context*> live_contexts;
};

}  // namespace exosip
