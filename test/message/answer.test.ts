import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { Message } from '../../lib/index';
import { nativeOf } from '../../lib/internal/handles';
import { openContext } from '../helpers/context';

test('a context answers a REGISTER it receives (EXOSIP_MESSAGE_NEW → build/send answer)', async () => {
  const server = await openContext();
  const client = await openContext();
  const n = nativeOf(server);
  const seen: string[] = [];
  server.on('event', (ev) => {
    if (ev.type !== 'EXOSIP_MESSAGE_NEW' || ev.request?.method !== 'REGISTER') return;
    seen.push(`${ev.request.method} tid=${ev.tid > 0}`);
    // A send spends its answer whatever the result: eXosip refuses a bad
    // status before taking the message (C leaks it), the binding frees it.
    const [, refused] = n.messageBuildAnswer(ev.tid, 200);
    assert.equal(n.messageSendAnswer(ev.tid, 99, refused), -2);
    assert.equal(refused!.state, 'spent');
    const [code, handle] = n.messageBuildAnswer(ev.tid, 200);
    assert.equal(code, 0);
    const answer = new Message(handle!);
    for (const c of ev.request.contacts) answer.addHeader('Contact', `${c};expires=120`);
    assert.equal(n.messageSendAnswer(ev.tid, 200, handle), 0);
    assert.equal(answer.state, 'spent');
  });
  const reg = await client.register({ from: 'sip:alice@example.com', proxy: `sip:127.0.0.1:${server.address!.port}`, expires: 600 });
  assert.deepEqual(seen, ['REGISTER tid=true']);
  assert.equal(reg.expires, 120);
  await Promise.all([client.close(), server.close()]);
});
