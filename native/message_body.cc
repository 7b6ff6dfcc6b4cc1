// Message's bodies and Content-Type (osip_message_set_body, osip_body_t,
// osip_message_set_content_type): the part of native/message.cc that keeps a
// message's Content-Length true to the bytes its bodies serialize to.
#include <osipparser2/osip_parser.h>

#include <string>

#include "errors.h"
#include "message.h"
#include "util/args.h"
#include "util/error.h"
#include "util/headers.h"

namespace exosip {

// The bytes of a Buffer argument (a string counts as its UTF-8 bytes).
static std::string BytesArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (i < info.Length() && info[i].IsBuffer()) {
    auto buffer = info[i].As<Napi::Buffer<char>>();
    return std::string(buffer.Data(), buffer.Length());
  }
  if (i < info.Length() && info[i].IsString()) return info[i].As<Napi::String>().Utf8Value();
  throw TypeCodeError(info.Env(), "ERR_INVALID_ARG_TYPE", std::string("The \"") + name + "\" argument must be a Buffer or a string");
}

// Content-Length as the bytes the bodies will serialize to: libosip2 writes
// the header it holds, and a body set after parsing would otherwise go out
// with the old length.
static int SyncContentLength(osip_message_t* msg) {
  osip_message_force_update(msg);
  size_t total = 0;
  int bodies = osip_list_size(&msg->bodies);
  if (bodies == 1) {
    total = static_cast<osip_body_t*>(osip_list_get(&msg->bodies, 0))->length;
  } else if (bodies > 1) {
    // Multipart: the length of what osip_message_to_str writes after the headers.
    char* text = nullptr;
    size_t length = 0;
    osip_content_length_free(msg->content_length);
    msg->content_length = nullptr;
    osip_message_force_update(msg);  // not the cached raw text: see GetBody
    if (osip_message_to_str(msg, &text, &length) != 0) return OSIP_SYNTAXERROR;
    std::string all(text, length);
    osip_free(text);
    size_t end = all.find("\r\n\r\n");
    total = end == std::string::npos ? 0 : all.size() - end - 4;
  }
  osip_content_length_free(msg->content_length);
  msg->content_length = nullptr;
  return osip_message_set_content_length(msg, std::to_string(total).c_str());
}

// getBody() -> Buffer | null: the message body as it goes on the wire (every
// part of a multipart body, with their boundaries), or null when there is none.
Napi::Value Message::GetBody(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  osip_message_t* msg = Get(env);
  int bodies = osip_list_size(&msg->bodies);
  if (bodies <= 0) return env.Null();
  if (bodies == 1) {
    auto* body = static_cast<osip_body_t*>(osip_list_get(&msg->bodies, 0));
    if (body->headers == nullptr || osip_list_size(body->headers) == 0) {
      return Napi::Buffer<char>::Copy(env, body->body != nullptr ? body->body : "", body->body != nullptr ? body->length : 0);
    }
  }
  char* text = nullptr;
  size_t length = 0;
  // From the parsed fields, not the raw text the message came as (that holds
  // the bodies' Content-Length as received, not as they serialize).
  osip_message_force_update(msg);
  int code = osip_message_to_str(msg, &text, &length);
  if (code != 0) throw OsipError(env, code, "osip_message_to_str failed: libosip2 cannot serialize this message");
  std::string all(text, length);
  osip_free(text);
  size_t end = all.find("\r\n\r\n");
  if (end == std::string::npos) return env.Null();
  return Napi::Buffer<char>::Copy(env, all.data() + end + 4, all.size() - end - 4);
}

// setBody(Buffer | string | null) -> code: replaces every body with these
// exact bytes (none for null or empty) and sets Content-Length to match.
Napi::Value Message::SetBody(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  osip_message_t* msg = Get(env);
  bool none = info.Length() < 1 || info[0].IsNull() || info[0].IsUndefined();
  std::string bytes = none ? std::string() : BytesArg(info, 0, "body");
  osip_list_special_free(&msg->bodies, reinterpret_cast<void (*)(void*)>(&osip_body_free));
  osip_list_init(&msg->bodies);
  int code = 0;
  if (!bytes.empty()) code = osip_message_set_body(msg, bytes.data(), bytes.size());
  if (code == 0) code = SyncContentLength(msg);
  return Napi::Number::New(env, code);
}

// addBody(Buffer | string) -> code: osip_message_set_body as C calls it
// (appends one body), then Content-Length is made to match.
Napi::Value Message::AddBody(const Napi::CallbackInfo& info) {
  osip_message_t* msg = Get(info.Env());
  std::string bytes = BytesArg(info, 0, "body");
  int code = osip_message_set_body(msg, bytes.data(), bytes.size());
  if (code == 0) code = SyncContentLength(msg);
  return Napi::Number::New(info.Env(), code);
}

// getBodies() -> [{ contentType: string|null, data: Buffer }]: every body as
// libosip2 holds it (one per part of a multipart body), in order.
Napi::Value Message::GetBodies(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  osip_message_t* msg = Get(env);
  int n = osip_list_size(&msg->bodies);
  Napi::Array out = Napi::Array::New(env, n > 0 ? n : 0);
  for (int i = 0; i < n; i++) {
    auto* body = static_cast<osip_body_t*>(osip_list_get(&msg->bodies, i));
    Napi::Object part = Napi::Object::New(env);
    char* type = nullptr;
    if (body->content_type != nullptr && osip_content_type_to_str(body->content_type, &type) == 0 && type != nullptr) {
      part.Set("contentType", Napi::String::New(env, type));
      osip_free(type);
    } else {
      part.Set("contentType", env.Null());
    }
    part.Set("data", Napi::Buffer<char>::Copy(env, body->body != nullptr ? body->body : "", body->body != nullptr ? body->length : 0));
    out.Set(i, part);
  }
  return out;
}

// getContentType() -> string | null (osip_content_type_to_str of the header).
Napi::Value Message::GetContentType(const Napi::CallbackInfo& info) {
  osip_message_t* msg = Get(info.Env());
  char* text = nullptr;
  if (msg->content_type == nullptr || osip_content_type_to_str(msg->content_type, &text) != 0 || text == nullptr) {
    return info.Env().Null();
  }
  Napi::String out = Napi::String::New(info.Env(), text);
  osip_free(text);
  return out;
}

// setContentType(value | null) -> code: replaces the Content-Type header
// (osip_message_set_content_type parses it); null removes it.
Napi::Value Message::SetContentType(const Napi::CallbackInfo& info) {
  osip_message_t* msg = Get(info.Env());
  auto value = OptionalStringArg(info, 0, "value");
  osip_content_type_free(msg->content_type);
  msg->content_type = nullptr;
  int code = value ? osip_message_set_content_type(msg, value->c_str()) : 0;
  osip_message_force_update(msg);
  return Napi::Number::New(info.Env(), code);
}

}  // namespace exosip
