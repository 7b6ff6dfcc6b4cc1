// The error factories of the addon: every error thrown from native code
// carries a stable string `code`, so callers can branch without parsing text.
// Errors for OSIP return codes are SipErrors, made by OsipError (module.h)
// with the class lib/errors.ts hands to the addon.
#pragma once

#include <napi.h>

#include <string>

namespace exosip {

/// Builds an Error whose `code` property is `code` and, when `errnum` is not
/// zero, whose `errno` property is that number.
Napi::Error CodeError(Napi::Env env, const char* code, const std::string& message, int errnum = 0);

/// As CodeError, but a TypeError (wrong argument types).
Napi::Error TypeCodeError(Napi::Env env, const char* code, const std::string& message);

/// As CodeError, but a RangeError (values out of range).
Napi::Error RangeCodeError(Napi::Env env, const char* code, const std::string& message);

}  // namespace exosip
