#include "args.h"

#include <cmath>
#include <limits>

#include "error.h"

namespace exosip {

std::string StringArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (i >= info.Length() || !info[i].IsString()) {
    throw TypeCodeError(info.Env(), "ERR_INVALID_ARG_TYPE", std::string("The \"") + name + "\" argument must be a string");
  }
  std::string value = info[i].As<Napi::String>().Utf8Value();
  if (value.find_first_of(std::string("\0\r\n", 3)) != std::string::npos) {
    throw TypeCodeError(info.Env(), "ERR_INVALID_ARG_VALUE",
                    std::string("The \"") + name + "\" argument must not contain NUL, CR or LF characters");
  }
  return value;
}

std::optional<std::string> OptionalStringArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (i >= info.Length() || info[i].IsNull() || info[i].IsUndefined()) return std::nullopt;
  return StringArg(info, i, name);
}

int IntArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (i >= info.Length() || !info[i].IsNumber()) {
    throw TypeCodeError(info.Env(), "ERR_INVALID_ARG_TYPE", std::string("The \"") + name + "\" argument must be a number");
  }
  double value = info[i].As<Napi::Number>().DoubleValue();
  if (!std::isfinite(value) || std::trunc(value) != value || value < std::numeric_limits<int>::min() ||
      value > std::numeric_limits<int>::max()) {
    throw RangeCodeError(info.Env(), "ERR_OUT_OF_RANGE", std::string("The \"") + name + "\" argument must be a 32-bit integer");
  }
  return static_cast<int>(value);
}

}  // namespace exosip
