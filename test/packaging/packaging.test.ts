/**
 * Packaging (issue #7): exosip2 works from ESM (`import`) and CommonJS
 * (`require`), with types for both, as published.
 *
 * `npm pack` of this repository (npm runs "prepare", i.e. `npm run build:ts`,
 * so dist/ and the ES module wrappers of scripts/build-esm.js are current; its
 * "prepack" check of prebuilds/ is skipped with EXOSIP2_PACK_WITHOUT_PREBUILD=1), then
 * `npm install --ignore-scripts --prefer-offline <tarball>` into a fresh project
 * in a temp dir: nothing is compiled, and the dependencies come from npm's cache
 * (which `npm ci` of this repository filled) unless they are missing there. The
 * addon is this repository's build from source, copied to
 * node_modules/exosip2/build/Release/, the first place scripts/binding-loader.js
 * looks (so the test does not depend on prebuilds/ being there or current).
 *
 * In that project:
 * - esm.mjs imports exosip2 and exosip2/compat (named, namespace and default),
 *   checks they are the very objects require() gives (one module instance, one
 *   addon: no dual-package hazard) and that the ES module exports exactly the
 *   names of the CommonJS module, then listens on 127.0.0.1 UDP and closes;
 * - cjs.cjs does the same from require() (and import() back);
 * - check.mts and check.cts use the typed API, with `@ts-expect-error` on wrong
 *   calls (an unused one fails, so the types cannot be `any`), checked by this
 *   repository's tsc with --module nodenext --strict; --explainFiles shows the
 *   .mts got dist/esm/*.d.mts and the .cts dist/lib/*.d.ts.
 *
 * Needs: npm, the native addon built (`npm run compile`), node_modules of this
 * repository (typescript, @types/node). A missing piece fails the test.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ROOT as root } from '../helpers/paths';
import { cleanEnv, must, run } from '../helpers/run';

const devAddon = path.join(root, 'build', 'Release', 'exosip2.node');
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const typeRoots = path.join(root, 'node_modules', '@types');

/** The ES module entry points and their declarations, next to the CommonJS ones. */
const ENTRIES = ['index', 'compat'];
/** Each entry's CommonJS module below dist/lib/, without extension. */
const CJS_PATHS: Record<string, string> = { index: 'index', compat: 'compat/index' };
const PACKED = ENTRIES.flatMap((e) => [`dist/esm/${e}.mjs`, `dist/esm/${e}.d.mts`, `dist/lib/${CJS_PATHS[e]}.js`, `dist/lib/${CJS_PATHS[e]}.d.ts`]);

const OK = ['SIP/2.0 200 OK', 'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK776asdhds', 'From: <sip:alice@example.com>;tag=1928301774',
  'To: <sip:alice@example.com>;tag=a6c85cf', 'Call-ID: a84b4c76e66710', 'CSeq: 2 REGISTER', 'Content-Length: 0', '', ''].join('\r\n');

/** The last line of stdout, as JSON (what the consumer scripts print). */
function lastJson<T>(stdout: string): T {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as T;
}

/**
 * What both consumer scripts do with the package (in an async scope, with
 * `Context`, `Message`, `parseMessage` and `compat` from their own module
 * system and `other` the same module loaded through the other one).
 */
const SMOKE = `
const ctx = new Context({ userAgent: 'exosip2-packaging-test/1.0' });
assert.ok(ctx instanceof other.Context);
const info = await ctx.listen({ transport: 'udp', address: '127.0.0.1', port: 0 });
assert.ok(info.port > 0, 'port ' + info.port);
await ctx.close();

const c = compat.eXosip_malloc();
assert.equal(compat.eXosip_init(c), compat.OSIP_SUCCESS);
assert.equal(compat.eXosip_listen_addr(c, compat.IPPROTO_UDP, '127.0.0.1', 0, compat.AF_INET, 0), 0);
await compat.eXosip_quit(c);

const m = parseMessage(${JSON.stringify(OK)});
assert.ok(m instanceof Message && m instanceof other.Message);
assert.equal(m.statusCode, 200);
`;

const ESM = `import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Context, Message, parseMessage } from 'exosip2';
import * as ns from 'exosip2';
import exosip2 from 'exosip2';
import * as compat from 'exosip2/compat';
import compatDefault from 'exosip2/compat';

const require = createRequire(import.meta.url);
const cjs = require('exosip2');
const cjsCompat = require('exosip2/compat');

// One instance: the default export is the CommonJS module, the named exports are its values.
assert.equal(exosip2, cjs);
assert.equal(Context, cjs.Context);
assert.equal(parseMessage, cjs.parseMessage);
assert.equal(compatDefault, cjsCompat);
assert.equal(compat.eXosip_malloc, cjsCompat.eXosip_malloc);
// The ES module exports exactly the CommonJS module's names (the wrappers are not stale).
for (const [esm, cj, name] of [[ns, cjs, 'exosip2'], [compat, cjsCompat, 'exosip2/compat']]) {
  assert.deepEqual(Object.keys(esm).filter((k) => k !== 'default').sort(), Object.keys(cj).sort(), name + ': export lists');
  for (const k of Object.keys(cj)) assert.equal(esm[k], cj[k], name + ': ' + k);
}

const other = cjs;
${SMOKE}

console.log(JSON.stringify({
  import: [import.meta.resolve('exosip2'), import.meta.resolve('exosip2/compat')],
  require: [require.resolve('exosip2'), require.resolve('exosip2/compat')],
  addons: Object.keys(require.cache).filter((f) => f.endsWith('.node')),
  port: info.port,
}));
`;

const CJS = `'use strict';
const assert = require('node:assert/strict');
const { Context, Message, parseMessage } = require('exosip2');
const compat = require('exosip2/compat');

(async () => {
  const esm = await import('exosip2');
  const esmCompat = await import('exosip2/compat');
  assert.equal(esm.default, require('exosip2'));
  assert.equal(esm.Context, Context);
  assert.equal(esm.parseMessage, parseMessage);
  assert.equal(esmCompat.default, compat);
  assert.equal(esmCompat.eXosip_init, compat.eXosip_init);

  const other = esm;
${SMOKE}

  console.log(JSON.stringify({
    require: [require.resolve('exosip2'), require.resolve('exosip2/compat')],
    addons: Object.keys(require.cache).filter((f) => f.endsWith('.node')),
    port: info.port,
  }));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
`;

/** Typed use shared by check.mts and check.cts (after their own imports of exosip2, exosip2/compat as compat). */
const TYPED_BODY = `
async function main(): Promise<number> {
  const ctx: Context = new Context({ userAgent: 'exosip2-packaging-test/1.0' });
  const info: ListenInfo = await ctx.listen({ transport: 'udp', address: '127.0.0.1', port: 0 });
  const port: number = info.port;
  // @ts-expect-error: not a transport
  await ctx.listen({ transport: 'sctp' });
  // @ts-expect-error: a port is a number
  const notAString: string = info.port;
  await ctx.close();

  const m: Message = parseMessage('SIP/2.0 200 OK');
  const status: number = m.statusCode;
  // @ts-expect-error: parseMessage takes a string or a Buffer
  parseMessage(42);

  const c: compat.eXosip_t = compat.eXosip_malloc();
  const rc: number = compat.eXosip_init(c);
  // @ts-expect-error: the port is a number, not a string
  compat.eXosip_listen_addr(c, compat.IPPROTO_UDP, null, '5060', compat.AF_INET, 0);
  const quit: Promise<void> = compat.eXosip_quit(c);
  await quit;
  return port + status + rc + notAString.length;
}
void main;
`;

const MTS = `import { Context, parseMessage, type ListenInfo, type Message } from 'exosip2';
import exosip2 from 'exosip2';
import * as compat from 'exosip2/compat';
import compatDefault from 'exosip2/compat';

// The default export is typed as the whole module.
const SameContext: typeof Context = exosip2.Context;
const sameInit: typeof compat.eXosip_init = compatDefault.eXosip_init;
// @ts-expect-error: no such export
exosip2.NoSuchThing;
void SameContext;
void sameInit;
${TYPED_BODY}`;

const CTS = `import { Context, parseMessage, type ListenInfo, type Message } from 'exosip2';
import exosip2 = require('exosip2');
import compat = require('exosip2/compat');

const SameContext: typeof Context = exosip2.Context;
// @ts-expect-error: no such export
exosip2.NoSuchThing;
void SameContext;
${TYPED_BODY}`;

describe('the packed package from ESM and CommonJS, with types', () => {
  let tmp: string;
  let app: string;
  let packageDir: string;
  let packedFiles: string[];
  let addonCopy: string;

  before(() => {
    assert.ok(fs.existsSync(devAddon), `${devAddon} is missing: run \`npm run compile\` first`);
    assert.ok(fs.existsSync(tsc), `${tsc} is missing: run \`npm ci\` first`);
    assert.ok(fs.existsSync(path.join(typeRoots, 'node', 'package.json')), `${typeRoots}/node is missing: run \`npm ci\` first`);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'exosip2-packaging-'));

    // npm pack runs "prepare" (npm run build:ts): dist/ and dist/esm/ are rebuilt from lib/.
    // Its "prepack" would check (or build) prebuilds/, which this test does not use:
    // EXOSIP2_PACK_WITHOUT_PREBUILD=1 skips that (test/prebuild.test.ts packs through it).
    const packOut = must('npm', ['pack', '--json', '--pack-destination', tmp], {
      cwd: root,
      timeout: 90_000,
      env: cleanEnv({ EXOSIP2_PACK_WITHOUT_PREBUILD: '1' }),
    });
    const packed = JSON.parse(packOut.slice(packOut.search(/^\[/m)))[0] as { filename: string; files: { path: string }[] };
    packedFiles = packed.files.map((f) => f.path);
    const tarball = path.join(tmp, path.basename(packed.filename));

    app = path.join(tmp, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }, null, 2));
    // No install script (no build, no prebuild lookup); dependencies from npm's cache when it has them.
    must('npm', ['install', tarball, '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: app, timeout: 90_000 });
    packageDir = path.join(app, 'node_modules', 'exosip2');
    assert.ok(!fs.existsSync(path.join(packageDir, 'build')), 'the install built something although scripts were ignored');
    // The addon: this repository's build from source, where the loader looks first.
    addonCopy = path.join(packageDir, 'build', 'Release', 'exosip2.node');
    fs.mkdirSync(path.dirname(addonCopy), { recursive: true });
    fs.copyFileSync(devAddon, addonCopy);

    fs.writeFileSync(path.join(app, 'esm.mjs'), ESM);
    fs.writeFileSync(path.join(app, 'cjs.cjs'), CJS);
    fs.writeFileSync(path.join(app, 'check.mts'), MTS);
    fs.writeFileSync(path.join(app, 'check.cts'), CTS);
  });

  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('the tarball carries the ES module wrappers; exports map import and require, each with its types first', () => {
    for (const f of PACKED) assert.ok(packedFiles.includes(f), `${f} is missing from the tarball`);
    const pkg = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
    assert.equal(pkg.main, 'dist/lib/index.js');
    assert.equal(pkg.types, 'dist/lib/index.d.ts');
    for (const [sub, entry] of [['.', 'index'], ['./compat', 'compat']]) {
      const conditions = pkg.exports[sub];
      assert.deepEqual(Object.keys(conditions), ['import', 'require', 'default'], `exports["${sub}"]`);
      assert.deepEqual(conditions.import, { types: `./dist/esm/${entry}.d.mts`, default: `./dist/esm/${entry}.mjs` });
      assert.deepEqual(conditions.require, { types: `./dist/lib/${CJS_PATHS[entry]}.d.ts`, default: `./dist/lib/${CJS_PATHS[entry]}.js` });
      assert.deepEqual(conditions.default, conditions.require);
      for (const c of ['import', 'require', 'default']) {
        assert.equal(Object.keys(conditions[c])[0], 'types', `exports["${sub}"].${c}: "types" comes first`);
        for (const f of Object.values(conditions[c]) as string[]) assert.ok(fs.existsSync(path.join(packageDir, f)), `${sub} ${c}: ${f} is not in the package`);
      }
    }
    // Generated, not hand-written: the wrapper names the file it was generated from.
    assert.match(fs.readFileSync(path.join(packageDir, 'dist', 'esm', 'index.mjs'), 'utf8'), /^\/\/ Generated by scripts\/build-esm\.js/);
  });

  test('import (esm.mjs): named, namespace and default imports are the CommonJS module, one addon; listens and closes', () => {
    const r = run(process.execPath, ['esm.mjs'], { cwd: app });
    assert.equal(r.status, 0, `esm.mjs exited ${r.status}:\n${r.stderr}\n${r.stdout}`);
    const out = lastJson<{ import: string[]; require: string[]; addons: string[]; port: number }>(r.stdout);
    const real = fs.realpathSync(packageDir);
    assert.deepEqual(out.import, ['index', 'compat'].map((e) => pathToFileURL(path.join(real, 'dist', 'esm', `${e}.mjs`)).href));
    assert.deepEqual(out.require, [path.join(real, 'dist', 'lib', 'index.js'), path.join(real, 'dist', 'lib', 'compat', 'index.js')]);
    assert.deepEqual(out.addons, [fs.realpathSync(addonCopy)], 'exactly one native addon, the one in the installed package');
    assert.ok(out.port > 0);
  });

  test('require (cjs.cjs): require() and import() give the same objects; listens and closes', () => {
    const r = run(process.execPath, ['cjs.cjs'], { cwd: app });
    assert.equal(r.status, 0, `cjs.cjs exited ${r.status}:\n${r.stderr}\n${r.stdout}`);
    const out = lastJson<{ require: string[]; addons: string[]; port: number }>(r.stdout);
    const real = fs.realpathSync(packageDir);
    assert.deepEqual(out.require, [path.join(real, 'dist', 'lib', 'index.js'), path.join(real, 'dist', 'lib', 'compat', 'index.js')]);
    assert.deepEqual(out.addons, [fs.realpathSync(addonCopy)], 'exactly one native addon, the one in the installed package');
    assert.ok(out.port > 0);
  });

  test('types: check.mts gets dist/esm/*.d.mts, check.cts dist/lib/*.d.ts; tsc --module nodenext --strict passes', () => {
    const args = [
      tsc,
      '--module', 'nodenext',
      '--moduleResolution', 'nodenext',
      '--target', 'es2022',
      '--strict',
      '--noEmit',
      '--types', 'node',
      '--typeRoots', typeRoots,
      '--explainFiles',
      'check.mts',
      'check.cts',
    ];
    const r = run(process.execPath, args, { cwd: app });
    assert.equal(r.status, 0, `tsc ${args.slice(1).join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
    // --explainFiles: each file, then indented lines saying why it is in the program.
    const why = new Map<string, string>();
    let current = '';
    for (const line of r.stdout.split('\n')) {
      if (line === '') continue;
      if (!/^\s/.test(line)) why.set((current = line.trim()), '');
      else why.set(current, why.get(current) + line.trim() + '\n');
    }
    const reasons = (file: string): string => {
      const key = [...why.keys()].find((k) => k === file || k.endsWith(`/${file}`));
      assert.ok(key !== undefined, `${file} is not in the program:\n${[...why.keys()].join('\n')}`);
      return why.get(key)!;
    };
    for (const entry of ENTRIES) {
      const spec = entry === 'index' ? 'exosip2' : 'exosip2/compat';
      assert.match(reasons(`node_modules/exosip2/dist/esm/${entry}.d.mts`), new RegExp(`Imported via '${spec}' from file 'check\\.mts'`));
      assert.match(reasons(`node_modules/exosip2/dist/lib/${CJS_PATHS[entry]}.d.ts`), new RegExp(`Imported via '${spec}' from file 'check\\.cts'`));
    }
  });
});
