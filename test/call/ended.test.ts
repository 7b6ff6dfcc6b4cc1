/**
 * 'ended' of a Call that ends in the JS task that made it, before the code
 * awaiting answer()/invite() runs: the listener that code adds must still
 * get 'ended' (emitted on the next turn of the event loop when the Call had
 * no 'ended' listener yet); state and endedWith change at once.
 *
 * Each event is its own thread-safe-function item, and the microtasks an
 * event queued run before the next one (docs/threads.md): the peer's ACK and
 * BYE, which came in one batch before issue #15, now always have the
 * continuation of answer() in between. The deterministic test ends the Call
 * inside the continuation of answer(); the second sends ACK and BYE back to
 * back with the callee's JS busy.
 */
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { type Call, type CallEnd, type IncomingCall } from '../../lib/index';
import { sdp, useCallPairs } from '../helpers/calls';
import { SLOW } from '../helpers/slow';

const { pair } = useCallPairs();
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("Call 'ended' in the task that made the Call", () => {
  test("a Call hung up in the task that made it, before any 'ended' listener: state at once, 'ended' on the next turn to the listener added then", { timeout: 20_000 * SLOW }, async () => {
    const { alice, bob, to, from } = await pair();
    const made = new Promise<{ b: Call; stateAfter: string; ends: CallEnd[] }>((resolve) => {
      bob.once('call', (incoming: IncomingCall) => {
        void incoming.answer({ sdp: sdp('bob', 20500) }).then(async (b) => {
          // Still the task of the ACK's batch: no 'ended' listener yet.
          await b.hangup();
          const stateAfter = b.state;
          const ends: CallEnd[] = [];
          b.on('ended', (end) => ends.push(end));
          resolve({ b, stateAfter, ends });
        });
      });
    });
    const a = await alice.invite({ to, from, sdp: sdp('alice', 10500) });
    const aEnded = new Promise<CallEnd>((resolve) => a.once('ended', resolve));
    const { b, stateAfter, ends } = await made;
    assert.equal(stateAfter, 'ended');
    assert.deepEqual(b.endedWith, { by: 'local', reason: 'hangup', statusCode: 0 });
    await nextTurn();
    assert.deepEqual(ends, [{ by: 'local', reason: 'hangup', statusCode: 0 }]);
    assert.deepEqual(await aEnded, { by: 'remote', reason: 'BYE', statusCode: 0 });
    await nextTurn();
    assert.equal(ends.length, 1);
  });

  test("the caller's ACK and BYE back to back, callee's JS busy meanwhile: the listener added once answer() resolved gets 'ended' once", { timeout: 20_000 * SLOW }, async () => {
    const { alice, bob, to, from } = await pair();
    for (let round = 0; round < 3; round++) {
      const ended = new Promise<{ b: Call; ends: CallEnd[] }>((resolve) => {
        bob.once('call', (incoming: IncomingCall) => {
          void incoming.answer({ sdp: sdp('bob', 20500) }).then((b) => {
            const ends: CallEnd[] = [];
            b.on('ended', (end) => {
              ends.push(end);
              // One more turn: a second emission would show.
              setImmediate(() => resolve({ b, ends }));
            });
          });
        });
      });
      const a = await alice.invite({ to, from, sdp: sdp('alice', 10500) });
      // alice's ACK went just before invite() resolved; her BYE goes now.
      await a.hangup();
      const until = Date.now() + 200;
      while (Date.now() < until);
      const { b, ends } = await ended;
      assert.deepEqual(ends, [{ by: 'remote', reason: 'BYE', statusCode: 0 }]);
      assert.deepEqual(b.endedWith, { by: 'remote', reason: 'BYE', statusCode: 0 });
    }
  });

  test("a Call made in an earlier task with no 'ended' listener ends at once (state, endedWith); a listener added later gets nothing", { timeout: 20_000 * SLOW }, async () => {
    const { alice, bob, to, from } = await pair();
    const answering = new Promise<Call>((resolve) => bob.once('call', (incoming: IncomingCall) => resolve(incoming.answer({ sdp: sdp('bob', 20500) }))));
    const a = await alice.invite({ to, from, sdp: sdp('alice', 10500) });
    const b = await answering;
    await nextTurn();
    await a.hangup();
    assert.deepEqual(a.endedWith, { by: 'local', reason: 'hangup', statusCode: 0 });
    const late: CallEnd[] = [];
    a.on('ended', (end) => late.push(end));
    assert.deepEqual(await new Promise<CallEnd>((resolve) => b.once('ended', resolve)), { by: 'remote', reason: 'BYE', statusCode: 0 });
    await nextTurn();
    assert.deepEqual(late, []);
  });
});
