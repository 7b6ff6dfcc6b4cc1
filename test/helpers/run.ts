/**
 * Child processes for the packaging tests (test/packaging/prebuild.test.ts,
 * test/packaging/packaging.test.ts): run with a clean environment, capture output.
 */
import { strict as assert } from 'node:assert';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';

/**
 * The environment of the test process without npm's, the loader's and this
 * package's variables (a child must not inherit `npm test`'s or a prebuild
 * override), plus `extra`.
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_|INIT_CWD$|LD_LIBRARY_PATH$|LD_PRELOAD$|NODE_OPTIONS$|NODE_PATH$|PREBUILDS_ONLY$|EXOSIP2_)/i.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

/** Runs a command to its end (default: clean environment, 180 s at most). */
export function run(cmd: string, args: string[], opts: SpawnSyncOptions = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 180_000, env: cleanEnv(), ...opts });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  return { status: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** {@link run}, asserting exit status 0; returns stdout. */
export function must(cmd: string, args: string[], opts: SpawnSyncOptions = {}): string {
  const r = run(cmd, args, opts);
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}
