/**
 * The compat API, eX_register.h: out-parameter tuples and OSIP codes of the
 * registration calls, against a real Kamailio.
 */
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import {
  OSIP_BADPARAMETER,
  OSIP_NOTFOUND,
  OSIP_WRONG_STATE,
  eXosip_add_authentication_info,
  eXosip_lock,
  eXosip_register_build_initial_register,
  eXosip_register_build_register,
  eXosip_register_remove,
  eXosip_register_send_register,
  eXosip_unlock,
  osip_message_clone,
  osip_message_free,
  osip_message_get_expires,
  osip_message_set_supported,
  osip_message_to_str,
} from '../../lib/compat';
import { Message } from '../../lib/index';
import { codeOf, isSuccess, nextEvent, useCompatContexts } from '../helpers/compat';
import { useKamailio } from '../helpers/use-kamailio';

const kam = useKamailio();
const { newContext } = useCompatContexts(kam);

describe('registration calls: out-parameters and codes', () => {
  test('build calls return [code, message] tuples; failures are negative codes', () => {
    const ctx = newContext();
    const [rid, reg] = eXosip_register_build_initial_register(ctx, 'sip:alice@example.com', kam.proxy, null, 1800);
    assert.ok(rid > 0);
    assert.ok(reg instanceof Message);
    assert.equal(reg.method, 'REGISTER');
    const [bad, none] = eXosip_register_build_initial_register(ctx, 'not a uri', kam.proxy, null, 1800);
    assert.ok(bad < 0, `rid ${bad}`);
    assert.equal(none, null);
    assert.deepEqual(eXosip_register_build_initial_register(ctx, null, kam.proxy, null, 1800), [OSIP_BADPARAMETER, null]);
    // Unlike C: a percent-escaped CR LF, which eXosip would unescape from the From URI's headers into the REGISTER.
    assert.deepEqual(eXosip_register_build_initial_register(ctx, 'sip:alice@example.com?X-A=1%0D%0AX-B:%202', kam.proxy, null, 1800), [OSIP_BADPARAMETER, null]);
    // libosip2 unescapes with sscanf("%02X"): %D%A is CR LF too; a Contact's URI counts as well.
    assert.deepEqual(eXosip_register_build_initial_register(ctx, 'sip:alice@example.com?X-A=1%D%AX-B:%202', kam.proxy, null, 1800), [OSIP_BADPARAMETER, null]);
    assert.deepEqual(eXosip_register_build_initial_register(ctx, 'sip:alice@example.com', kam.proxy, '<sip:alice@127.0.0.1?X-A=% D% A>', 1800), [OSIP_BADPARAMETER, null]);
    // Not as in C: an IPv6 proxy literal from an IPv4 context could never be reached (and leaked in eXosip).
    assert.deepEqual(eXosip_register_build_initial_register(ctx, 'sip:alice@example.com', 'sip:[::1]:5060', null, 1800), [OSIP_BADPARAMETER, null]);
    assert.deepEqual(eXosip_register_build_register(ctx, rid + 100, 1800), [OSIP_NOTFOUND, null]);
    assert.deepEqual(eXosip_register_build_register(ctx, 0, 1800), [OSIP_BADPARAMETER, null]);
    assert.equal(eXosip_register_remove(ctx, rid + 100), OSIP_NOTFOUND);
    assert.equal(eXosip_register_remove(ctx, 0), OSIP_BADPARAMETER);
    // Unknown rid: C frees the message and returns OSIP_NOTFOUND; here it is spent.
    assert.equal(eXosip_register_send_register(ctx, rid + 100, reg), OSIP_NOTFOUND);
    assert.equal(reg.state, 'spent');
    assert.equal(eXosip_register_remove(ctx, rid), 0);
  });

  test('a second send while the first REGISTER is in flight is OSIP_WRONG_STATE', async () => {
    const ctx = newContext();
    eXosip_add_authentication_info(ctx, 'alice', 'alice', 'secret', null, null);
    eXosip_lock(ctx);
    const [rid, reg] = eXosip_register_build_initial_register(ctx, 'sip:alice@example.com', kam.proxy, null, 1800);
    const [, copy] = osip_message_clone(reg);
    assert.equal(eXosip_register_send_register(ctx, rid, reg), 0);
    // Under the lock, eXosip cannot have finished the transaction.
    assert.equal(eXosip_register_send_register(ctx, rid, copy), OSIP_WRONG_STATE);
    assert.equal(copy?.state, 'spent', 'C frees the message on failure too');
    assert.deepEqual(eXosip_register_build_register(ctx, rid, 1800), [OSIP_WRONG_STATE, null]);
    assert.equal(eXosip_register_send_register(ctx, rid, null), OSIP_WRONG_STATE);
    eXosip_unlock(ctx);
    const ev = await nextEvent(ctx, isSuccess);
    assert.equal(ev.rid, rid);
    assert.equal((await kam.lookup('alice@example.com')).length, 1);
    // Now idle: a NULL message lets eXosip build the refresh itself.
    assert.equal(eXosip_register_send_register(ctx, rid, null), 0);
    const refresh = await nextEvent(ctx, isSuccess);
    assert.equal(refresh.rid, rid);
  });

  test('a spent message throws ERR_MESSAGE_SPENT', async () => {
    const ctx = newContext();
    eXosip_add_authentication_info(ctx, 'alice', 'alice', 'secret', null, null);
    const [rid, reg] = eXosip_register_build_initial_register(ctx, 'sip:alice@example.com', kam.proxy, null, 1800);
    assert.equal(eXosip_register_send_register(ctx, rid, reg), 0); // without eXosip_lock: the binding locks
    assert.equal(codeOf(() => osip_message_set_supported(reg, '100rel')), 'ERR_MESSAGE_SPENT');
    assert.equal(codeOf(() => osip_message_to_str(reg)), 'ERR_MESSAGE_SPENT');
    assert.equal(codeOf(() => osip_message_get_expires(reg, 0)), 'ERR_MESSAGE_SPENT');
    assert.equal(codeOf(() => osip_message_free(reg)), 'ERR_MESSAGE_SPENT');
    assert.equal(codeOf(() => eXosip_register_send_register(ctx, rid, reg)), 'ERR_MESSAGE_SPENT');
    await nextEvent(ctx, isSuccess);
  });
});
