// Native errors as the JS classes of lib/errors.ts: one error vocabulary for
// the package. lib/errors.ts hands its classes to the addon once it has
// defined them (binding.setErrorClasses({ SipError }), as better-sqlite3 hands
// SqliteError to its addon); they are kept per environment in the Module.
// Misuse errors (ERR_* codes) come from util/error.h.
#pragma once

#include <napi.h>

#include <string>

namespace exosip {

/// Defines `setErrorClasses(classes)` on the addon's exports.
void InitErrorClasses(Napi::Env env, Napi::Object exports);

/// The error for a negative OSIP/eXosip return code: a SipError with `code`
/// its C name ("OSIP_NOMEM"), `errno` the number and `message` as given.
/// Before lib/errors.ts has loaded, an Error of the same shape.
Napi::Error OsipError(Napi::Env env, int code, const std::string& message);

}  // namespace exosip
