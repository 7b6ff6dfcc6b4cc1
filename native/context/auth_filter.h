// AuthFilter: lets libeXosip2 5.3.0 see only the digest challenges it will
// answer correctly with a context's credentials (issue #16).
//
// eXosip answers, per realm, the first WWW-/Proxy-Authenticate it can compute
// and skips the others of that realm ("alternative authentication",
// eXosip.c:1331-1335). What it computes (jauth.c
// `_eXosip_create_proxy_authorization_header`, lines 766-1030):
// - MD5 (algorithm absent, MD5 or "MD5"): correct, from the HA1 when one was
//   given, else from the password.
// - SHA-256: from the password only; the HA1 is ignored (jauth.c:975-977), so
//   with credentials given as an MD5 HA1 it sends a SHA-256 digest of an empty
//   password: a failed login at the server, and the MD5 offer after it is
//   never tried.
// - qop: always "auth" when the challenge has any qop (jauth.c:905-907), so a
//   challenge offering only auth-int is answered with a qop it did not offer.
// - MD5-sess, SHA-256-sess, SHA-512-256(-sess), anything else: refused, the
//   next challenge is tried. AKAv1/AKAv2-MD5: computed from the password as an
//   AKA key, which this binding's credentials are not.
//
// The filter runs in the eXosip_set_cbsip_message callback, before eXosip acts
// on a received 401/407 (udp.c:1703): per realm it keeps the first challenge
// the credentials answer correctly (RFC 8760 §2.4: the topmost one the client
// supports) and removes the others. When none is left, the response is made
// final for eXosip (register_guard.h, MarkFinalForExosip) with a note naming
// what is missing: no REGISTER with a wrong digest, or none at all, is sent,
// and the registration fails at once with that note.
//
// Thread use: Add/Remove/Clear on the JS thread, Filter on eXosip's thread;
// one mutex.
#pragma once

#include <osipparser2/osip_parser.h>

#include <mutex>
#include <string>
#include <vector>

namespace exosip {

class AuthFilter {
 public:
  /// Mirrors eXosip_add_authentication_info (after it succeeded).
  void Add(const std::string& username, const std::string& realm, bool empty_password, bool has_ha1);
  /// Mirrors eXosip_remove_authentication_info (after it succeeded).
  void Remove(const std::string& username, const std::string& realm);
  /// Mirrors eXosip_clear_authentication_info.
  void Clear();

  /// On a received 401/407: drops the challenges eXosip would answer wrongly
  /// or that repeat a realm already answerable; marks the response final
  /// when nothing answerable is left.
  void Filter(osip_message_t* msg) const;

 private:
  struct Credential {
    std::string username;
    std::string realm;  // "" answers any realm
    bool empty_password;
    bool has_ha1;
  };

  void RemoveLocked(const std::string& username, const std::string& realm);
  /// eXosip_find_authentication_info (eXosip.c:1096), over the mirror.
  const Credential* Find(const char* username, const char* realm) const;
  /// "" when `challenge` can be answered correctly, else why not.
  std::string Refusal(const char* username, osip_www_authenticate_t* challenge) const;

  mutable std::mutex mutex_;
  std::vector<Credential> credentials_;  // newest first, as eXosip's list (ADD_ELEMENT prepends)
};

}  // namespace exosip
