'use strict';
// Finds and loads exosip2's native addon. Shared by lib/native.ts (at run
// time) and scripts/install.js (at install time), so both try the same files
// in the same order:
//
//   1. build/Release/*.node, then build/Debug/*.node: a build from source of
//      this copy of the package (cmake-js). Skipped when PREBUILDS_ONLY is set
//      (to anything non-empty, as node-gyp-build reads it).
//   2. prebuilds/<platform>-<arch>/<tags>.node: the prebuilt binary that
//      node-gyp-build would pick for this platform, arch, libc and runtime
//      (its own tag matchers are used), e.g. prebuilds/linux-x64/node.napi.glibc.node.
//
// This is node-gyp-build's order, made explicit for one reason: a candidate
// that exists but does not load (a local build whose libeXosip2 has gone, a
// prebuild for another libc) is recorded and the next one is tried, instead
// of ending the search. When nothing loads, the error lists every candidate
// with its outcome and the two ways out.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const nodeGypBuild = require('node-gyp-build');

// The same inputs node-gyp-build uses to pick a prebuild.
const platform = process.env.npm_config_platform || os.platform();
const arch = process.env.npm_config_arch || os.arch();
const runtime = process.versions.electron || process.env.ELECTRON_RUN_AS_NODE ? 'electron' : 'node';
const abi = process.versions.modules;
const libc = process.env.LIBC || (platform === 'linux' && fs.existsSync('/etc/alpine-release') ? 'musl' : 'glibc');

/** Platforms the published npm package carries prebuilt binaries for (README "Supported platforms"). */
const PUBLISHED_PREBUILDS = 'linux-x64 (glibc)';

function readdir(dir) {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

function firstLine(error) {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n').find((line) => line.trim() !== '') ?? text;
}

/** The prebuild node-gyp-build would choose under root, or why there is none. */
function findPrebuild(root) {
  const dir = path.join(root, 'prebuilds');
  const tuples = readdir(dir).map(nodeGypBuild.parseTuple).filter(Boolean);
  const tuple = tuples.filter(nodeGypBuild.matchTuple(platform, arch)).sort(nodeGypBuild.compareTuples)[0];
  if (!tuple) {
    const have = tuples.map((t) => t.name).join(', ');
    return { dir, missing: have ? `none for ${platform}-${arch} (this copy has: ${have})` : 'this copy of exosip2 has no prebuilds/' };
  }
  const tupleDir = path.join(dir, tuple.name);
  const winner = readdir(tupleDir)
    .map(nodeGypBuild.parseTags)
    .filter(nodeGypBuild.matchTags(runtime, abi))
    .sort(nodeGypBuild.compareTags(runtime))[0];
  if (!winner) return { dir: tupleDir, missing: `no file matches runtime=${runtime} abi=${abi} libc=${libc}` };
  return { file: path.join(tupleDir, winner.file) };
}

/** Candidates in load order: { kind, file } to try, or { kind, dir, missing } to report. */
function candidates(root) {
  const out = [];
  if (!process.env.PREBUILDS_ONLY) {
    for (const config of ['Release', 'Debug']) {
      const dir = path.join(root, 'build', config);
      const name = readdir(dir).find((f) => f.endsWith('.node'));
      if (name) out.push({ kind: 'build from source', file: path.join(dir, name) });
      else if (config === 'Release') out.push({ kind: 'build from source', dir, missing: 'not built' });
    }
  } else {
    out.push({ kind: 'build from source', dir: path.join(root, 'build'), missing: 'skipped (PREBUILDS_ONLY is set)' });
  }
  out.push({ kind: 'prebuilt binary', ...findPrebuild(root) });
  return out;
}

function describeTarget() {
  return `${platform}-${arch} (${libc}, ${runtime} ${process.version}, Node-API ${process.versions.napi ?? '?'})`;
}

/**
 * Loads the addon of the package at root.
 * @returns {{ binding: unknown, file: string, kind: string, tried: string[] }}
 * @throws Error with code ERR_EXOSIP2_NATIVE_MISSING when no candidate loads.
 */
function loadBinding(root) {
  root = path.resolve(root);
  const tried = [];
  const errors = [];
  for (const c of candidates(root)) {
    if (!c.file) {
      tried.push(`${c.kind}, ${c.dir}: ${c.missing}`);
      continue;
    }
    try {
      const binding = require(c.file);
      return { binding, file: c.file, kind: c.kind, tried };
    } catch (error) {
      errors.push(error);
      tried.push(`${c.kind}, ${c.file}: does not load: ${firstLine(error)}`);
    }
  }
  const error = new Error(
    `exosip2: no native addon loads on ${describeTarget()}.\n` +
      'Tried, in this order:\n' +
      tried.map((t, i) => `  ${i + 1}. ${t}\n`).join('') +
      'Fix it in one of two ways:\n' +
      '  a) Install libeXosip2 5.x and libosip2 5.x with their headers, CMake >= 3.15 and a C++17 compiler\n' +
      '     (README.md, "Build from source"), then build the addon from source:\n' +
      `       cd '${root}' && EXOSIP2_BUILD_FROM_SOURCE=1 node scripts/install.js\n` +
      `  b) Or run on a platform the npm package has a prebuilt binary for: ${PUBLISHED_PREBUILDS},\n` +
      '     Node.js >= 20.17 (README.md, "Supported platforms").',
    errors.length ? { cause: errors[errors.length - 1] } : undefined,
  );
  error.code = 'ERR_EXOSIP2_NATIVE_MISSING';
  error.tried = tried;
  throw error;
}

module.exports = { loadBinding, candidates, findPrebuild, target: { platform, arch, runtime, abi, libc } };
