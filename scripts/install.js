#!/usr/bin/env node
// npm "install" script: use a native addon that already loads (a prebuilt
// binary from prebuilds/, or an existing local build); otherwise build from
// source with cmake-js against the installed libeXosip2. There is no
// binding.gyp, so node-gyp is never the fallback.
'use strict';

const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');

function loads() {
  try {
    require('node-gyp-build')(root);
    return true;
  } catch {
    return false;
  }
}

if (process.env.EXOSIP2_BUILD_FROM_SOURCE !== '1' && loads()) process.exit(0);

const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
const args = [cmakeJs, 'compile'];
if (process.env.EXOSIP2_ROOT) args.push(`--CDEXOSIP2_ROOT=${process.env.EXOSIP2_ROOT}`);
const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
if (result.status !== 0) {
  console.error(
    '\nexosip2: building the native addon failed. It needs libeXosip2 and libosip2 with their headers,\n' +
      'CMake (>= 3.15) and a C++17 compiler. See "Prerequisites" in README.md.',
  );
  process.exit(result.status ?? 1);
}
