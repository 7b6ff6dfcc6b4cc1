#include "headers.h"

#include <osipparser2/osip_parser.h>

#include <algorithm>
#include <cctype>

namespace exosip {
namespace {

using ToStrFn = int (*)(const void*, char**);
using FreeFn = void (*)(void*);
using SetFn = int (*)(osip_message_t*, const char*);

// A header libosip2 parses into a typed field: either a list or a single pointer.
struct TypedHeader {
  const char* name;     // lowercase full name
  const char* compact;  // RFC 3261 compact form, or nullptr
  osip_list_t osip_message_t::*list;
  void* osip_message_t::*single;
  SetFn set;
  ToStrFn to_str;
  FreeFn free;
};

template <typename T, int (*F)(const T*, char**)>
int ToStr(const void* p, char** dest) { return F(static_cast<const T*>(p), dest); }
template <typename T, void (*F)(T*)>
void Free(void* p) { F(static_cast<T*>(p)); }

#define EXOSIP_SINGLE(field) reinterpret_cast<void* osip_message_t::*>(&osip_message_t::field)

const TypedHeader kTyped[] = {
    {"via", "v", &osip_message_t::vias, nullptr, osip_message_set_via, ToStr<osip_via_t, osip_via_to_str>, Free<osip_via_t, osip_via_free>},
    {"contact", "m", &osip_message_t::contacts, nullptr, osip_message_set_contact, ToStr<osip_contact_t, osip_contact_to_str>, Free<osip_contact_t, osip_contact_free>},
    {"route", nullptr, &osip_message_t::routes, nullptr, osip_message_set_route, ToStr<osip_route_t, osip_route_to_str>, Free<osip_route_t, osip_route_free>},
    {"record-route", nullptr, &osip_message_t::record_routes, nullptr, osip_message_set_record_route, ToStr<osip_record_route_t, osip_record_route_to_str>, Free<osip_record_route_t, osip_record_route_free>},
    {"authorization", nullptr, &osip_message_t::authorizations, nullptr, osip_message_set_authorization, ToStr<osip_authorization_t, osip_authorization_to_str>, Free<osip_authorization_t, osip_authorization_free>},
    {"proxy-authorization", nullptr, &osip_message_t::proxy_authorizations, nullptr, osip_message_set_proxy_authorization, ToStr<osip_authorization_t, osip_authorization_to_str>, Free<osip_authorization_t, osip_authorization_free>},
    {"www-authenticate", nullptr, &osip_message_t::www_authenticates, nullptr, osip_message_set_www_authenticate, ToStr<osip_www_authenticate_t, osip_www_authenticate_to_str>, Free<osip_www_authenticate_t, osip_www_authenticate_free>},
    {"proxy-authenticate", nullptr, &osip_message_t::proxy_authenticates, nullptr, osip_message_set_proxy_authenticate, ToStr<osip_www_authenticate_t, osip_www_authenticate_to_str>, Free<osip_www_authenticate_t, osip_www_authenticate_free>},
    {"authentication-info", nullptr, &osip_message_t::authentication_infos, nullptr, osip_message_set_authentication_info, ToStr<osip_authentication_info_t, osip_authentication_info_to_str>, Free<osip_authentication_info_t, osip_authentication_info_free>},
    {"proxy-authentication-info", nullptr, &osip_message_t::proxy_authentication_infos, nullptr, osip_message_set_proxy_authentication_info, ToStr<osip_authentication_info_t, osip_authentication_info_to_str>, Free<osip_authentication_info_t, osip_authentication_info_free>},
    {"accept", nullptr, &osip_message_t::accepts, nullptr, osip_message_set_accept, ToStr<osip_content_type_t, osip_content_type_to_str>, Free<osip_content_type_t, osip_content_type_free>},
    {"accept-encoding", nullptr, &osip_message_t::accept_encodings, nullptr, osip_message_set_accept_encoding, ToStr<osip_accept_encoding_t, osip_accept_encoding_to_str>, Free<osip_accept_encoding_t, osip_accept_encoding_free>},
    {"accept-language", nullptr, &osip_message_t::accept_languages, nullptr, osip_message_set_accept_language, ToStr<osip_accept_encoding_t, osip_accept_encoding_to_str>, Free<osip_accept_encoding_t, osip_accept_encoding_free>},
    {"alert-info", nullptr, &osip_message_t::alert_infos, nullptr, osip_message_set_alert_info, ToStr<osip_call_info_t, osip_call_info_to_str>, Free<osip_call_info_t, osip_call_info_free>},
    {"call-info", nullptr, &osip_message_t::call_infos, nullptr, osip_message_set_call_info, ToStr<osip_call_info_t, osip_call_info_to_str>, Free<osip_call_info_t, osip_call_info_free>},
    {"error-info", nullptr, &osip_message_t::error_infos, nullptr, osip_message_set_error_info, ToStr<osip_call_info_t, osip_call_info_to_str>, Free<osip_call_info_t, osip_call_info_free>},
    {"allow", nullptr, &osip_message_t::allows, nullptr, osip_message_set_allow, ToStr<osip_content_length_t, osip_content_length_to_str>, Free<osip_content_length_t, osip_content_length_free>},
    {"content-encoding", "e", &osip_message_t::content_encodings, nullptr, osip_message_set_content_encoding, ToStr<osip_content_length_t, osip_content_length_to_str>, Free<osip_content_length_t, osip_content_length_free>},
    {"from", "f", nullptr, EXOSIP_SINGLE(from), osip_message_set_from, ToStr<osip_from_t, osip_from_to_str>, Free<osip_from_t, osip_from_free>},
    {"to", "t", nullptr, EXOSIP_SINGLE(to), osip_message_set_to, ToStr<osip_to_t, osip_to_to_str>, Free<osip_to_t, osip_to_free>},
    {"call-id", "i", nullptr, EXOSIP_SINGLE(call_id), osip_message_set_call_id, ToStr<osip_call_id_t, osip_call_id_to_str>, Free<osip_call_id_t, osip_call_id_free>},
    {"cseq", nullptr, nullptr, EXOSIP_SINGLE(cseq), osip_message_set_cseq, ToStr<osip_cseq_t, osip_cseq_to_str>, Free<osip_cseq_t, osip_cseq_free>},
    {"content-type", "c", nullptr, EXOSIP_SINGLE(content_type), osip_message_set_content_type, ToStr<osip_content_type_t, osip_content_type_to_str>, Free<osip_content_type_t, osip_content_type_free>},
    {"content-length", "l", nullptr, EXOSIP_SINGLE(content_length), osip_message_set_content_length, ToStr<osip_content_length_t, osip_content_length_to_str>, Free<osip_content_length_t, osip_content_length_free>},
    {"mime-version", nullptr, nullptr, EXOSIP_SINGLE(mime_version), osip_message_set_mime_version, ToStr<osip_content_length_t, osip_content_length_to_str>, Free<osip_content_length_t, osip_content_length_free>},
};

#undef EXOSIP_SINGLE

// Compact forms of headers libosip2 keeps in its generic list.
const char* GenericFullName(const std::string& lower) {
  if (lower == "k") return "supported";
  if (lower == "s") return "subject";
  if (lower == "o") return "event";
  if (lower == "u") return "allow-events";
  return nullptr;
}

std::string Lower(const std::string& s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

const TypedHeader* FindTyped(const std::string& lower) {
  for (const auto& h : kTyped) {
    if (lower == h.name || (h.compact != nullptr && lower == h.compact)) return &h;
  }
  return nullptr;
}

void PushStr(std::vector<std::string>& out, ToStrFn to_str, const void* value) {
  char* text = nullptr;
  if (to_str(value, &text) == 0 && text != nullptr) out.emplace_back(text);
  osip_free(text);
}

}  // namespace

std::vector<std::string> GetHeaderValues(osip_message_t* msg, const std::string& name) {
  std::vector<std::string> out;
  std::string lower = Lower(name);
  if (const TypedHeader* h = FindTyped(lower)) {
    if (h->list != nullptr) {
      osip_list_t* list = &(msg->*(h->list));
      for (int i = 0; !osip_list_eol(list, i); i++) PushStr(out, h->to_str, osip_list_get(list, i));
    } else if (msg->*(h->single) != nullptr) {
      PushStr(out, h->to_str, msg->*(h->single));
    }
    return out;
  }
  if (const char* full = GenericFullName(lower)) lower = full;
  for (int i = 0; !osip_list_eol(&msg->headers, i); i++) {
    auto* header = static_cast<osip_header_t*>(osip_list_get(&msg->headers, i));
    if (header->hname != nullptr && Lower(header->hname) == lower) out.emplace_back(header->hvalue ? header->hvalue : "");
  }
  return out;
}

int AddHeader(osip_message_t* msg, const std::string& name, const std::string& value) {
  if (const TypedHeader* h = FindTyped(Lower(name))) {
    // The single-valued setters refuse a second value; say so plainly.
    if (h->single != nullptr && msg->*(h->single) != nullptr) return OSIP_WRONG_STATE;
    return h->set(msg, value.c_str());
  }
  const char* full = GenericFullName(Lower(name));
  return osip_message_set_header(msg, full ? full : name.c_str(), value.c_str());
}

int RemoveHeaders(osip_message_t* msg, const std::string& name) {
  int removed = 0;
  std::string lower = Lower(name);
  if (const TypedHeader* h = FindTyped(lower)) {
    if (h->list != nullptr) {
      osip_list_t* list = &(msg->*(h->list));
      while (!osip_list_eol(list, 0)) {
        void* value = osip_list_get(list, 0);
        osip_list_remove(list, 0);
        h->free(value);
        removed++;
      }
    } else if (msg->*(h->single) != nullptr) {
      h->free(msg->*(h->single));
      msg->*(h->single) = nullptr;
      removed++;
    }
  } else {
    if (const char* full = GenericFullName(lower)) lower = full;
    for (int i = 0; !osip_list_eol(&msg->headers, i);) {
      auto* header = static_cast<osip_header_t*>(osip_list_get(&msg->headers, i));
      if (header->hname != nullptr && Lower(header->hname) == lower) {
        osip_list_remove(&msg->headers, i);
        osip_header_free(header);
        removed++;
      } else {
        i++;
      }
    }
  }
  if (removed > 0) osip_message_force_update(msg);
  return removed;
}

}  // namespace exosip
