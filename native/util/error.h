// One error factory for the whole addon: every error thrown from native code
// carries a stable string `code`, so callers can branch without parsing text.
#pragma once

#include <napi.h>

#include <string>

namespace exosip {

/// The C name of a negative OSIP/eXosip return code ("OSIP_NOTFOUND"), or
/// "OSIP_UNKNOWN_ERROR" for a value libosip2 does not define.
const char* OsipCodeName(int code);

/// Builds an Error whose `code` property is `code` and, when `errnum` is not
/// zero, whose `errno` property is that number (the OSIP code, for OSIP_* codes).
Napi::Error CodeError(Napi::Env env, const char* code, const std::string& message, int errnum = 0);

/// As CodeError, but a TypeError (wrong argument types).
Napi::Error TypeCodeError(Napi::Env env, const char* code, const std::string& message);

/// As CodeError, but a RangeError (values out of range).
Napi::Error RangeCodeError(Napi::Env env, const char* code, const std::string& message);

/// `{ OSIP_SUCCESS: 0, OSIP_UNDEFINED_ERROR: -1, ... }`: every code libosip2 defines.
Napi::Object OsipCodes(Napi::Env env);

}  // namespace exosip
