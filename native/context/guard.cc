#include "guard.h"

#include <osipparser2/osip_port.h>

#include <cstdlib>

#include "register_guard.h"

namespace exosip {

void ApplyInviteGuard(osip_message_t* msg, int received) {
  if (received == 0 || msg == nullptr) return;
  if (msg->status_code == 0) {
    // A request: drop INVITEs that carry a To tag (never a new call here).
    osip_generic_param_t* to_tag = nullptr;
    if (msg->to != nullptr) osip_from_param_get_byname(msg->to, const_cast<char*>("tag"), &to_tag);
    if (to_tag != nullptr && msg->sip_method != nullptr && osip_strcasecmp(msg->sip_method, "INVITE") == 0) {
      osip_free(msg->sip_method);
      msg->sip_method = nullptr;
    }
    return;
  }
  if (msg->cseq != nullptr && msg->cseq->method != nullptr && osip_strcasecmp(msg->cseq->method, "INVITE") == 0) {
    msg->status_code = 0;
    return;
  }
  // issue #16: REGISTER answers eXosip would mishandle, our address in another
  // notation in the Via (register_guard.h).
  GuardRegisterResponse(msg);
}

CbSipCallback GuardCallback() { return &ApplyInviteGuard; }

}  // namespace exosip
