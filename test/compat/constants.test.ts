/**
 * The compat API's constants (`exosip2/compat`): every constant of the binding
 * under its C name with its C value, and the values of the installed headers.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { describe, test } from 'node:test';
import { binding } from '../../lib/native';
import * as compat from '../../lib/compat';
import {
  AF_INET,
  EXOSIP_REGISTRATION_FAILURE,
  EXOSIP_REGISTRATION_SUCCESS,
  IPPROTO_TCP,
  IPPROTO_UDP,
  OSIP_BADPARAMETER,
  OSIP_NOTFOUND,
  OSIP_SUCCESS,
  OSIP_UNDEFINED_ERROR,
  OSIP_WRONG_STATE,
} from '../../lib/compat';

describe('constants', () => {
  // eX_subscribe.h's eXosip_ss_reason enumerators carry no prefix.
  const exported = Object.entries(compat).filter(([name]) => /^(OSIP_|EXOSIP_|IPPROTO_|AF_)|^(DEACTIVATED|PROBATION|REJECTED|TIMEOUT|GIVEUP|NORESOURCE)$/.test(name));
  const tables: Array<[string, Readonly<Record<string, number>>]> = [
    ['osipCodes', binding.osipCodes],
    ['eventTypes', binding.eventTypes],
    ['constants.options', binding.constants.options],
    ['constants.subscription', binding.constants.subscription],
    ['constants', { IPPROTO_UDP: binding.constants.IPPROTO_UDP, IPPROTO_TCP: binding.constants.IPPROTO_TCP, AF_INET: binding.constants.AF_INET, AF_INET6: binding.constants.AF_INET6 }],
  ];

  test('every constant of the binding is exported under its C name with its C value', () => {
    const mod = compat as unknown as Record<string, unknown>;
    let count = 0;
    for (const [table, entries] of tables) {
      for (const [name, value] of Object.entries(entries)) {
        assert.equal(mod[name], value, `${name} (binding.${table})`);
        count++;
      }
    }
    assert.equal(count, 19 + 46 + 37 + 19 + 4);
  });

  test('every exported constant is in the binding tables, with the same value', () => {
    const all = new Map<string, number>();
    for (const [, entries] of tables) for (const [name, value] of Object.entries(entries)) all.set(name, value);
    for (const [name, value] of exported) {
      assert.ok(all.has(name), `${name} is exported but is not a C constant of the binding`);
      assert.equal(value, all.get(name), name);
    }
    assert.equal(exported.length, all.size);
  });

  test('values are the C ones', () => {
    assert.equal(IPPROTO_UDP, 17);
    assert.equal(IPPROTO_TCP, 6);
    assert.equal(AF_INET, 2);
    assert.equal(OSIP_SUCCESS, 0);
    assert.equal(OSIP_UNDEFINED_ERROR, -1);
    assert.equal(OSIP_BADPARAMETER, -2);
    assert.equal(OSIP_WRONG_STATE, -3);
    assert.equal(OSIP_NOTFOUND, -6);
    assert.equal(EXOSIP_REGISTRATION_SUCCESS, 0);
    assert.equal(EXOSIP_REGISTRATION_FAILURE, 1);
    assert.equal(compat.EXOSIP_OPT_UDP_LEARN_PORT, compat.EXOSIP_OPT_AUTO_MASQUERADE_CONTACT);
  });

  test('values match the installed C headers', () => {
    const find = (dirs: string[], file: string): string | undefined => dirs.map((d) => `${d}/${file}`).find((f) => fs.existsSync(f));
    const exosipH = find(['/usr/local/include/eXosip2', '/usr/include/eXosip2'], 'eXosip.h');
    const setupH = find(['/usr/local/include/eXosip2', '/usr/include/eXosip2'], 'eX_setup.h');
    const portH = find(['/usr/local/include/osipparser2', '/usr/include/osipparser2'], 'osip_port.h');
    // The headers are a build prerequisite: their absence is a failure, not a skip.
    assert.ok(exosipH && setupH && portH, 'libeXosip2/libosip2 headers not found under /usr/local/include or /usr/include');
    const mod = compat as unknown as Record<string, number>;
    const strip = (text: string): string => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '').replace(/\\\n/g, ' ');
    // enum eXosip_event_type: implicit values from 0.
    const body = /typedef enum eXosip_event_type \{([\s\S]*?)\}/.exec(strip(fs.readFileSync(exosipH, 'utf8')))![1];
    const names = body.split(',').map((s) => s.trim()).filter(Boolean);
    const enumerated = new Map(names.map((name, i) => [name, i]));
    enumerated.delete('EXOSIP_EVENT_COUNT'); // the enum's end marker, not an event
    assert.deepEqual([...enumerated.keys()].sort(), Object.keys(binding.eventTypes).sort());
    for (const [name, value] of enumerated) assert.equal(mod[name], value, name);
    // eX_subscribe.h's enums (eXosip_ss, eXosip_ss_reason, eXosip_ss_status): implicit values from 0.
    const subscribeH = find(['/usr/local/include/eXosip2', '/usr/include/eXosip2'], 'eX_subscribe.h');
    assert.ok(subscribeH, 'eX_subscribe.h not found');
    const subscribeText = strip(fs.readFileSync(subscribeH, 'utf8'));
    const fromHeader = new Map<string, number>();
    for (const e of ['eXosip_ss', 'eXosip_ss_reason', 'eXosip_ss_status']) {
      const list = new RegExp(`enum ${e} \\{([^}]*)\\}`).exec(subscribeText)![1].split(',').map((x) => x.trim()).filter(Boolean);
      list.forEach((name, i) => fromHeader.set(name, i));
    }
    assert.deepEqual([...fromHeader.keys()].sort(), Object.keys(binding.constants.subscription).sort());
    for (const [name, value] of fromHeader) assert.equal(mod[name], value, name);
    // #define EXOSIP_OPT_* (EXOSIP_OPT_BASE_OPTION + N) / aliases; #define OSIP_* -N.
    const defines = new Map<string, string>();
    for (const file of [setupH, portH]) {
      for (const m of strip(fs.readFileSync(file, 'utf8')).matchAll(/^#define\s+((?:EXOSIP_OPT|OSIP)_\w+)\s+(.+)$/gm)) defines.set(m[1], m[2].trim());
    }
    const evaluate = (expr: string, depth = 0): number => {
      const replaced = expr.replace(/[A-Z_][A-Z0-9_]*/g, (n) => String(evaluate(defines.get(n) ?? 'NaN', depth + 1)));
      assert.match(replaced, /^[\d\s()+-]+$/, `cannot evaluate ${expr}`);
      return Function(`return (${replaced});`)() as number;
    };
    let checked = 0;
    for (const [name] of [...Object.entries(binding.constants.options), ...Object.entries(binding.osipCodes)]) {
      assert.ok(defines.has(name), `${name} not in the headers`);
      assert.equal(mod[name], evaluate(defines.get(name)!), name);
      checked++;
    }
    assert.equal(checked, 37 + 19);
  });
});
