/**
 * The compat API of eX_message.h, eX_options.h, the answers of eX_call.h and
 * eX_subscribe.h, and the osip_message body calls: C's tuples, codes and
 * ownership, between two contexts and SIPp.
 */
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import {
  EXOSIP_CALL_INVITE,
  EXOSIP_MESSAGE_ANSWERED,
  EXOSIP_MESSAGE_NEW,
  EXOSIP_MESSAGE_REQUESTFAILURE,
  OSIP_BADPARAMETER,
  OSIP_NOTFOUND,
  OSIP_UNDEFINED_ERROR,
  eXosip_call_build_answer,
  eXosip_call_send_answer,
  eXosip_insubscription_send_answer,
  eXosip_lock,
  eXosip_message_build_answer,
  eXosip_message_build_request,
  eXosip_message_send_answer,
  eXosip_message_send_request,
  eXosip_options_build_answer,
  eXosip_options_build_request,
  eXosip_options_send_answer,
  eXosip_options_send_request,
  eXosip_unlock,
  osip_message_get_body,
  osip_message_get_call_id,
  osip_message_get_content_type,
  osip_message_get_from,
  osip_message_get_method,
  osip_message_get_to,
  osip_message_get_uri,
  osip_message_set_body,
  osip_message_set_content_type,
  osip_message_set_header,
} from '../../lib/compat';
import type { eXosip_t } from '../../lib/compat';
import { codeOf, nextEvent, useCompatContexts } from '../helpers/compat';
import { explainSipp, scenarioFrom, startSipp } from '../helpers/sipp';

const { newContext } = useCompatContexts();
const at = (ctx: eXosip_t, user: string): string => `sip:${user}@127.0.0.1:${ctx.address!.port}`;

describe('eX_message.h / eX_options.h', () => {
  test('MESSAGE with a body: build, set body and type, send → tid; the peer answers 200 with a body; EXOSIP_MESSAGE_ANSWERED has the tid', async () => {
    const alice = newContext();
    const bob = newContext();
    eXosip_lock(alice);
    const [code, msg] = eXosip_message_build_request(alice, 'MESSAGE', at(bob, 'bob'), at(alice, 'alice'), null);
    assert.equal(code, 0);
    assert.equal(osip_message_set_body(msg, 'héllo bob', Buffer.byteLength('héllo bob')), 0);
    assert.equal(osip_message_set_content_type(msg, 'text/plain;charset=utf-8'), 0);
    const tid = eXosip_message_send_request(alice, msg!);
    eXosip_unlock(alice);
    assert.ok(tid > 0);
    assert.equal(codeOf(() => eXosip_message_send_request(alice, msg!)), 'ERR_MESSAGE_SPENT');

    const ev = await nextEvent(bob, (e) => e.typeId === EXOSIP_MESSAGE_NEW);
    const req = ev.request!;
    assert.equal(osip_message_get_method(req), 'MESSAGE');
    assert.equal(osip_message_get_uri(req), at(bob, 'bob'));
    assert.match(osip_message_get_from(req)!, /^<sip:alice@127\.0\.0\.1:\d+>;tag=/);
    assert.equal(osip_message_get_to(req), `<${at(bob, 'bob')}>`);
    assert.ok(osip_message_get_call_id(req)!.length > 0);
    assert.equal(osip_message_get_content_type(req), 'text/plain; charset=utf-8');
    const [pos, body] = osip_message_get_body(req, 0);
    assert.deepEqual([pos, body?.body, body?.length], [0, 'héllo bob', 10]);
    assert.deepEqual(osip_message_get_body(req, 1), [OSIP_UNDEFINED_ERROR, null]);

    const [bcode, answer] = eXosip_message_build_answer(bob, ev.tid, 200);
    assert.equal(bcode, 0);
    assert.equal(osip_message_set_body(answer, 'got it', 6), 0);
    assert.equal(osip_message_set_content_type(answer, 'text/plain'), 0);
    assert.equal(eXosip_message_send_answer(bob, ev.tid, 200, answer), 0);
    assert.equal(answer!.state, 'spent');

    const done = await nextEvent(alice, (e) => e.typeId === EXOSIP_MESSAGE_ANSWERED);
    assert.equal(done.tid, tid);
    assert.equal(done.response?.statusCode, 200);
    assert.equal(osip_message_get_body(done.response, 0)[1]?.body, 'got it');
  });

  test('OPTIONS: build/send request and answer; codes and ownership as in C', async () => {
    const alice = newContext();
    const bob = newContext();
    const [code, options] = eXosip_options_build_request(alice, at(bob, 'bob'), at(alice, 'alice'), '');
    assert.equal(code, 0);
    const tid = eXosip_options_send_request(alice, options!);
    assert.ok(tid > 0);
    const ev = await nextEvent(bob, (e) => e.typeId === EXOSIP_MESSAGE_NEW && osip_message_get_method(e.request) === 'OPTIONS');
    // A bad status: C returns OSIP_BADPARAMETER (and leaks the answer); here it is spent too.
    const [, refused] = eXosip_options_build_answer(bob, ev.tid, 200);
    assert.equal(eXosip_options_send_answer(bob, ev.tid, 99, refused), OSIP_BADPARAMETER);
    assert.equal(refused!.state, 'spent');
    assert.deepEqual(eXosip_options_build_answer(bob, 999_999, 200), [OSIP_NOTFOUND, null]);
    const [, answer] = eXosip_options_build_answer(bob, ev.tid, 200);
    assert.equal(osip_message_set_header(answer, 'Allow', 'OPTIONS, MESSAGE'), 0);
    assert.equal(eXosip_options_send_answer(bob, ev.tid, 200, answer), 0);
    const done = await nextEvent(alice, (e) => e.typeId === EXOSIP_MESSAGE_ANSWERED);
    assert.equal(done.tid, tid);
    assert.deepEqual(done.response?.getHeaders('allow'), ['OPTIONS', 'MESSAGE']);
  });

  test('bad input: empty or CR/LF values → OSIP_BADPARAMETER; NULL or a response to send throws; an unknown tid → OSIP_NOTFOUND', () => {
    const ctx = newContext();
    assert.deepEqual(eXosip_message_build_request(ctx, '', 'sip:a@127.0.0.1', 'sip:b@127.0.0.1', null), [OSIP_BADPARAMETER, null]);
    assert.deepEqual(eXosip_message_build_request(ctx, 'MESSAGE', 'sip:a@127.0.0.1\r\nX: y', 'sip:b@127.0.0.1', null), [OSIP_BADPARAMETER, null]);
    assert.equal(codeOf(() => eXosip_message_send_request(ctx, null as never)), 'ERR_INVALID_ARG_VALUE');
    assert.equal(eXosip_message_send_answer(ctx, 424242, 200, null), OSIP_NOTFOUND);
    assert.equal(eXosip_call_send_answer(ctx, 424242, 405, null), OSIP_NOTFOUND);
    assert.equal(eXosip_insubscription_send_answer(ctx, 424242, 405, null), OSIP_NOTFOUND);
    assert.equal(osip_message_set_body(null, 'x', 1), OSIP_BADPARAMETER);
    const [, msg] = eXosip_message_build_request(ctx, 'MESSAGE', 'sip:a@127.0.0.1', 'sip:b@127.0.0.1', null);
    assert.equal(osip_message_set_body(msg, 'abc', 4), OSIP_BADPARAMETER);
  });

  test('a MESSAGE SIPp answers 404 ends as EXOSIP_MESSAGE_REQUESTFAILURE with the tid', async () => {
    const ctx = newContext();
    const sipp = await startSipp(scenarioFrom('uas-message.xml', { STATUS: 404, REASON: 'Not Found' }), { timeoutS: 20 });
    try {
      const [, msg] = eXosip_message_build_request(ctx, 'MESSAGE', `sip:peer@127.0.0.1:${sipp.port}`, at(ctx, 'me'), null);
      const tid = eXosip_message_send_request(ctx, msg!);
      const ev = await nextEvent(ctx, (e) => e.typeId === EXOSIP_MESSAGE_REQUESTFAILURE);
      assert.deepEqual([ev.tid, ev.response?.statusCode], [tid, 404]);
      const r = await sipp.done;
      assert.equal(r.exitCode, 0, explainSipp(r));
    } finally {
      await sipp.stop();
    }
  });
});

describe('eX_call.h / eX_subscribe.h answers', () => {
  test('an INVITE is refused with eXosip_call_build_answer/send_answer 405, as sip_reg.c does', { timeout: 30_000 }, async () => {
    const ctx = newContext();
    const sipp = await startSipp(scenarioFrom('uac-invite.xml', { STATUS: 405 }), { remote: `127.0.0.1:${ctx.address!.port}`, timeoutS: 20 });
    const ev = await nextEvent(ctx, (e) => e.typeId === EXOSIP_CALL_INVITE);
    assert.ok(ev.cid > 0 && ev.tid > 0);
    eXosip_lock(ctx);
    const [code, answer] = eXosip_call_build_answer(ctx, ev.tid, 405);
    assert.equal(code, 0);
    assert.equal(osip_message_set_header(answer, 'Allow', 'OPTIONS'), 0);
    assert.equal(eXosip_call_send_answer(ctx, ev.tid, 405, answer), 0);
    eXosip_unlock(ctx);
    const r = await sipp.done;
    assert.equal(r.exitCode, 0, explainSipp(r));
    assert.match(r.messages, /^Allow: OPTIONS\s*$/m);
  });
});
