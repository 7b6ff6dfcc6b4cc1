#include "auth_filter.h"

#include <osipparser2/osip_port.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "register_guard.h"

namespace exosip {
namespace {

const std::string kNoCredentials = "no credentials for realm ";

std::string Unquote(const char* value) {
  if (value == nullptr) return "";
  std::string s(value);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string Trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t");
  size_t b = s.find_last_not_of(" \t");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

// The qop tokens of a challenge, as eXosip reads them: a value shorter than 4
// characters counts as none (jauth.c:877-878).
std::vector<std::string> QopTokens(const char* raw) {
  std::vector<std::string> tokens;
  if (raw == nullptr || std::strlen(raw) < 4) return tokens;
  std::string list = Lower(Unquote(raw));
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    std::string token = Trim(list.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (!token.empty()) tokens.push_back(token);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return tokens;
}

}  // namespace

void AuthFilter::Add(const std::string& username, const std::string& realm, bool empty_password, bool has_ha1) {
  std::lock_guard<std::mutex> lock(mutex_);
  // eXosip_add_authentication_info first removes one entry of the same
  // username and realm (eXosip.c:1163).
  RemoveLocked(username, realm);
  credentials_.insert(credentials_.begin(), Credential{username, realm, empty_password, has_ha1});
}

void AuthFilter::Remove(const std::string& username, const std::string& realm) {
  std::lock_guard<std::mutex> lock(mutex_);
  RemoveLocked(username, realm);
}

void AuthFilter::RemoveLocked(const std::string& username, const std::string& realm) {
  for (auto it = credentials_.begin(); it != credentials_.end(); ++it) {
    if (osip_strcasecmp(it->username.c_str(), username.c_str()) == 0 && osip_strcasecmp(it->realm.c_str(), realm.c_str()) == 0) {
      credentials_.erase(it);
      return;
    }
  }
}

void AuthFilter::Clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  credentials_.clear();
}

// eXosip compares the challenge's realm as it is stored (quoted) with the
// credentials' realm (unquoted) both as is and without the quotes.
static bool RealmMatches(const char* realm, const std::string& mine) {
  if (realm == nullptr || osip_strcasecmp(realm, mine.c_str()) == 0) return true;
  size_t n = std::strlen(realm);
  return n >= 2 && osip_strncasecmp(realm + 1, mine.c_str(), n - 2) == 0;
}

const AuthFilter::Credential* AuthFilter::Find(const char* username, const char* realm) const {
  const Credential* fallback = nullptr;
  for (const auto& c : credentials_) {
    if (username == nullptr || osip_strcasecmp(c.username.c_str(), username) != 0) continue;
    if (c.realm.empty()) {
      fallback = &c;
    } else if (RealmMatches(realm, c.realm)) {
      return &c;
    }
  }
  for (const auto& c : credentials_) {
    if (c.realm.empty() && fallback == nullptr) {
      fallback = &c;
    } else if (!c.realm.empty() && RealmMatches(realm, c.realm)) {
      return &c;
    }
  }
  return fallback;
}

std::string AuthFilter::Refusal(const char* username, osip_www_authenticate_t* challenge) const {
  std::string realm = Unquote(challenge->realm);
  if (challenge->auth_type == nullptr || osip_strcasecmp(challenge->auth_type, "Digest") != 0) {
    return std::string("scheme ") + (challenge->auth_type != nullptr ? challenge->auth_type : "(none)") + " is not Digest";
  }
  if (challenge->nonce == nullptr) return "a challenge without nonce";
  std::string algorithm = challenge->algorithm == nullptr ? "MD5" : Unquote(challenge->algorithm);
  std::string alg = Lower(algorithm);
  if (alg != "md5" && alg != "sha-256") {
    if (alg == "akav1-md5" || alg == "akav2-md5") return "algorithm " + algorithm + " (3GPP AKA) needs AKA keys, which these credentials are not";
    return "algorithm " + algorithm + " is not implemented by libeXosip2 5.3.0 (MD5 and SHA-256 are)";
  }
  std::vector<std::string> qops = QopTokens(challenge->qop_options);
  if (!qops.empty() && std::find(qops.begin(), qops.end(), "auth") == qops.end()) {
    return "qop " + Unquote(challenge->qop_options) + " without auth (libeXosip2 5.3.0 answers qop=auth only)";
  }
  const Credential* credential = Find(username, challenge->realm);
  if (credential == nullptr) return kNoCredentials + ("\"" + realm + "\"");
  if (alg == "sha-256" && credential->has_ha1 && credential->empty_password) {
    return "algorithm SHA-256 needs the password: the credentials for realm \"" + realm + "\" are an MD5 HA1";
  }
  return "";
}

void AuthFilter::Filter(osip_message_t* msg) const {
  if (msg == nullptr || (msg->status_code != 401 && msg->status_code != 407)) return;
  const char* username = msg->from != nullptr && msg->from->url != nullptr ? msg->from->url->username : nullptr;
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> refusals;
  size_t kept = 0;
  bool changed = false;
  for (osip_list_t* list : {&msg->www_authenticates, &msg->proxy_authenticates}) {
    std::vector<std::string> answered;  // realms (lower case) with a challenge kept
    for (int pos = 0; pos < osip_list_size(list);) {
      auto* challenge = static_cast<osip_www_authenticate_t*>(osip_list_get(list, pos));
      std::string realm = Lower(Unquote(challenge->realm));
      bool repeat = std::find(answered.begin(), answered.end(), realm) != answered.end();
      std::string refusal = repeat ? "" : Refusal(username, challenge);
      if (!repeat && refusal.empty()) {
        answered.push_back(realm);
        kept++;
        pos++;
        continue;
      }
      if (!refusal.empty()) refusals.push_back(refusal);
      osip_list_remove(list, pos);
      osip_www_authenticate_free(challenge);
      changed = true;
    }
  }
  if (kept > 0) {
    if (changed) osip_message_force_update(msg);
    return;
  }
  // Only realms without credentials: a plain rejection, as before the filter,
  // but at once (eXosip would re-send without credentials 3 times).
  bool uncredentialed = !refusals.empty() && std::all_of(refusals.begin(), refusals.end(), [](const std::string& r) {
    return r.rfind(kNoCredentials, 0) == 0;
  });
  std::string note = std::string(kGuardNotePrefix) + (uncredentialed ? "" : "no challenge the credentials can answer correctly: ");
  // libosip2 drops a challenge header it cannot parse, one whose qop is not a
  // quoted string for instance (RFC 2617 §3.2.1 requires the quotes).
  if (refusals.empty()) note += "the response offers none libosip2 could parse";
  for (size_t i = 0; i < refusals.size(); i++) note += (i > 0 ? "; " : "") + refusals[i];
  MarkFinalForExosip(msg, 403, note);
}

}  // namespace exosip
