// eX_publish.h: PUBLISH (RFC 3903). eXosip_build_publish builds one with its
// Event, Expires and body; eXosip_publish sends it and keeps a publication
// per To AoR, adding SIP-If-Match with the entity tag of its last 2xx and
// refreshing it before it expires (eXosip_automatic_action). Answers come as
// EXOSIP_MESSAGE_* events. A PUBLISH eXosip could not send (a target without
// a SIP host, on which it would crash) is OSIP_BADPARAMETER (SendRequest).
#include "../message.h"
#include "../util/args.h"
#include "context.h"

namespace exosip {
namespace {

// buildPublish(to, from, route|null, event, expires|null, ctype|null, body|null) -> [code, Message|null]
Napi::Value BuildPublish(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  std::string to = StringArg(info, 0, "to");
  std::string from = StringArg(info, 1, "from");
  auto route = OptionalStringArg(info, 2, "route");
  std::string event = StringArg(info, 3, "event");
  auto expires = OptionalStringArg(info, 4, "expires");
  auto ctype = OptionalStringArg(info, 5, "ctype");
  auto body = OptionalStringArg(info, 6, "body");
  auto c_str = [](const std::optional<std::string>& s) { return s ? s->c_str() : nullptr; };
  return self.BuildRequest(info.Env(), [&](osip_message_t** msg) {
    return eXosip_build_publish(ctx, msg, to.c_str(), from.c_str(), c_str(route), event.c_str(), c_str(expires), c_str(ctype), c_str(body));
  });
}

// publish(message, to) -> code; the message is eXosip's whatever the outcome.
Napi::Value Publish(Context& self, const Napi::CallbackInfo& info) {
  eXosip_t* ctx = self.Ready(info.Env());
  Message* message = Message::FromValue(info.Env(), info.Length() > 0 ? info[0] : info.Env().Null(), "message");
  std::string to = StringArg(info, 1, "to");
  return self.SendRequest(info.Env(), message, [&](osip_message_t* msg) { return eXosip_publish(ctx, msg, to.c_str()); });
}

}  // namespace

void AddPublishMethods(Context::Methods& methods) {
  methods.insert(methods.end(), {
      Context::Method<&BuildPublish>("buildPublish"),
      Context::Method<&Publish>("publish"),
  });
}

}  // namespace exosip
