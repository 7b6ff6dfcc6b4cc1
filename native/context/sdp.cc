// eXosip.h's SDP helpers that need the context: the SDP of a call's last
// INVITE transaction (eXosip_get_remote_sdp, eXosip_get_local_sdp,
// eXosip_get_previous_local_sdp) or of a transaction (the _from_tid forms).
// Each gives the caller a new sdp_message_t (a NativeSdp, native/sdp.h) or
// null. The context-free helpers (eXosip_get_sdp_info, eXosip_get_media,
// eXosip_get_connection) are NativeSdp's own.
//
// Function names are unique across native/context/*.cc (see message.cc).
#include <string>

#include "../sdp.h"
#include "../util/args.h"
#include "../util/error.h"
#include "context.h"

namespace exosip {
namespace {

// getSdp(kind, id) -> NativeSdp|null. kind: "remote" / "local" /
// "previous_local" (id: a did, or a cid) or "remote_tid" / "local_tid" (id: a tid).
// They walk the context's calls: under the lock.
Napi::Value GetSdp(Context& self, const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  eXosip_t* ctx = self.Ready(env);
  std::string kind = StringArg(info, 0, "kind");
  int id = IntArg(info, 1, "id");
  sdp_message_t* (*get)(eXosip_t*, int) = nullptr;
  if (kind == "remote") get = eXosip_get_remote_sdp;
  if (kind == "local") get = eXosip_get_local_sdp;
  if (kind == "previous_local") get = eXosip_get_previous_local_sdp;
  if (kind == "remote_tid") get = eXosip_get_remote_sdp_from_tid;
  if (kind == "local_tid") get = eXosip_get_local_sdp_from_tid;
  if (get == nullptr) throw TypeCodeError(env, "ERR_INVALID_ARG_VALUE", "No eXosip SDP getter of kind " + kind);
  return Sdp::Adopt(env, self.Locked([&] { return get(ctx, id); }));
}

}  // namespace

void AddSdpMethods(Context::Methods& methods) {
  methods.insert(methods.end(), {
      Context::Method<&GetSdp>("getSdp"),
  });
}

}  // namespace exosip
