// The C constant tables of eXosip and libosip2, each built from one X-macro
// list in this folder (event_types.def, exosip_options.def, osip_codes.def)
// with the values of the headers the addon is built against. The same lists
// give lib/generated/constants.ts (scripts/gen-constants.js), so no table is
// typed out twice.
#pragma once

#include <napi.h>

namespace exosip {

/// The C name of an OSIP/eXosip return code ("OSIP_NOTFOUND"), or
/// "OSIP_UNKNOWN_ERROR" for a value libosip2 does not define.
const char* OsipCodeName(int code);

/// Sets the addon's tables on `exports`: `eventTypes` (`{ EXOSIP_REGISTRATION_SUCCESS: 0, ... }`),
/// `osipCodes` (`{ OSIP_SUCCESS: 0, OSIP_UNDEFINED_ERROR: -1, ... }`), `constants`
/// (`{ IPPROTO_UDP, IPPROTO_TCP, AF_INET, AF_INET6, options: { EXOSIP_OPT_*: n } }`)
/// and `exosipVersion` (eXosip_get_version()).
void InitConstants(Napi::Env env, Napi::Object exports);

}  // namespace exosip
