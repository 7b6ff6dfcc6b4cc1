#include "module.h"

#include <osipparser2/osip_parser.h>

#include <vector>

#include "constants/constants.h"
#include "context/context.h"
#include "context/log.h"
#include "errors.h"
#include "message.h"
#include "sdp.h"

namespace exosip {
Module::Module(Napi::Env env, Napi::Object exports) {
  // osip_message_parse needs the parser tables even before any eXosip_init.
  parser_init();
  // libosip2 prints its ERROR trace to stdout when nobody set a trace sink;
  // a library must stay silent unless asked: our sink, every level off until a
  // context sets a logger.
  InstallLogSink();
  exports.Set("NativeContext", Context::Init(env, *this));
  exports.Set("NativeMessage", Message::Init(env, *this));
  exports.Set("NativeSdp", Sdp::Init(env, *this));
  InitConstants(env, exports);
  InitErrorClasses(env, exports);
  // Runs after the thread-safe functions' own cleanup (hooks run in reverse
  // order of registration) and before wrapped objects are finalized.
  env.AddCleanupHook([this] {
    std::vector<Context*> open(live_contexts.begin(), live_contexts.end());
    for (Context* ctx : open) ctx->Shutdown();
  });
}

Module::~Module() {
  for (Context* ctx : live_contexts) ctx->Shutdown();
}

}  // namespace exosip

using ExosipAddon = exosip::Module;
NODE_API_ADDON(ExosipAddon)
