#include "message.h"

#include <osipparser2/osip_parser.h>

#include <cstring>
#include <string>

#include "errors.h"
#include "module.h"
#include "util/args.h"
#include "util/error.h"
#include "util/headers.h"

namespace exosip {
namespace {

// What V8 is told one message costs natively (a parsed REGISTER or 200 is
// 1-3 KiB in libosip2), so that many dropped messages trigger a GC.
constexpr int64_t kExternalBytes = 2048;

}  // namespace

Napi::Function Message::Init(Napi::Env env, Module& module) {
  Napi::Function ctor = DefineClass(
      env, "NativeMessage",
      {
          InstanceMethod<&Message::ToString>("toString"),
          InstanceMethod<&Message::GetHeaders>("getHeaders"),
          InstanceMethod<&Message::AddHeader>("addHeader"),
          InstanceMethod<&Message::RemoveHeaders>("removeHeaders"),
          InstanceMethod<&Message::SetGenericHeader>("setGenericHeader"),
          InstanceMethod<&Message::ReplaceGenericHeader>("replaceGenericHeader"),
          InstanceMethod<&Message::GetExpires>("getExpires"),
          InstanceMethod<&Message::SetExpires>("setExpires"),
          InstanceMethod<&Message::Clone>("clone"),
          InstanceMethod<&Message::Dispose>("dispose"),
          InstanceAccessor<&Message::GetStatusCode>("statusCode"),
          InstanceAccessor<&Message::GetReasonPhrase>("reasonPhrase"),
          InstanceAccessor<&Message::GetMethod>("method"),
          InstanceAccessor<&Message::GetRequestUri>("requestUri"),
          InstanceAccessor<&Message::GetState>("state"),
          InstanceMethod<&Message::GetBody>("getBody"),
          InstanceMethod<&Message::SetReasonPhrase>("setReasonPhrase"),
          InstanceMethod<&Message::SetBody>("setBody"),
          InstanceMethod<&Message::AddBody>("addBody"),
          InstanceMethod<&Message::GetBodies>("getBodies"),
          InstanceMethod<&Message::GetContentType>("getContentType"),
          InstanceMethod<&Message::SetContentType>("setContentType"),
          StaticMethod<&Message::Parse>("parse"),
      });
  module.message_ctor = Napi::Persistent(ctor);
  return ctor;
}

void DropTruncatedRawText(osip_message_t* msg) {
  if (msg == nullptr || msg->message == nullptr) return;
  if (strnlen(msg->message, msg->message_length) == msg->message_length) return;
  osip_free(msg->message);
  msg->message = nullptr;
  msg->message_length = 0;
  osip_message_force_update(msg);
}

Napi::Object Message::Adopt(Napi::Env env, osip_message_t* msg) {
  DropTruncatedRawText(msg);
  Module* module = env.GetInstanceData<Module>();
  // Handed to the constructor as an External: no empty message is made only
  // to be freed (two osip_message_init/free pairs per event otherwise).
  return module->message_ctor.New({Napi::External<osip_message_t>::New(env, msg)});
}

Message* Message::FromValue(Napi::Env env, Napi::Value value, const char* name) {
  Module* module = env.GetInstanceData<Module>();
  if (!value.IsObject() || !value.As<Napi::Object>().InstanceOf(module->message_ctor.Value())) {
    throw TypeCodeError(env, "ERR_INVALID_ARG_TYPE", std::string("The \"") + name + "\" argument must be a Message");
  }
  return Napi::ObjectWrap<Message>::Unwrap(value.As<Napi::Object>());
}

Message* Message::OptionalArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (i >= info.Length() || info[i].IsNull() || info[i].IsUndefined()) return nullptr;
  Message* message = FromValue(info.Env(), info[i], name);
  message->Get(info.Env());
  return message;
}

Napi::Array Message::Result(Napi::Env env, int code, osip_message_t* msg) {
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, Napi::Number::New(env, code));
  if (code >= 0 && msg != nullptr) {
    out.Set(1u, Adopt(env, msg));
  } else {
    osip_message_free(msg);
    out.Set(1u, env.Null());
  }
  return out;
}

osip_message_t* Message::Take(Napi::Env env, Message* message) {
  return message != nullptr ? message->Release(env) : nullptr;
}

// `new NativeMessage()` makes an empty message (osip_message_init); messages
// built by eXosip or received in events come in through Adopt(), which passes
// the osip_message_t as an External (JS cannot make one).
Message::Message(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Message>(info), env_(info.Env()) {
  if (info.Length() > 0 && info[0].IsExternal()) {
    msg_ = info[0].As<Napi::External<osip_message_t>>().Data();
  } else if (osip_message_init(&msg_) != 0) {
    throw OsipError(info.Env(), OSIP_NOMEM, "osip_message_init failed");
  }
  Napi::MemoryManagement::AdjustExternalMemory(env_, kExternalBytes);
}

Message::~Message() {
  FreeOwned();
}

void Message::FreeOwned() {
  if (state_ != State::kOwned) return;
  osip_message_free(msg_);
  msg_ = nullptr;
  // The environment may be tearing down: then there is no heap to account to.
  napi_adjust_external_memory(env_, -kExternalBytes, nullptr);
}

osip_message_t* Message::Get(Napi::Env env) const {
  if (state_ == State::kSpent) {
    throw CodeError(env, "ERR_MESSAGE_SPENT",
                    "This message was handed to eXosip (sent) and belongs to it now; build a new one");
  }
  if (state_ == State::kDisposed) throw CodeError(env, "ERR_MESSAGE_DISPOSED", "This message was disposed");
  return msg_;
}

osip_message_t* Message::Release(Napi::Env env) {
  osip_message_t* msg = Get(env);
  msg_ = nullptr;
  state_ = State::kSpent;
  Napi::MemoryManagement::AdjustExternalMemory(env, -kExternalBytes);
  return msg;
}

Napi::Value Message::ToString(const Napi::CallbackInfo& info) {
  char* text = nullptr;
  size_t length = 0;
  int code = osip_message_to_str(Get(info.Env()), &text, &length);
  if (code != 0) {
    throw OsipError(info.Env(), code, "osip_message_to_str failed: libosip2 cannot serialize this message");
  }
  Napi::String out = Napi::String::New(info.Env(), text, length);
  osip_free(text);
  return out;
}

Napi::Value Message::GetHeaders(const Napi::CallbackInfo& info) {
  std::string name = StringArg(info, 0, "name");
  auto values = exosip::GetHeaderValues(Get(info.Env()), name);
  Napi::Array out = Napi::Array::New(info.Env(), values.size());
  for (size_t i = 0; i < values.size(); i++) out.Set(i, values[i]);
  return out;
}

Napi::Value Message::AddHeader(const Napi::CallbackInfo& info) {
  std::string name = StringArg(info, 0, "name");
  std::string value = StringArg(info, 1, "value");
  return Napi::Number::New(info.Env(), exosip::AddHeader(Get(info.Env()), name, value));
}

Napi::Value Message::RemoveHeaders(const Napi::CallbackInfo& info) {
  std::string name = StringArg(info, 0, "name");
  return Napi::Number::New(info.Env(), exosip::RemoveHeaders(Get(info.Env()), name));
}

// osip_message_set_header as in C: appends to the generic header list.
Napi::Value Message::SetGenericHeader(const Napi::CallbackInfo& info) {
  std::string name = StringArg(info, 0, "name");
  std::string value = StringArg(info, 1, "value");
  return Napi::Number::New(info.Env(), osip_message_set_header(Get(info.Env()), name.c_str(), value.c_str()));
}

Napi::Value Message::ReplaceGenericHeader(const Napi::CallbackInfo& info) {
  std::string name = StringArg(info, 0, "name");
  std::string value = StringArg(info, 1, "value");
  return Napi::Number::New(info.Env(), osip_message_replace_header(Get(info.Env()), name.c_str(), value.c_str()));
}

// The Expires header value, or null when there is none.
Napi::Value Message::GetExpires(const Napi::CallbackInfo& info) {
  osip_header_t* header = nullptr;
  osip_message_get_expires(Get(info.Env()), 0, &header);
  if (header == nullptr || header->hvalue == nullptr) return info.Env().Null();
  return Napi::String::New(info.Env(), header->hvalue);
}

// Replaces any Expires header with the given value.
Napi::Value Message::SetExpires(const Napi::CallbackInfo& info) {
  osip_message_t* msg = Get(info.Env());
  std::string value = StringArg(info, 0, "value");
  exosip::RemoveHeaders(msg, "expires");
  return Napi::Number::New(info.Env(), osip_message_set_expires(msg, value.c_str()));
}

Napi::Value Message::Clone(const Napi::CallbackInfo& info) {
  osip_message_t* copy = nullptr;
  int code = osip_message_clone(Get(info.Env()), &copy);
  if (code != 0) throw OsipError(info.Env(), code, "osip_message_clone failed");
  return Adopt(info.Env(), copy);
}

void Message::Dispose(const Napi::CallbackInfo& info) {
  if (state_ != State::kOwned) return;  // disposing twice, or after send, is a no-op
  FreeOwned();
  state_ = State::kDisposed;
}

Napi::Value Message::GetStatusCode(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), Get(info.Env())->status_code);
}

Napi::Value Message::GetReasonPhrase(const Napi::CallbackInfo& info) {
  osip_message_t* msg = Get(info.Env());
  if (msg->reason_phrase == nullptr) return info.Env().Null();
  return Napi::String::New(info.Env(), msg->reason_phrase);
}

Napi::Value Message::GetMethod(const Napi::CallbackInfo& info) {
  osip_message_t* msg = Get(info.Env());
  if (msg->sip_method != nullptr) return Napi::String::New(info.Env(), msg->sip_method);
  // A response names its method in CSeq.
  if (msg->cseq != nullptr && msg->cseq->method != nullptr) return Napi::String::New(info.Env(), msg->cseq->method);
  return info.Env().Null();
}

Napi::Value Message::GetRequestUri(const Napi::CallbackInfo& info) {
  osip_message_t* msg = Get(info.Env());
  if (msg->req_uri == nullptr) return info.Env().Null();
  char* text = nullptr;
  if (osip_uri_to_str(msg->req_uri, &text) != 0 || text == nullptr) return info.Env().Null();
  Napi::String out = Napi::String::New(info.Env(), text);
  osip_free(text);
  return out;
}

Napi::Value Message::GetState(const Napi::CallbackInfo& info) {
  switch (state_) {
    case State::kOwned: return Napi::String::New(info.Env(), "owned");
    case State::kSpent: return Napi::String::New(info.Env(), "spent");
    default: return Napi::String::New(info.Env(), "disposed");
  }
}

// setReasonPhrase(text): osip_message_set_reason_phrase on a response.
Napi::Value Message::SetReasonPhrase(const Napi::CallbackInfo& info) {
  osip_message_t* msg = Get(info.Env());
  std::string text = StringArg(info, 0, "reason");
  osip_free(msg->reason_phrase);
  msg->reason_phrase = nullptr;
  osip_message_set_reason_phrase(msg, osip_strdup(text.c_str()));
  osip_message_force_update(msg);
  return info.Env().Undefined();
}

// parse(raw) -> [code, Message | null]: osip_message_parse over a whole SIP message.
Napi::Value Message::Parse(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !(info[0].IsString() || info[0].IsBuffer())) {
    throw TypeCodeError(env, "ERR_INVALID_ARG_TYPE", "The \"raw\" argument must be a string or a Buffer");
  }
  std::string raw = info[0].IsString() ? info[0].As<Napi::String>().Utf8Value()
                                       : std::string(info[0].As<Napi::Buffer<char>>().Data(), info[0].As<Napi::Buffer<char>>().Length());
  osip_message_t* msg = nullptr;
  int code = osip_message_init(&msg);
  if (code == 0) code = osip_message_parse(msg, raw.data(), raw.size());
  return Result(env, code, msg);
}

}  // namespace exosip
