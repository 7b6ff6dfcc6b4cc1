/**
 * Two of our contexts on loopback for the call tests (test/call/): `pair()`
 * opens alice and bob (closed after each test), `sdp()` a minimal audio
 * offer/answer, `nextCall()` the next IncomingCall offered to a context;
 * `useSippCalls()` for tests against SIPp.
 */
import { once } from 'node:events';
import { afterEach } from 'node:test';
import type { Call, CallEnd, Context, IncomingCall } from '../../lib/index';
import { openContext } from './context';
import { type Sipp, startSipp } from './sipp';

/** alice and bob, each listening on a free UDP port of 127.0.0.1, with the URIs that reach them. */
export interface CallPair {
  alice: Context;
  bob: Context;
  /** bob's URI (what alice calls). */
  to: string;
  /** alice's URI. */
  from: string;
}

/** Registers an afterEach that closes every context `pair()` opened (or `track()` was given); call at the top of a test file. */
export function useCallPairs(): { pair(): Promise<CallPair>; track(ctx: Context): Context } {
  const open: Context[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((ctx) => ctx.close()));
  });
  return {
    async pair() {
      const alice = await openContext();
      const bob = await openContext();
      open.push(alice, bob);
      return { alice, bob, to: `sip:bob@127.0.0.1:${bob.address!.port}`, from: `sip:alice@127.0.0.1:${alice.address!.port}` };
    },
    /** Closes `ctx` after the test too. */
    track(ctx) {
      open.push(ctx);
      return ctx;
    },
  };
}

/** A minimal audio SDP (PCMU) of `user` with media on `port`. */
export const sdp = (user: string, port: number): string =>
  `v=0\r\no=${user} 0 0 IN IP4 127.0.0.1\r\ns=call\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n`;

/** The next IncomingCall `ctx` is offered. */
export const nextCall = (ctx: Context): Promise<IncomingCall> => once(ctx, 'call').then(([incoming]) => incoming as IncomingCall);

/** How `call` ends (its 'ended' event). */
export const endedOf = (call: Call): Promise<CallEnd> => once(call, 'ended').then(([end]) => end as CallEnd);

/**
 * For calls against SIPp: `context()` opens one of our contexts, `sipp()`
 * starts a SIPp peer ({@link startSipp}); an afterEach registered here stops
 * every peer, then closes every context. Call at the top of a test file.
 */
export function useSippCalls(): { context(): Promise<Context>; sipp(...args: Parameters<typeof startSipp>): Promise<Sipp> } {
  const open: Context[] = [];
  const peers: Sipp[] = [];
  afterEach(async () => {
    await Promise.all(peers.splice(0).map((p) => p.stop()));
    await Promise.all(open.splice(0).map((ctx) => ctx.close()));
  });
  return {
    async context() {
      const ctx = await openContext();
      open.push(ctx);
      return ctx;
    },
    async sipp(...args) {
      const peer = await startSipp(...args);
      peers.push(peer);
      return peer;
    },
  };
}
