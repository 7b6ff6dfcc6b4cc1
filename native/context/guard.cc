#include "guard.h"

#include <osipparser2/osip_port.h>

#include <cstdlib>
#include <string>

#include "register_guard.h"

namespace exosip {
namespace {

bool IsMethod(const char* method, const char* name) { return method != nullptr && osip_strcasecmp(method, name) == 0; }

// Whether every Record-Route is routable and the first Contact (the remote
// target a dialog takes from this message) is, when present. `need_contact`:
// a missing Contact fails too.
bool SafeTargets(osip_message_t* msg, bool need_contact) {
  osip_contact_t* contact = nullptr;
  osip_message_get_contact(msg, 0, &contact);
  if (contact == nullptr ? need_contact : !Routable(contact->url)) return false;
  for (int pos = 0; !osip_list_eol(&msg->record_routes, pos); pos++) {
    auto* rr = static_cast<osip_record_route_t*>(osip_list_get(&msg->record_routes, pos));
    if (rr == nullptr || !Routable(rr->url)) return false;
  }
  return true;
}

const char* Tag(osip_from_t* header) {
  osip_generic_param_t* tag = nullptr;
  if (header != nullptr) osip_from_param_get_byname(header, const_cast<char*>("tag"), &tag);
  return tag != nullptr && tag->gvalue != nullptr && tag->gvalue[0] != '\0' ? tag->gvalue : nullptr;
}

// Whether a To-tagged INVITE belongs to a dialog of `ctx` (the eXosip lock
// is held: the callback runs inside _eXosip_read_message's locked section).
// eXosip_call_find_by_replaces compares Call-ID and both tags with every
// dialog (either orientation), which is safe as long as no dialog lacks a
// tag: the guard drops the messages that would make one (below).
bool InOurDialog(eXosip_t* ctx, osip_message_t* msg, const char* to_tag) {
  const char* from_tag = Tag(msg->from);
  char* call_id = nullptr;
  if (from_tag == nullptr || msg->call_id == nullptr || osip_call_id_to_str(msg->call_id, &call_id) != 0 || call_id == nullptr) {
    return false;
  }
  std::string replaces = std::string(call_id) + ";to-tag=" + to_tag + ";from-tag=" + from_tag;
  osip_free(call_id);
  return eXosip_call_find_by_replaces(ctx, &replaces[0]) != OSIP_NOTFOUND;
}

// A REFER asking for no implicit subscription (Refer-Sub: false, RFC 4488).
bool NoReferSub(osip_message_t* msg) {
  osip_header_t* header = nullptr;
  osip_message_header_get_byname(msg, "refer-sub", 0, &header);
  return header != nullptr && header->hvalue != nullptr && osip_strncasecmp(header->hvalue, "false", 5) == 0;
}

void Drop(osip_message_t* request) {
  // eXosip drops a request without a method (udp.c:1708).
  osip_free(request->sip_method);
  request->sip_method = nullptr;
}

void GuardRequest(osip_message_t* msg, eXosip_t* ctx) {
  if (IsMethod(msg->sip_method, "UPDATE") || IsMethod(msg->sip_method, "NOTIFY")) {
    // A target refresh: its Contact becomes the dialog's remote target (a
    // NOTIFY's also makes a subscription's dialog, RFC 6665 §4.1.2.4).
    if (!SafeTargets(msg, false)) Drop(msg);
    return;
  }
  if (IsMethod(msg->sip_method, "SUBSCRIBE") || IsMethod(msg->sip_method, "REFER")) {
    // A new incoming subscription takes its Contact as the remote target of
    // the dialog its 2xx makes (NOTIFYs go there), a refresh updates it. A
    // REFER with Refer-Sub: false makes none (RFC 4488; eXosip reports it as
    // EXOSIP_MESSAGE_NEW): its Contact is optional.
    bool fresh = Tag(msg->to) == nullptr;
    bool dialog = fresh && !(IsMethod(msg->sip_method, "REFER") && NoReferSub(msg));
    if ((fresh && Tag(msg->from) == nullptr) || !SafeTargets(msg, dialog)) Drop(msg);
    return;
  }
  if (!IsMethod(msg->sip_method, "INVITE")) return;
  const char* to_tag = Tag(msg->to);
  if (to_tag == nullptr) {
    // A new call: its Contact and Record-Routes make the dialog, and its
    // From tag the dialog's remote tag (RFC 3261 8.1.1.3, 8.1.1.8).
    if (Tag(msg->from) == nullptr || !SafeTargets(msg, true)) Drop(msg);
    return;
  }
  if (ctx == nullptr || !InOurDialog(ctx, msg, to_tag) || !SafeTargets(msg, false)) Drop(msg);
}

// An answer to an INVITE, SUBSCRIBE or REFER.
void GuardInviteResponse(osip_message_t* msg) {
  int status = msg->status_code;
  if (status <= 100 || status >= 300) return;  // 100 and failures make no dialog
  // 101..299 make or confirm a dialog: To tag and remote target must be sound
  // (a 2xx also needs its Contact: eXosip sends ACK and BYE there), except a
  // REFER's 2xx that says Refer-Sub: false (RFC 4488: no dialog).
  bool dialog = status >= 200 && !(IsMethod(msg->cseq->method, "REFER") && NoReferSub(msg));
  if (Tag(msg->to) == nullptr || !SafeTargets(msg, dialog)) msg->status_code = 0;
}

// A 3xx eXosip would follow by itself (eXosip_automatic_action resends an
// INVITE, or any request of a call, to a Contact of its 3xx:
// _eXosip_call_retry_request, eXcall_api.c:1331, takes the first Contact
// whose scheme contains "sip" or "tel"; eXosip_default_action does the same
// for EXOSIP_CALL_REDIRECTED) must not lead it to a URI without a SIP host.
// When any Contact it would consider is not Routable, all Contacts are taken
// out of the message eXosip acts on (it then finds no usable Contact and the
// 3xx stays a final failure) and kept in marker headers that
// RestoreGuardedResponse puts back in the event's copy: the application sees
// the 3xx as it came. Applied to every 3xx, whatever its method: eXosip
// follows those of a call's requests, and the others lose nothing.
void GuardRedirect(osip_message_t* msg) {
  bool unsafe = false;
  for (int pos = 0; !osip_list_eol(&msg->contacts, pos); pos++) {
    auto* contact = static_cast<osip_contact_t*>(osip_list_get(&msg->contacts, pos));
    const osip_uri_t* url = contact != nullptr ? contact->url : nullptr;
    if (url == nullptr || url->scheme == nullptr) continue;  // eXosip skips it too
    bool considered = osip_strcasestr(url->scheme, "sip") != nullptr || osip_strcasestr(url->scheme, "tel") != nullptr;
    if (considered && !Routable(url)) unsafe = true;
  }
  if (!unsafe) return;
  while (!osip_list_eol(&msg->contacts, 0)) {
    auto* contact = static_cast<osip_contact_t*>(osip_list_get(&msg->contacts, 0));
    osip_list_remove(&msg->contacts, 0);
    char* text = nullptr;
    if (contact != nullptr && osip_contact_to_str(contact, &text) == 0 && text != nullptr) {
      osip_message_set_header(msg, kGuardContactHeader, text);
    }
    osip_free(text);
    osip_contact_free(contact);
  }
  MarkFinalForExosip(msg, msg->status_code,
                     std::string(kGuardNotePrefix) + "a Contact of this " + std::to_string(msg->status_code) +
                         " is not a sip:/sips: URI with a host: eXosip does not follow it");
}

}  // namespace

bool Routable(const osip_uri_t* url) {
  if (url == nullptr || url->scheme == nullptr || url->host == nullptr || url->host[0] == '\0') return false;
  return osip_strcasecmp(url->scheme, "sip") == 0 || osip_strcasecmp(url->scheme, "sips") == 0;
}

bool SendableRequest(const osip_message_t* msg) {
  if (msg == nullptr) return false;
  auto* route = static_cast<osip_route_t*>(osip_list_get(&msg->routes, 0));
  osip_uri_param_t* lr = nullptr;
  if (route != nullptr && route->url != nullptr) osip_uri_uparam_get_byname(route->url, const_cast<char*>("lr"), &lr);
  // A loose route is where it goes (a tel: Request-URI behind a SIP proxy is
  // fine, RFC 3261 §19.1.6); otherwise the Request-URI is.
  return Routable(lr != nullptr ? route->url : msg->req_uri);
}

void ApplyInviteGuard(osip_message_t* msg, int received, eXosip_t* ctx) {
  if (received == 0 || msg == nullptr) return;
  if (msg->status_code == 0) {
    GuardRequest(msg, ctx);
    return;
  }
  if (msg->status_code >= 300 && msg->status_code <= 399) GuardRedirect(msg);
  if (msg->cseq != nullptr && (IsMethod(msg->cseq->method, "INVITE") || IsMethod(msg->cseq->method, "SUBSCRIBE") || IsMethod(msg->cseq->method, "REFER"))) {
    // The answers that make a dialog (a call, a subscription).
    GuardInviteResponse(msg);
    return;
  }
  // issue #16: REGISTER answers eXosip would mishandle, our address in another
  // notation in the Via (register_guard.h).
  GuardRegisterResponse(msg);
}

namespace {
void ContextFreeGuard(osip_message_t* msg, int received) { ApplyInviteGuard(msg, received, nullptr); }
}  // namespace

CbSipCallback GuardCallback() { return &ContextFreeGuard; }

}  // namespace exosip
