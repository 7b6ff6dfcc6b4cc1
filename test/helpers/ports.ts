/**
 * Loopback ports and sockets for the tests: a port free for UDP and TCP, the
 * probe whether one is free, and a bound UDP socket (a peer that never
 * answers, or one the test drives).
 */
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import * as net from 'node:net';

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
 * A port that is currently free on 127.0.0.1 for both UDP and TCP (and on
 * [::1] too when IPv6 loopback is available).  Ports are handed out at most
 * once per process, to make collisions between parallel users less likely.
 */
export async function freePort(): Promise<number> {
  const v6 = await hasIpv6Loopback();
  for (let attempt = 0; attempt < 200; attempt++) {
    // Let the kernel pick an ephemeral TCP port, then check the rest.
    const srv = net.createServer();
    srv.listen({ port: 0, host: HOST, exclusive: true });
    await once(srv, 'listening');
    const port = (srv.address() as net.AddressInfo).port;
    await new Promise<void>((r) => srv.close(() => r()));
    if (handedOut.has(port)) continue;
    if (!(await canBindUdp(port, HOST))) continue;
    if (!(await canBindTcp(port, HOST))) continue;
    if (v6 && !((await canBindUdp(port, '::1')) && (await canBindTcp(port, '::1')))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error('freePort: could not find a port free for UDP and TCP on loopback');
}

/** A UDP socket bound to a port of 127.0.0.1 picked by the system; closed by the caller. */
export async function boundUdpSocket(): Promise<dgram.Socket> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind(0, HOST, resolve));
  return sock;
}
