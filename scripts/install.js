#!/usr/bin/env node
// npm "install" script. In an installed copy of exosip2: use the native addon
// that loads (the prebuilt binary from prebuilds/, or a build from source made
// earlier), in the order of scripts/binding-loader.js; when none loads, build
// from source with cmake-js against the installed libeXosip2. In a git
// checkout (development), always build from source (incrementally), so the
// tests run what native/ says and never a stale prebuild.
// There is no binding.gyp: node-gyp is never the fallback.
// EXOSIP2_BUILD_FROM_SOURCE=1 forces the build from source; EXOSIP2_ROOT
// names a non-standard libeXosip2 prefix.
//
// cmake-js is an optional peer dependency, not a dependency: an install that
// uses the prebuilt binary does not pull in cmake-js and its ~40 packages. It
// is a devDependency here, so a git checkout has it; a project that must
// build from source installs it beside exosip2, and this script says so when
// it is missing.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const checkout = fs.existsSync(path.join(root, '.git'));

if (process.env.EXOSIP2_BUILD_FROM_SOURCE !== '1' && !checkout) {
  try {
    const { file, kind } = require('./binding-loader.js').loadBinding(root);
    console.log(`exosip2: using the ${kind} ${path.relative(root, file)}`);
    process.exit(0);
  } catch (error) {
    console.log(`exosip2: no usable prebuilt binary (${error.tried ? error.tried.join('; ') : error.message}); building from source`);
  }
}

let cmakeJs;
try {
  cmakeJs = require.resolve('cmake-js/bin/cmake-js', { paths: [root, process.cwd()] });
} catch {
  console.error(
    '\nexosip2: no prebuilt binary fits this machine, and building from source needs cmake-js, which is not installed\n' +
      '(it is an optional peer dependency: installs that use the prebuilt binary do without it). To build from source:\n' +
      '  1. install libeXosip2 5.x and libosip2 5.x with their headers, CMake (>= 3.15) and a C++17 compiler\n' +
      '     (see "Build from source" in README.md);\n' +
      '  2. in your project: npm install --save-dev cmake-js@^8\n' +
      '  3. then: EXOSIP2_BUILD_FROM_SOURCE=1 node node_modules/exosip2/scripts/install.js\n' +
      'Prebuilt binaries, which need none of that, exist for linux-x64 (glibc): see "Supported platforms".',
  );
  process.exit(1);
}
const args = [cmakeJs, 'compile'];
if (process.env.EXOSIP2_ROOT) args.push(`--CDEXOSIP2_ROOT=${process.env.EXOSIP2_ROOT}`);
const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
if (result.status !== 0) {
  console.error(
    '\nexosip2: building the native addon from source failed. It needs libeXosip2 5.x and libosip2 5.x with\n' +
      'their headers, CMake (>= 3.15) and a C++17 compiler: see "Build from source" in README.md.\n' +
      'Prebuilt binaries, which need none of that, exist for linux-x64 (glibc): see "Supported platforms".',
  );
  process.exit(result.status ?? 1);
}
