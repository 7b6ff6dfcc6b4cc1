// Cheap type guards only: precise validation (ranges, URI shape, header
// injection) is done in TypeScript before any native call. These guards keep a
// caller that bypasses lib/ from crashing the process.
#pragma once

#include <napi.h>

#include <optional>
#include <string>

namespace exosip {

/// info[i] as a string; throws TypeError (code ERR_INVALID_ARG_TYPE) otherwise.
/// Strings holding NUL, CR or LF are refused (ERR_INVALID_ARG_VALUE): they
/// would truncate or inject into a SIP message.
std::string StringArg(const Napi::CallbackInfo& info, size_t i, const char* name);

/// As StringArg, but null or undefined give std::nullopt.
std::optional<std::string> OptionalStringArg(const Napi::CallbackInfo& info, size_t i, const char* name);

/// info[i] as an int32; throws TypeError unless it is an integer in range.
int IntArg(const Napi::CallbackInfo& info, size_t i, const char* name);

}  // namespace exosip
