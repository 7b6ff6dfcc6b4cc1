/**
 * The embedded Registrar (lib/registrar/) and the test suite's Kamailio
 * (test/kamailio/kamailio.cfg) get the same raw requests and must give the
 * same answers and keep the same bindings; the known differences are tests of
 * their own.
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Registrar } from '../../lib/index';
import { readUsers } from '../helpers/kamailio';
import { Peer, RawClient, request, type Response, summarize } from '../helpers/raw-sip';
import { useKamailio } from '../helpers/use-kamailio';

/** One case: the steps of one client against one registrar; the summaries of its answers. */
type Case = (peer: Peer, user: string) => Promise<Array<Response | null>>;

const PASSWORD = 'loadpw';

const CASES: Array<[name: string, run: Case]> = [
  ['no credentials → 401', async (p, user) => [await p.send({ user, expires: 600 })]],
  ['good credentials, qop=auth → 200', async (p, user) => [await p.auth({ user, expires: 600 }, { password: PASSWORD })]],
  ['good credentials without qop (RFC 2069) → 200', async (p, user) => [await p.auth({ user, expires: 600 }, { password: PASSWORD, qop: false })]],
  ['wrong password → 403', async (p, user) => [await p.auth({ user, expires: 600 }, { password: 'wrong' })]],
  ['unknown user → 403', async (p) => [await p.auth({ user: 'mallory', expires: 600 }, { password: 'x' })]],
  ['credentials for another realm → 401', async (p, user) => [await p.auth({ user, expires: 600 }, { password: PASSWORD, realm: 'other.org' })]],
  ['Proxy-Authorization instead of Authorization → 401', async (p, user) => [await p.auth({ user, expires: 600 }, { password: PASSWORD, header: 'Proxy-Authorization' })]],
  [
    'digest user other than the To user → 403',
    async (p, user) => [await p.auth({ user: 'load0', toUser: user, expires: 600 }, { password: PASSWORD })],
  ],
  ['user name in another case → 403', async (p, user) => [await p.auth({ user, expires: 600 }, { password: PASSWORD, sendUser: user.toUpperCase() })]],
  ['credentials without response → 403', async (p, user) => [await p.auth({ user, expires: 600 }, { password: PASSWORD, omit: ['response'] })]],
  ['qop=auth without nc → 403', async (p, user) => [await p.auth({ user, expires: 600 }, { password: PASSWORD, omit: ['nc'] })]],
  ['a digest uri other than the Request-URI is accepted → 200', async (p, user) => [await p.auth({ user, expires: 600 }, { password: PASSWORD, uri: 'sip:elsewhere.test' })]],
  ['Expires: 30 → 423 Min-Expires 60', async (p, user) => [await p.auth({ user, expires: 30 }, { password: PASSWORD })]],
  [
    'Contact ;expires=30 → 423 (the parameter wins over Expires)',
    async (p, user) => [await p.auth({ user, expires: 600, contacts: [`<sip:${user}@127.0.0.1:1111>;expires=30`] }, { password: PASSWORD })],
  ],
  ['Expires: 7200 → lowered to 3600', async (p, user) => [await p.auth({ user, expires: 7200 }, { password: PASSWORD })]],
  ['no Expires → default 1800', async (p, user) => [await p.auth({ user }, { password: PASSWORD })]],
  ['Expires: abc → default 1800', async (p, user) => [await p.auth({ user, expires: 'abc' }, { password: PASSWORD })]],
  [
    'two contacts with their own expiries, then a query without Contact lists both',
    async (p, user) => [
      await p.auth({ user, expires: 600, contacts: [`<sip:${user}@127.0.0.1:2001>;expires=120`, `<sip:${user}@127.0.0.1:2002>`] }, { password: PASSWORD }),
      await p.auth({ user, contacts: [] }, { password: PASSWORD }),
    ],
  ],
  [
    'Contact: * with Expires 600, without Expires, or with another Contact → 400; with Expires: 0 → 200 empty',
    async (p, user) => [
      await p.auth({ user, expires: 600 }, { password: PASSWORD }),
      await p.auth({ user, expires: 600, contacts: ['*'] }, { password: PASSWORD }),
      await p.auth({ user, contacts: ['*'] }, { password: PASSWORD }),
      await p.auth({ user, expires: 0, contacts: ['*', `<sip:${user}@127.0.0.1:3000>`] }, { password: PASSWORD }),
      await p.auth({ user, expires: 0, contacts: ['*'] }, { password: PASSWORD }),
      await p.auth({ user, contacts: [] }, { password: PASSWORD }),
      await p.auth({ user, expires: 0, contacts: ['*'] }, { password: PASSWORD }),
    ],
  ],
  [
    'expires 0 removes one contact and keeps the other',
    async (p, user) => [
      await p.auth({ user, expires: 600, contacts: [`<sip:${user}@127.0.0.1:4001>`, `<sip:${user}@127.0.0.1:4002>`] }, { password: PASSWORD }),
      await p.auth({ user, expires: 0, contacts: [`<sip:${user}@127.0.0.1:4001>`] }, { password: PASSWORD }),
      await p.auth({ user, expires: 0, contacts: [`<sip:${user}@127.0.0.1:4999>`] }, { password: PASSWORD }),
    ],
  ],
  [
    'same Call-ID: lower CSeq → 400, equal CSeq soon after → 200, another Call-ID → 200',
    async (p, user) => {
      const callId = `cseq-${user}-${randomBytes(4).toString('hex')}`;
      return [
        await p.auth({ user, expires: 600, callId, cseq: 5 }, { password: PASSWORD }),
        await p.auth({ user, expires: 600, callId, cseq: 4 }, { password: PASSWORD }),
        await p.auth({ user, expires: 900, callId, cseq: 5 }, { password: PASSWORD }),
        await p.auth({ user, expires: 900, callId, cseq: 6 }, { password: PASSWORD }),
        await p.auth({ user, expires: 300, cseq: 1 }, { password: PASSWORD }),
      ];
    },
  ],
  ['OPTIONS → 405 Allow: REGISTER', async (p, user) => [await p.send({ user, method: 'OPTIONS', contacts: [] })]],
  ['MESSAGE → 405', async (p, user) => [await p.send({ user, method: 'MESSAGE', contacts: [] })]],
  ['PUBLISH → 405', async (p, user) => [await p.send({ user, method: 'PUBLISH', contacts: [] })]],
];

describe('same status codes as Kamailio for the same requests', { timeout: 60000 }, () => {
  let registrar: Registrar;
  let client: RawClient;
  const users = Object.fromEntries(readUsers().map((u) => [u.aor, u.password]));
  before(async () => {
    // The Kamailio config's users, including its load<N>@example.com rule.
    registrar = new Registrar({
      users: (user, _realm, domain) => users[`${user}@${domain}`] ?? (domain === 'example.com' && /^load\d+$/.test(user) ? 'loadpw' : undefined),
    });
    await registrar.listen();
    client = await new RawClient().open();
  });
  after(async () => {
    client?.close();
    await registrar?.close();
  });
  const kam = useKamailio();

  CASES.forEach(([name, run], i) => {
    test(name, async () => {
      // A user of its own per case (load<N>, N >= 100: Kamailio's load rule), so cases do not meet.
      const user = `load${100 + i}`;
      const kamailio = (await run(new Peer('kamailio', client, kam.port), user)).map(summarize);
      const ours = (await run(new Peer('registrar', client, registrar.addresses[0].port), user)).map(summarize);
      assert.ok(!kamailio.includes('no answer'), `Kamailio did not answer: ${kamailio.join(' | ')}\n${kam.log().slice(-3000)}`);
      assert.deepEqual(ours, kamailio);
      // The table of the two agrees too.
      const kb = (await kam.lookup(`${user}@example.com`)).map((b) => b.contact).sort();
      assert.deepEqual(registrar.bindings(`${user}@example.com`).map((b) => b.contact).sort(), kb);
    });
  });

  test('known, deliberate difference: a nonce with a broken signature', async () => {
    // Kamailio signs its nonces with the secret of its config, so they outlive a
    // restart and a nonce that fails the check is an attack: 403. Ours are signed
    // with a key made at start-up, so after a restart every client holds a nonce
    // that fails the check: a fresh 401 lets it re-authenticate, not be locked out.
    const outcome = async (peer: Peer): Promise<number | undefined> => {
      const nonce = await peer.nonce();
      const broken = nonce.slice(0, -1) + (nonce.endsWith('A') ? 'B' : 'A');
      return (await peer.auth({ user: 'load90', expires: 600 }, { password: PASSWORD, nonce: broken }))?.status;
    };
    assert.equal(await outcome(new Peer('kamailio', client, kam.port)), 403);
    assert.equal(await outcome(new Peer('registrar', client, registrar.addresses[0].port)), 401);
  });

  test('known difference, from eXosip: INVITE and SUBSCRIBE get no final answer, BYE and INFO get 481', async () => {
    // Kamailio answers them all 405. The binding drops incoming INVITEs (no
    // call API; test/reliability/hostile.test.ts) and eXosip reports a
    // SUBSCRIBE as EXOSIP_IN_SUBSCRIPTION_NEW, which the binding cannot
    // answer yet (no eXosip_call_send_answer /
    // eXosip_insubscription_send_answer); it answers BYE and INFO itself (481)
    // before the application sees them.
    const send = (port: number, method: string): Promise<Response | null> =>
      client.send(request(client.port, { user: 'load91', method, headers: method === 'SUBSCRIBE' ? ['Event: presence'] : [] }), port, 1500);
    const ours = registrar.addresses[0].port;
    for (const method of ['INVITE', 'SUBSCRIBE', 'BYE', 'INFO']) {
      const kamailio = await send(kam.port, method);
      assert.equal(kamailio?.status, 405, method);
    }
    assert.equal(await send(ours, 'INVITE'), null);
    assert.equal(await send(ours, 'SUBSCRIBE'), null);
    assert.equal((await send(ours, 'BYE'))?.status, 481);
    assert.equal((await send(ours, 'INFO'))?.status, 481);
  });
});
