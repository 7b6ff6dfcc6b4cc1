#include "register_guard.h"

#include <arpa/inet.h>
#include <osipparser2/osip_port.h>

#include <cstdlib>
#include <cstring>

namespace exosip {
namespace {

// An IP literal as family + bytes, IPv4-mapped IPv6 folded to IPv4, so that
// "::ffff:127.0.0.1" and "127.0.0.1", or "0:0:0:0:0:0:0:1" and "::1", compare equal.
struct Address {
  int family = 0;
  unsigned char bytes[16] = {};
};

bool ParseAddress(const char* text, Address* out) {
  if (text == nullptr) return false;
  std::string s(text);
  if (s.size() > 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
  if (inet_pton(AF_INET, s.c_str(), out->bytes) == 1) {
    out->family = AF_INET;
    return true;
  }
  unsigned char v6[16];
  if (inet_pton(AF_INET6, s.c_str(), v6) != 1) return false;
  static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(v6, kMapped, sizeof(kMapped)) == 0) {
    out->family = AF_INET;
    std::memcpy(out->bytes, v6 + 12, 4);
  } else {
    out->family = AF_INET6;
    std::memcpy(out->bytes, v6, 16);
  }
  return true;
}

bool SameAddress(const char* a, const char* b) {
  Address x, y;
  if (!ParseAddress(a, &x) || !ParseAddress(b, &y) || x.family != y.family) return false;
  return std::memcmp(x.bytes, y.bytes, x.family == AF_INET ? 4 : 16) == 0;
}

bool RemoveViaParam(osip_via_t* via, const char* name) {
  for (int pos = 0; pos < osip_list_size(&via->via_params); pos++) {
    auto* param = static_cast<osip_generic_param_t*>(osip_list_get(&via->via_params, pos));
    if (param != nullptr && param->gname != nullptr && osip_strcasecmp(param->gname, name) == 0) {
      osip_list_remove(&via->via_params, pos);
      osip_generic_param_free(param);
      return true;
    }
  }
  return false;
}

// Our own address written another way is no NAT: RFC 3261 §18.2.1 adds
// `received` only when it differs from the sent-by host, so dropping one that
// names the same address changes nothing but eXosip's string comparison.
bool NormalizeTopVia(osip_message_t* msg) {
  osip_via_t* via = nullptr;
  if (osip_message_get_via(msg, 0, &via) < 0 || via == nullptr || via->host == nullptr) return false;
  bool changed = false;
  osip_generic_param_t* received = nullptr;
  osip_via_param_get_byname(via, const_cast<char*>("received"), &received);
  if (received != nullptr && received->gvalue != nullptr && osip_strcasecmp(received->gvalue, via->host) != 0 &&
      SameAddress(received->gvalue, via->host)) {
    changed = RemoveViaParam(via, "received");
  }
  osip_generic_param_t* rport = nullptr;
  osip_via_param_get_byname(via, const_cast<char*>("rport"), &rport);
  if (rport != nullptr && rport->gvalue != nullptr && via->port != nullptr && std::strcmp(rport->gvalue, via->port) != 0) {
    char* end = nullptr;
    long value = std::strtol(rport->gvalue, &end, 10);
    if (end != rport->gvalue && *end == '\0' && value == std::atol(via->port)) {
      osip_free(rport->gvalue);
      rport->gvalue = osip_strdup(via->port);
      changed = true;
    }
  }
  return changed;
}

bool IsRegisterResponse(const osip_message_t* msg) {
  return msg->cseq != nullptr && msg->cseq->method != nullptr && osip_strcasecmp(msg->cseq->method, "REGISTER") == 0;
}

}  // namespace

void MarkFinalForExosip(osip_message_t* msg, int as_status, const std::string& note) {
  std::string value = std::to_string(msg->status_code) + " " + note;
  osip_message_set_header(msg, kGuardHeader, value.c_str());
  msg->status_code = as_status;
  osip_message_force_update(msg);
}

void GuardRegisterResponse(osip_message_t* msg) {
  if (msg == nullptr || msg->status_code == 0) return;
  bool changed = NormalizeTopVia(msg);
  if (IsRegisterResponse(msg)) {
    if (msg->status_code == 423) {
      osip_header_t* min_expires = nullptr;
      osip_message_header_get_byname(msg, "min-expires", 0, &min_expires);
      if (min_expires == nullptr || min_expires->hvalue == nullptr || std::atoi(min_expires->hvalue) <= 0) {
        MarkFinalForExosip(msg, 400,
                           std::string(kGuardNotePrefix) +
                               "423 without a usable Min-Expires (RFC 3261 §20.23): final, not retried");
        return;
      }
    } else if (msg->status_code == 606) {
      MarkFinalForExosip(msg, 600, std::string(kGuardNotePrefix) + "606 is final: the same REGISTER is not re-sent");
      return;
    }
  }
  if (changed) osip_message_force_update(msg);
}

std::string RestoreGuardedResponse(osip_message_t* msg) {
  if (msg == nullptr) return "";
  for (int pos = 0; pos < osip_list_size(&msg->headers);) {
    auto* header = static_cast<osip_header_t*>(osip_list_get(&msg->headers, pos));
    if (header == nullptr || header->hname == nullptr || osip_strcasecmp(header->hname, kGuardContactHeader) != 0) {
      pos++;
      continue;
    }
    osip_list_remove(&msg->headers, pos);
    if (header->hvalue != nullptr) osip_message_set_contact(msg, header->hvalue);
    osip_header_free(header);
  }
  for (int pos = 0; pos < osip_list_size(&msg->headers); pos++) {
    auto* header = static_cast<osip_header_t*>(osip_list_get(&msg->headers, pos));
    if (header == nullptr || header->hname == nullptr || osip_strcasecmp(header->hname, kGuardHeader) != 0) continue;
    std::string value = header->hvalue != nullptr ? header->hvalue : "";
    osip_list_remove(&msg->headers, pos);
    osip_header_free(header);
    size_t space = value.find(' ');
    int status = std::atoi(value.substr(0, space).c_str());
    if (status >= 100 && status <= 699) msg->status_code = status;
    osip_message_force_update(msg);
    return space == std::string::npos ? "" : value.substr(space + 1);
  }
  return "";
}

}  // namespace exosip
