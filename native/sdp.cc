#include "sdp.h"

#include <eXosip2/eXosip.h>

#include <cstring>
#include <string>

#include "errors.h"
#include "message.h"
#include "module.h"
#include "util/args.h"
#include "util/error.h"

namespace exosip {
namespace {

// What V8 is told one parsed SDP costs natively (a few hundred bytes to a few
// KiB in libosip2), so that many dropped handles trigger a GC.
constexpr int64_t kExternalBytes = 1024;

// libosip2's string accessors under one shape: (sdp, a, b) -> char*, where a
// and b are the positions each C function takes (pos_media, pos, pos_td...),
// unused ones ignored. The name is the accessor's C name between
// "sdp_message_" and "_get".
using Getter = char* (*)(sdp_message_t*, int, int);
// libosip2 checks positions against the end of its lists only: a first
// position below -1, or below 0 where -1 (the session level) means nothing,
// or a negative second one, dereferences NULL in some accessors
// (sdp_message_k_keytype_get(sdp, -2) crashed under fuzzing). Such positions
// give NULL here before libosip2 is called.
struct Accessor {
  const char* name;
  int positions;  // how many of (a, b) the function takes
  int lowest;     // the lowest first position it takes: -1 for session-level lines
  Getter get;
};
const Accessor kAccessors[] = {
    {"v_version", 0, 0, [](sdp_message_t* s, int, int) { return sdp_message_v_version_get(s); }},
    {"o_username", 0, 0, [](sdp_message_t* s, int, int) { return sdp_message_o_username_get(s); }},
    {"o_sess_id", 0, 0, [](sdp_message_t* s, int, int) { return sdp_message_o_sess_id_get(s); }},
    {"o_sess_version", 0, 0, [](sdp_message_t* s, int, int) { return sdp_message_o_sess_version_get(s); }},
    {"o_nettype", 0, 0, [](sdp_message_t* s, int, int) { return sdp_message_o_nettype_get(s); }},
    {"o_addrtype", 0, 0, [](sdp_message_t* s, int, int) { return sdp_message_o_addrtype_get(s); }},
    {"o_addr", 0, 0, [](sdp_message_t* s, int, int) { return sdp_message_o_addr_get(s); }},
    {"s_name", 0, 0, [](sdp_message_t* s, int, int) { return sdp_message_s_name_get(s); }},
    {"i_info", 1, -1, [](sdp_message_t* s, int m, int) { return sdp_message_i_info_get(s, m); }},
    {"u_uri", 0, 0, [](sdp_message_t* s, int, int) { return sdp_message_u_uri_get(s); }},
    {"e_email", 1, 0, [](sdp_message_t* s, int p, int) { return sdp_message_e_email_get(s, p); }},
    {"p_phone", 1, 0, [](sdp_message_t* s, int p, int) { return sdp_message_p_phone_get(s, p); }},
    {"c_nettype", 2, -1, [](sdp_message_t* s, int m, int p) { return sdp_message_c_nettype_get(s, m, p); }},
    {"c_addrtype", 2, -1, [](sdp_message_t* s, int m, int p) { return sdp_message_c_addrtype_get(s, m, p); }},
    {"c_addr", 2, -1, [](sdp_message_t* s, int m, int p) { return sdp_message_c_addr_get(s, m, p); }},
    {"c_addr_multicast_ttl", 2, -1, [](sdp_message_t* s, int m, int p) { return sdp_message_c_addr_multicast_ttl_get(s, m, p); }},
    {"c_addr_multicast_int", 2, -1, [](sdp_message_t* s, int m, int p) { return sdp_message_c_addr_multicast_int_get(s, m, p); }},
    {"b_bwtype", 2, -1, [](sdp_message_t* s, int m, int p) { return sdp_message_b_bwtype_get(s, m, p); }},
    {"b_bandwidth", 2, -1, [](sdp_message_t* s, int m, int p) { return sdp_message_b_bandwidth_get(s, m, p); }},
    {"t_start_time", 1, 0, [](sdp_message_t* s, int t, int) { return sdp_message_t_start_time_get(s, t); }},
    {"t_stop_time", 1, 0, [](sdp_message_t* s, int t, int) { return sdp_message_t_stop_time_get(s, t); }},
    {"r_repeat", 2, 0, [](sdp_message_t* s, int t, int p) { return sdp_message_r_repeat_get(s, t, p); }},
    {"z_adjustments", 0, 0, [](sdp_message_t* s, int, int) { return sdp_message_z_adjustments_get(s); }},
    {"k_keytype", 1, -1, [](sdp_message_t* s, int m, int) { return sdp_message_k_keytype_get(s, m); }},
    {"k_keydata", 1, -1, [](sdp_message_t* s, int m, int) { return sdp_message_k_keydata_get(s, m); }},
    {"a_att_field", 2, -1, [](sdp_message_t* s, int m, int p) { return sdp_message_a_att_field_get(s, m, p); }},
    {"a_att_value", 2, -1, [](sdp_message_t* s, int m, int p) { return sdp_message_a_att_value_get(s, m, p); }},
    {"m_media", 1, 0, [](sdp_message_t* s, int m, int) { return sdp_message_m_media_get(s, m); }},
    {"m_port", 1, 0, [](sdp_message_t* s, int m, int) { return sdp_message_m_port_get(s, m); }},
    {"m_number_of_port", 1, 0, [](sdp_message_t* s, int m, int) { return sdp_message_m_number_of_port_get(s, m); }},
    {"m_proto", 1, 0, [](sdp_message_t* s, int m, int) { return sdp_message_m_proto_get(s, m); }},
    {"m_payload", 2, 0, [](sdp_message_t* s, int m, int p) { return sdp_message_m_payload_get(s, m, p); }},
};

// The media at `pos_media`, or nullptr (libosip2's osip_list_get refuses
// positions out of range, negative ones included).
sdp_media_t* MediaAt(sdp_message_t* sdp, int pos_media) {
  return static_cast<sdp_media_t*>(osip_list_get(&sdp->m_medias, pos_media));
}

int IndexOf(osip_list_t* list, const void* item) {
  for (int i = 0; i < osip_list_size(list); i++) {
    if (osip_list_get(list, i) == item) return i;
  }
  return -1;
}

// The bytes of a string or Buffer argument, as the NUL-terminated text C
// passes (C would stop at an embedded NUL; so does libosip2 here).
std::string TextArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (i < info.Length() && info[i].IsString()) return info[i].As<Napi::String>().Utf8Value();
  if (i < info.Length() && info[i].IsBuffer()) {
    auto buffer = info[i].As<Napi::Buffer<char>>();
    return std::string(buffer.Data(), strnlen(buffer.Data(), buffer.Length()));
  }
  throw TypeCodeError(info.Env(), "ERR_INVALID_ARG_TYPE", std::string("The \"") + name + "\" argument must be a string or a Buffer");
}

}  // namespace

Napi::Function Sdp::Init(Napi::Env env, Module& module) {
  Napi::Function ctor = DefineClass(env, "NativeSdp",
                                    {
                                        StaticMethod<&Sdp::Parse>("parse"),
                                        StaticMethod<&Sdp::FromMessage>("fromMessage"),
                                        InstanceMethod<&Sdp::ToString>("toString"),
                                        InstanceMethod<&Sdp::Clone>("clone"),
                                        InstanceMethod<&Sdp::Free>("free"),
                                        InstanceAccessor<&Sdp::GetFreed>("freed"),
                                        InstanceMethod<&Sdp::Field>("field"),
                                        InstanceMethod<&Sdp::Count>("count"),
                                        InstanceMethod<&Sdp::EndOfMedia>("endOfMedia"),
                                        InstanceMethod<&Sdp::Media>("media"),
                                        InstanceMethod<&Sdp::Connection>("connection"),
                                    });
  module.sdp_ctor = Napi::Persistent(ctor);
  return ctor;
}

Napi::Value Sdp::Adopt(Napi::Env env, sdp_message_t* sdp) {
  if (sdp == nullptr) return env.Null();
  Module* module = env.GetInstanceData<Module>();
  return module->sdp_ctor.New({Napi::External<sdp_message_t>::New(env, sdp)});
}

// `new NativeSdp()` is sdp_message_init; parsed or fetched messages come in
// through Adopt() as an External.
Sdp::Sdp(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Sdp>(info), env_(info.Env()) {
  if (info.Length() > 0 && info[0].IsExternal()) {
    sdp_ = info[0].As<Napi::External<sdp_message_t>>().Data();
  } else if (sdp_message_init(&sdp_) != 0) {
    throw OsipError(info.Env(), OSIP_NOMEM, "sdp_message_init failed");
  }
  Napi::MemoryManagement::AdjustExternalMemory(env_, kExternalBytes);
}

Sdp::~Sdp() {
  FreeOwned();
}

void Sdp::FreeOwned() {
  if (sdp_ == nullptr) return;
  sdp_message_free(sdp_);
  sdp_ = nullptr;
  // The environment may be tearing down: then there is no heap to account to.
  napi_adjust_external_memory(env_, -kExternalBytes, nullptr);
}

sdp_message_t* Sdp::Get(Napi::Env env) const {
  if (sdp_ == nullptr) {
    throw CodeError(env, "ERR_SDP_FREED", "This sdp_message_t was freed (sdp_message_free): it and the media, connections and attributes read from it are gone");
  }
  return sdp_;
}

// parse(text) -> [code, NativeSdp|null]: sdp_message_parse into a fresh
// sdp_message_init'ed message; freed on failure.
Napi::Value Sdp::Parse(const Napi::CallbackInfo& info) {
  std::string text = TextArg(info, 0, "buf");
  sdp_message_t* sdp = nullptr;
  int code = sdp_message_init(&sdp);
  if (code == 0) code = sdp_message_parse(sdp, text.c_str());
  Napi::Array out = Napi::Array::New(info.Env(), 2);
  out.Set(0u, Napi::Number::New(info.Env(), code));
  if (code == 0) {
    out.Set(1u, Adopt(info.Env(), sdp));
  } else {
    sdp_message_free(sdp);
    out.Set(1u, info.Env().Null());
  }
  return out;
}

// fromMessage(message) -> NativeSdp|null: eXosip_get_sdp_info, the first
// application/sdp body (of a multipart one too) parsed, or null.
Napi::Value Sdp::FromMessage(const Napi::CallbackInfo& info) {
  Message* message = Message::FromValue(info.Env(), info.Length() > 0 ? info[0] : info.Env().Null(), "message");
  return Adopt(info.Env(), eXosip_get_sdp_info(message->Get(info.Env())));
}

// toString() -> [code, string|null]: sdp_message_to_str.
Napi::Value Sdp::ToString(const Napi::CallbackInfo& info) {
  char* text = nullptr;
  int code = sdp_message_to_str(Get(info.Env()), &text);
  Napi::Array out = Napi::Array::New(info.Env(), 2);
  out.Set(0u, Napi::Number::New(info.Env(), code));
  out.Set(1u, code == 0 && text != nullptr ? Napi::Value(Napi::String::New(info.Env(), text)) : info.Env().Null());
  osip_free(text);
  return out;
}

// clone() -> [code, NativeSdp|null]: sdp_message_clone, which serializes and
// parses again. On failure libosip2 frees the copy itself but leaves *dest
// pointing at it (freeing it again here crashed: found by fuzzing an
// unparsed sdp_message_init), so a failure hands nothing back and frees
// nothing; an SDP libosip2 cannot serialize is refused before, with
// sdp_message_to_str's code, so that path stays for out-of-memory only.
Napi::Value Sdp::Clone(const Napi::CallbackInfo& info) {
  sdp_message_t* sdp = Get(info.Env());
  Napi::Array out = Napi::Array::New(info.Env(), 2);
  char* text = nullptr;
  int code = sdp_message_to_str(sdp, &text);
  osip_free(text);
  sdp_message_t* copy = nullptr;
  if (code == 0) code = sdp_message_clone(sdp, &copy);
  out.Set(0u, Napi::Number::New(info.Env(), code));
  out.Set(1u, code == 0 ? Adopt(info.Env(), copy) : info.Env().Null());
  return out;
}

// free(): sdp_message_free; a second free throws ERR_SDP_FREED (a double free in C).
void Sdp::Free(const Napi::CallbackInfo& info) {
  Get(info.Env());
  FreeOwned();
}

Napi::Value Sdp::GetFreed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), sdp_ == nullptr);
}

// field(name, a, b) -> string|null: the libosip2 accessor sdp_message_<name>_get.
Napi::Value Sdp::Field(const Napi::CallbackInfo& info) {
  sdp_message_t* sdp = Get(info.Env());
  std::string name = StringArg(info, 0, "name");
  int a = IntArg(info, 1, "a");
  int b = IntArg(info, 2, "b");
  for (const Accessor& accessor : kAccessors) {
    if (name != accessor.name) continue;
    if ((accessor.positions >= 1 && a < accessor.lowest) || (accessor.positions == 2 && b < 0)) return info.Env().Null();
    char* value = accessor.get(sdp, a, b);
    return value != nullptr ? Napi::Value(Napi::String::New(info.Env(), value)) : info.Env().Null();
  }
  throw TypeCodeError(info.Env(), "ERR_INVALID_ARG_VALUE", "No libosip2 accessor sdp_message_" + name + "_get");
}

// count(list, posMedia) -> number of elements of one of the message's lists
// (posMedia -1: the session's), -1 when there is no such media.
Napi::Value Sdp::Count(const Napi::CallbackInfo& info) {
  sdp_message_t* sdp = Get(info.Env());
  std::string list = StringArg(info, 0, "list");
  int pos_media = IntArg(info, 1, "posMedia");
  if (list == "m_medias") return Napi::Number::New(info.Env(), osip_list_size(&sdp->m_medias));
  sdp_media_t* med = pos_media == -1 ? nullptr : MediaAt(sdp, pos_media);
  if (pos_media != -1 && med == nullptr) return Napi::Number::New(info.Env(), -1);
  osip_list_t* l = nullptr;
  if (list == "m_payloads" && med != nullptr) l = &med->m_payloads;
  if (list == "c_connections") {
    if (med == nullptr) return Napi::Number::New(info.Env(), sdp->c_connection != nullptr ? 1 : 0);
    l = &med->c_connections;
  }
  if (list == "a_attributes") l = med != nullptr ? &med->a_attributes : &sdp->a_attributes;
  if (list == "b_bandwidths") l = med != nullptr ? &med->b_bandwidths : &sdp->b_bandwidths;
  if (list == "t_descrs" && med == nullptr) l = &sdp->t_descrs;
  if (list == "e_emails" && med == nullptr) l = &sdp->e_emails;
  if (list == "p_phones" && med == nullptr) l = &sdp->p_phones;
  if (l == nullptr) throw TypeCodeError(info.Env(), "ERR_INVALID_ARG_VALUE", "No list " + list + " at this level");
  return Napi::Number::New(info.Env(), osip_list_size(l));
}

// endOfMedia(pos) -> sdp_message_endof_media: 0 while a media exists at pos, else negative.
Napi::Value Sdp::EndOfMedia(const Napi::CallbackInfo& info) {
  sdp_message_t* sdp = Get(info.Env());
  return Napi::Number::New(info.Env(), sdp_message_endof_media(sdp, IntArg(info, 0, "pos")));
}

// media(name) -> position of eXosip_get_media(sdp, name) in the media list, or -1.
// (eXosip_get_audio_media and eXosip_get_video_media are this with "audio"
// and "video": the same loop in sdp_offans.c.)
Napi::Value Sdp::Media(const Napi::CallbackInfo& info) {
  sdp_message_t* sdp = Get(info.Env());
  std::string name = StringArg(info, 0, "media");
  sdp_media_t* med = eXosip_get_media(sdp, name.c_str());
  return Napi::Number::New(info.Env(), med == nullptr ? -1 : IndexOf(&sdp->m_medias, med));
}

// connection(name) -> [posMedia, pos] of eXosip_get_connection(sdp, name)
// (posMedia -1: the session's c= line), or null.
Napi::Value Sdp::Connection(const Napi::CallbackInfo& info) {
  sdp_message_t* sdp = Get(info.Env());
  std::string name = StringArg(info, 0, "media");
  sdp_connection_t* conn = eXosip_get_connection(sdp, name.c_str());
  if (conn == nullptr) return info.Env().Null();
  Napi::Array out = Napi::Array::New(info.Env(), 2);
  if (conn == sdp->c_connection) {
    out.Set(0u, -1);
    out.Set(1u, 0);
    return out;
  }
  for (int m = 0; m < osip_list_size(&sdp->m_medias); m++) {
    int pos = IndexOf(&MediaAt(sdp, m)->c_connections, conn);
    if (pos < 0) continue;
    out.Set(0u, m);
    out.Set(1u, pos);
    return out;
  }
  return info.Env().Null();
}

}  // namespace exosip
