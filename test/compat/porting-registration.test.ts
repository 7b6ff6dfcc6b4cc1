/**
 * docs/porting/registration.md (eXosip's ht2-registration.dox), executed
 * (test/helpers/guide.ts): each block's function runs against a real
 * Kamailio, with assertions on Kamailio's location table.
 */
import { strict as assert } from 'node:assert';
import { afterEach, before } from 'node:test';
import {
  AF_INET,
  EXOSIP_REGISTRATION_FAILURE,
  EXOSIP_REGISTRATION_SUCCESS,
  IPPROTO_UDP,
  OSIP_NOTFOUND,
  eXosip_add_authentication_info,
  eXosip_init,
  eXosip_listen_addr,
  eXosip_lock,
  eXosip_malloc,
  eXosip_register_build_initial_register,
  eXosip_register_build_register,
  eXosip_register_send_register,
  eXosip_unlock,
  osip_message_get_expires,
  osip_message_get_supported,
  type eXosip_event_t,
  type eXosip_t,
} from '../../lib/compat';
import { Context, type Registration, type RegistrationInfo } from '../../lib/index';
import { nativeOf } from '../../lib/internal/handles';
import { describeGuide, readGuide } from '../helpers/guide';
import { assertContactOf, bindingsOf, closeTracked, track, waitEvent } from '../helpers/porting';
import { useKamailio } from '../helpers/use-kamailio';

/** The C statements of eXosip's ht2-registration how-to (and the event loop of tools/sip_reg.c), whitespace-normalized. */
const HOWTO_C_LINES = [
  'rid = eXosip_register_build_initial_register (ctx, "sip:me@sip.antisip.com", "sip.antisip.com", NULL, 1800, &reg);',
  'osip_message_set_supported (reg, "100rel"); osip_message_set_supported (reg, "path");',
  'i = eXosip_register_send_register (ctx, rid, reg); eXosip_unlock (ctx); return i;',
  'eXosip_add_authentication_info (ctx, login, login, passwd, NULL, NULL);',
  'eXosip_add_authentication_info (ctx, login, login, passwd, NULL, "sip.antisip.com");',
  'eXosip_add_authentication_info (ctx, from_username, login, passwd, NULL, "otherservice.com");',
  'rid = eXosip_register_build_initial_register (ctx, "sip:me@sip.antisip.com", "sip.antisip.com", "*", 1800, &reg);',
  'i = eXosip_register_build_register (ctx, rid, 1800, &reg);',
  'i = eXosip_register_build_register (ctx, rid, 0, &reg);',
  'i = eXosip_register_remove (ctx, rid);',
  'if (!(event = eXosip_event_wait (ctx, 0, 50)))',
  'eXosip_automatic_action (ctx);',
  'eXosip_event_free (event);',
];

/** The functions the guide defines, as the tests call them. */
interface Snippets {
  initiate_registration(ctx: eXosip_t, proxy: string): number;
  initiate_registration_ctx(ctx: Context, proxy: string): Promise<Registration>;
  set_password(ctx: eXosip_t, login: string, passwd: string): void;
  set_password_ctx(ctx: Context, login: string, passwd: string): void;
  set_passwords(ctx: eXosip_t, login: string, passwd: string, from_username: string, other_login: string, other_passwd: string): void;
  set_passwords_ctx(ctx: Context, login: string, passwd: string, from_username: string, other_login: string, other_passwd: string): void;
  delete_all_registrations(ctx: eXosip_t, proxy: string): number;
  delete_all_registrations_ctx(ctx: Context, proxy: string): Promise<RegistrationInfo>;
  update_registration(ctx: eXosip_t, rid: number): number;
  update_registration_ctx(reg: Registration): Promise<RegistrationInfo>;
  close_registration(ctx: eXosip_t, rid: number): number;
  close_registration_ctx(reg: Registration): Promise<RegistrationInfo>;
  discard_registration(ctx: eXosip_t, rid: number): number;
  discard_registration_ctx(reg: Registration): void;
  event_loop(ctx: eXosip_t, keepRunning: () => boolean, log: (line: string) => void): Promise<void>;
  event_loop_ctx(ctx: Context, log: (line: string) => void): () => void;
  registration_events_ctx(reg: Registration, log: (line: string) => void): void;
}

const guide = readGuide('docs/porting/registration.md');
let s: Snippets;
before(() => {
  s = guide.load<Snippets>();
});
const kam = useKamailio();
afterEach(async () => {
  await closeTracked();
  await kam.clearBindings();
});

/** A compat context on UDP, made as docs/porting/initialize.md does. */
async function compatContext(): Promise<eXosip_t> {
  const ctx = track(eXosip_malloc());
  assert.equal(eXosip_init(ctx), 0);
  assert.equal(eXosip_listen_addr(ctx, IPPROTO_UDP, null, 0, AF_INET, 0), 0);
  return ctx;
}

async function contextApi(): Promise<Context> {
  const ctx = track(new Context());
  await ctx.listen({ transport: 'udp', port: 0 });
  return ctx;
}

const success = (ev: eXosip_event_t): boolean => ev.typeId === EXOSIP_REGISTRATION_SUCCESS;
const requestExpires = (ev: eXosip_event_t): string | undefined => osip_message_get_expires(ev.request, 0)[1]?.hvalue;

/** Registers alice through the guide's own compat functions; returns the rid. */
async function registerAlice(ctx: eXosip_t): Promise<number> {
  s.set_password(ctx, 'alice', 'secret');
  assert.equal(s.initiate_registration(ctx, kam.proxy), 0);
  const { event } = await waitEvent(ctx, success);
  return event.rid;
}

/** Compat: build + send a REGISTER for `from`. */
function sendRegister(ctx: eXosip_t, from: string, expires = 1800): number {
  eXosip_lock(ctx);
  const [rid, reg] = eXosip_register_build_initial_register(ctx, from, kam.proxy, null, expires);
  assert.ok(rid > 0, `build_initial_register ${rid}`);
  assert.equal(eXosip_register_send_register(ctx, rid, reg), 0);
  eXosip_unlock(ctx);
  return rid;
}

const cases: Record<string, () => Promise<void>> = {
  async initiate_registration() {
    const ctx = await compatContext();
    s.set_password(ctx, 'alice', 'secret');
    assert.equal(s.initiate_registration(ctx, kam.proxy), 0);
    const { event, seen } = await waitEvent(ctx, success);
    assert.ok(event.rid > 0);
    // eXosip answered Kamailio's 401 by itself on the way.
    assert.deepEqual(seen.map((e) => [e.typeId, e.response?.statusCode, e.rid]), [
      [EXOSIP_REGISTRATION_FAILURE, 401, event.rid],
      [EXOSIP_REGISTRATION_SUCCESS, 200, event.rid],
    ]);
    // The two Supported headers osip_message_set_supported added.
    assert.equal(osip_message_get_supported(event.request, 0)[1]?.hvalue, '100rel');
    assert.equal(osip_message_get_supported(event.request, 1)[1]?.hvalue, 'path');
    assert.equal(requestExpires(event), '1800');
    const [binding] = await bindingsOf(kam, 'alice@example.com', 1);
    assertContactOf(binding, 'alice', ctx);
    assert.ok(binding.expires > 1790 && binding.expires <= 1800, `expires ${binding.expires}`);
    // The `rid < 0` branch: a proxy eXosip cannot parse.
    assert.equal(s.initiate_registration(ctx, 'not a uri'), -1);
    assert.equal(nativeOf(ctx).lockDepth, 0, 'the failure branch unlocked');
  },

  async initiate_registration_ctx() {
    const ctx = await contextApi();
    s.set_password_ctx(ctx, 'alice', 'secret');
    const reg = await s.initiate_registration_ctx(ctx, kam.proxy);
    assert.equal(reg.state, 'registered');
    assert.ok(reg.rid > 0);
    assert.equal(reg.expires, 1800);
    const [binding] = await bindingsOf(kam, 'alice@example.com', 1);
    assertContactOf(binding, 'alice', ctx);
    assert.ok(binding.expires > 1790 && binding.expires <= 1800, `expires ${binding.expires}`);
  },

  async set_password() {
    // A wrong password first: Kamailio answers 403 and nothing is stored.
    const ctx = await compatContext();
    s.set_password(ctx, 'alice', 'wrong');
    assert.equal(s.initiate_registration(ctx, kam.proxy), 0);
    await waitEvent(ctx, (e) => e.typeId === EXOSIP_REGISTRATION_FAILURE && e.response?.statusCode === 403);
    assert.deepEqual(await kam.lookup('alice@example.com'), []);
    // The same call with the right one replaces the entry (same username and realm).
    const ctx2 = await compatContext();
    s.set_password(ctx2, 'alice', 'secret');
    assert.equal(s.initiate_registration(ctx2, kam.proxy), 0);
    await waitEvent(ctx2, success);
    const [binding] = await bindingsOf(kam, 'alice@example.com', 1);
    assertContactOf(binding, 'alice', ctx2);
  },

  async set_password_ctx() {
    const ctx = await contextApi();
    s.set_password_ctx(ctx, 'dave', 'davepw');
    await ctx.register({ from: 'sip:dave@example.com', proxy: kam.proxy, expires: 600 });
    const [binding] = await bindingsOf(kam, 'dave@example.com', 1);
    assertContactOf(binding, 'dave', ctx);
  },

  async set_passwords() {
    const ctx = await compatContext();
    s.set_passwords(ctx, 'alice', 'secret', 'carol', 'carol', 'carolpw');
    const alice = sendRegister(ctx, 'sip:alice@example.com');
    const carol = sendRegister(ctx, 'sip:carol@other.test');
    const done = new Set<number>();
    await waitEvent(ctx, (e) => {
      if (success(e)) done.add(e.rid);
      return done.has(alice) && done.has(carol);
    });
    assertContactOf((await bindingsOf(kam, 'alice@example.com', 1))[0], 'alice', ctx);
    assertContactOf((await bindingsOf(kam, 'carol@other.test', 1))[0], 'carol', ctx);
  },

  async set_passwords_ctx() {
    const ctx = await contextApi();
    s.set_passwords_ctx(ctx, 'alice', 'secret', 'carol', 'carol', 'carolpw');
    await Promise.all([
      ctx.register({ from: 'sip:alice@example.com', proxy: kam.proxy, expires: 1800 }),
      ctx.register({ from: 'sip:carol@other.test', proxy: kam.proxy, expires: 1800 }),
    ]);
    assertContactOf((await bindingsOf(kam, 'alice@example.com', 1))[0], 'alice', ctx);
    assertContactOf((await bindingsOf(kam, 'carol@other.test', 1))[0], 'carol', ctx);
  },

  async delete_all_registrations() {
    // Two bindings for alice, from two contexts.
    const a = await compatContext();
    const b = await compatContext();
    await registerAlice(a);
    await registerAlice(b);
    await bindingsOf(kam, 'alice@example.com', 2);

    // The how-to's literal request (Contact: *, expires 1800): Kamailio refuses it.
    const c = await compatContext();
    eXosip_add_authentication_info(c, 'alice', 'alice', 'secret', null, null);
    eXosip_lock(c);
    const [rid, reg] = eXosip_register_build_initial_register(c, 'sip:alice@example.com', kam.proxy, '*', 1800);
    assert.ok(rid > 0);
    assert.equal(eXosip_register_send_register(c, rid, reg), 0);
    eXosip_unlock(c);
    const { event } = await waitEvent(c, (e) => e.typeId === EXOSIP_REGISTRATION_FAILURE && e.response?.statusCode !== 401);
    assert.equal(event.response?.statusCode, 400);
    assert.equal((await kam.lookup('alice@example.com')).length, 2);

    // The port (expires 0) empties the table for the AoR.
    assert.equal(s.delete_all_registrations(a, kam.proxy), 0);
    const done = await waitEvent(a, (e) => success(e) && requestExpires(e) === '0');
    assert.deepEqual(done.event.request?.contacts, ['*']);
    await bindingsOf(kam, 'alice@example.com', 0);
  },

  async delete_all_registrations_ctx() {
    const a = await contextApi();
    const b = await contextApi();
    for (const ctx of [a, b]) {
      s.set_password_ctx(ctx, 'alice', 'secret');
      await s.initiate_registration_ctx(ctx, kam.proxy);
    }
    await bindingsOf(kam, 'alice@example.com', 2);
    const info = await s.delete_all_registrations_ctx(a, kam.proxy);
    assert.equal(info.expires, 0);
    await bindingsOf(kam, 'alice@example.com', 0);
  },

  async update_registration() {
    const ctx = await compatContext();
    const rid = await registerAlice(ctx);
    const [before] = await bindingsOf(kam, 'alice@example.com', 1);
    // Under the caller's lock (the snippet's own lock nests), so that the
    // second update surely finds the first one in flight: OSIP_WRONG_STATE
    // inside, -1 out.
    eXosip_lock(ctx);
    assert.equal(s.update_registration(ctx, rid), 0);
    assert.equal(s.update_registration(ctx, rid), -1);
    eXosip_unlock(ctx);
    const { event } = await waitEvent(ctx, (e) => success(e) && e.rid === rid);
    assert.equal(requestExpires(event), '1800');
    const [afterUpdate] = await bindingsOf(kam, 'alice@example.com', 1);
    assert.equal(afterUpdate.contact, before.contact);
    assert.equal(afterUpdate.callId, before.callId);
    assert.ok(afterUpdate.cseq > before.cseq, `CSeq ${before.cseq} -> ${afterUpdate.cseq}`);
    assert.ok(afterUpdate.expires > 1790, `expires ${afterUpdate.expires}`);
    // Unknown rid: eXosip's OSIP_NOTFOUND takes the `i < 0` branch.
    assert.equal(eXosip_register_build_register(ctx, rid + 100, 1800)[0], OSIP_NOTFOUND);
    assert.equal(s.update_registration(ctx, rid + 100), -1);
    assert.equal(nativeOf(ctx).lockDepth, 0);
  },

  async update_registration_ctx() {
    const ctx = await contextApi();
    s.set_password_ctx(ctx, 'alice', 'secret');
    const reg = await s.initiate_registration_ctx(ctx, kam.proxy);
    const [before] = await bindingsOf(kam, 'alice@example.com', 1);
    // Two at once: the second waits for the first instead of failing with OSIP_WRONG_STATE.
    const [first, second] = await Promise.all([s.update_registration_ctx(reg), s.update_registration_ctx(reg)]);
    assert.equal(first.expires, 1800);
    assert.equal(second.expires, 1800);
    const [afterUpdate] = await bindingsOf(kam, 'alice@example.com', 1);
    assert.equal(afterUpdate.callId, before.callId);
    assert.ok(afterUpdate.cseq >= before.cseq + 2, `CSeq ${before.cseq} -> ${afterUpdate.cseq}`);
  },

  async close_registration() {
    const ctx = await compatContext();
    const rid = await registerAlice(ctx);
    await bindingsOf(kam, 'alice@example.com', 1);
    assert.equal(s.close_registration(ctx, rid), 0);
    const { event } = await waitEvent(ctx, (e) => success(e) && e.rid === rid);
    assert.equal(requestExpires(event), '0');
    await bindingsOf(kam, 'alice@example.com', 0);
    assert.equal(s.close_registration(ctx, 12345), -1);
  },

  async close_registration_ctx() {
    const ctx = await contextApi();
    s.set_password_ctx(ctx, 'alice', 'secret');
    const reg = await s.initiate_registration_ctx(ctx, kam.proxy);
    await bindingsOf(kam, 'alice@example.com', 1);
    const info = await s.close_registration_ctx(reg);
    assert.equal(info.expires, 0);
    assert.equal(reg.state, 'unregistered');
    await bindingsOf(kam, 'alice@example.com', 0);
  },

  async discard_registration() {
    const ctx = await compatContext();
    const rid = await registerAlice(ctx);
    const [before] = await bindingsOf(kam, 'alice@example.com', 1);
    const count = await kam.registerCount();
    assert.equal(s.discard_registration(ctx, rid), 0);
    assert.equal(nativeOf(ctx).lockDepth, 0);
    // Forgotten locally...
    assert.equal(eXosip_register_build_register(ctx, rid, 1800)[0], OSIP_NOTFOUND);
    assert.equal(s.discard_registration(ctx, rid), OSIP_NOTFOUND);
    // ...and nothing was sent: the binding stays at the registrar.
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await kam.registerCount(), count);
    const [still] = await bindingsOf(kam, 'alice@example.com', 1);
    assert.equal(still.contact, before.contact);
  },

  async discard_registration_ctx() {
    const ctx = await contextApi();
    s.set_password_ctx(ctx, 'alice', 'secret');
    const reg = await s.initiate_registration_ctx(ctx, kam.proxy);
    const [before] = await bindingsOf(kam, 'alice@example.com', 1);
    const count = await kam.registerCount();
    s.discard_registration_ctx(reg);
    assert.equal(reg.state, 'removed');
    assert.equal(ctx.registrations.size, 0);
    assert.equal(eXosip_register_build_register(ctx, reg.rid, 1800)[0], OSIP_NOTFOUND);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await kam.registerCount(), count);
    const [still] = await bindingsOf(kam, 'alice@example.com', 1);
    assert.equal(still.contact, before.contact);
  },

  async event_loop() {
    const ctx = await compatContext();
    s.set_password(ctx, 'alice', 'secret');
    assert.equal(s.initiate_registration(ctx, kam.proxy), 0);
    const lines: string[] = [];
    let running = true;
    const timer = setTimeout(() => (running = false), 10_000);
    await s.event_loop(ctx, () => running, (line) => {
      lines.push(line);
      if (line.startsWith('registered')) running = false;
    });
    clearTimeout(timer);
    const rid = /\(rid (\d+)\)/.exec(lines[0] ?? '')?.[1];
    assert.deepEqual(lines, [`registration failed (rid ${rid})`, `registered (rid ${rid})`]);
    assert.equal(nativeOf(ctx).lockDepth, 0);
    assertContactOf((await bindingsOf(kam, 'alice@example.com', 1))[0], 'alice', ctx);
  },

  async event_loop_ctx() {
    const ctx = await contextApi();
    const lines: string[] = [];
    const stop = s.event_loop_ctx(ctx, (line) => lines.push(line));
    s.set_password_ctx(ctx, 'alice', 'secret');
    const reg = await s.initiate_registration_ctx(ctx, kam.proxy);
    assert.deepEqual(lines, [`registration failed (rid ${reg.rid})`, `registered (rid ${reg.rid})`]);
    stop();
    await reg.unregister();
    assert.equal(lines.length, 2, 'no more lines once stopped');
    await bindingsOf(kam, 'alice@example.com', 0);
  },

  async registration_events_ctx() {
    const ctx = await contextApi();
    s.set_password_ctx(ctx, 'alice', 'secret');
    const reg = await s.initiate_registration_ctx(ctx, kam.proxy);
    const lines: string[] = [];
    s.registration_events_ctx(reg, (line) => lines.push(line));
    await reg.refresh();
    await bindingsOf(kam, 'alice@example.com', 1);
    await reg.unregister();
    await bindingsOf(kam, 'alice@example.com', 0);
    assert.deepEqual(lines.filter((l) => !l.startsWith('challenged')), ['refreshed for 1800 s', 'unregistered']);
  },
};

describeGuide(guide, cases, HOWTO_C_LINES);
