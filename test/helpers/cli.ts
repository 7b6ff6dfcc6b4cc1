/**
 * Running the `exosip2-register` (or `exosip2-call`) CLI from source in a child process, for
 * test/cli/*.test.ts: its output collected, waits bounded, leftovers killed.
 */
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { waitFor } from './kamailio';

/** The repository. */
export const ROOT = path.resolve(__dirname, '..', '..');
/** node's arguments that run the CLI from source (cwd: {@link ROOT}). */
export const CLI = ['--import', 'tsx', 'bin/exosip2-register.ts'];
/** node's arguments that run `exosip2-call` from source (cwd: {@link ROOT}). */
export const CALL_CLI = ['--import', 'tsx', 'bin/exosip2-call.ts'];

/** One spawned CLI process with its collected output. */
export interface Cli {
  readonly child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout line matching `re` (bounded). */
  line(re: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code (or the signal name) once the process ended (bounded). */
  exit(timeoutMs?: number): Promise<number | string>;
}

const children = new Set<ChildProcessWithoutNullStreams>();

/** Options of {@link runCli}: extra environment variables, text to give on stdin, the CLI (default {@link CLI}). */
export interface RunOptions {
  env?: Record<string, string>;
  stdin?: string;
  cli?: readonly string[];
}

/** The environment of the test without EXOSIP2_* variables (the CLI reads EXOSIP2_PASSWORD), plus `extra`. */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('EXOSIP2_')));
  return { ...env, ...extra };
}

/** Spawns the CLI with `args`; its output is collected, and {@link killCliChildren} ends it if a test does not. */
export function runCli(args: string[], opts: RunOptions = {}): Cli {
  const child = spawn(process.execPath, [...(opts.cli ?? CLI), ...args], {
    cwd: ROOT,
    env: cliEnv(opts.env),
    stdio: [opts.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  }) as unknown as ChildProcessWithoutNullStreams;
  if (opts.stdin !== undefined) child.stdin.end(opts.stdin);
  children.add(child);
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve(code ?? signal ?? -1);
    });
  });
  const context = (): string => `\n--- stdout ---\n${out}--- stderr ---\n${err}`;
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    async line(re, timeoutMs = 15000) {
      let ended = false;
      void exited.then(() => (ended = true));
      return waitFor(
        async () => {
          const found = out.split('\n').find((l) => re.test(l));
          if (found === undefined && ended) throw new Error(`CLI exited before printing ${re}${context()}`);
          return found;
        },
        { timeoutMs, intervalMs: 20, what: `a CLI line matching ${re}${context()}` },
      ).catch((e: Error) => {
        throw new Error(`${e.message}${context()}`);
      });
    },
    async exit(timeoutMs = 15000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`CLI did not exit within ${timeoutMs} ms${context()}`)), timeoutMs);
      });
      try {
        return await Promise.race([exited, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Kills what a failed test left running (each CLI test file calls it in afterEach). */
export function killCliChildren(): void {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
}

/** The JSON objects of `--json` output, one per non-empty line. */
export function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/**
 * `<cli> args | head -<lines>` in bash (`cli`: default {@link CLI}): a real pipe whose reader goes away
 * after `lines` lines. Returns head's output, the CLI's stderr and its exit
 * code (from PIPESTATUS).
 */
export function pipeIntoHead(args: string[], lines: number, cli: readonly string[] = CLI): { stdout: string; stderr: string; cliExit: number } {
  const quote = (a: string): string => `'${a.replace(/'/g, `'\\''`)}'`;
  const command = `${[process.execPath, ...cli, ...args].map(quote).join(' ')} | head -${lines}; echo "cli exit \${PIPESTATUS[0]}" >&2`;
  const r = spawnSync('bash', ['-c', command], { cwd: ROOT, env: cliEnv(), encoding: 'utf8', timeout: 20_000 });
  if (r.error) throw r.error;
  const exit = /^cli exit (\d+)$/m.exec(r.stderr);
  if (!exit) throw new Error(`no exit code from the pipeline:\n${r.stdout}\n${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr.replace(/^cli exit \d+\n/m, ''), cliExit: Number(exit[1]) };
}
