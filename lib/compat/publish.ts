/**
 * eX_publish.h: PUBLISH (RFC 3903, event state publication). eXosip keeps
 * one publication per To AoR: a `eXosip_publish` for an AoR it already
 * publishes for carries `SIP-If-Match` with the entity tag of the last 2xx,
 * and eXosip refreshes the publication before it expires. Answers come as
 * `EXOSIP_MESSAGE_*` events (`event.tid`); a 401/407 is answered with the
 * context's credentials by `eXosip_default_action(ctx, event)` as in C.
 *
 * Unlike C, a PUBLISH eXosip could not send (`to` without `route`, or
 * `route`, not a `sip:`/`sips:` URI with a host: C crashes sending it) and
 * values with CR, LF or NUL (C would inject them) give `OSIP_BADPARAMETER`.
 * @module
 */
import { wrapMessage } from '../message';
import { nativeContext, sendRequest, str, strOrNull, UNSAFE_TEXT, unsafeUri, unsendableTarget } from './args';
import { OSIP_BADPARAMETER } from './constants';
import type { osip_message_t } from './osip-message';
import type { eXosip_t } from './setup';

/**
 * `int eXosip_build_publish(struct eXosip_t *excontext, osip_message_t **message, const char *to, const char *from, const char *route, const char *event, const char *expires, const char *ctype, const char *body)`
 * → `[code, publish]`: a PUBLISH of `event` state (`presence`, ...) lasting
 * `expires` seconds (a string, as in C; null: 3600), with `body` of type
 * `ctype` (both or neither, as C checks: else `OSIP_BADPARAMETER`). The body
 * is a C string: it ends at a NUL, as in C.
 */
export function eXosip_build_publish(
  ctx: eXosip_t,
  to: string,
  from: string,
  route: string | null,
  event: string,
  expires: string | null,
  ctype: string | null,
  body: string | null,
): [code: number, message: osip_message_t | null] {
  const fn = 'eXosip_build_publish';
  const n = nativeContext(ctx, fn);
  const uris = [str(to, fn, 'to'), str(from, fn, 'from'), strOrNull(route, fn, 'route')];
  const texts = [str(event, fn, 'event'), strOrNull(expires, fn, 'expires'), strOrNull(ctype, fn, 'ctype')];
  const b = strOrNull(body, fn, 'body');
  if (uris.some((x) => x !== null && unsafeUri(x)) || texts.some((x) => x !== null && UNSAFE_TEXT.test(x))) return [OSIP_BADPARAMETER, null];
  if (uris[0] !== '' && unsendableTarget(ctx, fn, uris[0]!, uris[2])) return [OSIP_BADPARAMETER, null];
  const [code, handle] = n.buildPublish(uris[0]!, uris[1]!, uris[2] || null, texts[0]!, texts[1], texts[2], b);
  return [code, wrapMessage(handle)];
}

/**
 * `int eXosip_publish(struct eXosip_t *excontext, osip_message_t *message, const char *to)`
 * → the transaction id (> 0: its answer's events carry it as `tid`) or a
 * negative code (`OSIP_SYNTAXERROR` without an Expires header); the
 * message is eXosip's whatever the result. `to` names the publication (the
 * AoR the PUBLISH was built for).
 */
export function eXosip_publish(ctx: eXosip_t, message: osip_message_t, to: string): number {
  const fn = 'eXosip_publish';
  const aor = str(to, fn, 'to');
  if (UNSAFE_TEXT.test(aor)) return OSIP_BADPARAMETER;
  return sendRequest(ctx, fn, message, (n, m) => n.publish(m, aor));
}
