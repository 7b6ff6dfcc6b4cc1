/**
 * Issue #16, section 4: contact rewriting from the Via `received`/`rport` of
 * a 2xx. Off by default (ContextOptions.contactRewrite); when on, a real
 * change is one `contactChanged` event, and our own address or port written
 * another way (IPv6 full or compressed, IPv4-mapped, leading zeros) is no
 * change at all (the guard normalizes it before eXosip compares strings).
 */
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { Context, type ContactChange } from '../../lib/index';
import { contacts, respond, startUdpRegistrar } from '../helpers/udp-registrar';

interface Seen {
  changes: ContactChange[];
  others: string[];
  registers: number;
  contact: string | null;
  state: string;
  expires: number;
}

/** Registers once through a registrar whose 2xx Via is rewritten by `via(topVia, ourPort)`; watches 2 s. */
async function run(host: '127.0.0.1' | '::1', contactRewrite: boolean | undefined, via: (v: string, port: number) => string): Promise<Seen> {
  let ourPort = 0;
  await using reg = await startUdpRegistrar(
    (req) =>
      respond(req, 200, 'OK', contacts(req).map((c) => `Contact: ${c}${/expires=/.test(c) ? '' : `;expires=${req.get('expires')}`}`), {
        topVia: (v) => via(v, ourPort),
      }),
    host,
  );
  await using ctx = new Context(contactRewrite === undefined ? {} : { contactRewrite });
  ourPort = (await ctx.listen({ address: host })).port;
  const seen: Seen = { changes: [], others: [], registers: 0, contact: null, state: '', expires: 0 };
  ctx.on('registration', (r) => {
    r.on('contactChanged', (c) => seen.changes.push(c));
    r.on('refreshed', (i) => seen.others.push(`refreshed ${i.expires}`));
    r.on('unregistered', () => seen.others.push('unregistered'));
    r.on('failed', (e) => seen.others.push(`failed ${e.statusCode}`));
  });
  const r = await ctx.register({ from: 'sip:alice@example.com', proxy: reg.proxy, expires: 60 });
  await new Promise((resolve) => setTimeout(resolve, 2000));
  return { ...seen, registers: reg.registers().length, contact: r.contact, state: r.state, expires: r.expires };
}

// eXosip puts `;rport` in its Via over IPv4 only: over IPv6 the registrar adds it as a NAT-aware one would.
const setVia = (received: string | null, rport: (port: number) => string) => (v: string, port: number) =>
  `${v.replace(/;rport(=\d+)?/, '')};rport=${rport(port)}${received === null ? '' : `;received=${received}`}`;

describe('contact rewriting (issue #16, section 4)', { concurrency: true }, () => {
  test('off by default: another received address changes nothing', async () => {
    const s = await run('127.0.0.1', undefined, setVia('192.0.2.7', (p) => String(p)));
    assert.equal(s.registers, 1);
    assert.deepEqual(s.changes, []);
    assert.deepEqual(s.others, []);
    assert.match(s.contact!, /@127\.0\.0\.1:/);
  });

  test('on: another received address is one contactChanged (old → new, why), state and expires stay true', async () => {
    const s = await run('127.0.0.1', true, setVia('192.0.2.7', (p) => String(p)));
    assert.deepEqual(s.others, []);
    assert.equal(s.changes.length, 1);
    const [c] = s.changes;
    assert.match(c.previous, /^sip:alice@127\.0\.0\.1:\d+;line=\w+$/);
    assert.match(c.contact, /^sip:alice@192\.0\.2\.7:\d+;line=\w+$/);
    assert.deepEqual(c.via?.received, '192.0.2.7');
    assert.match(c.reason, /received=192\.0\.2\.7/);
    assert.equal(c.info.expires, 60);
    assert.equal(s.state, 'registered');
    assert.equal(s.expires, 60);
    assert.equal(s.registers, 3, 'the old binding removed, the new one registered');
  });

  test('on: IPv4-mapped IPv6 of our own address (received=::ffff:127.0.0.1) is no change', async () => {
    const s = await run('127.0.0.1', true, setVia('::ffff:127.0.0.1', (p) => String(p)));
    assert.equal(s.registers, 1);
    assert.deepEqual(s.changes, []);
  });

  test('on: our port with leading zeros in rport is no change', async () => {
    const s = await run('127.0.0.1', true, setVia(null, (p) => `00${p}`));
    assert.equal(s.registers, 1);
    assert.deepEqual(s.changes, []);
  });

  test('on, IPv6: our address in full notation (received=0:0:0:0:0:0:0:1) is no change', async () => {
    const s = await run('::1', true, setVia('0:0:0:0:0:0:0:1', (p) => String(p)));
    assert.equal(s.registers, 1);
    assert.deepEqual(s.changes, []);
    assert.equal(s.state, 'registered');
  });

  test('on, IPv6: our address with brackets and upper case (received=[0::0001]) is no change', async () => {
    const s = await run('::1', true, setVia('[0::0001]', (p) => String(p)));
    assert.equal(s.registers, 1);
    assert.deepEqual(s.changes, []);
  });

  test('on, IPv6: another port is one contactChanged', async () => {
    const s = await run('::1', true, setVia(null, () => '40000'));
    assert.equal(s.changes.length, 1);
    assert.match(s.changes[0].contact, /:40000;line=/);
    assert.deepEqual(s.others, []);
    assert.equal(s.state, 'registered');
  });

  test('contactRewrite must be a boolean', () => {
    assert.throws(() => new Context({ contactRewrite: 1 as unknown as boolean }), { code: 'ERR_INVALID_ARG_TYPE' });
  });
});
