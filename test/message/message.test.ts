import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { Context, Message, parseMessage, SipError } from '../../lib/index';
import { nativeOf } from '../../lib/internal/handles';
import { LIB_INDEX } from '../helpers/paths';

const OK = [
  'SIP/2.0 200 OK',
  'Via: SIP/2.0/UDP 127.0.0.1:5070;rport=5070;branch=z9hG4bK776asdhds',
  'From: <sip:alice@example.com>;tag=1928301774',
  'To: <sip:alice@example.com>;tag=a6c85cf',
  'Call-ID: a84b4c76e66710',
  'CSeq: 2 REGISTER',
  'Contact: <sip:alice@127.0.0.1:5070;line=abc>;expires=3600, <sip:alice@10.0.0.2:5060>;expires=120',
  'Expires: 3600',
  'Supported: path',
  'X-Custom: one',
  'X-Custom: two',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');

describe('Message', () => {
  test('parse, read status, method and headers (typed, generic, compact names)', () => {
    const m = parseMessage(OK);
    assert.equal(m.isRequest, false);
    assert.equal(m.statusCode, 200);
    assert.equal(m.reasonPhrase, 'OK');
    assert.equal(m.method, 'REGISTER');
    assert.equal(m.requestUri, null);
    assert.deepEqual(m.contacts, ['<sip:alice@127.0.0.1:5070;line=abc>;expires=3600', '<sip:alice@10.0.0.2:5060>;expires=120']);
    assert.deepEqual(m.getHeaders('m'), m.contacts);
    assert.equal(m.getHeader('call-id'), 'a84b4c76e66710');
    assert.equal(m.getHeader('i'), 'a84b4c76e66710');
    assert.equal(m.getHeader('CSEQ'), '2 REGISTER');
    assert.deepEqual(m.getHeaders('x-custom'), ['one', 'two']);
    assert.equal(m.getHeader('k'), 'path');
    assert.equal(m.getHeader('x-missing'), undefined);
    assert.equal(m.expires, 3600);
  });

  test('add, set and remove headers; Expires; toString round-trips', () => {
    const m = parseMessage(OK);
    m.addHeader('X-Custom', 'three').setHeader('Expires', '60').removeHeader('supported');
    assert.deepEqual(m.getHeaders('x-custom'), ['one', 'two', 'three']);
    assert.equal(m.expires, 60);
    m.expires = 120;
    assert.equal(m.getHeader('expires'), '120');
    assert.equal(m.removeHeader('contact'), 2);
    m.addHeader('Contact', '<sip:bob@127.0.0.1:5080>;expires=30');
    m.setSupported('100rel');
    const text = m.toString();
    assert.match(text, /^SIP\/2\.0 200 OK\r\n/);
    assert.match(text, /\r\nContact: <sip:bob@127\.0\.0\.1:5080>;expires=30\r\n/);
    assert.match(text, /\r\nSupported: 100rel\r\n/);
    assert.doesNotMatch(text, /Supported: path/);
    // libosip2 normalizes the case of generic header names when it parses
    // ("X-Custom" → "X-custom"); otherwise the text round-trips unchanged.
    const again = parseMessage(text);
    assert.equal(again.toString().toLowerCase(), text.toLowerCase());
    assert.equal(parseMessage(again.toString()).toString(), again.toString());
  });

  test('bad input is refused: injection, bad names, malformed typed headers, unparsable text', () => {
    const m = parseMessage(OK);
    assert.throws(() => m.addHeader('X-A', 'v\r\nContact: <sip:evil@x>'), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => m.addHeader('X A', 'v'), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => m.addHeader('From', '<sip:second@x>'), (e: unknown) => e instanceof SipError && e.code === 'OSIP_WRONG_STATE');
    assert.throws(() => m.addHeader('Contact', '<<<'), (e: unknown) => e instanceof SipError && e.errno < 0);
    assert.throws(() => (m.expires = -1), { name: 'RangeError' });
    assert.throws(() => parseMessage('not sip at all'), (e: unknown) => e instanceof SipError && e.errno < 0);
    assert.throws(() => parseMessage(42 as never), { name: 'TypeError' });
    assert.throws(() => new (Message as unknown as new () => Message)().toString(), { name: 'TypeError' });
  });

  test('clone is independent; dispose frees; a sent message is spent', async () => {
    const m = parseMessage(OK);
    const c = m.clone();
    c.setHeader('X-Custom', 'changed');
    assert.deepEqual(m.getHeaders('x-custom'), ['one', 'two']);
    m.dispose();
    m.dispose();
    assert.equal(m.state, 'disposed');
    assert.throws(() => m.toString(), { code: 'ERR_MESSAGE_DISPOSED' });
    assert.equal(c.getHeader('x-custom'), 'changed');

    const ctx = new Context();
    await ctx.listen({ address: '127.0.0.1' });
    // A REGISTER sent through the compat-level native path: the handle is spent.
    const n = nativeOf(ctx);
    const [rid, handle] = n.registerBuildInitialRegister('sip:alice@example.com', 'sip:127.0.0.1:9', null, 60);
    assert.ok(rid > 0 && handle !== null);
    const msg = new Message(handle);
    assert.equal(msg.state, 'owned');
    assert.equal(n.registerSendRegister(rid, handle), 0);
    assert.equal(msg.state, 'spent');
    assert.equal(msg.spent, true);
    assert.throws(() => msg.toString(), { code: 'ERR_MESSAGE_SPENT', message: /handed to eXosip/ });
    assert.throws(() => n.registerSendRegister(rid, handle), { code: 'ERR_MESSAGE_SPENT' });
    msg.dispose();
    // eXosip takes ownership even when sending fails: unknown rid, message still spent.
    const [rid2, handle2] = n.registerBuildInitialRegister('sip:bob@example.com', 'sip:127.0.0.1:9', null, 60);
    assert.ok(rid2 > 0);
    assert.equal(n.registerSendRegister(9999, handle2), -6);
    assert.equal(handle2!.state, 'spent');
    await ctx.close();
  });

  test('messages built and never sent are freed by GC', () => {
    const script = `
      require('tsx/cjs');
      const { parseMessage } = require(${JSON.stringify(LIB_INDEX)});
      const raw = ${JSON.stringify(OK)};
      const rss = () => process.memoryUsage().rss;
      // Finalizers run after the GC, from the event loop: yield between rounds.
      const settle = async () => { for (let i = 0; i < 3; i++) { global.gc(); await new Promise((r) => setImmediate(r)); } };
      (async () => {
        for (let i = 0; i < 20000; i++) parseMessage(raw);
        await settle();
        const base = rss();
        for (let round = 0; round < 5; round++) {
          for (let i = 0; i < 20000; i++) parseMessage(raw);
          await settle();
        }
        process.stdout.write(String(rss() - base));
      })();
    `;
    const r = spawnSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const grown = Number(r.stdout);
    // 100,000 more messages of ~1 KiB native each: without finalizers RSS would grow by >100 MB.
    assert.ok(grown < 20 * 1024 * 1024, `RSS grew by ${grown} bytes`);
  });
});

describe('Message bodies', () => {
  const head = [
    'MESSAGE sip:bob@127.0.0.1 SIP/2.0',
    'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKbody1',
    'From: <sip:alice@127.0.0.1>;tag=1',
    'To: <sip:bob@127.0.0.1>',
    'Call-ID: body1',
    'CSeq: 1 MESSAGE',
  ].join('\r\n');

  test('body and contentType: exact bytes in and out, Content-Length follows, null removes', () => {
    const m = parseMessage(`${head}\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello`);
    assert.equal(m.contentType, 'text/plain');
    assert.deepEqual(m.body, Buffer.from('hello'));
    const binary = Buffer.from([0, 1, 2, 0xff, 0x0d, 0x0a, 0x0d, 0x0a, 0]);
    m.body = binary;
    m.contentType = 'application/octet-stream';
    assert.deepEqual(m.body, binary);
    assert.equal(m.contentType, 'application/octet-stream');
    assert.match(m.toString(), /\r\nContent-Length: +9\r\n/);
    m.body = 'ünïcode';
    assert.deepEqual(m.body, Buffer.from('ünïcode', 'utf8'));
    assert.match(m.toString(), /\r\nContent-Length: +9\r\n/); // 9 UTF-8 bytes
    m.body = null;
    m.contentType = null;
    assert.equal(m.body, null);
    assert.equal(m.contentType, null);
    assert.match(m.toString(), /\r\nContent-Length: 0\r\n\r\n$/);
    assert.throws(() => (m.contentType = 'text/plain\r\nX: y'), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => (m.body = 42 as never), { code: 'ERR_INVALID_ARG_TYPE' });
  });

  test('every part of a multipart body is readable with its own Content-Type', () => {
    const body = '--XX\r\nContent-Type: text/plain\r\n\r\nfirst\r\n--XX\r\nContent-Type: application/json\r\n\r\n{"a":1}\r\n--XX--\r\n';
    const m = parseMessage(`${head}\r\nContent-Type: multipart/mixed;boundary=XX\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    assert.deepEqual(
      m.bodies.map((p) => [p.contentType, p.data.toString()]),
      [['text/plain', 'first'], ['application/json', '{"a":1}']],
    );
    assert.match(m.contentType!, /^multipart\/mixed; *boundary=XX$/);
    // body: the whole multipart body as libosip2 serializes it.
    const whole = m.body!.toString();
    assert.match(whole, /--XX\r\ncontent-type: text\/plain\r\n\r\nfirst\r\n--XX\r\n/i);
    assert.match(whole, /--XX--\r\n$/);
  });
});
