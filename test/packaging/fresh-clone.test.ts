/**
 * A fresh clone needs nothing beside it: `git clone` of this repository's
 * committed state into an empty temporary folder, then
 *
 * - a static check of every test, bench, script, bin and example file (and
 *   package.json's scripts): no `../shared`, no absolute path into the
 *   machine this was written on (`/work/...`), and every
 *   `path.resolve/join(__dirname, '..', ...)` made of literals stays inside
 *   the clone;
 * - the RFC 4475 inputs are in the clone, byte for byte as committed (CRLF);
 * - a real run from the clone, with nothing beside it: the test runner
 *   (`node scripts/test.js`, what `npm test` runs) on test/reliability/torture.test.ts,
 *   which reads the fixtures through test/helpers/torture.ts, and that
 *   helper's folder is inside the clone.
 *
 * Not a full `npm install` in the clone (minutes): node_modules/ and build/
 * (the addon built from the same sources) are symlinked from this checkout.
 * A checkout that is not a git repository fails this test (it says so).
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ROOT as root } from '../helpers/paths';
import { cleanEnv, must, run } from '../helpers/run';

/** Folders whose files run at test, bench or build time. */
const SCANNED = ['test', 'bench', 'scripts', 'bin', 'examples', '.ci'];
/** What they may be written in. */
const CODE = /\.(ts|mts|cts|js|mjs|cjs|sh|cfg|json)$|^run$/;
/** Places outside the repository a test must never read. */
const FORBIDDEN: Array<[RegExp, string]> = [
  [/\.\.\/shared\b|['"]shared['"]\s*,\s*['"]sip-torture/, 'the ../shared folder beside the repository'],
  [/['"`]\/work\//, 'an absolute /work/ path'],
  [/\/tmp\/exo\b|\.mirror\//, 'a local copy of eXosip'],
];

/** Every file under `dir` (relative to `base`), fixtures' data files left out. */
function files(base: string, dir: string): string[] {
  const abs = path.join(base, dir);
  if (!fs.existsSync(abs)) return [];
  return fs.readdirSync(abs, { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : files(base, rel);
    return CODE.test(e.name) ? [rel] : [];
  });
}

describe('a fresh clone in an empty folder', () => {
  let tmp: string;
  let clone: string;

  before(() => {
    const toplevel = run('git', ['rev-parse', '--show-toplevel'], { cwd: root });
    assert.equal(toplevel.status, 0, `${root} is not a git checkout, so it cannot be cloned:\n${toplevel.stderr}`);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'exosip2-fresh-clone-'));
    clone = path.join(tmp, 'exosip2');
    must('git', ['clone', '--quiet', '--no-hardlinks', root, clone], { timeout: 60_000 });
    assert.deepEqual(fs.readdirSync(tmp), ['exosip2'], 'the clone has nothing beside it');
    // What `npm install` would make, taken from this checkout (same sources, same lock file).
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(clone, 'node_modules'));
    fs.symlinkSync(path.join(root, 'build'), path.join(clone, 'build'));
  });

  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('no test, bench, script, bin or example file names a path outside the repository', () => {
    const problems: string[] = [];
    // This file names the patterns it looks for: it is the one file not scanned.
    const scanned = SCANNED.flatMap((d) => files(clone, d)).filter((f) => f !== path.join('test', 'packaging', 'fresh-clone.test.ts'));
    assert.ok(scanned.length > 40, `only ${scanned.length} files found to scan`);
    for (const rel of scanned) {
      const text = fs.readFileSync(path.join(clone, rel), 'utf8');
      for (const [re, what] of FORBIDDEN) if (re.test(text)) problems.push(`${rel}: ${what} (${re.exec(text)![0]})`);
      // path.resolve(__dirname, '..', 'x') and path.join(...) of string literals: where do they land?
      for (const m of text.matchAll(/path\.(?:resolve|join)\(\s*__dirname((?:\s*,\s*'[^'\n]*')+)\s*\)/g)) {
        const parts = [...m[1].matchAll(/'([^'\n]*)'/g)].map((p) => p[1]);
        const target = path.resolve(path.dirname(path.join(clone, rel)), ...parts);
        if (target !== clone && !target.startsWith(clone + path.sep)) problems.push(`${rel}: ${m[0]} resolves to ${target}, outside the clone`);
      }
    }
    const scripts = (JSON.parse(fs.readFileSync(path.join(clone, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    for (const [name, command] of Object.entries(scripts)) {
      for (const [re, what] of FORBIDDEN) if (re.test(command)) problems.push(`package.json script ${name}: ${what}`);
      if (/(^|\s)\.\.\//.test(command)) problems.push(`package.json script ${name}: a path above the repository (${command})`);
    }
    assert.deepEqual(problems, []);
  });

  test('the RFC 4475 messages are in the clone, byte for byte (CRLF kept)', () => {
    const dir = path.join('test', 'fixtures', 'sip-torture', 'rfc4475');
    const names = fs.readdirSync(path.join(clone, dir)).filter((f) => f.endsWith('.dat')).sort();
    assert.equal(names.length, 49);
    for (const name of names) {
      const cloned = fs.readFileSync(path.join(clone, dir, name));
      assert.ok(cloned.includes('\r\n'), `${name} lost its CRLF line ends`);
      const committed = spawnSync('git', ['show', `HEAD:${dir}/${name}`], { cwd: root });
      assert.equal(committed.status, 0, String(committed.stderr));
      assert.ok(cloned.equals(committed.stdout), `${name} differs from the committed bytes`);
    }
    assert.match(fs.readFileSync(path.join(clone, 'test', 'fixtures', 'sip-torture', 'README.md'), 'utf8'), /RFC 4475/);
  });

  test('from the clone, the test runner runs the torture test on the fixtures inside it', () => {
    const helper = run(
      process.execPath,
      ['--import', 'tsx', '-e', "const t = require('./test/helpers/torture.ts'); process.stdout.write(JSON.stringify({ dir: t.TORTURE_DIR, n: t.tortureMessages().length }))"],
      { cwd: clone, timeout: 60_000 },
    );
    assert.equal(helper.status, 0, helper.stderr);
    const { dir, n } = JSON.parse(helper.stdout) as { dir: string; n: number };
    assert.equal(dir, path.join(clone, 'test', 'fixtures', 'sip-torture', 'rfc4475'));
    assert.equal(n, 49);

    // What `npm test -- test/reliability/torture.test.ts` runs, without npm's variables, and as
    // a run of its own (NODE_TEST_CONTEXT would make it report to this runner).
    const env = cleanEnv();
    delete env.NODE_TEST_CONTEXT;
    const r = run(process.execPath, ['scripts/test.js', 'test/reliability/torture.test.ts'], { cwd: clone, env, timeout: 60_000 });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /^ℹ pass 2$/m);
    assert.match(r.stdout, /^ℹ fail 0$/m);
    assert.match(r.stdout, /✔ every torture message parses or is refused/);
  });
});
