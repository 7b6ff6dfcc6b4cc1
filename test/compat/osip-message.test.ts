/**
 * The compat API, osip_message_*: C shapes ([code, out...] tuples), OSIP
 * codes instead of exceptions, clones and frees.
 */
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import {
  OSIP_BADPARAMETER,
  OSIP_SUCCESS,
  OSIP_UNDEFINED_ERROR,
  eXosip_register_build_initial_register,
  eXosip_register_remove,
  osip_message_clone,
  osip_message_free,
  osip_message_get_expires,
  osip_message_get_supported,
  osip_message_header_get_byname,
  osip_message_init,
  osip_message_replace_header,
  osip_message_set_expires,
  osip_message_set_header,
  osip_message_set_supported,
  osip_message_to_str,
  type osip_header_t,
} from '../../lib/compat';
import { codeOf, useCompatContexts } from '../helpers/compat';
import { useKamailio } from '../helpers/use-kamailio';

const kam = useKamailio();
const { newContext } = useCompatContexts(kam);

describe('osip_message_*', () => {
  test('C shapes: [code, out...] tuples, OSIP codes, generic headers', () => {
    const ctx = newContext();
    const [rid, reg] = eXosip_register_build_initial_register(ctx, 'sip:alice@example.com', kam.proxy, null, 1800);
    assert.ok(rid > 0);

    const [code, text, length] = osip_message_to_str(reg);
    assert.equal(code, OSIP_SUCCESS);
    assert.match(text!, /^REGISTER sip:127\.0\.0\.1:\d+ SIP\/2\.0\r\n/);
    assert.equal(length, Buffer.byteLength(text!));

    const expected: osip_header_t = { hname: 'expires', hvalue: '1800' };
    assert.deepEqual(osip_message_get_expires(reg, 0), [0, expected]);
    assert.deepEqual(osip_message_get_expires(reg, 1), [OSIP_UNDEFINED_ERROR, null]);
    // osip_message_set_expires is C's osip_message_set_header(sip, "Expires", v): it appends.
    assert.equal(osip_message_set_expires(reg, '600'), 0);
    assert.equal(osip_message_get_expires(reg, 1)[1]?.hvalue, '600');
    // osip_message_replace_header, as in libosip2: drops the first one, appends the new one.
    assert.equal(osip_message_replace_header(reg, 'Expires', '300'), 0);
    assert.deepEqual(osip_message_get_expires(reg, 0), [0, { hname: 'expires', hvalue: '600' }]);
    assert.deepEqual(osip_message_get_expires(reg, 1), [1, { hname: 'expires', hvalue: '300' }]);
    assert.deepEqual(osip_message_get_expires(reg, 2), [OSIP_UNDEFINED_ERROR, null]);

    // The C loop idiom over a repeated header.
    assert.equal(osip_message_set_supported(reg, '100rel'), 0);
    assert.equal(osip_message_set_supported(reg, 'path'), 0);
    const values: string[] = [];
    for (let pos = 0, dest: osip_header_t | null; ([pos, dest] = osip_message_get_supported(reg, pos))[0] >= 0; pos++) values.push(dest!.hvalue);
    assert.deepEqual(values, ['100rel', 'path']);

    assert.equal(osip_message_set_header(reg, 'X-Port', 'compat'), 0);
    assert.deepEqual(osip_message_header_get_byname(reg, 'x-port', 0), [0, { hname: 'x-port', hvalue: 'compat' }]);
    assert.match(osip_message_to_str(reg)[1]!, /\r\nX-Port: compat\r\n/);

    // Refusals are codes.
    assert.equal(osip_message_set_header(reg, 'X-Bad', 'a\r\nX-Injected: 1'), OSIP_BADPARAMETER);
    assert.equal(osip_message_set_header(reg, '', 'x'), OSIP_BADPARAMETER);
    assert.equal(osip_message_set_header(null, 'X-A', 'b'), OSIP_BADPARAMETER);
    assert.equal(osip_message_set_supported(null, '100rel'), OSIP_BADPARAMETER);
    assert.deepEqual(osip_message_to_str(null), [OSIP_BADPARAMETER, null, 0]);
    assert.deepEqual(osip_message_clone(null), [OSIP_BADPARAMETER, null]);

    // A clone is independent and owned by the caller.
    const [cloned, copy] = osip_message_clone(reg);
    assert.equal(cloned, 0);
    osip_message_set_header(copy, 'X-Copy', '1');
    assert.deepEqual(osip_message_header_get_byname(reg, 'X-Copy', 0), [OSIP_UNDEFINED_ERROR, null]);
    osip_message_free(copy);
    assert.equal(codeOf(() => osip_message_to_str(copy)), 'ERR_MESSAGE_DISPOSED');
    assert.equal(codeOf(() => osip_message_free(copy)), 'ERR_MESSAGE_DISPOSED');
    osip_message_free(null);

    // An empty message cannot be printed: osip's code, not an exception.
    const [initCode, empty] = osip_message_init();
    assert.equal(initCode, 0);
    assert.deepEqual(osip_message_to_str(empty), [OSIP_BADPARAMETER, null, 0]);
    osip_message_free(empty);
    osip_message_free(reg);
    assert.equal(eXosip_register_remove(ctx, rid), 0);
  });
});
