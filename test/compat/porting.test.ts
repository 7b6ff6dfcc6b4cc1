/**
 * docs/porting.md, executed.
 *
 * Every ```ts block of the guide must carry `test=<name>`. The `imports`
 * block (with 'exosip2' and 'exosip2/compat' mapped to lib/) and every other
 * block (each defines the function `<name>`) are put together, in document
 * order, into one module that is type-checked with the project's compiler
 * options and then loaded; each function is then run against a real Kamailio
 * by the test of the same name below, with assertions on Kamailio's location
 * table. A block without a test, or a test without a block, fails the suite.
 */
import { strict as assert } from 'node:assert';
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import * as fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import ts from 'typescript';
import {
  AF_INET,
  EXOSIP_OPT_SET_TLS_VERIFY_CERTIFICATE,
  EXOSIP_REGISTRATION_FAILURE,
  EXOSIP_REGISTRATION_SUCCESS,
  IPPROTO_TCP,
  OSIP_NOTFOUND,
  eXosip_add_authentication_info,
  eXosip_event_wait,
  eXosip_init,
  eXosip_listen_addr,
  eXosip_lock,
  eXosip_malloc,
  eXosip_register_build_initial_register,
  eXosip_register_build_register,
  eXosip_register_send_register,
  eXosip_set_option,
  eXosip_unlock,
  osip_message_get_expires,
  osip_message_get_supported,
  type eXosip_event_t,
  type eXosip_t,
} from '../../lib/compat';
import { Context, type Registration, type RegistrationInfo } from '../../lib/index';
import { nativeOf } from '../../lib/internal/handles';
import { type Binding, waitFor } from '../helpers/kamailio';
import { useKamailio } from '../helpers/use-kamailio';
import { makeTestPki } from '../helpers/tls-certs';

const ROOT = path.resolve(__dirname, '..', '..');
const DOC = path.join(ROOT, 'docs', 'porting.md');
const DOC_NAME = 'docs/porting.md';
/** The module the blocks become; it exists only in memory. */
const VIRTUAL = path.join(ROOT, 'test', 'compat', '__porting_snippets__.ts');
const SPECIFIERS: Record<string, string> = {
  'exosip2/compat': path.join(ROOT, 'lib', 'compat'),
  exosip2: path.join(ROOT, 'lib', 'index'),
};

// ---------------------------------------------------------------------------
// Extraction
// ---------------------------------------------------------------------------

interface Block {
  lang: string;
  name: string | null;
  code: string;
  /** 1-based line of the block's first code line in the document. */
  line: number;
}

function extractBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)[ \t]*(.*)$/.exec(lines[i]);
    if (!open) continue;
    let j = i + 1;
    while (j < lines.length && !/^```\s*$/.test(lines[j])) j++;
    if (j >= lines.length) throw new Error(`${DOC_NAME}:${i + 1}: code block never closed`);
    const name = /(?:^|\s)test=([A-Za-z_]\w*)(?:\s|$)/.exec(open[2])?.[1] ?? null;
    blocks.push({ lang: open[1], name, code: lines.slice(i + 1, j).join('\n'), line: i + 2 });
    i = j;
  }
  return blocks;
}

interface Generated {
  source: string;
  /** Generated line (0-based) → document line (1-based), or 0 for generated glue. */
  lineMap: number[];
  names: string[];
}

function generate(blocks: Block[]): Generated {
  const ts_ = blocks.filter((b) => b.lang === 'ts' || b.lang === 'typescript');
  const untested = ts_.filter((b) => b.name === null);
  if (untested.length > 0) {
    throw new Error(`TypeScript blocks without test=<name>: ${untested.map((b) => `${DOC_NAME}:${b.line}`).join(', ')}`);
  }
  const seen = new Set<string>();
  for (const b of ts_) {
    if (seen.has(b.name!)) throw new Error(`${DOC_NAME}:${b.line}: duplicate test=${b.name}`);
    seen.add(b.name!);
  }
  const imports = ts_.find((b) => b.name === 'imports');
  if (imports === undefined) throw new Error(`${DOC_NAME} has no \`\`\`ts test=imports block`);
  const out: string[] = [];
  const lineMap: number[] = [];
  const emit = (text: string, docLine: number): void => {
    text.split('\n').forEach((l, k) => {
      out.push(l);
      lineMap.push(docLine === 0 ? 0 : docLine + k);
    });
  };
  const importCode = imports.code.replace(/from\s+'([^']+)'/g, (whole, spec: string) => {
    const target = SPECIFIERS[spec];
    if (target === undefined) throw new Error(`${DOC_NAME}:${imports.line}: unexpected import '${spec}'`);
    return `from ${JSON.stringify(target)}`;
  });
  emit(importCode, imports.line);
  const names: string[] = [];
  for (const b of ts_) {
    if (b === imports) continue;
    if (!new RegExp(`^(?:async\\s+)?function\\s+${b.name}\\s*\\(`, 'm').test(b.code)) {
      throw new Error(`${DOC_NAME}:${b.line}: block test=${b.name} must define function ${b.name}(...)`);
    }
    emit(`// ${DOC_NAME}:${b.line} (test=${b.name})`, 0);
    emit(b.code, b.line);
    names.push(b.name!);
  }
  emit(`export { ${names.join(', ')} };`, 0);
  return { source: out.join('\n') + '\n', lineMap, names };
}

function typeCheck(gen: Generated): string[] {
  const config = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  if (config.error) throw new Error(ts.flattenDiagnosticMessageText(config.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const options: ts.CompilerOptions = { ...parsed.options, noEmit: true };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) =>
    path.resolve(fileName) === VIRTUAL ? ts.createSourceFile(fileName, gen.source, languageVersion, true) : getSourceFile(fileName, languageVersion, onError, shouldCreate);
  host.fileExists = (fileName) => path.resolve(fileName) === VIRTUAL || ts.sys.fileExists(fileName);
  host.readFile = (fileName) => (path.resolve(fileName) === VIRTUAL ? gen.source : ts.sys.readFile(fileName));
  const program = ts.createProgram([VIRTUAL], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (d.file === undefined || d.start === undefined) return text;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    if (path.resolve(d.file.fileName) === VIRTUAL) {
      const docLine = gen.lineMap[line];
      return `${docLine ? `${DOC_NAME}:${docLine}` : `(generated line ${line + 1})`}: ${text}`;
    }
    return `${path.relative(ROOT, d.file.fileName)}:${line + 1}: ${text}`;
  });
}

/** The functions the guide defines, as the tests call them. */
interface Snippets {
  create_context(port: number): Promise<eXosip_t | null>;
  create_context_ctx(port: number): Promise<Context>;
  tls_certificates(ctx: eXosip_t, dir: string, port: number): number;
  tls_certificates_ctx(dir: string, port: number): Promise<Context>;
  tls_no_verification(ctx: eXosip_t): number;
  tls_no_verification_ctx(): Context;
  initiate_registration(ctx: eXosip_t, proxy: string): number;
  initiate_registration_ctx(ctx: Context, proxy: string): Promise<Registration>;
  set_password(ctx: eXosip_t, login: string, passwd: string): void;
  set_password_ctx(ctx: Context, login: string, passwd: string): void;
  set_passwords(ctx: eXosip_t, login: string, passwd: string, from_username: string, other_login: string, other_passwd: string): void;
  set_passwords_ctx(ctx: Context, login: string, passwd: string, from_username: string, other_login: string, other_passwd: string): void;
  delete_all_registrations(ctx: eXosip_t, proxy: string): number;
  delete_all_registrations_ctx(ctx: Context, proxy: string): Promise<RegistrationInfo>;
  update_registration(ctx: eXosip_t, rid: number): number;
  update_registration_ctx(reg: Registration): Promise<RegistrationInfo>;
  close_registration(ctx: eXosip_t, rid: number): number;
  close_registration_ctx(reg: Registration): Promise<RegistrationInfo>;
  discard_registration(ctx: eXosip_t, rid: number): number;
  discard_registration_ctx(reg: Registration): void;
  event_loop(ctx: eXosip_t, keepRunning: () => boolean, log: (line: string) => void): Promise<void>;
  event_loop_ctx(ctx: Context, log: (line: string) => void): () => void;
  registration_events_ctx(reg: Registration, log: (line: string) => void): void;
}

function load(gen: Generated): Snippets {
  const js = ts.transpileModule(gen.source, {
    fileName: VIRTUAL,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  }).outputText;
  type Internal = Module & { _compile(code: string, filename: string): void; paths: string[]; filename: string };
  const m = new Module(VIRTUAL, module) as Internal;
  m.filename = VIRTUAL;
  m.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(VIRTUAL));
  m._compile(js, VIRTUAL);
  return m.exports as Snippets;
}

/** The C statements of eXosip's ht2-registration how-to (and the event loop of tools/sip_reg.c), whitespace-normalized. */
const HOWTO_C_LINES = [
  'rid = eXosip_register_build_initial_register (ctx, "sip:me@sip.antisip.com", "sip.antisip.com", NULL, 1800, &reg);',
  'osip_message_set_supported (reg, "100rel"); osip_message_set_supported (reg, "path");',
  'i = eXosip_register_send_register (ctx, rid, reg); eXosip_unlock (ctx); return i;',
  'eXosip_add_authentication_info (ctx, login, login, passwd, NULL, NULL);',
  'eXosip_add_authentication_info (ctx, login, login, passwd, NULL, "sip.antisip.com");',
  'eXosip_add_authentication_info (ctx, from_username, login, passwd, NULL, "otherservice.com");',
  'rid = eXosip_register_build_initial_register (ctx, "sip:me@sip.antisip.com", "sip.antisip.com", "*", 1800, &reg);',
  'i = eXosip_register_build_register (ctx, rid, 1800, &reg);',
  'i = eXosip_register_build_register (ctx, rid, 0, &reg);',
  'i = eXosip_register_remove (ctx, rid);',
  'if (!(event = eXosip_event_wait (ctx, 0, 50)))',
  'eXosip_automatic_action (ctx);',
  'eXosip_event_free (event);',
  'i = eXosip_listen_addr (ctx, IPPROTO_TCP, NULL, 5061, AF_INET, 1);',
  'snprintf(tls_info.client.priv_key_pw, sizeof(tls_info.client.priv_key_pw), "password");',
  'i = eXosip_set_option (ctx, EXOSIP_OPT_SET_TLS_CERTIFICATES_INFO, (void*)&tls_info);',
  'i = eXosip_set_option (ctx, EXOSIP_OPT_SET_TLS_VERIFY_CERTIFICATE, (void*)&val);',
];

const blocks = extractBlocks(fs.readFileSync(DOC, 'utf8'));
const generated = generate(blocks);

// ---------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------

let s: Snippets;
const contexts: Context[] = [];

before(() => {
  s = load(generated);
});
// The TLS section's files, under the how-to's names and password; and the
// same names with a CA that did not sign the registrar's certificate.
const pki = makeTestPki({ clientKeyPassword: 'password' });
const howto = howtoDir('howto', pki.caCert);
const untrusted = howtoDir('untrusted', pki.otherCaCert);
after(() => pki.remove());
function howtoDir(name: string, ca: string): string {
  const dir = path.join(pki.dir, name);
  fs.mkdirSync(dir);
  fs.copyFileSync(pki.clientCert, path.join(dir, 'user-cert.crt'));
  fs.copyFileSync(pki.clientKey, path.join(dir, 'user-privkey.crt'));
  fs.copyFileSync(ca, path.join(dir, 'cacert.crt'));
  return dir;
}
const kam = useKamailio({ tls: { certificate: pki.serverCert, privateKey: pki.serverKey, caList: pki.caCert, clientCertificate: 'optional' } });
const tlsProxy = (): string => `sip:127.0.0.1:${kam.tlsPort};transport=tls`;
/** What Kamailio logged of the client certificate of the last REGISTER over TLS. */
const lastTlsPeer = (): string => kam.log().split('\n').filter((l) => l.includes('TLS peer:')).at(-1) ?? '';

afterEach(async () => {
  for (const ctx of contexts.splice(0)) await ctx.close();
  await kam.clearBindings();
});

/** Closed after each test. */
function track<T extends Context | null>(ctx: T): T {
  if (ctx !== null) contexts.push(ctx);
  return ctx;
}

async function compatContext(): Promise<eXosip_t> {
  const ctx = track(await s.create_context(0));
  assert.ok(ctx !== null, 'create_context failed');
  return ctx;
}

async function contextApi(): Promise<Context> {
  return track(await s.create_context_ctx(0));
}

/** Waits (with eXosip_event_wait) for the first event `match` accepts; the others are returned too. */
async function waitEvent(ctx: eXosip_t, match: (ev: eXosip_event_t) => boolean, timeoutMs = 10_000): Promise<{ event: eXosip_event_t; seen: eXosip_event_t[] }> {
  const seen: eXosip_event_t[] = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const event = await eXosip_event_wait(ctx, 0, 200);
    if (event === null) continue;
    seen.push(event);
    if (match(event)) return { event, seen };
  }
  throw new Error(`no matching event within ${timeoutMs} ms; got ${seen.map((e) => `${e.type}/${e.response?.statusCode}`).join(', ')}`);
}

const success = (ev: eXosip_event_t): boolean => ev.typeId === EXOSIP_REGISTRATION_SUCCESS;
const requestExpires = (ev: eXosip_event_t): string | undefined => osip_message_get_expires(ev.request, 0)[1]?.hvalue;

async function bindingsOf(aor: string, count: number): Promise<Binding[]> {
  return waitFor(async () => {
    const bindings = await kam.lookup(aor);
    return bindings.length === count ? bindings : undefined;
  }, { what: `${count} binding(s) of ${aor}`, timeoutMs: 5000 });
}

function portOf(ctx: Context): number {
  assert.ok(ctx.address !== null);
  return ctx.address.port;
}

function assertContactOf(binding: Binding, user: string, ctx: Context): void {
  assert.match(binding.contact, new RegExp(`^sip:${user}@[^:;]+:${portOf(ctx)}(;|$)`), binding.contact);
}

/** Registers alice through the guide's own compat functions; returns the rid. */
async function registerAlice(ctx: eXosip_t): Promise<number> {
  s.set_password(ctx, 'alice', 'secret');
  assert.equal(s.initiate_registration(ctx, kam.proxy), 0);
  const { event } = await waitEvent(ctx, success);
  return event.rid;
}

/** Compat: build + send a REGISTER for `from`. */
function sendRegister(ctx: eXosip_t, from: string, expires = 1800): number {
  eXosip_lock(ctx);
  const [rid, reg] = eXosip_register_build_initial_register(ctx, from, kam.proxy, null, expires);
  assert.ok(rid > 0, `build_initial_register ${rid}`);
  assert.equal(eXosip_register_send_register(ctx, rid, reg), 0);
  eXosip_unlock(ctx);
  return rid;
}

// ---------------------------------------------------------------------------
// The tests, one per block
// ---------------------------------------------------------------------------

const cases: Record<string, () => Promise<void>> = {
  async imports() {
    // The whole generated module (imports and every block) type-checks with
    // the project's compiler options, strict and noUnusedLocals included.
    const errors = typeCheck(generated);
    assert.deepEqual(errors, [], `the guide's TypeScript does not type-check:\n${errors.join('\n')}`);
  },

  async create_context() {
    const ctx = await compatContext();
    assert.ok(ctx instanceof Context);
    assert.equal(ctx.address?.transport, 'udp');
    assert.ok(portOf(ctx) > 0);
    const rid = await registerAlice(ctx);
    assert.ok(rid > 0);
    const [binding] = await bindingsOf('alice@example.com', 1);
    assert.equal(binding.userAgent, 'my-app/1.0');
    assertContactOf(binding, 'alice', ctx);
    // The failure branch: a taken port gives null (and the context is quit).
    const sock = dgram.createSocket('udp4');
    sock.bind(0);
    await once(sock, 'listening');
    try {
      assert.equal(await s.create_context(sock.address().port), null);
    } finally {
      sock.close();
    }
  },

  async create_context_ctx() {
    const ctx = await contextApi();
    assert.ok(portOf(ctx) > 0);
    s.set_password_ctx(ctx, 'alice', 'secret');
    await s.initiate_registration_ctx(ctx, kam.proxy);
    const [binding] = await bindingsOf('alice@example.com', 1);
    assert.equal(binding.userAgent, 'my-app/1.0');
    assertContactOf(binding, 'alice', ctx);
  },

  async initiate_registration() {
    const ctx = await compatContext();
    s.set_password(ctx, 'alice', 'secret');
    assert.equal(s.initiate_registration(ctx, kam.proxy), 0);
    const { event, seen } = await waitEvent(ctx, success);
    assert.ok(event.rid > 0);
    // eXosip answered Kamailio's 401 by itself on the way.
    assert.deepEqual(seen.map((e) => [e.typeId, e.response?.statusCode, e.rid]), [
      [EXOSIP_REGISTRATION_FAILURE, 401, event.rid],
      [EXOSIP_REGISTRATION_SUCCESS, 200, event.rid],
    ]);
    // The two Supported headers osip_message_set_supported added.
    assert.equal(osip_message_get_supported(event.request, 0)[1]?.hvalue, '100rel');
    assert.equal(osip_message_get_supported(event.request, 1)[1]?.hvalue, 'path');
    assert.equal(requestExpires(event), '1800');
    const [binding] = await bindingsOf('alice@example.com', 1);
    assertContactOf(binding, 'alice', ctx);
    assert.ok(binding.expires > 1790 && binding.expires <= 1800, `expires ${binding.expires}`);
    // The `rid < 0` branch: a proxy eXosip cannot parse.
    assert.equal(s.initiate_registration(ctx, 'not a uri'), -1);
    assert.equal(nativeOf(ctx).lockDepth, 0, 'the failure branch unlocked');
  },

  async tls_certificates() {
    const ctx = track(eXosip_malloc());
    assert.equal(eXosip_init(ctx), 0);
    assert.equal(s.tls_certificates(ctx, howto, 0), 0);
    s.set_password(ctx, 'alice', 'secret');
    assert.equal(s.initiate_registration(ctx, tlsProxy()), 0);
    await waitEvent(ctx, success, 20_000);
    const [binding] = await bindingsOf('alice@example.com', 1);
    assert.match(binding.socket, /^tls:/);
    assert.match(lastTlsPeer(), new RegExp(`verified=1 subject_cn=${pki.clientCn}`));
    // Verification is on: a CA that did not sign the registrar's certificate
    // ends the REGISTER without a response, as in C.
    const other = track(eXosip_malloc());
    assert.equal(eXosip_init(other), 0);
    assert.equal(s.tls_certificates(other, untrusted, 0), 0);
    s.set_password(other, 'alice', 'secret');
    assert.equal(s.initiate_registration(other, tlsProxy()), 0);
    const { event } = await waitEvent(other, (ev) => ev.typeId === EXOSIP_REGISTRATION_FAILURE, 20_000);
    assert.equal(event.response, null);
  },

  async tls_certificates_ctx() {
    const ctx = track(await s.tls_certificates_ctx(howto, 0));
    s.set_password_ctx(ctx, 'alice', 'secret');
    await s.initiate_registration_ctx(ctx, tlsProxy());
    const [binding] = await bindingsOf('alice@example.com', 1);
    assert.match(binding.socket, /^tls:/);
    assert.match(lastTlsPeer(), new RegExp(`verified=1 subject_cn=${pki.clientCn}`));
    const other = track(await s.tls_certificates_ctx(untrusted, 0));
    s.set_password_ctx(other, 'alice', 'secret');
    await assert.rejects(s.initiate_registration_ctx(other, tlsProxy()), { code: 'ERR_TLS_CERT_NOT_VERIFIED' });
  },

  async tls_no_verification() {
    // No CA at all: only an unverified connection can succeed.
    const ctx = track(eXosip_malloc());
    assert.equal(eXosip_init(ctx), 0);
    assert.equal(eXosip_listen_addr(ctx, IPPROTO_TCP, null, 0, AF_INET, 1), 0);
    assert.equal(eXosip_set_option(ctx, EXOSIP_OPT_SET_TLS_VERIFY_CERTIFICATE, 1), 0);
    assert.equal(s.tls_no_verification(ctx), 0);
    s.set_password(ctx, 'alice', 'secret');
    assert.equal(s.initiate_registration(ctx, tlsProxy()), 0);
    await waitEvent(ctx, success, 20_000);
    assert.match((await bindingsOf('alice@example.com', 1))[0].socket, /^tls:/);
  },

  async tls_no_verification_ctx() {
    const ctx = track(s.tls_no_verification_ctx());
    await ctx.listen({ transport: 'tls', port: 0 });
    s.set_password_ctx(ctx, 'alice', 'secret');
    await s.initiate_registration_ctx(ctx, tlsProxy());
    assert.match((await bindingsOf('alice@example.com', 1))[0].socket, /^tls:/);
  },

  async initiate_registration_ctx() {
    const ctx = await contextApi();
    s.set_password_ctx(ctx, 'alice', 'secret');
    const reg = await s.initiate_registration_ctx(ctx, kam.proxy);
    assert.equal(reg.state, 'registered');
    assert.ok(reg.rid > 0);
    assert.equal(reg.expires, 1800);
    const [binding] = await bindingsOf('alice@example.com', 1);
    assertContactOf(binding, 'alice', ctx);
    assert.ok(binding.expires > 1790 && binding.expires <= 1800, `expires ${binding.expires}`);
  },

  async set_password() {
    // A wrong password first: Kamailio answers 403 and nothing is stored.
    const ctx = await compatContext();
    s.set_password(ctx, 'alice', 'wrong');
    assert.equal(s.initiate_registration(ctx, kam.proxy), 0);
    await waitEvent(ctx, (e) => e.typeId === EXOSIP_REGISTRATION_FAILURE && e.response?.statusCode === 403);
    assert.deepEqual(await kam.lookup('alice@example.com'), []);
    // The same call with the right one replaces the entry (same username and realm).
    const ctx2 = await compatContext();
    s.set_password(ctx2, 'alice', 'secret');
    assert.equal(s.initiate_registration(ctx2, kam.proxy), 0);
    await waitEvent(ctx2, success);
    const [binding] = await bindingsOf('alice@example.com', 1);
    assertContactOf(binding, 'alice', ctx2);
  },

  async set_password_ctx() {
    const ctx = await contextApi();
    s.set_password_ctx(ctx, 'dave', 'davepw');
    await ctx.register({ from: 'sip:dave@example.com', proxy: kam.proxy, expires: 600 });
    const [binding] = await bindingsOf('dave@example.com', 1);
    assertContactOf(binding, 'dave', ctx);
  },

  async set_passwords() {
    const ctx = await compatContext();
    s.set_passwords(ctx, 'alice', 'secret', 'carol', 'carol', 'carolpw');
    const alice = sendRegister(ctx, 'sip:alice@example.com');
    const carol = sendRegister(ctx, 'sip:carol@other.test');
    const done = new Set<number>();
    await waitEvent(ctx, (e) => {
      if (success(e)) done.add(e.rid);
      return done.has(alice) && done.has(carol);
    });
    assertContactOf((await bindingsOf('alice@example.com', 1))[0], 'alice', ctx);
    assertContactOf((await bindingsOf('carol@other.test', 1))[0], 'carol', ctx);
  },

  async set_passwords_ctx() {
    const ctx = await contextApi();
    s.set_passwords_ctx(ctx, 'alice', 'secret', 'carol', 'carol', 'carolpw');
    await Promise.all([
      ctx.register({ from: 'sip:alice@example.com', proxy: kam.proxy, expires: 1800 }),
      ctx.register({ from: 'sip:carol@other.test', proxy: kam.proxy, expires: 1800 }),
    ]);
    assertContactOf((await bindingsOf('alice@example.com', 1))[0], 'alice', ctx);
    assertContactOf((await bindingsOf('carol@other.test', 1))[0], 'carol', ctx);
  },

  async delete_all_registrations() {
    // Two bindings for alice, from two contexts.
    const a = await compatContext();
    const b = await compatContext();
    await registerAlice(a);
    await registerAlice(b);
    await bindingsOf('alice@example.com', 2);

    // The how-to's literal request (Contact: *, expires 1800): Kamailio refuses it.
    const c = await compatContext();
    eXosip_add_authentication_info(c, 'alice', 'alice', 'secret', null, null);
    eXosip_lock(c);
    const [rid, reg] = eXosip_register_build_initial_register(c, 'sip:alice@example.com', kam.proxy, '*', 1800);
    assert.ok(rid > 0);
    assert.equal(eXosip_register_send_register(c, rid, reg), 0);
    eXosip_unlock(c);
    const { event } = await waitEvent(c, (e) => e.typeId === EXOSIP_REGISTRATION_FAILURE && e.response?.statusCode !== 401);
    assert.equal(event.response?.statusCode, 400);
    assert.equal((await kam.lookup('alice@example.com')).length, 2);

    // The port (expires 0) empties the table for the AoR.
    assert.equal(s.delete_all_registrations(a, kam.proxy), 0);
    const done = await waitEvent(a, (e) => success(e) && requestExpires(e) === '0');
    assert.deepEqual(done.event.request?.contacts, ['*']);
    await bindingsOf('alice@example.com', 0);
  },

  async delete_all_registrations_ctx() {
    const a = await contextApi();
    const b = await contextApi();
    for (const ctx of [a, b]) {
      s.set_password_ctx(ctx, 'alice', 'secret');
      await s.initiate_registration_ctx(ctx, kam.proxy);
    }
    await bindingsOf('alice@example.com', 2);
    const info = await s.delete_all_registrations_ctx(a, kam.proxy);
    assert.equal(info.expires, 0);
    await bindingsOf('alice@example.com', 0);
  },

  async update_registration() {
    const ctx = await compatContext();
    const rid = await registerAlice(ctx);
    const [before] = await bindingsOf('alice@example.com', 1);
    // Under the caller's lock (the snippet's own lock nests), so that the
    // second update surely finds the first one in flight: OSIP_WRONG_STATE
    // inside, -1 out.
    eXosip_lock(ctx);
    assert.equal(s.update_registration(ctx, rid), 0);
    assert.equal(s.update_registration(ctx, rid), -1);
    eXosip_unlock(ctx);
    const { event } = await waitEvent(ctx, (e) => success(e) && e.rid === rid);
    assert.equal(requestExpires(event), '1800');
    const [afterUpdate] = await bindingsOf('alice@example.com', 1);
    assert.equal(afterUpdate.contact, before.contact);
    assert.equal(afterUpdate.callId, before.callId);
    assert.ok(afterUpdate.cseq > before.cseq, `CSeq ${before.cseq} -> ${afterUpdate.cseq}`);
    assert.ok(afterUpdate.expires > 1790, `expires ${afterUpdate.expires}`);
    // Unknown rid: eXosip's OSIP_NOTFOUND takes the `i < 0` branch.
    assert.equal(eXosip_register_build_register(ctx, rid + 100, 1800)[0], OSIP_NOTFOUND);
    assert.equal(s.update_registration(ctx, rid + 100), -1);
    assert.equal(nativeOf(ctx).lockDepth, 0);
  },

  async update_registration_ctx() {
    const ctx = await contextApi();
    s.set_password_ctx(ctx, 'alice', 'secret');
    const reg = await s.initiate_registration_ctx(ctx, kam.proxy);
    const [before] = await bindingsOf('alice@example.com', 1);
    // Two at once: the second waits for the first instead of failing with OSIP_WRONG_STATE.
    const [first, second] = await Promise.all([s.update_registration_ctx(reg), s.update_registration_ctx(reg)]);
    assert.equal(first.expires, 1800);
    assert.equal(second.expires, 1800);
    const [afterUpdate] = await bindingsOf('alice@example.com', 1);
    assert.equal(afterUpdate.callId, before.callId);
    assert.ok(afterUpdate.cseq >= before.cseq + 2, `CSeq ${before.cseq} -> ${afterUpdate.cseq}`);
  },

  async close_registration() {
    const ctx = await compatContext();
    const rid = await registerAlice(ctx);
    await bindingsOf('alice@example.com', 1);
    assert.equal(s.close_registration(ctx, rid), 0);
    const { event } = await waitEvent(ctx, (e) => success(e) && e.rid === rid);
    assert.equal(requestExpires(event), '0');
    await bindingsOf('alice@example.com', 0);
    assert.equal(s.close_registration(ctx, 12345), -1);
  },

  async close_registration_ctx() {
    const ctx = await contextApi();
    s.set_password_ctx(ctx, 'alice', 'secret');
    const reg = await s.initiate_registration_ctx(ctx, kam.proxy);
    await bindingsOf('alice@example.com', 1);
    const info = await s.close_registration_ctx(reg);
    assert.equal(info.expires, 0);
    assert.equal(reg.state, 'unregistered');
    await bindingsOf('alice@example.com', 0);
  },

  async discard_registration() {
    const ctx = await compatContext();
    const rid = await registerAlice(ctx);
    const [before] = await bindingsOf('alice@example.com', 1);
    const count = await kam.registerCount();
    assert.equal(s.discard_registration(ctx, rid), 0);
    assert.equal(nativeOf(ctx).lockDepth, 0);
    // Forgotten locally...
    assert.equal(eXosip_register_build_register(ctx, rid, 1800)[0], OSIP_NOTFOUND);
    assert.equal(s.discard_registration(ctx, rid), OSIP_NOTFOUND);
    // ...and nothing was sent: the binding stays at the registrar.
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await kam.registerCount(), count);
    const [still] = await bindingsOf('alice@example.com', 1);
    assert.equal(still.contact, before.contact);
  },

  async discard_registration_ctx() {
    const ctx = await contextApi();
    s.set_password_ctx(ctx, 'alice', 'secret');
    const reg = await s.initiate_registration_ctx(ctx, kam.proxy);
    const [before] = await bindingsOf('alice@example.com', 1);
    const count = await kam.registerCount();
    s.discard_registration_ctx(reg);
    assert.equal(reg.state, 'removed');
    assert.equal(ctx.registrations.size, 0);
    assert.equal(eXosip_register_build_register(ctx, reg.rid, 1800)[0], OSIP_NOTFOUND);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await kam.registerCount(), count);
    const [still] = await bindingsOf('alice@example.com', 1);
    assert.equal(still.contact, before.contact);
  },

  async event_loop() {
    const ctx = await compatContext();
    s.set_password(ctx, 'alice', 'secret');
    assert.equal(s.initiate_registration(ctx, kam.proxy), 0);
    const lines: string[] = [];
    let running = true;
    const timer = setTimeout(() => (running = false), 10_000);
    await s.event_loop(ctx, () => running, (line) => {
      lines.push(line);
      if (line.startsWith('registered')) running = false;
    });
    clearTimeout(timer);
    const rid = /\(rid (\d+)\)/.exec(lines[0] ?? '')?.[1];
    assert.deepEqual(lines, [`registration failed (rid ${rid})`, `registered (rid ${rid})`]);
    assert.equal(nativeOf(ctx).lockDepth, 0);
    assertContactOf((await bindingsOf('alice@example.com', 1))[0], 'alice', ctx);
  },

  async event_loop_ctx() {
    const ctx = await contextApi();
    const lines: string[] = [];
    const stop = s.event_loop_ctx(ctx, (line) => lines.push(line));
    s.set_password_ctx(ctx, 'alice', 'secret');
    const reg = await s.initiate_registration_ctx(ctx, kam.proxy);
    assert.deepEqual(lines, [`registration failed (rid ${reg.rid})`, `registered (rid ${reg.rid})`]);
    stop();
    await reg.unregister();
    assert.equal(lines.length, 2, 'no more lines once stopped');
    await bindingsOf('alice@example.com', 0);
  },

  async registration_events_ctx() {
    const ctx = await contextApi();
    s.set_password_ctx(ctx, 'alice', 'secret');
    const reg = await s.initiate_registration_ctx(ctx, kam.proxy);
    const lines: string[] = [];
    s.registration_events_ctx(reg, (line) => lines.push(line));
    await reg.refresh();
    await bindingsOf('alice@example.com', 1);
    await reg.unregister();
    await bindingsOf('alice@example.com', 0);
    assert.deepEqual(lines.filter((l) => !l.startsWith('challenged')), ['refreshed for 1800 s', 'unregistered']);
  },
};

describe('docs/porting.md', () => {
  test('every ```ts block has a test and every test a block', () => {
    const documented = ['imports', ...generated.names].sort();
    assert.deepEqual(Object.keys(cases).sort(), documented);
  });

  test('every C snippet of the how-to is there, followed by its compat port and its Context equivalent', () => {
    const c = blocks.filter((b) => b.lang === 'c').map((b) => b.code.replace(/\s+/g, ' '));
    for (const line of HOWTO_C_LINES) {
      assert.ok(c.some((code) => code.includes(line)), `no \`\`\`c block of ${DOC_NAME} has: ${line}`);
    }
    blocks.forEach((b, i) => {
      if (b.lang !== 'c') return;
      const next = blocks.slice(i + 1);
      const end = next.findIndex((n) => n.lang === 'c');
      const section = end < 0 ? next : next.slice(0, end);
      const names = section.map((n) => n.name ?? '');
      assert.ok(names.some((n) => n !== '' && !n.endsWith('_ctx')), `${DOC_NAME}:${b.line}: C block without a compat port after it`);
      assert.ok(names.some((n) => n.endsWith('_ctx')), `${DOC_NAME}:${b.line}: C block without a Context equivalent after it`);
    });
  });

  for (const name of ['imports', ...generated.names]) {
    const title = name === 'imports' ? 'imports, and the whole guide type-checks' : name;
    test(`${title} (${DOC_NAME}:${blocks.find((b) => b.name === name)?.line})`, async () => {
      const run = cases[name];
      assert.ok(run !== undefined, `no test for block test=${name}`);
      await run();
    });
  }
});
