#!/usr/bin/env node
// npm test [-- <file or folder>... <node --test option>...]
//
// Runs the test files with node's test runner, one file at a time (they start
// real registrars on loopback ports), each test bounded to 120 s:
//
//   npm test                                   every test/**/*.test.ts
//   npm test -- test/cli/cli.test.ts           one file (or several)
//   npm test -- test/register                  a folder: one area (test/<area>/)
//   npm test -- test/cli/cli.test.ts --test-name-pattern=demo
//
// An argument starting with "-" is passed to node as it is (give values with
// "=", e.g. --test-name-pattern=<re>); any other argument is a test file or a
// folder to search for *.test.ts, and must exist.
//
// Output: node's "spec" reporter, also when stdout is not a terminal (node
// would print TAP there): one line per test as it ends, the failures again at
// the end, then the summary lines "ℹ tests N", "ℹ pass N", "ℹ fail N". A
// --test-reporter of your own replaces it.
'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const SKIP = new Set(['node_modules', 'fixtures']);

/** Every *.test.ts under `dir`, sorted, fixtures and node_modules left out. */
function testFiles(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP.has(entry.name)) out.push(...testFiles(full));
    } else if (entry.name.endsWith('.test.ts')) {
      out.push(full);
    }
  }
  return out;
}

const args = process.argv.slice(2);
const options = args.filter((a) => a.startsWith('-'));
const targets = args.filter((a) => !a.startsWith('-'));
const files = [];
for (const target of targets.length > 0 ? targets : [path.join(root, 'test')]) {
  let st;
  try {
    st = fs.statSync(target);
  } catch {
    console.error(`npm test: no such test file or folder: ${target} (run from the repository root, e.g. npm test -- test/cli/cli.test.ts)`);
    process.exit(2);
  }
  files.push(...(st.isDirectory() ? testFiles(target) : [target]));
}
if (files.length === 0) {
  console.error(`npm test: no *.test.ts file in ${targets.join(' ')}`);
  process.exit(2);
}

const reporter = options.some((o) => o.startsWith('--test-reporter')) ? [] : ['--test-reporter=spec', '--test-reporter-destination=stdout'];
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=120000', ...reporter, ...options, ...files],
  { cwd: root, stdio: 'inherit' },
);
// Ctrl-C reaches the runner too (same process group); wait for it to end its files.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => undefined);
child.on('exit', (code, signal) => {
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  } else {
    process.exit(code ?? 1);
  }
});
