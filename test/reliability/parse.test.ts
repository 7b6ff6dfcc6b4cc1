/**
 * `osip_message_parse` in the compat API, over RFC 4475 and hostile variants
 * of it: every input gives a message or a negative code, never a crash, and
 * the compat API agrees with `parseMessage()` (test/reliability/torture.test.ts records
 * libosip2's verdicts on the RFC's messages themselves).
 *
 * Replay the variants with PARSE_SEED=<n>.
 */
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import {
  OSIP_BADPARAMETER,
  OSIP_SUCCESS,
  osip_message_free,
  osip_message_init,
  osip_message_parse,
  osip_message_to_str,
} from '../../lib/compat';
import { type Message, OSIP_CODES, parseMessage, SipError } from '../../lib/index';
import { Rng, seedFrom } from '../helpers/prng';
import { bitFlipped, randomDatagram, tortureMessages, truncated } from '../helpers/torture';

const SEED = seedFrom('PARSE_SEED');
const NEGATIVE_CODES = new Set(Object.values(OSIP_CODES).filter((c) => c < 0));

/** The RFC's valid messages (3.1.1) that libosip2 refuses, or that change on a second round (docs/reliability.md). */
const VALID = ['wsinv', 'intmeth', 'esc01', 'escnull', 'esc02', 'lwsdisp', 'longreq', 'dblreq', 'semiuri', 'transports', 'mpart01', 'unreason', 'noreason'];
const VALID_REJECTED = new Set(['intmeth']);
const VALID_UNSTABLE = new Set(['escnull', 'mpart01']);

/** compat: parse into a fresh message → [code, text or null]. */
function compatParse(raw: Buffer | string, length?: number): [number, string | null] {
  const [init, sip] = osip_message_init();
  assert.equal(init, OSIP_SUCCESS);
  const n = length ?? (typeof raw === 'string' ? Buffer.byteLength(raw) : raw.length);
  const code = osip_message_parse(sip, raw, n);
  assert.ok(code === OSIP_SUCCESS || NEGATIVE_CODES.has(code), `osip_message_parse returned ${code}`);
  let text: string | null = null;
  if (code === OSIP_SUCCESS) {
    const [toStr, dest, bytes] = osip_message_to_str(sip);
    assert.ok(toStr === OSIP_SUCCESS || NEGATIVE_CODES.has(toStr), `osip_message_to_str returned ${toStr}`);
    if (toStr === OSIP_SUCCESS) {
      assert.equal(bytes, Buffer.byteLength(dest!));
      text = dest;
    }
  }
  osip_message_free(sip);
  return [code, text];
}

/** The idiomatic API on the same input → 'refused' / 'unserializable' / the text. */
function apiParse(raw: Buffer): string {
  let message;
  try {
    message = parseMessage(raw);
  } catch (error) {
    assert.ok(error instanceof SipError, String(error));
    assert.ok(error.errno < 0);
    return 'refused';
  }
  try {
    const text = message.toString();
    assertCloneSerializes(message, text);
    return text;
  } catch (error) {
    assert.ok(error instanceof SipError, String(error));
    return 'unserializable';
  } finally {
    message.dispose();
  }
}

/**
 * A clone serializes as the message does: the same text, or, when the text
 * holds a NUL byte (libosip2's clone copies the raw text only up to it), text
 * made from the parsed fields, with the same body.
 */
function assertCloneSerializes(message: Message, text: string): void {
  const clone = message.clone();
  try {
    if (!text.includes('\0')) assert.equal(clone.toString(), text);
    else {
      assert.ok(clone.toString().length > 0);
      assert.deepEqual(clone.body, message.body);
    }
  } finally {
    clone.dispose();
  }
}

describe('osip_message_parse (compat) over RFC 4475', () => {
  test('every torture message: a message or a negative code, as parseMessage() says', () => {
    const refused: string[] = [];
    for (const { name, raw } of tortureMessages()) {
      const [code, text] = compatParse(raw);
      const api = apiParse(raw);
      if (code !== OSIP_SUCCESS) {
        refused.push(name);
        assert.equal(api, 'refused', name);
      } else {
        assert.equal(text ?? 'unserializable', api, name);
      }
    }
    // The same verdicts test/reliability/torture.test.ts records for parseMessage().
    assert.deepEqual(refused, ['badaspec', 'baddn', 'badinv01', 'clerr', 'intmeth', 'ltgtruri', 'lwsruri', 'lwsstart', 'mcl01', 'multi01', 'novelsc', 'quotbal', 'trws']);
  });

  test("the RFC's valid messages that libosip2 parses round-trip through osip_message_to_str", () => {
    const byName = new Map(tortureMessages().map((m) => [m.name, m.raw]));
    for (const name of VALID) {
      const [code, first] = compatParse(byName.get(name)!);
      if (VALID_REJECTED.has(name)) {
        assert.ok(code < 0, `${name} is now accepted: update docs/reliability.md`);
        continue;
      }
      assert.equal(code, OSIP_SUCCESS, name);
      const [again, second] = compatParse(first!);
      assert.equal(again, OSIP_SUCCESS, name);
      if (VALID_UNSTABLE.has(name)) assert.notEqual(second, first, `${name} became stable: update the record`);
      else assert.equal(second, first, name);
    }
  });

  test('length is honoured: a prefix parses as the prefix, a length past the buffer is refused', () => {
    const { raw } = tortureMessages().find((m) => m.name === 'dblreq')!;
    const [whole] = compatParse(raw);
    assert.equal(whole, OSIP_SUCCESS);
    // Only the first request of dblreq (two requests back to back) is read either way.
    const end = raw.indexOf('\r\n\r\n') + 4;
    const [prefix, text] = compatParse(raw, end);
    assert.equal(prefix, OSIP_SUCCESS);
    assert.match(text!, /^REGISTER /);
    const [, sip] = osip_message_init();
    assert.equal(osip_message_parse(sip, raw, raw.length + 1), OSIP_BADPARAMETER);
    assert.equal(osip_message_parse(sip, raw, -1), OSIP_BADPARAMETER);
    assert.equal(osip_message_parse(null, raw, 10), OSIP_BADPARAMETER);
    assert.equal(osip_message_parse(sip, null, 0), OSIP_BADPARAMETER);
    assert.ok(osip_message_parse(sip, raw, 0) < 0, 'nothing to parse');
    assert.equal(sip.isRequest && sip.statusCode, 0, 'a refused parse leaves the message as it was');
    osip_message_free(sip);
    assert.throws(() => osip_message_parse(sip, raw, raw.length), { code: 'ERR_MESSAGE_DISPOSED' });
  });

  test(`truncated, bit-flipped and random variants, both APIs agree (seed ${SEED})`, () => {
    console.log(`# parse variants: seed ${SEED} (replay with PARSE_SEED=${SEED})`);
    const rng = new Rng(SEED);
    const outcome = { parsed: 0, refused: 0, unserializable: 0 };
    for (const { raw } of tortureMessages()) {
      const variants = [
        ...Array.from({ length: 20 }, () => truncated(rng, raw)),
        ...Array.from({ length: 20 }, () => bitFlipped(rng, raw)),
        // NUL bytes inside: C strings would stop there, osip_message_parse takes a length.
        Buffer.concat([raw.subarray(0, raw.length >> 1), Buffer.from([0]), raw.subarray(raw.length >> 1)]),
      ];
      for (const variant of variants) {
        const [code, text] = compatParse(variant);
        const api = apiParse(variant);
        if (code !== OSIP_SUCCESS) {
          assert.equal(api, 'refused');
          outcome.refused++;
        } else if (text === null) {
          assert.equal(api, 'unserializable');
          outcome.unserializable++;
        } else {
          assert.equal(text, api);
          outcome.parsed++;
        }
      }
    }
    for (let i = 0; i < 500; i++) {
      const d = randomDatagram(rng, 2000);
      const [code] = compatParse(d);
      assert.equal(code === OSIP_SUCCESS, apiParse(d) !== 'refused');
    }
    console.log(`# parse variants: ${outcome.parsed} parsed, ${outcome.refused} refused, ${outcome.unserializable} parsed but not serializable, plus 500 random`);
  });
});
