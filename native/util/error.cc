#include "error.h"

#include <osipparser2/osip_port.h>

namespace exosip {
namespace {

struct CodeName {
  int value;
  const char* name;
};

// Taken from osip_port.h; kept in the header's order.
constexpr CodeName kCodes[] = {
    {OSIP_SUCCESS, "OSIP_SUCCESS"},
    {OSIP_UNDEFINED_ERROR, "OSIP_UNDEFINED_ERROR"},
    {OSIP_BADPARAMETER, "OSIP_BADPARAMETER"},
    {OSIP_WRONG_STATE, "OSIP_WRONG_STATE"},
    {OSIP_NOMEM, "OSIP_NOMEM"},
    {OSIP_SYNTAXERROR, "OSIP_SYNTAXERROR"},
    {OSIP_NOTFOUND, "OSIP_NOTFOUND"},
    {OSIP_API_NOT_INITIALIZED, "OSIP_API_NOT_INITIALIZED"},
    {OSIP_NO_NETWORK, "OSIP_NO_NETWORK"},
    {OSIP_PORT_BUSY, "OSIP_PORT_BUSY"},
    {OSIP_UNKNOWN_HOST, "OSIP_UNKNOWN_HOST"},
    {OSIP_DISK_FULL, "OSIP_DISK_FULL"},
    {OSIP_NO_RIGHTS, "OSIP_NO_RIGHTS"},
    {OSIP_FILE_NOT_EXIST, "OSIP_FILE_NOT_EXIST"},
    {OSIP_TIMEOUT, "OSIP_TIMEOUT"},
    {OSIP_TOOMUCHCALL, "OSIP_TOOMUCHCALL"},
    {OSIP_WRONG_FORMAT, "OSIP_WRONG_FORMAT"},
    {OSIP_NOCOMMONCODEC, "OSIP_NOCOMMONCODEC"},
    {OSIP_RETRY_LIMIT, "OSIP_RETRY_LIMIT"},
};

}  // namespace

const char* OsipCodeName(int code) {
  for (const auto& c : kCodes) {
    if (c.value == code) return c.name;
  }
  return "OSIP_UNKNOWN_ERROR";
}

Napi::Error CodeError(Napi::Env env, const char* code, const std::string& message, int errnum) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, code));
  if (errnum != 0) error.Set("errno", Napi::Number::New(env, errnum));
  return error;
}

Napi::Error TypeCodeError(Napi::Env env, const char* code, const std::string& message) {
  Napi::Error error = Napi::TypeError::New(env, message);
  error.Set("code", Napi::String::New(env, code));
  return error;
}

Napi::Error RangeCodeError(Napi::Env env, const char* code, const std::string& message) {
  Napi::Error error = Napi::RangeError::New(env, message);
  error.Set("code", Napi::String::New(env, code));
  return error;
}

Napi::Object OsipCodes(Napi::Env env) {
  Napi::Object codes = Napi::Object::New(env);
  for (const auto& c : kCodes) codes.Set(c.name, Napi::Number::New(env, c.value));
  return codes;
}

}  // namespace exosip
