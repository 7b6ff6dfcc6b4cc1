/**
 * The RFC 4475 torture messages (test/fixtures/sip-torture/rfc4475/, see
 * the README there) and hostile variants made from them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Message, parseMessage } from '../../lib/index';
import type { Rng } from './prng';

/** Where the RFC 4475 messages are: inside the repository, under test/fixtures/. */
export const TORTURE_DIR: string = path.resolve(__dirname, '..', 'fixtures', 'sip-torture', 'rfc4475');

/** Every RFC 4475 message, by name (file name without `.dat`), sorted by name. */
export function tortureMessages(): Array<{ name: string; raw: Buffer }> {
  if (!fs.existsSync(TORTURE_DIR)) {
    throw new Error(`RFC 4475 messages not found at ${TORTURE_DIR} (test/fixtures/sip-torture/ is part of the repository: is the checkout complete?)`);
  }
  return fs
    .readdirSync(TORTURE_DIR)
    .filter((f) => f.endsWith('.dat'))
    .sort()
    .map((f) => ({ name: f.replace(/\.dat$/, ''), raw: fs.readFileSync(path.join(TORTURE_DIR, f)) }));
}

/** `raw` cut at a random length (0 .. length-1). */
export function truncated(rng: Rng, raw: Buffer): Buffer {
  return Buffer.from(raw.subarray(0, rng.int(raw.length)));
}

/** A copy of `raw` with 1 to 8 random bits flipped. */
export function bitFlipped(rng: Rng, raw: Buffer): Buffer {
  const out = Buffer.from(raw);
  if (out.length === 0) return out;
  const flips = 1 + rng.int(8);
  for (let i = 0; i < flips; i++) out[rng.int(out.length)] ^= 1 << rng.int(8);
  return out;
}

/** Random bytes, sometimes behind a plausible SIP start line so the parser goes further. */
export function randomDatagram(rng: Rng, maxLength = 1400): Buffer {
  const body = rng.bytes(rng.int(maxLength + 1));
  if (!rng.chance(0.3)) return body;
  const start = rng.pick(['INVITE sip:a@127.0.0.1 SIP/2.0\r\n', 'SIP/2.0 200 OK\r\n', 'REGISTER sip:x SIP/2.0\r\nVia: ', 'OPTIONS * SIP/2.0\r\n']);
  return Buffer.concat([Buffer.from(start, 'latin1'), body]);
}

/**
 * One round of hostile input: every torture message, `perMessage` truncated
 * and `perMessage` bit-flipped variants of each, and `random` random datagrams,
 * shuffled.
 */
export function hostileCorpus(rng: Rng, options: { perMessage?: number; random?: number } = {}): Buffer[] {
  const perMessage = options.perMessage ?? 4;
  const out: Buffer[] = [];
  for (const { raw } of tortureMessages()) {
    out.push(raw);
    for (let i = 0; i < perMessage; i++) out.push(truncated(rng, raw), bitFlipped(rng, raw));
  }
  for (let i = 0; i < (options.random ?? 200); i++) out.push(randomDatagram(rng));
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * True for a message that crashes libeXosip2 5.3.0 when it arrives outside of
 * any transaction: a 2xx to INVITE whose Contact or Record-Route URI has no
 * host (any non-SIP scheme, e.g. `<tel:+1555>`). eXosip answers such a 2xx
 * with ACK and BYE and reads the destination host of that ACK, a NULL
 * pointer, in `osip_strcasecmp(host, ipbuf)` (eXtl_udp.c:1262): SIGSEGV.
 * The binding's guard makes eXosip drop every INVITE response it receives;
 * the hostile tests count how many such messages they sent.
 * See docs/reliability.md ("A remote crash in libeXosip2 5.3.0").
 */
export function crashesExosip(raw: Buffer): boolean {
  let message: Message;
  try {
    message = parseMessage(raw);
  } catch {
    return false;
  }
  try {
    if (message.statusCode < 200 || message.statusCode > 299 || message.method?.toUpperCase() !== 'INVITE') return false;
    return [...message.getHeaders('contact'), ...message.getHeaders('record-route')].some((value) => {
      const v = value.trim();
      if (v === '*') return false;
      const open = v.indexOf('<');
      const uri = open >= 0 ? v.slice(open + 1) : v;
      return !/^\s*sips?:/i.test(uri);
    });
  } finally {
    message.dispose();
  }
}

/**
 * libeXosip2 5.3.0 frames a TCP or TLS stream itself, before any callback of
 * the binding sees a byte (`handle_messages`, eXtl_tcp.c:437; the same code
 * in eXtl_tls.c): after finding `\r\ncontent-length ` or `\r\nl ` (a space,
 * no colon) in a header block, it takes `strchr(header, ':') + 1` and
 * `atoi()`s it (eXtl_tcp.c:474-485, eXtl_tls.c:2008-2019). With no `:` left
 * in that header block (up to its blank line, or a NUL byte) that is address
 * 0x1: SIGSEGV on eXosip's thread. Only a peer eXosip holds a TCP/TLS
 * connection with (the registrar or proxy it connected to) can send it; the
 * binding cannot intercept the bytes (docs/reliability.md, "A remote crash
 * the binding cannot guard").
 *
 * The TCP flood must exercise everything else, so each such header of
 * `item` (followed by a blank line, as the flood writes it, and preceded by
 * the previous item's, hence the leading CRLF considered) gets a colon in
 * place of that space. Position-independent: it holds however eXosip's
 * framing cuts the stream. Returns the item, changed or not, and whether it was.
 */
export function defuseTcpContentLength(item: Buffer): { item: Buffer; defused: boolean } {
  const text = `\r\n${item.toString('latin1')}\r\n\r\n`;
  const out = Buffer.from(item);
  let defused = false;
  for (const m of text.matchAll(/\r\n(?:content-length|l) /gi)) {
    const from = m.index;
    const nul = text.indexOf('\0', from);
    const end = text.indexOf('\r\n\r\n', from);
    const window = text.slice(from, nul >= 0 && nul < end ? nul : end);
    if (window.includes(':')) continue;
    const space = from + m[0].length - 1 - 2; // in `item`: without the leading CRLF
    if (space >= 0 && space < out.length) out[space] = 0x3a;
    defused = true;
  }
  return { item: out, defused };
}
