/**
 * The same registration workloads with the pure-JS `sip` package (npm `sip`,
 * kirm/sip.js) and its digest helper: what a Node user could pick instead of
 * exosip2. One stack (one UDP socket) is the counterpart of one context.
 *
 *   node --import tsx bench/sipjs-reg.ts serve --proxy URI    (stdin: `reg N BASE`, `quit`)
 *   node --import tsx bench/sipjs-reg.ts load --proxy URI --n N [--base B] [--window W]
 *     (window: at most W registrations in flight; all N at once, the default,
 *     loses answers in socket buffers and ends in 408s at 10,000)
 *
 * A registration: REGISTER (expires 3600) → 401 → digest.signRequest → REGISTER
 * → 200; unregistering: REGISTER expires 0 signed with the same digest
 * context (nc+1, as eXosip reuses its stored nonce) → 200.
 */
import * as dgram from 'node:dgram';
import * as readline from 'node:readline';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const sip = require('sip') as {
  create(options: Record<string, unknown>, onRequest: (rq: unknown) => void): SipStack;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const digest = require('sip/digest') as { signRequest(ctx: object, rq: SipRequest, rs?: SipResponse, creds?: object): object | null };

interface SipStack {
  send(m: SipRequest, cb: (rs: SipResponse) => void): void;
  destroy(): void;
}
interface SipRequest {
  method: string;
  uri: string;
  headers: Record<string, unknown> & { cseq: { method: string; seq: number }; via?: unknown[] };
}
interface SipResponse {
  status: number;
  headers: Record<string, unknown>;
}

function args(): { mode: string; opts: Record<string, string> } {
  const [mode, ...rest] = process.argv.slice(2);
  const opts: Record<string, string> = {};
  for (let i = 0; i + 1 < rest.length; i += 2) opts[rest[i].replace(/^--/, '')] = rest[i + 1];
  return { mode, opts };
}

async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** One user's registration with the `sip` stack. */
class SipJsRegistration {
  #ctx: object = {};
  #seq = 1;
  readonly #callId = `${Math.random().toString(36).slice(2)}@bench`;
  readonly #tag = Math.random().toString(36).slice(2);

  constructor(
    readonly stack: SipStack,
    readonly user: string,
    readonly proxy: string,
    readonly port: number,
  ) {}

  #request(expires: number): SipRequest {
    return {
      method: 'REGISTER',
      uri: this.proxy,
      headers: {
        to: { uri: `sip:${this.user}@example.com` },
        from: { uri: `sip:${this.user}@example.com`, params: { tag: this.#tag } },
        'call-id': this.#callId,
        cseq: { method: 'REGISTER', seq: this.#seq++ },
        contact: [{ uri: `sip:${this.user}@127.0.0.1:${this.port}` }],
        expires,
        'max-forwards': 70,
        'user-agent': 'sipjs-bench',
      },
    };
  }

  #send(rq: SipRequest): Promise<SipResponse> {
    return new Promise((resolve) => {
      this.stack.send(rq, (rs) => {
        if (rs.status >= 200) resolve(rs);
      });
    });
  }

  async register(expires: number): Promise<void> {
    const rq = this.#request(expires);
    if (expires === 0) digest.signRequest(this.#ctx, rq);
    let rs = await this.#send(rq);
    if (rs.status === 401 || rs.status === 407) {
      const again = this.#request(expires);
      digest.signRequest(this.#ctx, again, rs, { user: this.user, password: 'loadpw' });
      rs = await this.#send(again);
    }
    if (rs.status !== 200) throw new Error(`${this.user}: ${rs.status}`);
  }
}

/** Runs fn over items with at most `window` in flight. */
async function windowed<T>(items: T[], window: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(window, items.length) }, lane));
}

async function round(proxy: string, n: number, base: number, window = n): Promise<Record<string, number>> {
  const port = await freeUdpPort();
  // publicAddress must differ from the registrar's host: sip.js takes requests to its own
  // host name for flow tokens. Kamailio answers to the source address (received=).
  const stack = sip.create({ port, address: '127.0.0.1', publicAddress: 'localhost', udp: true, tcp: false }, () => undefined);
  const regs = Array.from({ length: n }, (_, i) => new SipJsRegistration(stack, `load${base + i}`, proxy, port));
  const rssBeforeKb = Math.round(process.memoryUsage.rss() / 1024);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await windowed(regs, window, (r) => r.register(3600));
  const t1 = process.hrtime.bigint();
  const rssHeldKb = Math.round(process.memoryUsage.rss() / 1024);
  await windowed(regs, window, (r) => r.register(0));
  const t2 = process.hrtime.bigint();
  const cpu = process.cpuUsage(cpu0);
  stack.destroy();
  return { n, regMs: Number(t1 - t0) / 1e6, unregMs: Number(t2 - t1) / 1e6, cpuUs: cpu.user + cpu.system, rssBeforeKb, rssHeldKb };
}

async function main(): Promise<void> {
  const { mode, opts } = args();
  if (opts.proxy === undefined) throw new Error('--proxy is required');
  if (mode === 'load') {
    const n = Number(opts.n ?? 10000);
    console.log(JSON.stringify(await round(opts.proxy, n, Number(opts.base ?? 0), Number(opts.window ?? n))));
    return;
  }
  if (mode !== 'serve') throw new Error(`unknown mode ${mode}`);
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    const [cmd, a, b] = line.trim().split(/\s+/);
    if (cmd === 'quit') break;
    if (cmd === 'reg') console.log(JSON.stringify(await round(opts.proxy, Number(a), Number(b))));
    else console.log(JSON.stringify({ error: 'bad command' }));
  }
  lines.close();
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
