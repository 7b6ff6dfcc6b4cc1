#include "constants.h"

#include <eXosip2/eXosip.h>
#include <netinet/in.h>
#include <osipparser2/osip_port.h>
#include <sys/socket.h>

namespace exosip {
namespace {

struct Named {
  int value;
  const char* name;
};

constexpr Named kEventTypes[] = {
#define EXOSIP_EVENT_TYPE(name) {name, #name},
#include "event_types.def"
#undef EXOSIP_EVENT_TYPE
};

constexpr Named kOptions[] = {
#define EXOSIP_OPTION(name) {name, #name},
#include "exosip_options.def"
#undef EXOSIP_OPTION
};

constexpr Named kOsipCodes[] = {
#define OSIP_CODE(name) {name, #name},
#include "osip_codes.def"
#undef OSIP_CODE
};

template <size_t N>
const char* NameOf(const Named (&table)[N], int value, const char* unknown) {
  for (const auto& entry : table) {
    if (entry.value == value) return entry.name;
  }
  return unknown;
}

template <size_t N>
Napi::Object ToObject(Napi::Env env, const Named (&table)[N]) {
  Napi::Object out = Napi::Object::New(env);
  for (const auto& entry : table) out.Set(entry.name, entry.value);
  return out;
}

}  // namespace

const char* OsipCodeName(int code) { return NameOf(kOsipCodes, code, "OSIP_UNKNOWN_ERROR"); }

void InitConstants(Napi::Env env, Napi::Object exports) {
  exports.Set("osipCodes", ToObject(env, kOsipCodes));
  exports.Set("eventTypes", ToObject(env, kEventTypes));
  Napi::Object constants = Napi::Object::New(env);
  constants.Set("IPPROTO_UDP", static_cast<int>(IPPROTO_UDP));
  constants.Set("IPPROTO_TCP", static_cast<int>(IPPROTO_TCP));
  constants.Set("AF_INET", AF_INET);
  constants.Set("AF_INET6", AF_INET6);
  constants.Set("options", ToObject(env, kOptions));
  exports.Set("constants", constants);
  exports.Set("exosipVersion", Napi::String::New(env, eXosip_get_version()));
}

}  // namespace exosip
