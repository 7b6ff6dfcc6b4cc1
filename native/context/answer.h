// Sending an answer to a request received outside of a dialog, with one
// ownership rule for every eX_*.h send call: the answer handed over is spent,
// whatever the outcome.
//
// eXosip_message_send_answer and eXosip_options_send_answer (eXosip 5.3.0)
// return OSIP_BADPARAMETER for a tid <= 0, a status outside 101..699 or a
// 1xx without a message *before* taking the answer, and never free it on
// that path: in C the answer leaks (C callers never free what they sent).
// Here those checks run first and the answer is freed, so the handle is
// spent on every path and nothing leaks.
#pragma once

#include <napi.h>

#include "../message.h"
#include "context.h"

namespace exosip {

template <typename F>
Napi::Value SendNonInviteAnswer(Context& self, Napi::Env env, Message* answer, int tid, int status, F&& send) {
  if (tid <= 0 || status <= 100 || status > 699 || (answer == nullptr && status < 200)) {
    osip_message_free(Message::Take(env, answer));
    return Napi::Number::New(env, OSIP_BADPARAMETER);
  }
  return self.Send(env, answer, std::forward<F>(send));
}

}  // namespace exosip
