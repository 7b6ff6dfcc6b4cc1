/**
 * Loopback ports and sockets for the tests: a port free for UDP and TCP, the
 * probe whether one is free, and a bound UDP socket (a peer that never
 * answers, or one the test drives).
 */
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

const HOST = '127.0.0.1';

/** Can a TCP server listen on host:port right now (exclusively)? */
export async function canBindTcp(port: number, host: string): Promise<boolean> {
  const srv = net.createServer();
  try {
    srv.listen({ port, host, exclusive: true });
    await once(srv, 'listening');
    return true;
  } catch {
    return false;
  } finally {
    if (srv.listening) await new Promise<void>((r) => srv.close(() => r()));
  }
}

/** Can a UDP socket bind host:port right now (exclusively)? `host` may be IPv6. */
export async function canBindUdp(port: number, host: string): Promise<boolean> {
  const sock = dgram.createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', ipv6Only: host.includes(':') });
  try {
    sock.bind({ port, address: host, exclusive: true });
    await once(sock, 'listening');
    return true;
  } catch {
    return false;
  } finally {
    try {
      sock.close();
    } catch {
      /* not bound */
    }
  }
}

/** Ports already returned by freePort() in this process. */
const handedOut = new Set<number>();

let ipv6Loopback: boolean | undefined;
/** Is IPv6 loopback (::1) usable here? Asked once per process. */
export async function hasIpv6Loopback(): Promise<boolean> {
  if (ipv6Loopback === undefined) ipv6Loopback = await canBindUdp(0, '::1');
  return ipv6Loopback;
}

/**
 * The ports freePort() draws from: below the kernel's ephemeral range
 * (`net.ipv4.ip_local_port_range`, 32768-60999 by default), so that no
 * socket bound to port 0 and no outgoing TCP connection of another process
 * (an eXosip context, Kamailio, SIPp, Node) is handed the port between
 * freePort() and the moment its user binds it. Drawing from the ephemeral
 * range lost that race once in a full run (SIPp: "Unable to bind main
 * socket, errno = 98").
 */
let range: [number, number] | undefined;
function portRange(): [number, number] {
  range ??= readPortRange();
  return range;
}

function readPortRange(): [number, number] {
  let low = 32768;
  let high = 60999;
  try {
    const [a, b] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (a > 0 && b >= a) [low, high] = [a, b];
  } catch {
    /* not Linux: assume the default */
  }
  if (low - 1 - 10000 >= 1000) return [10000, low - 1];
  if (low - 1 - 1024 >= 1000) return [1024, low - 1];
  if (65535 - (high + 1) >= 1000) return [high + 1, 65535];
  throw new Error(`freePort: the kernel's ephemeral port range ${low}-${high} leaves no 1,000 ports outside it for the tests`);
}

/** Where test processes reserve ports: one file per port, holding the owner's pid (one folder per user). */
const RESERVATIONS = path.join(os.tmpdir(), `exosip2-test-ports-${process.getuid?.() ?? 'user'}`);
/** A reservation this old whose process is gone (killed before its exit handler ran) is removed. */
const STALE_MS = 10 * 60_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes `file` if it is an old reservation of a process that is gone. */
function sweepIfStale(file: string): void {
  try {
    const age = Date.now() - fs.statSync(file).mtimeMs;
    const owner = Number(fs.readFileSync(file, 'utf8'));
    if (age > STALE_MS && !(Number.isInteger(owner) && owner > 0 && alive(owner))) fs.rmSync(file, { force: true });
  } catch {
    /* removed meanwhile by its owner */
  }
}

/**
 * Reserves `port` for this process against the other processes of the run
 * (a test and the fixtures or CLIs it starts) and runs that overlap: the
 * reservation file is linked into place with its content, so it appears
 * whole or not at all (EEXIST: taken; the caller tries another port).
 * Released at this process's exit.
 */
function reserve(port: number): boolean {
  fs.mkdirSync(RESERVATIONS, { recursive: true });
  const file = path.join(RESERVATIONS, String(port));
  const draft = path.join(RESERVATIONS, `.${process.pid}-${port}`);
  fs.writeFileSync(draft, String(process.pid));
  try {
    fs.linkSync(draft, file);
    reserved.push(file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    sweepIfStale(file);
    return false;
  } finally {
    fs.rmSync(draft, { force: true });
  }
}

const reserved: string[] = [];
process.once('exit', () => {
  for (const file of reserved) fs.rmSync(file, { force: true });
});

/**
 * A port that is currently free on 127.0.0.1 for both UDP and TCP (and on
 * [::1] too when IPv6 loopback is available), outside the kernel's
 * ephemeral range (see portRange) and reserved against other processes
 * (see reserve). Ports are handed out at most once per process.
 */
export async function freePort(): Promise<number> {
  const v6 = await hasIpv6Loopback();
  const [low, high] = portRange();
  for (let attempt = 0; attempt < 500; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (handedOut.has(port)) continue;
    if (!(await canBindUdp(port, HOST))) continue;
    if (!(await canBindTcp(port, HOST))) continue;
    if (v6 && !((await canBindUdp(port, '::1')) && (await canBindTcp(port, '::1')))) continue;
    if (!reserve(port)) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`freePort: could not find a port in ${low}-${high} free for UDP and TCP on loopback`);
}

/** A UDP socket bound to a port of 127.0.0.1 picked by the system; closed by the caller. */
export async function boundUdpSocket(): Promise<dgram.Socket> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind(0, HOST, resolve));
  return sock;
}
