#include "errors.h"

#include "constants/constants.h"
#include "module.h"
#include "util/error.h"

namespace exosip {
namespace {

// setErrorClasses({ SipError }): called once by lib/errors.ts as it loads.
// Each worker_thread loads its own lib/errors.ts, hence one per environment.
void SetErrorClasses(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Value sip_error = info.Length() > 0 && info[0].IsObject() ? info[0].As<Napi::Object>().Get("SipError") : env.Undefined();
  if (!sip_error.IsFunction()) {
    throw TypeCodeError(env, "ERR_INVALID_ARG_TYPE", "The \"classes.SipError\" argument must be a class");
  }
  env.GetInstanceData<Module>()->sip_error_class = Napi::Persistent(sip_error.As<Napi::Function>());
}

}  // namespace

void InitErrorClasses(Napi::Env env, Napi::Object exports) {
  // Not enumerable, like the classes' methods: the exported tables stay what they were.
  exports.DefineProperty(Napi::PropertyDescriptor::Function(env, exports, "setErrorClasses", SetErrorClasses));
}

Napi::Error OsipError(Napi::Env env, int code, const std::string& message) {
  const char* name = OsipCodeName(code);
  Napi::FunctionReference& sip_error = env.GetInstanceData<Module>()->sip_error_class;
  if (sip_error.IsEmpty()) return CodeError(env, name, message, code);
  Napi::Object error = sip_error.New({Napi::String::New(env, message), Napi::String::New(env, name), Napi::Number::New(env, code)});
  return Napi::Error(env, error);
}

}  // namespace exosip
