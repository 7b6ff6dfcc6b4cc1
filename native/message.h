// A JS handle over one osip_message_t. The handle owns the message until it is
// handed to eXosip (which always takes ownership, even when sending fails),
// disposed, or collected; after that every use throws ERR_MESSAGE_SPENT.
#pragma once

#include <napi.h>
#include <osipparser2/osip_message.h>

namespace exosip {

class Module;

/// libosip2 keeps the raw text a message was parsed from (`message`,
/// `message_length`) and osip_message_to_str returns it while the message is
/// unchanged; osip_message_clone copies that text with osip_strdup but keeps
/// the length, so with a NUL byte in the message the copy is shorter than its
/// length and serializing the clone reads past it (every eXosip event message
/// is such a clone). Drops a raw text shorter than its length: libosip2 then
/// serializes from the parsed fields. Every message JS gets passes here.
void DropTruncatedRawText(osip_message_t* msg);

class Message : public Napi::ObjectWrap<Message> {
 public:
  static Napi::Function Init(Napi::Env env, Module& module);
  /// Wraps `msg` in a new JS Message that owns it.
  static Napi::Object Adopt(Napi::Env env, osip_message_t* msg);
  /// The Message behind `value`, or a TypeError if it is not one.
  static Message* FromValue(Napi::Env env, Napi::Value value, const char* name);
  /// info[i] as a usable Message, or nullptr when it is null, undefined or
  /// absent. Throws for a spent or disposed one before the caller acts.
  static Message* OptionalArg(const Napi::CallbackInfo& info, size_t i, const char* name);
  /// What a build or parse call gives JS: `[code, Message|null]`. `msg` is
  /// adopted when `code` is not negative, else freed (eXosip may leave a
  /// half-built message behind on failure).
  static Napi::Array Result(Napi::Env env, int code, osip_message_t* msg);
  /// Hands `message`'s osip_message_t over (nullptr stays nullptr): eXosip's
  /// send calls consume it, even when they fail, so it is spent from here on.
  static osip_message_t* Take(Napi::Env env, Message* message);

  explicit Message(const Napi::CallbackInfo& info);
  ~Message() override;
  Message(const Message&) = delete;
  Message& operator=(const Message&) = delete;

  /// The message, for reading or changing it; throws if it is spent or disposed.
  osip_message_t* Get(Napi::Env env) const;
  /// Hands the message over (to eXosip): this handle is spent from now on.
  osip_message_t* Release(Napi::Env env);

 private:
  Napi::Value ToString(const Napi::CallbackInfo& info);
  Napi::Value GetHeaders(const Napi::CallbackInfo& info);
  Napi::Value AddHeader(const Napi::CallbackInfo& info);
  Napi::Value RemoveHeaders(const Napi::CallbackInfo& info);
  Napi::Value SetGenericHeader(const Napi::CallbackInfo& info);
  Napi::Value ReplaceGenericHeader(const Napi::CallbackInfo& info);
  Napi::Value GetExpires(const Napi::CallbackInfo& info);
  Napi::Value SetExpires(const Napi::CallbackInfo& info);
  Napi::Value Clone(const Napi::CallbackInfo& info);
  void Dispose(const Napi::CallbackInfo& info);
  Napi::Value GetStatusCode(const Napi::CallbackInfo& info);
  Napi::Value GetReasonPhrase(const Napi::CallbackInfo& info);
  Napi::Value GetMethod(const Napi::CallbackInfo& info);
  Napi::Value GetRequestUri(const Napi::CallbackInfo& info);
  Napi::Value GetState(const Napi::CallbackInfo& info);
  Napi::Value GetBody(const Napi::CallbackInfo& info);
  Napi::Value SetReasonPhrase(const Napi::CallbackInfo& info);
  Napi::Value SetBody(const Napi::CallbackInfo& info);
  Napi::Value AddBody(const Napi::CallbackInfo& info);
  Napi::Value GetBodies(const Napi::CallbackInfo& info);
  Napi::Value GetContentType(const Napi::CallbackInfo& info);
  Napi::Value SetContentType(const Napi::CallbackInfo& info);
  static Napi::Value Parse(const Napi::CallbackInfo& info);

  void FreeOwned();

  enum class State { kOwned, kSpent, kDisposed };
  napi_env env_;
  osip_message_t* msg_ = nullptr;
  State state_ = State::kOwned;
};

}  // namespace exosip
