/**
 * The output of `exosip2-register` and `exosip2-call`: event lines (human or JSON) on stdout,
 * messages on stderr, the password scrubbed from both, and what a failing
 * stream does (EPIPE when the reader of a pipe went away): it is reported
 * once to {@link Output.onError}, and nothing more is written to it.
 * @module
 */
import { PROGRAM } from './args';
import { scrub } from './common';

/** A writable text stream: `process.stdout`, or anything with `write(string)` (and optionally `'error'` events). */
export interface TextSink {
  write(chunk: string): unknown;
  /** When present, `'error'` events (EPIPE ...) are listened to. */
  on?(event: 'error', listener: (error: Error) => void): unknown;
  off?(event: 'error', listener: (error: Error) => void): unknown;
}

/** One output event: its name, a human rendering, and JSON fields. */
export interface OutputEvent {
  event: string;
  text: string;
  fields?: Record<string, unknown>;
}

/** `HH:MM:SS.mmm`, local time. */
export function clock(date: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}.${p(date.getMilliseconds(), 3)}`;
}

/**
 * The library never prints the password; scrubbing every output line of it
 * is a second guard, for passwords of at least this many characters. A
 * shorter one would match ordinary text ("e" is in "registered", in JSON
 * keys) and the stars would both garble the output and spell the password
 * out. Messages that echo the command line scrub any password (args.ts).
 */
export const MIN_SCRUBBED_LENGTH = 8;

/** The CLI's two streams, guarded. */
export class Output {
  readonly #stdout: TextSink;
  readonly #stderr: TextSink;
  readonly #json: boolean;
  readonly #secret: string | null;
  readonly #now: () => Date;
  readonly #program: string;
  readonly #failed = new Set<TextSink>();
  readonly #listeners: Array<[TextSink, (error: Error) => void]> = [];
  /** Called once, with the first error of either stream. */
  onError: ((error: Error & { code?: string }, stream: 'stdout' | 'stderr') => void) | null = null;
  #reported = false;

  /** `program` names the tool in messages on stderr (default `exosip2-register`). */
  constructor(o: { stdout: TextSink; stderr: TextSink; json: boolean; secret: string | null; now: () => Date; program?: string }) {
    this.#program = o.program ?? PROGRAM;
    this.#stdout = o.stdout;
    this.#stderr = o.stderr;
    this.#json = o.json;
    this.#secret = o.secret;
    this.#now = o.now;
    for (const [sink, name] of [[o.stdout, 'stdout'], [o.stderr, 'stderr']] as const) {
      if (typeof sink.on !== 'function') continue;
      const listener = (error: Error): void => this.#fail(sink, name, error);
      sink.on('error', listener);
      this.#listeners.push([sink, listener]);
    }
  }

  /** Whether stdout failed (nothing more is written to it). */
  get stdoutFailed(): boolean {
    return this.#failed.has(this.#stdout);
  }

  /**
   * One event line on stdout; `ids` (a registration's `rid`, or named ids
   * such as `{ cid, did }`) come first among the JSON fields.
   */
  emit(e: OutputEvent, ids?: number | Record<string, number>): void {
    const time = this.#now();
    if (this.#json) {
      const record = { time: time.toISOString(), event: e.event, ...(typeof ids === 'number' ? { rid: ids } : ids), ...e.fields };
      this.#write(this.#stdout, 'stdout', `${this.#safe(JSON.stringify(record))}\n`);
    } else {
      this.#write(this.#stdout, 'stdout', `${clock(time)} ${this.#safe(e.text)}\n`);
    }
  }

  /** `<program>: <message>` on stderr. */
  complain(message: string): void {
    this.#write(this.#stderr, 'stderr', `${this.#program}: ${this.#safe(message)}\n`);
  }

  /** A raw line on stderr (the stack's log in human mode). */
  log(line: string): void {
    this.#write(this.#stderr, 'stderr', `${this.#safe(line)}\n`);
  }

  /** Stops listening to the streams' errors. */
  detach(): void {
    for (const [sink, listener] of this.#listeners) sink.off?.('error', listener);
    this.#listeners.length = 0;
  }

  #safe(text: string): string {
    return scrub(text, this.#secret !== null && this.#secret.length >= MIN_SCRUBBED_LENGTH ? this.#secret : null);
  }

  #write(sink: TextSink, name: 'stdout' | 'stderr', text: string): void {
    if (this.#failed.has(sink)) return;
    try {
      sink.write(text);
    } catch (error) {
      this.#fail(sink, name, error as Error);
    }
  }

  #fail(sink: TextSink, name: 'stdout' | 'stderr', error: Error): void {
    if (this.#failed.has(sink)) return;
    this.#failed.add(sink);
    if (this.#reported) return;
    this.#reported = true;
    this.onError?.(error, name);
  }
}
