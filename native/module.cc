#include "module.h"

#include <eXosip2/eXosip.h>
#include <osipparser2/osip_parser.h>

#include <vector>

#include "context.h"
#include "event.h"
#include "message.h"
#include "util/constants.h"
#include "util/error.h"

namespace exosip {
namespace {

void DropTrace(const char*, int, osip_trace_level_t, const char*, va_list) {}

}  // namespace

Module::Module(Napi::Env env, Napi::Object exports) {
  // osip_message_parse needs the parser tables even before any eXosip_init.
  parser_init();
  // libosip2 prints its ERROR trace to stdout when nobody set a trace sink;
  // a library must stay silent unless asked. A sink that drops everything, with
  // every level off. (Routing the trace to a JS logger is separate work.)
  osip_trace_initialize_func(TRACE_LEVEL0, &DropTrace);
  for (int level = 0; level < END_TRACE_LEVEL; level++) {
    osip_trace_disable_level(static_cast<osip_trace_level_t>(level));
  }
  exports.Set("NativeContext", Context::Init(env, *this));
  exports.Set("NativeMessage", Message::Init(env, *this));
  exports.Set("osipCodes", OsipCodes(env));
  exports.Set("eventTypes", EventTypes(env));
  exports.Set("constants", Constants(env));
  exports.Set("exosipVersion", Napi::String::New(env, eXosip_get_version()));
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
