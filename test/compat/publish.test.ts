/**
 * The compat API of eX_publish.h between two contexts on loopback: alice
 * publishes presence state to bob (RFC 3903), bob's 2xx gives the entity tag
 * eXosip puts in alice's next PUBLISH (SIP-If-Match); what C would crash on
 * or inject.
 */
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import {
  EXOSIP_MESSAGE_ANSWERED,
  EXOSIP_MESSAGE_NEW,
  OSIP_BADPARAMETER,
  eXosip_build_publish,
  eXosip_lock,
  eXosip_message_build_answer,
  eXosip_message_send_answer,
  eXosip_publish,
  eXosip_unlock,
  osip_message_get_body,
  osip_message_get_expires,
  osip_message_header_get_byname,
  osip_message_set_expires,
  osip_message_set_header,
  type eXosip_event_t,
  type eXosip_t,
} from '../../lib/compat';
import { codeOf, nextEvent, useCompatContexts } from '../helpers/compat';

const { newContext } = useCompatContexts();
const at = (ctx: eXosip_t, user: string): string => `<sip:${user}@127.0.0.1:${ctx.address!.port}>`;
const isPublish = (e: eXosip_event_t): boolean => e.typeId === EXOSIP_MESSAGE_NEW && e.request?.method === 'PUBLISH';
const header = (e: eXosip_event_t, name: string): string | undefined => osip_message_header_get_byname(e.request, name, 0)[1]?.hvalue;
const PIDF = '<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:alice@127.0.0.1"><tuple id="a"><status><basic>open</basic></status></tuple></presence>';

/** bob: 200 to the PUBLISH of `ev` with entity tag `etag`, granted for 60 s. */
function accept(bob: eXosip_t, ev: eXosip_event_t, etag: string): void {
  const [i, answer] = eXosip_message_build_answer(bob, ev.tid, 200);
  assert.equal(i, 0);
  assert.equal(osip_message_set_header(answer, 'SIP-ETag', etag), 0);
  assert.equal(osip_message_set_expires(answer, '60'), 0);
  assert.equal(eXosip_message_send_answer(bob, ev.tid, 200, answer), 0);
}

describe('eX_publish.h', () => {
  test('PUBLISH with a PIDF body → 200 with SIP-ETag; the next PUBLISH for the AoR carries SIP-If-Match', { timeout: 30_000 }, async () => {
    const alice = newContext();
    const bob = newContext();
    const aor = at(bob, 'alice');
    const [i, publish] = eXosip_build_publish(alice, aor, at(alice, 'alice'), null, 'presence', '120', 'application/pidf+xml', PIDF);
    assert.equal(i, 0);
    eXosip_lock(alice);
    const tid = eXosip_publish(alice, publish!, aor);
    eXosip_unlock(alice);
    assert.ok(tid > 0, `tid ${tid}`);
    assert.equal(publish!.state, 'spent');

    const first = await nextEvent(bob, isPublish);
    assert.equal(header(first, 'event'), 'presence');
    assert.equal(osip_message_get_expires(first.request, 0)[1]?.hvalue, '120');
    assert.equal(osip_message_get_body(first.request, 0)[1]?.body, PIDF);
    assert.equal(header(first, 'sip-if-match'), undefined);
    accept(bob, first, 'etag-1');
    const answered = await nextEvent(alice, (e) => e.typeId === EXOSIP_MESSAGE_ANSWERED);
    assert.equal(answered.response?.statusCode, 200);
    assert.equal(answered.tid, tid);

    // A refresh without a body (RFC 3903 §4.4): eXosip adds the entity tag.
    const [j, refresh] = eXosip_build_publish(alice, aor, at(alice, 'alice'), null, 'presence', '120', null, null);
    assert.equal(j, 0);
    assert.ok(eXosip_publish(alice, refresh!, aor) > tid);
    const second = await nextEvent(bob, isPublish);
    assert.equal(header(second, 'sip-if-match'), 'etag-1');
    assert.equal(osip_message_get_body(second.request, 0)[1], null);
    accept(bob, second, 'etag-2');
    assert.equal((await nextEvent(alice, (e) => e.typeId === EXOSIP_MESSAGE_ANSWERED)).response?.statusCode, 200);
  });

  test('what C refuses, crashes on or would inject: OSIP_BADPARAMETER; NULL message throws', () => {
    const alice = newContext();
    const me = at(alice, 'alice');
    const build = (...args: Parameters<typeof eXosip_build_publish> extends [unknown, ...infer R] ? R : never) => eXosip_build_publish(alice, ...args);
    assert.deepEqual(build(me, me, null, 'presence', null, 'application/pidf+xml', null), [OSIP_BADPARAMETER, null], 'a type without a body (C)');
    assert.deepEqual(build(me, me, null, 'presence', null, null, PIDF), [OSIP_BADPARAMETER, null], 'a body without a type (C)');
    assert.deepEqual(build(me, me, null, '', null, null, null), [OSIP_BADPARAMETER, null], 'no event (C)');
    assert.deepEqual(build('', me, null, 'presence', null, null, null), [OSIP_BADPARAMETER, null], 'no to (C)');
    assert.deepEqual(build('<tel:+15551234>', me, null, 'presence', null, null, null), [OSIP_BADPARAMETER, null], 'C crashes sending to it');
    assert.deepEqual(build(me, me, null, 'presence\r\nX-Evil: 1', null, null, null), [OSIP_BADPARAMETER, null]);
    assert.deepEqual(build(me, me, null, 'presence', '60\r\nX-Evil: 1', null, null), [OSIP_BADPARAMETER, null]);
    const [code, ok] = build(me, me, null, 'presence', null, null, null);
    assert.equal(code, 0);
    assert.equal(osip_message_get_expires(ok, 0)[1]?.hvalue, '3600', "eXosip's default");
    assert.equal(codeOf(() => eXosip_publish(alice, null as never, me)), 'ERR_INVALID_ARG_VALUE');
  });
});
