// The C constants a porter uses with eXosip, with the values of the headers
// this addon was built against (never retyped by hand in TypeScript).
#pragma once

#include <napi.h>

namespace exosip {

/// `{ IPPROTO_UDP, IPPROTO_TCP, AF_INET, AF_INET6, options: { EXOSIP_OPT_*: n } }`.
Napi::Object Constants(Napi::Env env);

}  // namespace exosip
