/**
 * The cases of docs/porting/initialize.md's last section (a REFER inside a
 * call), run by test/compat/porting-initialize.test.ts: a context places a
 * call to the guide's code and REFERs it to carol; the guide answers 202,
 * reads the Refer-To and ends the call.
 */
import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import {
  EXOSIP_CALL_INVITE,
  eXosip_automatic_action,
  eXosip_call_build_answer,
  eXosip_call_send_answer,
  eXosip_event_free,
  eXosip_event_wait,
  eXosip_lock,
  eXosip_unlock,
  type eXosip_event_t,
  type eXosip_t,
} from '../../lib/compat';
import type { Call, CallEnd, Context } from '../../lib/index';
import { portOf } from '../helpers/porting';

/** The guide's functions these cases run. */
export interface TransferSnippets {
  accept_transfer(ctx: eXosip_t, evt: eXosip_event_t): string | null;
  accept_transfer_ctx(call: Call, transferTo: (target: string) => void): void;
}

/** What the cases need from the test file: the snippets and two ways to make a context. */
export interface TransferFixtures {
  snippets(): TransferSnippets;
  compatContext(): Promise<eXosip_t>;
  sender(): Promise<Context>;
}

/** alice calls `to`, REFERs the call to carol, and checks that the callee ended it after the 202. */
async function transferredBy(alice: Context, to: string): Promise<void> {
  const call = await alice.invite({ to, from: 'sip:alice@127.0.0.1' });
  const ended = once(call, 'ended') as Promise<[CallEnd]>;
  const accepted = await call.refer('sip:carol@example.com');
  assert.equal(accepted.statusCode, 202);
  const [end] = await ended;
  assert.equal(end.by, 'remote', JSON.stringify(end));
}

/** The two cases, by the guide's function names. */
export function transferCases(f: TransferFixtures): Record<string, () => Promise<void>> {
  return {
    async accept_transfer() {
      const bob = await f.compatContext();
      const alice = await f.sender();
      const targets: string[] = [];
      let running = true;
      // bob's event loop: the test answers the INVITE 200, the guide's code sees every event.
      const loop = (async () => {
        while (running) {
          const evt = await eXosip_event_wait(bob, 0, 50);
          eXosip_lock(bob);
          eXosip_automatic_action(bob);
          eXosip_unlock(bob);
          if (evt === null) continue;
          if (evt.typeId === EXOSIP_CALL_INVITE) {
            eXosip_lock(bob);
            const [code, answer] = eXosip_call_build_answer(bob, evt.tid, 200);
            assert.equal(code, 0);
            assert.equal(eXosip_call_send_answer(bob, evt.tid, 200, answer), 0);
            eXosip_unlock(bob);
          }
          const target = f.snippets().accept_transfer(bob, evt);
          if (target !== null) targets.push(target);
          eXosip_event_free(evt);
        }
      })();
      try {
        await transferredBy(alice, `sip:bob@127.0.0.1:${portOf(bob)}`);
        assert.deepEqual(targets, ['sip:carol@example.com']);
      } finally {
        running = false;
        await loop;
      }
    },

    async accept_transfer_ctx() {
      const bob = await f.sender();
      const targets: string[] = [];
      bob.on('call', (incoming) => {
        incoming.answer().then(
          (call) => f.snippets().accept_transfer_ctx(call, (target) => targets.push(target)),
          (error: unknown) => assert.fail(`answer(): ${String(error)}`),
        );
      });
      await transferredBy(await f.sender(), `sip:bob@127.0.0.1:${portOf(bob)}`);
      assert.deepEqual(targets, ['sip:carol@example.com']);
    },
  };
}
