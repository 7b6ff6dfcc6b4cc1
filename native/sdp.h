// A JS handle over one sdp_message_t (libosip2's parsed SDP, RFC 4566). The
// handle owns the message until sdp_message_free (free()) or garbage
// collection; after free() every use throws ERR_SDP_FREED. Media, connections
// and attributes are not handles of their own: JS names them by position in
// this message (as libosip2's sdp_message_*_get accessors do), so a freed
// message can never be read through them.
#pragma once

#include <napi.h>
#include <osipparser2/sdp_message.h>

namespace exosip {

class Module;

class Sdp : public Napi::ObjectWrap<Sdp> {
 public:
  static Napi::Function Init(Napi::Env env, Module& module);
  /// Wraps `sdp` in a new JS NativeSdp that owns it; nullptr gives null.
  static Napi::Value Adopt(Napi::Env env, sdp_message_t* sdp);

  explicit Sdp(const Napi::CallbackInfo& info);
  ~Sdp() override;
  Sdp(const Sdp&) = delete;
  Sdp& operator=(const Sdp&) = delete;

  /// The message; throws ERR_SDP_FREED once freed.
  sdp_message_t* Get(Napi::Env env) const;

 private:
  static Napi::Value Parse(const Napi::CallbackInfo& info);
  static Napi::Value FromMessage(const Napi::CallbackInfo& info);
  Napi::Value ToString(const Napi::CallbackInfo& info);
  Napi::Value Clone(const Napi::CallbackInfo& info);
  void Free(const Napi::CallbackInfo& info);
  Napi::Value GetFreed(const Napi::CallbackInfo& info);
  Napi::Value Field(const Napi::CallbackInfo& info);
  Napi::Value Count(const Napi::CallbackInfo& info);
  Napi::Value EndOfMedia(const Napi::CallbackInfo& info);
  Napi::Value Media(const Napi::CallbackInfo& info);
  Napi::Value Connection(const Napi::CallbackInfo& info);

  void FreeOwned();

  napi_env env_;
  sdp_message_t* sdp_ = nullptr;
};

}  // namespace exosip
