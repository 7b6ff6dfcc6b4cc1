/**
 * The INVITE guard (native/context/guard.h) now that contexts send INVITEs:
 * a 1xx/2xx or an INVITE whose Contact or Record-Route is not a SIP URI never
 * reaches eXosip (libeXosip2 5.3.0 would send ACK/BYE to a URI without host
 * and crash), sound ones do. The same for subscriptions (their refreshes and
 * NOTIFYs go to the dialog's remote target). The peer is a raw UDP socket on
 * loopback.
 */
import { strict as assert } from 'node:assert';
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import { afterEach, describe, test } from 'node:test';
import {
  EXOSIP_CALL_ANSWERED,
  EXOSIP_CALL_INVITE,
  EXOSIP_CALL_RINGING,
  EXOSIP_IN_SUBSCRIPTION_NEW,
  EXOSIP_SUBSCRIPTION_ANSWERED,
  eXosip_call_build_initial_invite,
  eXosip_call_send_ack,
  eXosip_call_send_initial_invite,
  eXosip_subscription_build_initial_subscribe,
  eXosip_subscription_send_initial_request,
  osip_message_get_call_id,
  type eXosip_event_t,
} from '../../lib/compat';
import { nextEvent, useCompatContexts } from '../helpers/compat';

const { newContext } = useCompatContexts();
const sockets: dgram.Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
});

async function peer(): Promise<{ socket: dgram.Socket; port: number; requests: string[] }> {
  const socket = dgram.createSocket('udp4');
  sockets.push(socket);
  const requests: string[] = [];
  socket.on('message', (m) => requests.push(m.toString('latin1')));
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return { socket, port: socket.address().port, requests };
}

const header = (msg: string, name: string): string[] =>
  msg.split('\r\n\r\n')[0]!.split('\r\n').filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));

/** A response to `invite` as a UAS would send it, with the given extra lines. */
function respond(invite: string, status: string, extra: string[]): string {
  return [`SIP/2.0 ${status}`, ...header(invite, 'Via'), ...header(invite, 'From'), `${header(invite, 'To')[0]};tag=peer1`,
    ...header(invite, 'Call-ID'), ...header(invite, 'CSeq'), ...extra, 'Content-Length: 0', '', ''].join('\r\n');
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the INVITE guard', () => {
  test('a 180/200 to our INVITE with a tel: Contact or Record-Route is dropped; a sound 200 answers the call', { timeout: 30_000 }, async () => {
    const alice = newContext();
    const p = await peer();
    const [, invite] = eXosip_call_build_initial_invite(alice, `sip:bob@127.0.0.1:${p.port}`, `sip:alice@127.0.0.1:${alice.address!.port}`, null, null);
    const cid = eXosip_call_send_initial_invite(alice, invite);
    assert.ok(cid > 0);
    await waitFor('the INVITE', () => p.requests.some((r) => r.startsWith('INVITE ')));
    const inv = p.requests.find((r) => r.startsWith('INVITE '))!;
    const send = (text: string): Promise<void> => new Promise((resolve) => p.socket.send(text, alice.address!.port, '127.0.0.1', () => resolve()));
    const events: eXosip_event_t[] = [];
    await send(respond(inv, '180 Ringing', ['Contact: <tel:+15551234>']));
    await send(respond(inv, '200 OK', ['Contact: <tel:+15551234>']));
    await send(respond(inv, '200 OK', [`Record-Route: <tel:+1555;lr>`, `Contact: <sip:bob@127.0.0.1:${p.port}>`]));
    await send(respond(inv, '200 OK', []));
    await send(respond(inv, '200 OK', [`Contact: <sip:bob@127.0.0.1:${p.port}>`]));
    const answered = await nextEvent(alice, (e) => {
      events.push(e);
      return e.typeId === EXOSIP_CALL_ANSWERED;
    });
    assert.equal(answered.cid, cid);
    assert.deepEqual(events.filter((e) => e.typeId === EXOSIP_CALL_RINGING), [], 'the 180 with a tel: Contact never reached eXosip');
    assert.equal(header(answered.response!.toString(), 'Contact')[0], `Contact: <sip:bob@127.0.0.1:${p.port}>`);
    assert.equal(eXosip_call_send_ack(alice, answered.tid, null), 0);
    await waitFor('the ACK', () => p.requests.some((r) => r.startsWith('ACK sip:bob@127.0.0.1')));
  });

  test('an INVITE with a tel: Contact, none, or no From tag is dropped; a sound one reaches the application', { timeout: 30_000 }, async () => {
    const bob = newContext();
    const p = await peer();
    const invite = (callId: string, from: string, contact: string | null): string =>
      [`INVITE sip:bob@127.0.0.1:${bob.address!.port} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${p.port};branch=z9hG4bK${callId}`,
        `From: ${from}`, `To: <sip:bob@127.0.0.1>`, `Call-ID: ${callId}@127.0.0.1`, 'CSeq: 1 INVITE',
        ...(contact === null ? [] : [`Contact: ${contact}`]), 'Max-Forwards: 70', 'Content-Length: 0', '', ''].join('\r\n');
    const good = `<sip:eve@127.0.0.1:${p.port}>`;
    for (const text of [invite('tel1', '<sip:eve@127.0.0.1>;tag=e1', '<tel:+15551234>'), invite('none1', '<sip:eve@127.0.0.1>;tag=e2', null),
      invite('notag1', '<sip:eve@127.0.0.1>', good), invite('good1', '<sip:eve@127.0.0.1>;tag=e3', good)]) {
      await new Promise<void>((resolve) => p.socket.send(text, bob.address!.port, '127.0.0.1', () => resolve()));
    }
    const calls: string[] = [];
    const ev = await nextEvent(bob, (e) => {
      if (e.typeId === EXOSIP_CALL_INVITE) calls.push(osip_message_get_call_id(e.request)!);
      return e.typeId === EXOSIP_CALL_INVITE && osip_message_get_call_id(e.request) === 'good1@127.0.0.1';
    });
    assert.ok(ev.tid > 0);
    assert.deepEqual(calls, ['good1@127.0.0.1']);
    // eXosip answered only the sound one (100 Trying).
    await waitFor('the 100 Trying', () => p.requests.some((r) => r.startsWith('SIP/2.0 100') && r.includes('good1@')));
    assert.deepEqual(p.requests.filter((r) => !r.includes('good1@')), []);
  });

  test('subscriptions: a 200 to our SUBSCRIBE with a tel: Contact, and a SUBSCRIBE with one or without a From tag, are dropped; sound ones go through', { timeout: 30_000 }, async () => {
    const alice = newContext();
    const p = await peer();
    const [, subscribe] = eXosip_subscription_build_initial_subscribe(alice, `<sip:bob@127.0.0.1:${p.port}>`, `<sip:alice@127.0.0.1:${alice.address!.port}>`, null, 'presence', 600);
    const sid = eXosip_subscription_send_initial_request(alice, subscribe!);
    assert.ok(sid > 0);
    await waitFor('the SUBSCRIBE', () => p.requests.some((r) => r.startsWith('SUBSCRIBE ')));
    const sub = p.requests.find((r) => r.startsWith('SUBSCRIBE '))!;
    const send = (text: string): Promise<void> => new Promise((resolve) => p.socket.send(text, alice.address!.port, '127.0.0.1', () => resolve()));
    await send(respond(sub, '200 OK', ['Contact: <tel:+15551234>', 'Expires: 600']));
    await send(respond(sub, '200 OK', [`Contact: <sip:bob@127.0.0.1:${p.port}>`, 'Expires: 600']));
    const answered = await nextEvent(alice, (e) => e.typeId === EXOSIP_SUBSCRIPTION_ANSWERED);
    assert.equal(answered.sid, sid);
    assert.equal(header(answered.response!.toString(), 'Contact')[0], `Contact: <sip:bob@127.0.0.1:${p.port}>`, 'the 200 with a tel: Contact never reached eXosip');

    const subscribeFrom = (callId: string, from: string, contact: string): string =>
      [`SUBSCRIBE sip:alice@127.0.0.1:${alice.address!.port} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${p.port};branch=z9hG4bK${callId}`,
        `From: ${from}`, `To: <sip:alice@127.0.0.1>`, `Call-ID: ${callId}@127.0.0.1`, 'CSeq: 1 SUBSCRIBE', `Contact: ${contact}`,
        'Event: presence', 'Expires: 600', 'Max-Forwards: 70', 'Content-Length: 0', '', ''].join('\r\n');
    const good = `<sip:eve@127.0.0.1:${p.port}>`;
    p.requests.length = 0;
    for (const text of [subscribeFrom('tel2', '<sip:eve@127.0.0.1>;tag=e1', '<tel:+15551234>'), subscribeFrom('notag2', '<sip:eve@127.0.0.1>', good),
      subscribeFrom('good2', '<sip:eve@127.0.0.1>;tag=e3', good)]) {
      await send(text);
    }
    const seen: string[] = [];
    await nextEvent(alice, (e) => {
      if (e.typeId === EXOSIP_IN_SUBSCRIPTION_NEW) seen.push(osip_message_get_call_id(e.request)!);
      return e.typeId === EXOSIP_IN_SUBSCRIPTION_NEW && osip_message_get_call_id(e.request) === 'good2@127.0.0.1';
    });
    assert.deepEqual(seen, ['good2@127.0.0.1']);
    assert.deepEqual(p.requests.filter((r) => r.includes('tel2@') || r.includes('notag2@')), [], 'the dropped ones got no answer');
  });
});
