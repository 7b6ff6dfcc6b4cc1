#!/usr/bin/env node
// npm run build:prebuild: a self-contained prebuilt binary for this machine's
// platform, in the layout node-gyp-build reads and prebuildify writes:
//
//   prebuilds/<platform>-<arch>/node.napi.<libc>.node   the addon (Node-API, any Node.js >= 20.17)
//   prebuilds/<platform>-<arch>/lib*.so.N               libeXosip2, libosip2, libosipparser2 and what
//                                                       they need beyond libc/libstdc++/libgcc
//                                                       (OpenSSL 3, c-ares), under their sonames
//   prebuilds/<platform>-<arch>/THIRD-PARTY-NOTICES.md  what is bundled, versions, licenses, sources
//   prebuilds/<platform>-<arch>/licenses/               the license texts
//
// Why not prebuildify itself: its builder runs `node-gyp rebuild`, and this
// package has no binding.gyp (it builds with cmake-js). So this script runs
// cmake-js (with -DEXOSIP2_PREBUILD=ON: RUNPATH $ORIGIN, nothing else), then
// copies every shared library the addon needs that is not libc, libstdc++ or
// libgcc next to it and gives each copy RUNPATH $ORIGIN with patchelf, so
// libeXosip2's own lookup of libosip2 (and libssl's of libcrypto) stays in
// that directory too. Then it checks the result with readelf and ldd and
// loads it with PREBUILDS_ONLY=1.
//
// Linux only. Needs: libeXosip2 + libosip2 installed (as for a build from
// source), cmake, a C++17 compiler, patchelf, readelf/strip (binutils), ldd.
//
// --if-stale (npm's "prepack", so `npm pack` and `npm publish` never ship
// without a prebuilt binary by accident): when prebuilds/<platform>-<arch>/
// is newer than native/, CMakeLists.txt, cmake/ and this script, only check
// it (RUNPATHs, ldd, it loads); else build it as above. Where no prebuild can
// be made, it fails saying so; EXOSIP2_PACK_WITHOUT_PREBUILD=1 packs anyway
// (every install of that tarball then builds from source).
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');

const platform = os.platform();
const arch = os.arch();

const ifStale = process.argv.includes('--if-stale');
/** Progress lines: on stderr under npm pack, whose stdout is its own (`npm pack --json`). */
const log = ifStale ? console.error : console.log;

function fail(message) {
  console.error(`prebuild: ${message}`);
  if (ifStale) {
    console.error(
      'prebuild: npm pack stops here, so that the package never ships without a prebuilt binary by accident.\n' +
        'prebuild: To pack without one (every install then builds from source), set EXOSIP2_PACK_WITHOUT_PREBUILD=1.',
    );
  }
  process.exit(1);
}

if (ifStale && process.env.EXOSIP2_PACK_WITHOUT_PREBUILD === '1') {
  console.warn('prebuild: EXOSIP2_PACK_WITHOUT_PREBUILD=1: packing without checking prebuilds/; installs of this tarball may have to build from source.');
  process.exit(0);
}

if (platform !== 'linux') {
  fail(`prebuilt binaries are made on Linux only (this is ${platform}); elsewhere build from source (README.md).`);
}

const libc = fs.existsSync('/etc/alpine-release') ? 'musl' : 'glibc';
const outDir = path.join(root, 'prebuilds', `${platform}-${arch}`);
const buildDir = path.join(root, 'build', 'prebuild');
const addonName = `node.napi.${libc}.node`;

/** Shared objects that may come from the system: the C library, the loader, libstdc++ and libgcc. */
const SYSTEM = [
  /^linux-vdso\.so\./,
  /^ld-linux[-.\w]*\.so\./,
  /^ld-musl-/,
  /^libc\.so\./,
  /^libm\.so\./,
  /^libdl\.so\./,
  /^libpthread\.so\./,
  /^librt\.so\./,
  /^libresolv\.so\./,
  /^libutil\.so\./,
  /^libstdc\+\+\.so\./,
  /^libgcc_s\.so\./,
];
const isSystem = (soname) => SYSTEM.some((re) => re.test(soname));

/** Libraries the bundle must contain, whatever the system looks like. */
const REQUIRED = ['libeXosip2.so.', 'libosip2.so.', 'libosipparser2.so.'];

/** License and source of what may be bundled, keyed by soname prefix. */
const KNOWN = [
  {
    prefix: 'libeXosip2.so.',
    project: 'libeXosip2 (eXosip, the eXtended osip library)',
    license: 'GPL-2.0-or-later, with an exception that permits linking with OpenSSL (upstream LICENSE.OpenSSL)',
    texts: ['GPL-2'],
    source: (v) => `https://download.savannah.nongnu.org/releases/exosip/libexosip2-${v ?? '5.3.0'}.tar.gz (unmodified upstream release)`,
  },
  { prefix: 'libosip2.so.', project: 'GNU oSIP (libosip2)', license: 'LGPL-2.1-or-later', texts: ['LGPL-2.1'] },
  { prefix: 'libosipparser2.so.', project: 'GNU oSIP (libosipparser2)', license: 'LGPL-2.1-or-later', texts: ['LGPL-2.1'] },
  { prefix: 'libssl.so.', project: 'OpenSSL 3 (libssl)', license: 'Apache-2.0', texts: ['Apache-2.0'] },
  { prefix: 'libcrypto.so.', project: 'OpenSSL 3 (libcrypto)', license: 'Apache-2.0', texts: ['Apache-2.0'] },
  { prefix: 'libcares.so.', project: 'c-ares', license: 'MIT', texts: [] },
];

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  if (r.error) {
    if (r.error.code === 'ENOENT') return { missing: true, status: -1, stdout: '', stderr: '' };
    throw r.error;
  }
  return r;
}

function must(cmd, args, opts) {
  const r = run(cmd, args, opts);
  if (r.missing) fail(`${cmd} is not installed`);
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} failed (exit ${r.status}):\n${r.stderr ?? ''}${r.stdout ?? ''}`);
  return r.stdout ?? '';
}

for (const [tool, pkg] of [['patchelf', 'patchelf'], ['readelf', 'binutils'], ['strip', 'binutils'], ['ldd', 'libc-bin']]) {
  if (run(tool, ['--version']).missing) fail(`${tool} is needed (Debian/Ubuntu: apt-get install ${pkg}).`);
}

// Loader environment for the checks: no LD_LIBRARY_PATH/LD_PRELOAD, so only RUNPATHs and the system decide.
const cleanEnv = { ...process.env };
delete cleanEnv.LD_LIBRARY_PATH;
delete cleanEnv.LD_PRELOAD;

/** `soname => path` lines of ldd. */
function ldd(file, env) {
  const out = must('ldd', [file], { env });
  const deps = new Map();
  for (const line of out.split('\n')) {
    const m = /^\s*(\S+)\s+=>\s+(.*?)\s+\(0x[0-9a-f]+\)\s*$/.exec(line) ?? /^\s*(\S+)\s+=>\s+(not found)\s*$/.exec(line);
    if (m) deps.set(m[1], m[2]);
    else if (/^\s*(\/\S+)\s+\(0x/.test(line)) deps.set(path.basename(line.trim().split(/\s+/)[0]), line.trim().split(/\s+/)[0]);
    else if (/^\s*linux-vdso/.test(line)) deps.set(line.trim().split(/\s+/)[0], '(vdso)');
  }
  return deps;
}

/** NEEDED, RUNPATH and RPATH of an ELF file. */
function dynamic(file) {
  const out = must('readelf', ['-d', '-W', file]);
  const needed = [...out.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
  const runpath = /\(RUNPATH\)\s+Library runpath: \[([^\]]*)\]/.exec(out)?.[1];
  const rpath = /\(RPATH\)\s+Library rpath: \[([^\]]*)\]/.exec(out)?.[1];
  const soname = /\(SONAME\)\s+Library soname: \[([^\]]+)\]/.exec(out)?.[1];
  return { needed, runpath, rpath, soname };
}

/** Highest GLIBC_/GLIBCXX_/CXXABI_ symbol versions the files need. */
function symbolVersions(files) {
  const max = {};
  const cmp = (a, b) => {
    const x = a.split('.').map(Number);
    const y = b.split('.').map(Number);
    for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
    return 0;
  };
  for (const f of files) {
    const out = must('readelf', ['-V', '-W', f]);
    for (const m of out.matchAll(/Name: (GLIBC|GLIBCXX|CXXABI)_([\d.]+)/g)) {
      if (!max[m[1]] || cmp(m[2], max[m[1]]) > 0) max[m[1]] = m[2];
    }
  }
  return max;
}

/** Debian package, its version and source package for a file, when dpkg knows it. */
function debianPackage(file) {
  for (const candidate of [file, file.replace(/^\/usr\/lib\//, '/lib/'), file.replace(/^\/lib\//, '/usr/lib/')]) {
    const r = run('dpkg', ['-S', candidate]);
    if (r.missing || r.status !== 0) continue;
    const pkg = r.stdout.split('\n')[0].split(': ')[0].trim(); // "libssl3:amd64: /lib/..." -> "libssl3:amd64"
    const q = run('dpkg-query', ['-W', '-f', '${Package} ${Version} ${source:Package} ${source:Version}', pkg]);
    if (q.status !== 0) continue;
    const [name, version, sourceName, sourceVersion] = q.stdout.trim().split(' ');
    return { name, version, sourceName, sourceVersion };
  }
  return undefined;
}

function newestMtime(p) {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...fs.readdirSync(p).map((f) => newestMtime(path.join(p, f))));
}

const target = path.join(outDir, addonName);

if (ifStale) {
  const inputs = ['native', 'CMakeLists.txt', 'cmake', path.join('scripts', 'prebuild.js')];
  const newest = Math.max(...inputs.map((p) => newestMtime(path.join(root, p))));
  if (fs.existsSync(target) && fs.statSync(target).mtimeMs > newest) {
    const { loaded } = check();
    log(`prebuild: ${path.relative(root, outDir)}/ is newer than ${inputs.join(', ')}, and loads (libeXosip2 ${loaded.version}): packing it`);
    process.exit(0);
  }
  log(`prebuild: ${path.relative(root, outDir)}/ is ${fs.existsSync(target) ? 'older than the sources' : 'missing'}: building it before packing`);
}

/**
 * Steps 4 and 5: every ELF file in outDir has RUNPATH $ORIGIN and needs only
 * bundled or system libraries, ldd resolves every non-system dependency
 * inside the directory, and the addon loads the way an installed package
 * loads it (build/ ignored). Returns the ELF files and what loaded.
 */
function check() {
  // 4. Check: every ELF file has RUNPATH $ORIGIN and needs only bundled or system libraries; ldd
  //    resolves every non-system dependency inside the directory.
  const files = fs.readdirSync(outDir).filter((f) => f.endsWith('.node') || /\.so(\.\d+)+$/.test(f));
  for (const f of files) {
    const file = path.join(outDir, f);
    const d = dynamic(file);
    if (d.runpath !== '$ORIGIN' || d.rpath !== undefined) fail(`${f}: RUNPATH ${d.runpath} RPATH ${d.rpath}, expected RUNPATH $ORIGIN only`);
    for (const n of d.needed) {
      if (!isSystem(n) && !files.includes(n)) fail(`${f} needs ${n}, which is neither bundled nor a system library`);
    }
    for (const [soname, where] of ldd(file, cleanEnv)) {
      if (isSystem(soname)) continue;
      if (path.dirname(where) !== outDir) fail(`${f}: ldd resolves ${soname} to ${where}, not to the bundled copy`);
    }
  }

  // 5. Load it the way an installed package does, build/ ignored.
  const probe = spawnSync(
    process.execPath,
    [
      '-e',
      `const r = require(${JSON.stringify(path.join(__dirname, 'binding-loader.js'))}).loadBinding(${JSON.stringify(root)});
       process.stdout.write(JSON.stringify({ file: r.file, version: r.binding.exosipVersion }));`,
    ],
    { encoding: 'utf8', env: { ...cleanEnv, PREBUILDS_ONLY: '1' } },
  );
  if (probe.status !== 0) fail(`the prebuild does not load:\n${probe.stderr}`);
  const loaded = JSON.parse(probe.stdout);
  if (loaded.file !== target) fail(`node-gyp-build's matching picked ${loaded.file}, not ${target}`);
  return { files, loaded };
}

// 1. Build with cmake-js into build/prebuild (the dev build in build/Release is left alone).
log(`prebuild: cmake-js rebuild -> ${path.relative(root, buildDir)} (EXOSIP2_PREBUILD=ON)`);
const cmakeArgs = [require.resolve('cmake-js/bin/cmake-js'), 'rebuild', '--out', buildDir, '--CDEXOSIP2_PREBUILD=ON', '-l', 'warn'];
if (process.env.EXOSIP2_ROOT) cmakeArgs.push(`--CDEXOSIP2_ROOT=${process.env.EXOSIP2_ROOT}`);
const built = spawnSync(process.execPath, cmakeArgs, { cwd: root, stdio: ['inherit', ifStale ? 2 : 'inherit', 'inherit'] });
if (built.status !== 0) fail(`cmake-js failed (exit ${built.status}). See "Build from source" in README.md for the prerequisites.`);
const addon = path.join(buildDir, 'Release', 'exosip2.node');
if (!fs.existsSync(addon)) fail(`${addon} was not built`);

const addonDyn = dynamic(addon);
if (addonDyn.runpath !== '$ORIGIN' || addonDyn.rpath) {
  fail(`${addon} has RUNPATH ${addonDyn.runpath} / RPATH ${addonDyn.rpath}; expected RUNPATH $ORIGIN only (CMake option EXOSIP2_PREBUILD)`);
}

// 2. Collect the closure of non-system libraries (ldd resolves transitively, as the loader would).
const wanted = new Map(); // soname -> real source file
for (const [soname, where] of ldd(addon, process.env)) {
  if (isSystem(soname)) continue;
  if (where === 'not found') fail(`${soname} (needed by the addon) is not found by the loader`);
  wanted.set(soname, fs.realpathSync(where));
}
for (const prefix of REQUIRED) {
  if (![...wanted.keys()].some((s) => s.startsWith(prefix))) fail(`the addon does not pull in ${prefix}* — is libeXosip2 linked statically? This script expects shared libraries.`);
}

// 3. Lay out prebuilds/<platform>-<arch>/.
fs.rmSync(outDir, { recursive: true, force: true });
fs.mkdirSync(path.join(outDir, 'licenses'), { recursive: true });
fs.copyFileSync(addon, target);
must('strip', ['--strip-unneeded', target]);
for (const [soname, source] of wanted) {
  const copy = path.join(outDir, soname);
  const own = dynamic(source).soname;
  if (own && own !== soname) fail(`${source} has soname ${own}, but was loaded as ${soname}`);
  fs.copyFileSync(source, copy);
  fs.chmodSync(copy, 0o755);
  must('strip', ['--strip-unneeded', copy]);
  must('patchelf', ['--set-rpath', '$ORIGIN', copy]);
}

const { files, loaded } = check();

// 6. Notices: what is bundled, its license, where its source is; license texts next to it.
const versions = symbolVersions(files.map((f) => path.join(outDir, f)));
const rows = [];
const texts = new Set();
for (const [soname, source] of wanted) {
  const known = KNOWN.find((k) => soname.startsWith(k.prefix));
  const deb = debianPackage(source);
  const version = soname.startsWith('libeXosip2.') ? loaded.version : deb?.version;
  let where;
  if (deb) {
    where = `Debian source package ${deb.sourceName} ${deb.sourceVersion} (apt-get source ${deb.sourceName}=${deb.sourceVersion}; https://snapshot.debian.org/package/${deb.sourceName}/${deb.sourceVersion}/)`;
    const copyright = `/usr/share/doc/${deb.name.split(':')[0]}/copyright`;
    if (fs.existsSync(copyright)) fs.copyFileSync(copyright, path.join(outDir, 'licenses', `${deb.name.split(':')[0]}.copyright`));
  } else {
    where = known?.source ? known.source(version) : 'the upstream release of that version';
  }
  for (const t of known?.texts ?? []) texts.add(t);
  rows.push(`| ${soname} | ${known?.project ?? '?'} | ${version ?? '?'} | ${known?.license ?? 'see licenses/'} | ${where} |`);
}
for (const t of texts) {
  const file = `/usr/share/common-licenses/${t}`;
  if (fs.existsSync(file)) fs.copyFileSync(file, path.join(outDir, 'licenses', t));
}
fs.copyFileSync(path.join(root, 'LICENSE'), path.join(outDir, 'licenses', 'exosip2.LICENSE'));
const osRelease = fs.existsSync('/etc/os-release') ? /PRETTY_NAME="?([^"\n]*)/.exec(fs.readFileSync('/etc/os-release', 'utf8'))?.[1] : undefined;
fs.writeFileSync(
  path.join(outDir, 'THIRD-PARTY-NOTICES.md'),
  `# Bundled in prebuilds/${platform}-${arch}/

\`${addonName}\` is exosip2's addon (GPL-2.0-or-later, licenses/exosip2.LICENSE). It was built on
${osRelease ?? platform} with libeXosip2 ${loaded.version} and runs with the shared libraries below, copied here
under their sonames with RUNPATH \`$ORIGIN\` (patchelf). Nothing else was changed in them
(they are stripped of debug symbols). From the system it needs only libc, libstdc++ and libgcc:
${Object.entries(versions)
  .map(([k, v]) => `${k}_${v}`)
  .join(', ')} at least.

| file | project | version | license | corresponding source |
| --- | --- | --- | --- | --- |
${rows.join('\n')}

libeXosip2 is GPL-2.0-or-later. OpenSSL 3 is Apache-2.0, which is compatible with GPL-3.0 but not
with GPL-2.0-only; eXosip2's OpenSSL exception (LICENSE.OpenSSL) names the old OpenSSL license.
So this directory, as a combined work, is distributed under GPL-3.0-or-later terms (the "or later"
of libeXosip2 and exosip2 allows it), with libosip2 (LGPL-2.1-or-later), OpenSSL (Apache-2.0) and
c-ares (MIT) under their own licenses. The license texts are in licenses/.
`,
);

log(`prebuild: ${path.relative(root, outDir)}/`);
for (const f of fs.readdirSync(outDir).sort()) {
  const st = fs.statSync(path.join(outDir, f));
  log(`  ${f}${st.isDirectory() ? '/' : `  ${st.size} bytes`}`);
}
log(`prebuild: needs from the system only ${Object.entries(versions).map(([k, v]) => `${k}_${v}`).join(', ')}; loads as ${path.relative(root, loaded.file)} (libeXosip2 ${loaded.version})`);
