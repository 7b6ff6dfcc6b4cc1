/**
 * A benchmark program driven over stdin/stdout (bench/run.ts, bench/quick.ts):
 * one command line in, one JSON line out.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';

const ROOT = path.resolve(__dirname, '..');

/** A child process that answers one JSON line per command line. */
export class Server {
  readonly #child: ChildProcess;
  readonly #lines: AsyncIterator<string>;
  #stderr = '';

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.#child = spawn(command, args, { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.#child.stderr!.on('data', (d: Buffer) => {
      this.#stderr = (this.#stderr + d.toString()).slice(-4000);
    });
    this.#lines = readline.createInterface({ input: this.#child.stdout! })[Symbol.asyncIterator]();
  }

  async call<T = Record<string, unknown>>(cmd: string, timeoutMs = 180_000): Promise<T> {
    this.#child.stdin!.write(`${cmd}\n`);
    let timer: NodeJS.Timeout | undefined;
    const next = await Promise.race([
      this.#lines.next(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${this.name}: no answer to "${cmd}" within ${timeoutMs} ms\n${this.#stderr}`)), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
    if (next.done) throw new Error(`${this.name} exited on "${cmd}"\n${this.#stderr}`);
    const value = JSON.parse(next.value) as T & { error?: string };
    if (value.error !== undefined) throw new Error(`${this.name}: ${value.error}`);
    return value;
  }

  async close(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    this.#child.stdin!.end('quit\n');
    const t = setTimeout(() => this.#child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
  }
}
