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
  // eX_subscribe.h's enums: eXosip_ss (Subscription-State), eXosip_ss_reason, eXosip_ss_status.
  Napi::Object subscription = Napi::Object::New(env);
#define EXOSIP2_SET(name) subscription.Set(#name, static_cast<int>(name))
  EXOSIP2_SET(EXOSIP_SUBCRSTATE_UNKNOWN);
  EXOSIP2_SET(EXOSIP_SUBCRSTATE_PENDING);
  EXOSIP2_SET(EXOSIP_SUBCRSTATE_ACTIVE);
  EXOSIP2_SET(EXOSIP_SUBCRSTATE_TERMINATED);
  EXOSIP2_SET(DEACTIVATED);
  EXOSIP2_SET(PROBATION);
  EXOSIP2_SET(REJECTED);
  EXOSIP2_SET(TIMEOUT);
  EXOSIP2_SET(GIVEUP);
  EXOSIP2_SET(NORESOURCE);
  EXOSIP2_SET(EXOSIP_NOTIFY_UNKNOWN);
  EXOSIP2_SET(EXOSIP_NOTIFY_PENDING);
  EXOSIP2_SET(EXOSIP_NOTIFY_ONLINE);
  EXOSIP2_SET(EXOSIP_NOTIFY_BUSY);
  EXOSIP2_SET(EXOSIP_NOTIFY_BERIGHTBACK);
  EXOSIP2_SET(EXOSIP_NOTIFY_AWAY);
  EXOSIP2_SET(EXOSIP_NOTIFY_ONTHEPHONE);
  EXOSIP2_SET(EXOSIP_NOTIFY_OUTTOLUNCH);
  EXOSIP2_SET(EXOSIP_NOTIFY_CLOSED);
#undef EXOSIP2_SET
  constants.Set("subscription", subscription);
  exports.Set("constants", constants);
  exports.Set("exosipVersion", Napi::String::New(env, eXosip_get_version()));
}

}  // namespace exosip
