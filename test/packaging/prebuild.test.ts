/**
 * Prebuilt binaries (issue #4): the loading order, the error when nothing
 * loads, and the real thing: `npm pack`, a plain `npm install <tarball>` into
 * a fresh project, then, in a private mount namespace where the system's
 * libeXosip2, libosip2, libosipparser2, OpenSSL and c-ares are blanked out
 * (and /etc/ld.so.cache too), the source build must fail to load while the
 * installed prebuild registers against Kamailio (started outside the
 * namespace). readelf/ldd of the installed prebuild are checked as well.
 *
 * Needs (Linux): unshare (util-linux), patchelf, readelf (binutils), ldd,
 * root or unprivileged user namespaces, and the npm registry. A missing tool
 * fails the test; it is not skipped.
 *
 * The prebuild in prebuilds/<platform>-<arch>/ is made with scripts/prebuild.js
 * when it is missing or older than native/, CMakeLists.txt, cmake/ or the script
 * (.ci/run makes it with `npm run build:prebuild` before `npm test`; `npm pack`
 * checks it in "prepack").
 */
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { ROOT as root } from '../helpers/paths';
import { cleanEnv, must, run } from '../helpers/run';
import { useKamailio } from '../helpers/use-kamailio';

const tuple = `${process.platform}-${process.arch}`;
const prebuildDir = path.join(root, 'prebuilds', tuple);
const addonName = 'node.napi.glibc.node';
const linux = process.platform === 'linux';
// Prebuilt binaries are made on Linux only; elsewhere this file fails loudly
// rather than skipping (CI runs on Linux).
assert.ok(linux, 'prebuilt binaries are made and tested on Linux only');

/** What may come from the system: libc & co, the loader, libstdc++, libgcc (same list as scripts/prebuild.js). */
const SYSTEM = /^(linux-vdso\.so\.|ld-linux[-.\w]*\.so\.|libc\.so\.|libm\.so\.|libdl\.so\.|libpthread\.so\.|librt\.so\.|libresolv\.so\.|libutil\.so\.|libstdc\+\+\.so\.|libgcc_s\.so\.)/;
/** What the bundle must carry. */
const BUNDLED = ['libeXosip2.so.15', 'libosip2.so.15', 'libosipparser2.so.15', 'libssl.so.3', 'libcrypto.so.3', 'libcares.so.2'];

function requireTool(tool: string, hint: string): void {
  const r = spawnSync(tool, ['--version'], { encoding: 'utf8' });
  if (r.error) throw new Error(`${tool} is required by the prebuild test and is not installed (${hint})`);
}

/** ldd: soname -> resolved path ('not found' when unresolved). */
function parseLdd(out: string): Map<string, string> {
  const deps = new Map<string, string>();
  for (const line of out.split('\n')) {
    const m = /^\s*(\S+)\s+=>\s+(not found|\S+)/.exec(line);
    if (m) deps.set(m[1], m[2]);
  }
  return deps;
}

function readDynamic(file: string): { needed: string[]; runpath?: string; rpath?: string } {
  const out = must('readelf', ['-d', '-W', file]);
  return {
    needed: [...out.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]),
    runpath: /\(RUNPATH\)\s+Library runpath: \[([^\]]*)\]/.exec(out)?.[1],
    rpath: /\(RPATH\)\s+Library rpath: \[([^\]]*)\]/.exec(out)?.[1],
  };
}

function newestMtime(p: string): number {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...fs.readdirSync(p).map((f) => newestMtime(path.join(p, f))));
}

/** Makes prebuilds/<tuple>/ with scripts/prebuild.js unless it is newer than everything it is built from. */
function ensurePrebuild(): void {
  const addon = path.join(prebuildDir, addonName);
  const inputs = ['native', 'CMakeLists.txt', 'cmake', path.join('scripts', 'prebuild.js')].map((p) => newestMtime(path.join(root, p)));
  if (fs.existsSync(addon) && fs.statSync(addon).mtimeMs > Math.max(...inputs)) return;
  const r = run(process.execPath, [path.join(root, 'scripts', 'prebuild.js')], { cwd: root, env: cleanEnv() });
  assert.equal(r.status, 0, `scripts/prebuild.js failed:\n${r.stderr}\n${r.stdout}`);
}

/** Loads the addon in a child (cwd = repo, lib/native.ts via tsx) and returns the loaded file or the error. */
function loadInChild(env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  return run(
    process.execPath,
    ['--import', 'tsx', '-e', "const n = require('./lib/native.ts'); process.stdout.write(n.bindingPath + ' ' + n.binding.exosipVersion)"],
    { cwd: root, env: cleanEnv(env), timeout: 60_000 },
  );
}

/** loadBinding() of scripts/binding-loader.js on another package root, in a child. */
function loaderInChild(pkgRoot: string, env: Record<string, string> = {}): { ok: boolean; file?: string; code?: string; message?: string; tried?: string[] } {
  const script = `
    try {
      const r = require(${JSON.stringify(path.join(root, 'scripts', 'binding-loader.js'))}).loadBinding(${JSON.stringify(pkgRoot)});
      process.stdout.write(JSON.stringify({ ok: true, file: r.file, tried: r.tried }));
    } catch (e) {
      process.stdout.write(JSON.stringify({ ok: false, code: e.code, message: e.message, tried: e.tried }));
    }`;
  const r = run(process.execPath, ['-e', script], { cwd: root, env: cleanEnv(env), timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

describe('loading order', () => {
  before(() => {
    requireTool('patchelf', 'Debian/Ubuntu: apt-get install patchelf');
    ensurePrebuild();
  });

  test('build/Release comes first; PREBUILDS_ONLY=1 loads the prebuild', () => {
    const dev = loadInChild({});
    assert.equal(dev.status, 0, dev.stderr);
    assert.match(dev.stdout, new RegExp(`^${path.join(root, 'build', 'Release')}/exosip2\\.node \\d+\\.\\d+`));
    const pre = loadInChild({ PREBUILDS_ONLY: '1' });
    assert.equal(pre.status, 0, pre.stderr);
    assert.match(pre.stdout, new RegExp(`^${path.join(prebuildDir, addonName).replace(/\./g, '\\.')} \\d+\\.\\d+`));
  });

  test('a build that does not load is skipped for the prebuild; nothing loading names the attempts and both fixes', (t) => {
    const fake = fs.mkdtempSync(path.join(os.tmpdir(), 'exosip2-loader-'));
    t.after(() => fs.rmSync(fake, { recursive: true, force: true }));
    fs.copyFileSync(path.join(root, 'package.json'), path.join(fake, 'package.json'));
    fs.mkdirSync(path.join(fake, 'build', 'Release'), { recursive: true });
    fs.writeFileSync(path.join(fake, 'build', 'Release', 'exosip2.node'), 'not an ELF file');
    fs.mkdirSync(path.join(fake, 'prebuilds'));
    fs.symlinkSync(prebuildDir, path.join(fake, 'prebuilds', tuple));

    const fallback = loaderInChild(fake);
    assert.equal(fallback.ok, true, fallback.message);
    assert.equal(fallback.file, path.join(fake, 'prebuilds', tuple, addonName));
    assert.match(fallback.tried![0], /build from source, .*build\/Release\/exosip2\.node: does not load: .*(invalid ELF header|file too short)/);

    fs.rmSync(path.join(fake, 'prebuilds', tuple));
    fs.mkdirSync(path.join(fake, 'prebuilds', 'sunos-sparc'));
    const none = loaderInChild(fake);
    assert.equal(none.ok, false);
    assert.equal(none.code, 'ERR_EXOSIP2_NATIVE_MISSING');
    assert.equal(none.tried!.length, 2);
    assert.match(none.message!, new RegExp(`no native addon loads on ${tuple} \\(glibc, node v`));
    assert.match(none.message!, /1\. build from source, .*exosip2\.node: does not load/);
    assert.match(none.message!, new RegExp(`2\\. prebuilt binary, .*prebuilds: none for ${tuple} \\(this copy has: sunos-sparc\\)`));
    assert.ok(none.message!.includes(`cd '${fake}' && EXOSIP2_BUILD_FROM_SOURCE=1 node scripts/install.js`), none.message);
    assert.match(none.message!, /Install libeXosip2 5\.x and libosip2 5\.x/);
    assert.match(none.message!, /prebuilt binary for: linux-x64 \(glibc\)/);

    const skipped = loaderInChild(fake, { PREBUILDS_ONLY: '1' });
    assert.equal(skipped.ok, false);
    assert.match(skipped.tried![0], /build from source, .*: skipped \(PREBUILDS_ONLY is set\)/);
  });
});

describe('building from source where no prebuild fits', () => {
  test('the install script without cmake-js (an optional peer dependency) says how to build from source', (t) => {
    const fake = fs.mkdtempSync(path.join(os.tmpdir(), 'exosip2-install-'));
    t.after(() => fs.rmSync(fake, { recursive: true, force: true }));
    assert.throws(() => require.resolve('cmake-js/package.json', { paths: [fake] }), 'cmake-js must not be reachable from the temporary directory');
    fs.copyFileSync(path.join(root, 'package.json'), path.join(fake, 'package.json'));
    fs.mkdirSync(path.join(fake, 'scripts'));
    for (const f of ['install.js', 'binding-loader.js']) fs.copyFileSync(path.join(root, 'scripts', f), path.join(fake, 'scripts', f));
    fs.mkdirSync(path.join(fake, 'node_modules'));
    fs.symlinkSync(path.join(root, 'node_modules', 'node-gyp-build'), path.join(fake, 'node_modules', 'node-gyp-build'));

    const r = run(process.execPath, [path.join(fake, 'scripts', 'install.js')], { cwd: fake, timeout: 60_000 });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /no usable prebuilt binary/);
    assert.match(r.stderr, /building from source needs cmake-js, which is not installed/);
    assert.match(r.stderr, /npm install --save-dev cmake-js@\^8/);
    assert.match(r.stderr, /EXOSIP2_BUILD_FROM_SOURCE=1 node node_modules\/exosip2\/scripts\/install\.js/);
  });

  test('EXOSIP2_ROOT naming no directory, or a prefix without libeXosip2, stops the build saying so', (t) => {
    requireTool('cmake', 'Debian/Ubuntu: apt-get install cmake');
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'exosip2-cmake-'));
    t.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
    const empty = path.join(tmp, 'prefix');
    fs.mkdirSync(path.join(empty, 'include'), { recursive: true });
    // The environment variable, as README documents it, and the CMake variable cmake-js passes on.
    const nowhere = run('cmake', ['-S', root, '-B', path.join(tmp, 'a')], { env: cleanEnv({ EXOSIP2_ROOT: path.join(tmp, 'nowhere') }), timeout: 60_000 });
    assert.notEqual(nowhere.status, 0, nowhere.stdout);
    assert.match(nowhere.stderr, /EXOSIP2_ROOT=\S*nowhere is not a\s+directory/);
    const hollow = run('cmake', ['-S', root, '-B', path.join(tmp, 'b'), `-DEXOSIP2_ROOT=${empty}`], { timeout: 60_000 });
    assert.notEqual(hollow.status, 0, hollow.stdout);
    assert.match(hollow.stderr.replace(/\s+/g, ' '), /EXOSIP2_ROOT=\S*prefix holds no libeXosip2: include\/eXosip2\/eXosip\.h and lib\/libeXosip2 \(or lib64\/\) not found there/);
  });
});

describe('prebuilt binary from the npm tarball, with the system libraries hidden', () => {
  let tmp: string;
  let tarball: string;
  let packedFiles: string[];
  let packageDir: string;
  /** Real paths of the system's copies of the bundled libraries (hidden in the namespace). */
  const hidden = new Set<string>();

  before(async () => {
    requireTool('unshare', 'util-linux');
    requireTool('patchelf', 'Debian/Ubuntu: apt-get install patchelf');
    requireTool('readelf', 'binutils');
    requireTool('ldd', 'libc-bin');
    ensurePrebuild();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'exosip2-prebuild-'));

    // npm pack (runs "prepare", so dist/ is current), then a plain install into a fresh project.
    const packOut = must('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: root, env: cleanEnv() });
    const packed = JSON.parse(packOut.slice(packOut.search(/^\[/m)))[0] as { filename: string; files: { path: string }[] };
    tarball = path.join(tmp, path.basename(packed.filename));
    packedFiles = packed.files.map((f) => f.path);
    const app = path.join(tmp, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }, null, 2));
    must('npm', ['install', tarball, '--no-audit', '--no-fund'], { cwd: app, env: cleanEnv() });
    packageDir = path.join(app, 'node_modules', 'exosip2');
    fs.writeFileSync(
      path.join(app, 'register.js'),
      `'use strict';
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');
const { Context } = require('exosip2');
(async () => {
  const [proxy, user, password, domain] = process.argv.slice(2);
  const ctx = new Context({ userAgent: 'exosip2-prebuild-test/1.0' });
  const { port } = await ctx.listen({ transport: 'udp', address: '127.0.0.1', port: 0 });
  ctx.addAuthenticationInfo({ username: user, password, realm: domain });
  const reg = await ctx.register({ from: 'sip:' + user + '@' + domain, proxy, expires: 600, timeoutMs: 15000 });
  const maps = [...new Set(fs.readFileSync('/proc/self/maps', 'utf8').split('\\n')
    .map((l) => l.trim().split(/\\s+/)[5]).filter((p) => p && /\\.(node|so(\\.\\d+)*)$/.test(p)))];
  console.log(JSON.stringify({ port, state: reg.state, expires: reg.expires, maps,
    packageDir: path.dirname(require.resolve('exosip2/package.json')) }));
  // Hold the registration until the test has looked at Kamailio's location table.
  await new Promise((resolve) => readline.createInterface({ input: process.stdin }).once('line', resolve));
  await reg.unregister();
  await ctx.close();
})().catch((e) => { console.error(e); process.exit(1); });
`,
    );

    // The system's copies of everything the bundle carries, as the source build finds them.
    const devAddon = path.join(root, 'build', 'Release', 'exosip2.node');
    assert.ok(fs.existsSync(devAddon), `${devAddon} is missing: run npm install first`);
    for (const [soname, where] of parseLdd(must('ldd', [devAddon], { env: cleanEnv() }))) {
      if (!SYSTEM.test(soname) && where !== 'not found') hidden.add(fs.realpathSync(where));
    }
    for (const dir of ['/usr/local/lib', '/usr/local/lib64', '/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib']) {
      for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
        if (/^lib(eXosip2|osip2|osipparser2|ssl|crypto|cares)\.so\./.test(f)) hidden.add(fs.realpathSync(path.join(dir, f)));
      }
    }
  });
  const kam = useKamailio();

  after(async () => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  /**
   * unshare argv that runs argv in a private mount namespace where every hidden
   * library and /etc/ld.so.cache are bind-mounted over by an empty file (the
   * script checks that each of them is empty before it execs argv).
   */
  function hiddenArgv(argv: string[]): string[] {
    const script = path.join(tmp, 'hide.sh');
    const empty = path.join(tmp, 'empty');
    if (!fs.existsSync(script)) {
      fs.writeFileSync(empty, '');
      fs.writeFileSync(
        script,
        `set -eu
for f in "$@"; do [ "$f" = -- ] && break; mount --bind '${empty}' "$f"; done
mount --bind '${empty}' /etc/ld.so.cache
while [ "$1" != -- ]; do [ ! -s "$1" ] || { echo "still visible: $1" >&2; exit 97; }; shift; done
shift
exec "$@"
`,
      );
    }
    const userns = process.getuid?.() === 0 ? [] : ['--map-root-user'];
    return ['--mount', '--propagation', 'private', ...userns, '--', 'sh', script, ...hidden, '--', ...argv];
  }

  function hiddenRun(argv: string[]): { status: number | null; stdout: string; stderr: string } {
    return run('unshare', hiddenArgv(argv), { env: cleanEnv(), cwd: path.join(tmp, 'app'), timeout: 60_000 });
  }

  test('npm pack carries dist/, binding.d.ts, prebuilds/, native/, CMakeLists.txt, README, LICENSE and no tests or build dirs', () => {
    const top = ['package.json', 'README.md', 'LICENSE', 'CMakeLists.txt', 'binding.d.ts'];
    const dirs = ['dist/', 'native/', 'prebuilds/', 'cmake/'];
    const scripts = ['scripts/install.js', 'scripts/binding-loader.js'];
    for (const f of packedFiles) {
      assert.ok(top.includes(f) || scripts.includes(f) || dirs.some((d) => f.startsWith(d)), `unexpected file in the tarball: ${f}`);
      assert.doesNotMatch(f, /(^|\/)(test|build|node_modules)\//);
    }
    for (const f of [...top, ...scripts, 'dist/lib/index.js', 'dist/lib/compat/index.js', 'dist/binding.d.ts', 'native/module.cc', 'cmake/FindeXosip2.cmake']) {
      assert.ok(packedFiles.includes(f), `${f} is missing from the tarball`);
    }
    for (const f of [addonName, ...BUNDLED, 'THIRD-PARTY-NOTICES.md', 'licenses/GPL-2', 'licenses/Apache-2.0']) {
      assert.ok(packedFiles.includes(`prebuilds/${tuple}/${f}`), `prebuilds/${tuple}/${f} is missing from the tarball`);
    }
    const pkg = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
    assert.equal(pkg.license, 'GPL-2.0-or-later');
    assert.ok(!fs.existsSync(path.join(packageDir, 'build')), 'the install compiled something: the prebuild should have been used');
    // The build-from-source tools are an optional peer dependency: a prebuilt install does without them.
    assert.ok(!fs.existsSync(path.join(packageDir, '..', 'cmake-js')), 'cmake-js was installed with the prebuilt package');
    assert.deepEqual(pkg.peerDependenciesMeta?.['cmake-js'], { optional: true });
    assert.equal(pkg.dependencies?.['cmake-js'], undefined);
  });

  test('readelf and ldd: RUNPATH $ORIGIN everywhere, every non-system library resolved beside the addon', () => {
    const dir = path.join(packageDir, 'prebuilds', tuple);
    const elf = fs.readdirSync(dir).filter((f) => f.endsWith('.node') || /\.so\.\d+$/.test(f));
    assert.deepEqual(elf.sort(), [addonName, ...BUNDLED].sort());
    for (const f of elf) {
      const d = readDynamic(path.join(dir, f));
      assert.equal(d.runpath, '$ORIGIN', `${f} RUNPATH`);
      assert.equal(d.rpath, undefined, `${f} RPATH`);
      for (const n of d.needed) assert.ok(SYSTEM.test(n) || elf.includes(n), `${f} needs ${n}, which is neither bundled nor libc/libstdc++/libgcc`);
    }
    assert.ok(readDynamic(path.join(dir, addonName)).needed.includes('libeXosip2.so.15'));
    assert.ok(readDynamic(path.join(dir, 'libeXosip2.so.15')).needed.includes('libosip2.so.15'));
    // With the system's copies present, the bundled ones still win (RUNPATH comes before the cache).
    const outside = parseLdd(must('ldd', [path.join(dir, addonName)], { env: cleanEnv() }));
    for (const so of BUNDLED) assert.equal(outside.get(so), path.join(dir, so), `ldd (system libraries visible): ${so}`);
    // And with them hidden, nothing is missing.
    const inside = hiddenRun(['ldd', path.join(dir, addonName)]);
    assert.equal(inside.status, 0, inside.stderr);
    const deps = parseLdd(inside.stdout);
    for (const [so, where] of deps) {
      if (SYSTEM.test(so)) assert.notEqual(where, 'not found', so);
      else assert.equal(where, path.join(dir, so), `ldd (system libraries hidden): ${so}`);
    }
    for (const so of BUNDLED) assert.ok(deps.has(so), `ldd lists ${so}`);
    // Each bundled library finds its own dependencies beside itself (its RUNPATH), not only through
    // the addon: libeXosip2 -> libosip2/libssl/..., libssl -> libcrypto.
    const each = hiddenRun(['sh', '-c', 'for f in "$@"; do echo "== $f"; ldd "$f" || exit 1; done', 'sh', ...BUNDLED.map((so) => path.join(dir, so))]);
    assert.equal(each.status, 0, each.stderr);
    for (const section of each.stdout.split(/^== /m).slice(1)) {
      const [file, ...rest] = section.split('\n');
      for (const [so, where] of parseLdd(rest.join('\n'))) {
        if (!SYSTEM.test(so)) assert.equal(where, path.join(dir, so), `${path.basename(file)}: ${so}`);
      }
    }
    assert.match(each.stdout, new RegExp(`libosip2\\.so\\.15 => ${dir.replace(/[.]/g, '\\.')}/libosip2\\.so\\.15`));
  });

  test('in the namespace the source build cannot load, the installed prebuild registers against Kamailio', async () => {
    assert.ok([...hidden].some((f) => /libeXosip2\.so/.test(f)), `libeXosip2 is among the hidden files: ${[...hidden].join(', ')}`);
    assert.ok([...hidden].some((f) => /libosip2\.so/.test(f)), 'libosip2 is among the hidden files');
    assert.ok([...hidden].some((f) => /libosipparser2\.so/.test(f)), 'libosipparser2 is among the hidden files');

    // The hiding works: the build from source, linked against the system's libeXosip2, no longer loads.
    const dev = hiddenRun([process.execPath, '-e', `require(${JSON.stringify(path.join(root, 'build', 'Release', 'exosip2.node'))})`]);
    assert.notEqual(dev.status, 0, 'build/Release/exosip2.node loaded although libeXosip2 is hidden');
    assert.match(dev.stderr, /libeXosip2\.so\.15: (cannot open shared object file|file too short)/);

    // The installed package, its prebuild and nothing else, registers.
    const child = spawn('unshare', hiddenArgv([process.execPath, 'register.js', kam.proxy, 'alice', 'secret', 'example.com']), {
      cwd: path.join(tmp, 'app'),
      env: cleanEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = once(child, 'exit');
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    try {
      const lines = readline.createInterface({ input: child.stdout });
      const first = await Promise.race([once(lines, 'line').then(([l]) => l as string), exited.then(([code]) => Promise.reject(new Error(`consumer exited ${code}: ${stderr}`)))]);
      const result = JSON.parse(first) as { port: number; state: string; expires: number; maps: string[]; packageDir: string };
      assert.equal(result.state, 'registered');
      assert.equal(result.expires, 600);
      assert.equal(fs.realpathSync(result.packageDir), fs.realpathSync(packageDir));
      const dir = path.join(result.packageDir, 'prebuilds', tuple);
      assert.ok(result.maps.includes(path.join(dir, addonName)), `the prebuild was loaded: ${result.maps.join(', ')}`);
      for (const so of BUNDLED) assert.ok(result.maps.includes(path.join(dir, so)), `${so} mapped from the bundle: ${result.maps.join(', ')}`);
      for (const m of result.maps) {
        assert.ok(!hidden.has(m) && !m.startsWith('/usr/local/lib/'), `mapped from the system: ${m}`);
        assert.ok(m.startsWith(dir + '/') || SYSTEM.test(path.basename(m)), `unexpected library mapped: ${m}`);
      }
      const bindings = await kam.lookup('alice@example.com');
      assert.equal(bindings.length, 1, JSON.stringify(bindings));
      assert.match(bindings[0].contact, new RegExp(`^sip:alice@127\\.0\\.0\\.1:${result.port}`));
      assert.equal(bindings[0].userAgent, 'exosip2-prebuild-test/1.0');
      child.stdin.end('done\n');
      const [code] = await exited;
      assert.equal(code, 0, stderr);
      assert.deepEqual(await kam.lookup('alice@example.com'), [], 'unregistered from the namespace too');
    } finally {
      clearTimeout(timer);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
