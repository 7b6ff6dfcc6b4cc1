// eX_setup.h: the context's setup and its application loop's calls (init,
// listen, options, masquerade, User-Agent, lock, automatic and default
// action) and authentication info.
#include <netinet/in.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include "../message.h"
#include "../util/args.h"
#include "../util/socket.h"
#include "context.h"
#include "log.h"

namespace exosip {
namespace {

// eXosip copies credentials into char[50] fields and truncates longer ones
// silently (eXosip2.h, jauthinfo_t): refuse them instead.
constexpr size_t kMaxCredentialLength = 49;

// Tries for listen() on port 0: the port is picked by a probe bind and then
// handed to eXosip, so another process may take it in between.
constexpr int kEphemeralListenTries = 5;

Napi::Value Code(Napi::Env env, int code) { return Napi::Number::New(env, code); }

Napi::Array ListenResult(Napi::Env env, int code, int port, int err) {
  Napi::Array out = Napi::Array::New(env, 3);
  out.Set(0u, code);
  out.Set(1u, port);
  out.Set(2u, err);
  return out;
}

// init() -> code: eXosip_init, then the worker thread starts.
Napi::Value InitContext(Context& self, const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  eXosip_t* ctx = self.Live(env);
  if (self.initialized()) return Code(env, OSIP_WRONG_STATE);
  int code = eXosip_init(ctx);
  if (code != 0) return Code(env, code);
  self.Start(env);
  return Code(env, 0);
}

// listen(transport, address|null, port, family, secure) -> [code, port, errno]
Napi::Value Listen(Context& self, const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  eXosip_t* ctx = self.Ready(env);
  int transport = IntArg(info, 0, "transport");
  auto address = OptionalStringArg(info, 1, "address");
  int port = IntArg(info, 2, "port");
  int family = IntArg(info, 3, "family");
  int secure = IntArg(info, 4, "secure");
  const char* addr = address ? address->c_str() : nullptr;
  // DTLS is refused: libeXosip2 5.3 does its DTLS handshake with blocking
  // reads on eXosip's thread while it holds eXosip's lock, so a peer that does
  // not answer DTLS freezes every thread that takes the lock, JS's included.
  if (transport == IPPROTO_UDP && secure != 0) return ListenResult(env, OSIP_BADPARAMETER, 0, 0);
  int code = OSIP_UNDEFINED_ERROR;
  int bound = port;
  int err = 0;
  for (int attempt = 0; attempt < (port == 0 ? kEphemeralListenTries : 1); attempt++) {
    int probe = ProbePort(transport, family, addr, port);
    if (probe < 0) {
      err = -probe;
      code = err == EADDRINUSE ? OSIP_PORT_BUSY : OSIP_UNDEFINED_ERROR;
      if (port != 0) break;
      continue;
    }
    bound = probe;
    code = NamingThreads(&self, [&] { return eXosip_listen_addr(ctx, transport, addr, bound, family, secure); });
    if (code == 0) {
      err = 0;
      break;
    }
  }
  return ListenResult(env, code, code == 0 ? bound : 0, err);
}

Napi::Value SetUserAgent(Context& self, const Napi::CallbackInfo& info) {
  std::string ua = StringArg(info, 0, "userAgent");
  eXosip_set_user_agent(self.Ready(info.Env()), ua.c_str());
  return info.Env().Undefined();
}

// EXOSIP_OPT_ADD_DNS_CACHE / EXOSIP_OPT_DELETE_DNS_CACHE with { host, ip }.
int SetDnsCacheOption(eXosip_t* ctx, int opt, Napi::Object o) {
  if (!o.Get("host").IsString() || !o.Get("ip").IsString()) return OSIP_BADPARAMETER;
  eXosip_dns_cache entry;
  std::memset(&entry, 0, sizeof(entry));
  std::string host = o.Get("host").As<Napi::String>().Utf8Value();
  std::string ip = o.Get("ip").As<Napi::String>().Utf8Value();
  if (host.size() >= sizeof(entry.host) || ip.size() >= sizeof(entry.ip)) return OSIP_BADPARAMETER;
  std::memcpy(entry.host, host.c_str(), host.size());
  std::memcpy(entry.ip, ip.c_str(), ip.size());
  return eXosip_set_option(ctx, opt, &entry);
}

// Copies o[key] into a char[size] field; false when it is not a string, holds
// a NUL, or would not fit (eXosip's snprintf would cut it silently).
bool CopyTlsField(Napi::Object o, const char* key, char* field, size_t size) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return true;
  if (!v.IsString()) return false;
  std::string s = v.As<Napi::String>().Utf8Value();
  if (s.size() >= size || s.find('\0') != std::string::npos) return false;
  std::memcpy(field, s.data(), s.size());
  return true;
}

bool CopyTlsCredentials(Napi::Object o, const char* key, eXosip_tls_credentials_t* out) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return true;
  if (!v.IsObject()) return false;
  Napi::Object c = v.As<Napi::Object>();
  return CopyTlsField(c, "priv_key", out->priv_key, sizeof(out->priv_key)) &&
         CopyTlsField(c, "priv_key_pw", out->priv_key_pw, sizeof(out->priv_key_pw)) &&
         CopyTlsField(c, "cert", out->cert, sizeof(out->cert)) &&
         CopyTlsField(c, "public_key_pinned", out->public_key_pinned, sizeof(out->public_key_pinned));
}

bool CopyTlsFlags(Napi::Object o, const char* key, unsigned long* out) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return true;
  if (!v.IsNumber()) return false;
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= 4294967295.0) || d != static_cast<double>(static_cast<unsigned long>(d))) return false;
  *out = static_cast<unsigned long>(d);
  return true;
}

// EXOSIP_OPT_SET_TLS_CERTIFICATES_INFO with an eXosip_tls_ctx_t-shaped object.
// eXosip copies every field into the context (eXosip_set_tls_ctx, snprintf),
// so the struct only lives for the call; it is wiped as it holds the key's
// password. eXosip's thread reads the copy when it connects: set it under the lock.
int SetTlsCertificates(Context& self, eXosip_t* ctx, Napi::Object o) {
  auto tls = std::make_unique<eXosip_tls_ctx_t>();
  std::memset(tls.get(), 0, sizeof(*tls));
  bool ok = CopyTlsField(o, "random_file", tls->random_file, sizeof(tls->random_file)) &&
            CopyTlsField(o, "dh_param", tls->dh_param, sizeof(tls->dh_param)) &&
            CopyTlsField(o, "root_ca_cert", tls->root_ca_cert, sizeof(tls->root_ca_cert)) &&
            CopyTlsField(o, "cipher_list", tls->cipher_list, sizeof(tls->cipher_list)) &&
            CopyTlsFlags(o, "tls_flags", &tls->tls_flags) && CopyTlsFlags(o, "dtls_flags", &tls->dtls_flags) &&
            CopyTlsCredentials(o, "client", &tls->client) && CopyTlsCredentials(o, "server", &tls->server);
  int code = ok ? self.Locked([&] { return eXosip_set_option(ctx, EXOSIP_OPT_SET_TLS_CERTIFICATES_INFO, tls.get()); }) : OSIP_BADPARAMETER;
  explicit_bzero(tls.get(), sizeof(*tls));
  return code;
}

// setOption(opt, value) -> code. value: number (int options), string (char*
// options), [min, max] (EXOSIP_OPT_SET_OC_PORT_RANGE), {host, ip} (DNS cache).
Napi::Value SetOption(Context& self, const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  eXosip_t* ctx = self.Ready(env);
  int opt = IntArg(info, 0, "option");
  Napi::Value value = info.Length() > 1 ? info[1] : env.Undefined();
  int code = OSIP_BADPARAMETER;
  if (opt == EXOSIP_OPT_SET_MAX_READ_TIMEOUT && value.IsNumber()) {
    long v = static_cast<long>(value.As<Napi::Number>().Int64Value());
    code = eXosip_set_option(ctx, opt, &v);
  } else if (opt == EXOSIP_OPT_SET_OC_PORT_RANGE && value.IsArray()) {
    Napi::Array range = value.As<Napi::Array>();
    int v[2] = {0, 0};
    if (range.Length() == 2 && range.Get(0u).IsNumber() && range.Get(1u).IsNumber()) {
      v[0] = range.Get(0u).As<Napi::Number>().Int32Value();
      v[1] = range.Get(1u).As<Napi::Number>().Int32Value();
      code = eXosip_set_option(ctx, opt, v);
    }
  } else if ((opt == EXOSIP_OPT_ADD_DNS_CACHE || opt == EXOSIP_OPT_DELETE_DNS_CACHE) && value.IsObject()) {
    code = SetDnsCacheOption(ctx, opt, value.As<Napi::Object>());
  } else if (opt == EXOSIP_OPT_SET_TLS_CERTIFICATES_INFO && value.IsObject()) {
    code = SetTlsCertificates(self, ctx, value.As<Napi::Object>());
  } else if (opt == EXOSIP_OPT_SET_TLS_VERIFY_CERTIFICATE && value.IsNumber()) {
    int v = IntArg(info, 1, "value");
    code = self.Locked([&] { return eXosip_set_option(ctx, opt, &v); });
    // With verification on, a certificate eXosip refuses is reported by its
    // log only: watch it so the failed operation can say why (log.h).
    if (code == 0) SetTlsWatch(&self, v > 0);
  } else if (value.IsString()) {
    std::string v = StringArg(info, 1, "value");
    code = eXosip_set_option(ctx, opt, v.c_str());
  } else if (value.IsNumber()) {
    int v = IntArg(info, 1, "value");
    code = eXosip_set_option(ctx, opt, &v);
  }
  return Code(env, code);
}

// statistics() -> [code, stats|null]: EXOSIP_OPT_GET_STATISTICS, which eXosip
// serves through eXosip_set_option (there is no eXosip_get_option in 5.3).
// It updates the averages as it reads them: under the lock.
Napi::Value Statistics(Context& self, const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  eXosip_t* ctx = self.Ready(env);
  struct eXosip_stats stats;
  std::memset(&stats, 0, sizeof(stats));
  int code = self.Locked([&] { return eXosip_set_option(ctx, EXOSIP_OPT_GET_STATISTICS, &stats); });
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, code);
  if (code != 0) {
    out.Set(1u, env.Null());
    return out;
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("allocated_transactions", stats.allocated_transactions);
  o.Set("average_transactions", stats.average_transactions);
  o.Set("allocated_registrations", stats.allocated_registrations);
  o.Set("average_registrations", stats.average_registrations);
  o.Set("allocated_calls", stats.allocated_calls);
  o.Set("average_calls", stats.average_calls);
  o.Set("allocated_publications", stats.allocated_publications);
  o.Set("average_publications", stats.average_publications);
  o.Set("allocated_subscriptions", stats.allocated_subscriptions);
  o.Set("average_subscriptions", stats.average_subscriptions);
  o.Set("allocated_insubscriptions", stats.allocated_insubscriptions);
  o.Set("average_insubscriptions", stats.average_insubscriptions);
  out.Set(1u, o);
  return out;
}

Napi::Value MasqueradeContact(Context& self, const Napi::CallbackInfo& info) {
  auto address = OptionalStringArg(info, 0, "address");
  int port = IntArg(info, 1, "port");
  eXosip_masquerade_contact(self.Ready(info.Env()), address ? address->c_str() : nullptr, port);
  return info.Env().Undefined();
}

// lock()/unlock() -> code. Nesting from JS only counts: eXosip_lock is not
// recursive, so the real lock is taken once and released by the last unlock.
Napi::Value Lock(Context& self, const Napi::CallbackInfo& info) {
  self.Ready(info.Env());
  self.LockFromJs();
  return Code(info.Env(), 0);
}

Napi::Value Unlock(Context& self, const Napi::CallbackInfo& info) {
  self.Ready(info.Env());
  return Code(info.Env(), self.UnlockFromJs() ? 0 : OSIP_WRONG_STATE);
}

Napi::Value AutomaticAction(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  // The compat API's eXosip_automatic_action: paced like the worker's.
  if (self.pacer().Allows(RetryPacer::Clock::now())) {
    self.Locked([&] {
      eXosip_automatic_action(ctx);
      return 0;
    });
  }
  return info.Env().Undefined();
}

// defaultAction(typeId, rid, tid, did, cid, sid, nid, response, request?) -> code.
// eXosip_default_action on an event the worker already freed: eXosip reads
// only the type, the ids and the response, so they are put back together here
// around the event's response (borrowed, not consumed).
Napi::Value DefaultAction(Context& self, const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  eXosip_t* ctx = self.Ready(env);
  eXosip_event_t je;
  std::memset(&je, 0, sizeof(je));
  je.type = static_cast<eXosip_event_type_t>(IntArg(info, 0, "type"));
  je.rid = IntArg(info, 1, "rid");
  je.tid = IntArg(info, 2, "tid");
  je.did = IntArg(info, 3, "did");
  je.cid = IntArg(info, 4, "cid");
  je.sid = IntArg(info, 5, "sid");
  je.nid = IntArg(info, 6, "nid");
  Message* response = Message::OptionalArg(info, 7, "response");
  je.response = response != nullptr ? response->Get(env) : nullptr;
  // eXosip_retry_with_auth (a 401/407) refuses an event without its request.
  Message* request = Message::OptionalArg(info, 8, "request");
  je.request = request != nullptr ? request->Get(env) : nullptr;
  return Code(env, self.Locked([&] { return eXosip_default_action(ctx, &je); }));
}

// addAuthenticationInfo(username, userid, passwd, ha1|null, realm|null) -> code.
// OSIP_BADPARAMETER for a value eXosip would truncate.
Napi::Value AddAuthenticationInfo(Context& self, const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  eXosip_t* ctx = self.Ready(env);
  std::string username = StringArg(info, 0, "username");
  std::string userid = StringArg(info, 1, "userid");
  std::string passwd = StringArg(info, 2, "passwd");
  auto ha1 = OptionalStringArg(info, 3, "ha1");
  auto realm = OptionalStringArg(info, 4, "realm");
  for (const std::string* s : {&username, &userid, &passwd}) {
    if (s->size() > kMaxCredentialLength) return Code(env, OSIP_BADPARAMETER);
  }
  if ((ha1 && ha1->size() > kMaxCredentialLength) || (realm && realm->size() > kMaxCredentialLength)) {
    return Code(env, OSIP_BADPARAMETER);
  }
  int code = self.Locked([&] {
    return eXosip_add_authentication_info(ctx, username.c_str(), userid.c_str(), passwd.c_str(),
                                          ha1 ? ha1->c_str() : nullptr, realm ? realm->c_str() : nullptr);
  });
  // issue #16: the digest filter answers for what eXosip holds (auth_filter.h).
  if (code == 0) self.auth_filter().Add(username, realm ? *realm : "", passwd.empty(), ha1 && !ha1->empty());
  return Code(env, code);
}

Napi::Value RemoveAuthenticationInfo(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  std::string username = StringArg(info, 0, "username");
  std::string realm = StringArg(info, 1, "realm");
  int code = self.Locked([&] { return eXosip_remove_authentication_info(ctx, username.c_str(), realm.c_str()); });
  if (code == 0) self.auth_filter().Remove(username, realm);
  return Code(info.Env(), code);
}

Napi::Value ClearAuthenticationInfo(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  int code = self.Locked([&] { return eXosip_clear_authentication_info(ctx); });
  self.auth_filter().Clear();
  return Code(info.Env(), code);
}

// guessLocalIp(family, size) -> [code, address|null]: eXosip_guess_localip,
// the address of the interface that routes to EXOSIP_OPT_SET_IPV4_FOR_GATEWAY
// (IPv6: _IPV6_) by connecting a UDP socket there; nothing is sent.
Napi::Value GuessLocalIp(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  int family = IntArg(info, 0, "family");
  int size = IntArg(info, 1, "size");
  char address[256] = {0};
  if (size > static_cast<int>(sizeof(address))) size = sizeof(address);
  int code = size > 0 ? self.Locked([&] { return eXosip_guess_localip(ctx, family, address, size); }) : OSIP_BADPARAMETER;
  Napi::Array out = Napi::Array::New(info.Env(), 2);
  out.Set(0u, code);
  out.Set(1u, code == 0 ? Napi::Value(Napi::String::New(info.Env(), address)) : info.Env().Null());
  return out;
}

}  // namespace

void AddSetupMethods(Context::Methods& methods) {
  methods.insert(methods.end(), {
      Context::Method<&InitContext>("init"),
      Context::Method<&Listen>("listen"),
      Context::Method<&SetUserAgent>("setUserAgent"),
      Context::Method<&SetOption>("setOption"),
      Context::Method<&Statistics>("statistics"),
      Context::Method<&MasqueradeContact>("masqueradeContact"),
      Context::Method<&Lock>("lock"),
      Context::Method<&Unlock>("unlock"),
      Context::Method<&AutomaticAction>("automaticAction"),
      Context::Method<&DefaultAction>("defaultAction"),
      Context::Method<&AddAuthenticationInfo>("addAuthenticationInfo"),
      Context::Method<&RemoveAuthenticationInfo>("removeAuthenticationInfo"),
      Context::Method<&ClearAuthenticationInfo>("clearAuthenticationInfo"),
      Context::Method<&GuessLocalIp>("guessLocalIp"),
  });
}

}  // namespace exosip
