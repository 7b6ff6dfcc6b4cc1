import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { Context, type ContextOptions, type IncomingRequest, RequestError } from '../../lib/index';
import { openContext } from '../helpers/context';
import { freePort } from '../helpers/ports';

/** A context on 127.0.0.1 over UDP with these options. */
async function open(options: ContextOptions): Promise<Context> {
  const ctx = new Context(options);
  await ctx.listen({ address: '127.0.0.1' });
  return ctx;
}

/** `sip:name@127.0.0.1:port` of a context (";transport=tcp" for TCP). */
function uri(ctx: Context, name: string): string {
  const a = ctx.address!;
  return `sip:${name}@127.0.0.1:${a.port}${a.transport === 'tcp' ? ';transport=tcp' : ''}`;
}

test('two contexts exchange MESSAGEs: text, JSON, binary; the answer carries a body', async () => {
  const alice = await openContext();
  const bob = await openContext();
  try {
    const got: Array<{ method: string; body: Buffer | null; type: string | null; from: string }> = [];
    bob.on('request', async (req: IncomingRequest) => {
      got.push({ method: req.method, body: req.body, type: req.contentType, from: req.from });
      await req.respond(200, { body: 'ack:' + (req.body?.length ?? 0), contentType: 'text/plain', headers: { 'X-Seen': 'yes' } });
    });
    const text = await alice.message(uri(bob, 'bob'), 'hello bob', { from: uri(alice, 'alice') });
    assert.equal(text.statusCode, 200);
    assert.equal(text.body?.toString(), 'ack:9');
    assert.equal(text.contentType, 'text/plain');
    assert.equal(text.response.getHeader('x-seen'), 'yes');
    const json = JSON.stringify({ a: 1, b: ['ü', 2] });
    await alice.request({ method: 'MESSAGE', to: uri(bob, 'bob'), from: uri(alice, 'alice'), body: json, contentType: 'application/json' });
    const binary = Buffer.from([0, 1, 2, 0xff, 0x0d, 0x0a, 0, 0x41]);
    await alice.message(uri(bob, 'bob'), binary, { from: uri(alice, 'alice'), contentType: 'application/octet-stream' });
    // A Content-Type given among the headers is the body's type (it was replaced by the default text/plain).
    await alice.request({ method: 'MESSAGE', to: uri(bob, 'bob'), from: uri(alice, 'alice'), body: json, headers: { 'Content-Type': 'application/json' } });
    assert.deepEqual(got.map((g) => [g.method, g.type]), [
      ['MESSAGE', 'text/plain'],
      ['MESSAGE', 'application/json'],
      ['MESSAGE', 'application/octet-stream'],
      ['MESSAGE', 'application/json'],
    ]);
    assert.equal(got[0].body?.toString(), 'hello bob');
    assert.equal(got[1].body?.toString(), json);
    assert.deepEqual(got[2].body, binary);
    assert.match(got[0].from, /sip:alice@127\.0\.0\.1/);
  } finally {
    await Promise.all([alice.close(), bob.close()]);
  }
});

test('messages with NUL bytes serialize whole: the request and the answer as received (eXosip hands over clones whose raw text libosip2 cut at the NUL)', async () => {
  const alice = await openContext();
  const bob = await openContext();
  try {
    // Bytes after the NUL long enough that a read past libosip2's copy cannot match them by chance.
    const body = (tail: string): Buffer => Buffer.concat([Buffer.from('head\0\0'), Buffer.from(tail.repeat(40))]);
    let seen = '';
    bob.on('request', async (req: IncomingRequest) => {
      seen = req.request.toString();
      await req.respond(200, { body: body('answer-tail|'), contentType: 'application/octet-stream' });
    });
    const answer = await alice.message(uri(bob, 'bob'), body('request-tail|'), { from: uri(alice, 'alice'), contentType: 'application/octet-stream' });
    for (const [text, tail] of [[seen, 'request-tail|'], [answer.response.toString(), 'answer-tail|'], [answer.response.clone().toString(), 'answer-tail|']]) {
      const at = text.indexOf('\r\n\r\n');
      assert.ok(at > 0, text);
      assert.deepEqual(Buffer.from(text.slice(at + 4), 'latin1'), body(tail));
      assert.equal(/^Content-Length: *(\d+)\r$/im.exec(text)?.[1], String(body(tail).length));
    }
  } finally {
    await Promise.all([alice.close(), bob.close()]);
  }
});

test('a single-valued header given in headers replaces the one eXosip wrote (Max-Forwards, User-Agent, Subject as s); others repeat', async () => {
  const alice = await open({ userAgent: 'alice/1' });
  const bob = await openContext();
  try {
    let seen: IncomingRequest | null = null;
    bob.on('request', (req: IncomingRequest) => {
      seen = req;
      void req.respond(200, { headers: { 'User-Agent': 'bob/2' } });
    });
    const headers: Array<[string, string]> = [['Max-Forwards', '10'], ['User-Agent', 'alice/2'], ['s', 'hello'], ['X-Tag', 'a'], ['X-Tag', 'b']];
    const result = await alice.message(uri(bob, 'bob'), 'hi', { from: uri(alice, 'alice'), headers });
    const request = (seen as IncomingRequest | null)!.request;
    assert.deepEqual(request.getHeaders('max-forwards'), ['10']);
    assert.deepEqual(request.getHeaders('user-agent'), ['alice/2']);
    assert.deepEqual(request.getHeaders('subject'), ['hello']);
    assert.deepEqual(request.getHeaders('x-tag'), ['a', 'b']);
    assert.deepEqual(result.response.getHeaders('user-agent'), ['bob/2']);
  } finally {
    await Promise.all([alice.close(), bob.close()]);
  }
});

test('a rejected MESSAGE rejects with RequestError (statusCode, reason, response); respond() twice throws', async () => {
  const alice = await openContext();
  const bob = await openContext();
  try {
    let second: unknown;
    bob.on('request', async (req) => {
      await req.respond(486, { reason: 'Busy Here Now' });
      second = await req.respond(200).catch((e: unknown) => e);
    });
    const error = await alice.message(uri(bob, 'bob'), 'x', { from: uri(alice, 'alice') }).catch((e: unknown) => e);
    assert.ok(error instanceof RequestError);
    assert.equal(error.code, 'ERR_REQUEST_REJECTED');
    assert.equal(error.statusCode, 486);
    assert.equal(error.reason, 'Busy Here Now');
    assert.equal(error.response?.statusCode, 486);
    assert.equal((second as { code?: string }).code, 'ERR_REQUEST_ANSWERED');
  } finally {
    await Promise.all([alice.close(), bob.close()]);
  }
});

test('an unanswered OPTIONS gets 200 with Allow/Accept/Supported, a MESSAGE 405 with Allow, with no user code', async () => {
  const alice = await openContext();
  const bob = await open({ defaultAnswerMs: 100 });
  try {
    const t0 = Date.now();
    const ok = await alice.options(uri(bob, 'bob'), { from: uri(alice, 'alice') });
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.response.getHeader('allow'), 'OPTIONS');
    assert.equal(ok.response.getHeader('accept'), '*/*');
    assert.ok(Date.now() - t0 >= 90);
    const refused = await alice.message(uri(bob, 'bob'), 'x', { from: uri(alice, 'alice') }).catch((e: RequestError) => e);
    assert.equal((refused as RequestError).statusCode, 405);
    assert.equal((refused as RequestError).response?.getHeader('allow'), 'OPTIONS');
  } finally {
    await Promise.all([alice.close(), bob.close()]);
  }
});

test('bad input gets a clear error and the context keeps working', async () => {
  const alice = await openContext();
  const bob = await openContext();
  try {
    const got: IncomingRequest[] = [];
    bob.on('request', (req) => {
      got.push(req);
      void req.respond(200);
    });
    const base = { to: uri(bob, 'bob'), from: uri(alice, 'alice') };
    // A percent-escaped CR LF in a URI: eXosip turns a To URI's headers into headers of the request,
    // unescaped (RFC 3261 §19.1.5), so it would start a header of the caller's choosing. Refused in every URI;
    // From and Route may not have headers at all (RFC 3261 §19.1.1).
    for (const bad of [
      { to: `${base.to}?X-A=1%0D%0AX-Injected:%202` },
      { to: `${base.to}?X-A=1%0a` },
      // libosip2 unescapes with sscanf("%02X"): one hex digit, a space or a sign before it still make CR/LF.
      { to: `${base.to}?X-A=1%D%AX-Injected:%202` },
      { to: `${base.to}?X-A=1% D% AX-Injected:%202` },
      { to: `${base.to}?X-A=1%+D%+AX-Injected:%202` },
      { to: `${base.to}?X-A=1%AX-Injected:%202` },
      // A header eXosip writes itself, through the To URI's headers part (as the headers option refuses it).
      { to: `${base.to}?Content-Length=0` },
      { to: `<${base.to}?X-A=1&call%2Did=x>` },
      // A quoted display name holding a <URI> does not hide the real one.
      { to: `"<sip:x@y>" <${base.to}?X-A=1%0D%0AX-Injected:%202>` },
      { from: `<${base.from}?X-A=%00>` },
      { from: `${base.from}?X-A=1` },
      { route: `<${base.to};lr?X-A=1>` },
    ]) {
      await assert.rejects(alice.request({ ...base, ...bad, method: 'MESSAGE' }), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE', message: /header injection|headers part|which eXosip writes itself/ });
    }
    // A sips: target (TLS on every hop, RFC 3261 §26.2.2) or the next hop's ;transport= on this UDP context:
    // eXosip would send it over UDP all the same.
    for (const [bad, says] of [
      [{ to: base.to.replace(/^sip:/, 'sips:') }, /options\.to sips:\S+ asks for tls but this context listens on udp/],
      [{ to: `${base.to};transport=tcp` }, /options\.to \S+ asks for tcp/],
      [{ route: `<${base.to};transport=tcp;lr>` }, /options\.route \S+ asks for tcp/],
      [{ to: 'sips:bob@example.com', route: `<${base.to};lr>` }, /options\.to sips:bob@example\.com asks for tls/],
    ] as const) {
      await assert.rejects(alice.request({ ...base, ...bad, method: 'MESSAGE' }), { code: 'ERR_INVALID_ARG_VALUE', message: says });
    }
    // A ;transport= on the Request-URI behind a route is the proxy's business: it goes.
    assert.equal((await alice.request({ ...base, to: 'sip:bob@example.com;transport=tcp', route: `<${base.to};lr>`, method: 'MESSAGE' })).statusCode, 200);
    // A To URI's headers without escaped line breaks still become headers of the request, as eXosip does.
    assert.equal((await alice.request({ ...base, to: `${base.to}?X-Note=hello%20there`, method: 'MESSAGE' })).statusCode, 200);
    assert.equal(got.at(-1)!.request.getHeader('x-note'), 'hello there');
    // A display name may hold any %: eXosip copies it as it is.
    assert.equal((await alice.request({ ...base, from: `"100%0A off" <${base.from}>`, method: 'MESSAGE' })).statusCode, 200);
    assert.match(got.at(-1)!.request.getHeader('from') ?? '', /^"100%0A off" <sip:/);
    // A From that is no URI, or with a tag (eXosip adds its own: the From had two); a To with a tag (outside of a dialog).
    for (const [bad, says] of [
      [{ from: 'garbage' }, /options\.from must be a URI/],
      [{ from: '"Alice" <>' }, /options\.from must be a URI/],
      [{ from: `<${base.from}>;tag=mytag` }, /options\.from must not carry a tag/],
      [{ from: `${base.from};tag=mytag` }, /options\.from must not carry a tag/],
      [{ to: `<${base.to}>;tag=x` }, /options\.to must not carry a tag/],
    ] as const) {
      await assert.rejects(alice.request({ ...base, ...bad, method: 'MESSAGE' }), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE', message: says });
    }
    for (const body of [null, undefined, 42]) {
      await assert.rejects(alice.message(base.to, body as never, { from: base.from }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    }
    await assert.rejects(alice.request({ ...base, method: 'MESSAGE', body: Buffer.alloc(70_000) }), { name: 'RangeError', code: 'ERR_MESSAGE_TOO_LARGE' });
    await assert.rejects(alice.request({ ...base, method: 'MESSAGE', headers: { 'X-Evil': 'a\r\nContact: <sip:evil@x>' } }), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
    await assert.rejects(alice.request({ ...base, method: 'MESSAGE', headers: { 'Call-ID': 'mine@x' } }), { code: 'ERR_INVALID_ARG_VALUE', message: /which eXosip writes itself/ });
    await assert.rejects(alice.request({ ...base, method: 'MESSAGE', headers: [['Via', 'SIP/2.0/UDP 192.0.2.1']] }), { code: 'ERR_INVALID_ARG_VALUE' });
    await assert.rejects(alice.request({ ...base, method: 'MES SAGE' }), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE', message: /token/ });
    await assert.rejects(alice.request({ ...base, method: 'INVITE' }), { code: 'ERR_INVALID_ARG_VALUE' });
    // Not a sip:/sips: URI with a host: eXosip could not send it (test/reliability/non-sip-targets.test.ts).
    await assert.rejects(alice.request({ ...base, method: 'MESSAGE', to: 'not a uri' }), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
    // An unknown tid: eXosip does not know it, nothing is sent.
    const { nativeOf } = await import('../../lib/internal/handles');
    const [code] = nativeOf(bob).messageBuildAnswer(424242, 200);
    assert.equal(code, -6);
    const ok = await alice.message(uri(bob, 'bob'), 'still fine', { from: uri(alice, 'alice') });
    assert.equal(ok.statusCode, 200);
  } finally {
    await Promise.all([alice.close(), bob.close()]);
  }
});

test('no answer because the transport failed (TCP to a closed port): ERR_REQUEST_NO_RESPONSE whose reason names the peer and says so', async () => {
  await using alice = await openContext({ transport: 'tcp' });
  const port = await freePort();
  const error = await alice.message(`sip:bob@127.0.0.1:${port};transport=tcp`, 'hi', { from: 'sip:alice@127.0.0.1' }).catch((e: unknown) => e);
  assert.ok(error instanceof RequestError, String(error));
  assert.equal(error.code, 'ERR_REQUEST_NO_RESPONSE');
  assert.equal(error.statusCode, 0);
  // Not eXosip's "4xx received for request outside call!": no 4xx came.
  assert.match(error.reason, new RegExp(`^no answer from 127\\.0\\.0\\.1:${port} \\(tcp\\): eXosip gave up after \\d+ ms, the transport failed`));
});

test('close() rejects a pending request with ERR_CONTEXT_CLOSED', async () => {
  const alice = await openContext();
  const bob = await open({ defaultAnswerMs: null });
  try {
    const outcome = alice.message(uri(bob, 'bob'), 'x', { from: uri(alice, 'alice') }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 200));
    await alice.close();
    const error = await outcome;
    assert.ok(error instanceof RequestError && error.code === 'ERR_CONTEXT_CLOSED', String(error));
  } finally {
    await Promise.all([alice.close(), bob.close()]);
  }
});

test('before listen(): request(), message(), options() and invite() reject ERR_NOT_LISTENING, as register() does (eXosip has no transport: it said OSIP_NO_NETWORK)', async () => {
  const ctx = new Context({ userAgent: 'exosip2-test/1.0' });
  try {
    const o = { from: 'sip:alice@127.0.0.1', to: 'sip:bob@127.0.0.1:5999' };
    await assert.rejects(ctx.request({ ...o, method: 'MESSAGE', body: 'hi' }), { code: 'ERR_NOT_LISTENING', message: /Call listen\(\) before sending a MESSAGE/ });
    await assert.rejects(ctx.message(o.to, 'hi', { from: o.from }), { code: 'ERR_NOT_LISTENING' });
    await assert.rejects(ctx.options(o.to, { from: o.from }), { code: 'ERR_NOT_LISTENING' });
    await assert.rejects(ctx.invite(o), { code: 'ERR_NOT_LISTENING', message: /Call listen\(\) before invite\(\)/ });
    assert.equal(ctx.statistics().transactions, 0);
  } finally {
    await ctx.close();
  }
});
