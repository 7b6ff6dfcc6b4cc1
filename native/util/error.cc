#include "error.h"

namespace exosip {
namespace {

template <typename E>
Napi::Error WithCode(Napi::Env env, const char* code, const std::string& message) {
  Napi::Error error = E::New(env, message);
  error.Set("code", Napi::String::New(env, code));
  return error;
}

}  // namespace

Napi::Error CodeError(Napi::Env env, const char* code, const std::string& message, int errnum) {
  Napi::Error error = WithCode<Napi::Error>(env, code, message);
  if (errnum != 0) error.Set("errno", Napi::Number::New(env, errnum));
  return error;
}

Napi::Error TypeCodeError(Napi::Env env, const char* code, const std::string& message) {
  return WithCode<Napi::TypeError>(env, code, message);
}

Napi::Error RangeCodeError(Napi::Env env, const char* code, const std::string& message) {
  return WithCode<Napi::RangeError>(env, code, message);
}

}  // namespace exosip
