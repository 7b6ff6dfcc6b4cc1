/**
 * The compat SDP handle (libosip2's sdp_message.h, eXosip.h's SDP helpers):
 * parse and serialize, the accessors and the structs that point into an SDP,
 * ownership (free, double free, use after free, GC), malformed SDP, and the
 * SDP of a real call between two contexts on loopback.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import {
  EXOSIP_CALL_ACK,
  EXOSIP_CALL_ANSWERED,
  EXOSIP_CALL_INVITE,
  OSIP_BADPARAMETER,
  OSIP_UNDEFINED_ERROR,
  eXosip_call_build_ack,
  eXosip_call_build_answer,
  eXosip_call_build_initial_invite,
  eXosip_call_send_ack,
  eXosip_call_send_answer,
  eXosip_call_send_initial_invite,
  eXosip_get_audio_connection,
  eXosip_get_audio_media,
  eXosip_get_connection,
  eXosip_get_local_sdp,
  eXosip_get_local_sdp_from_tid,
  eXosip_get_media,
  eXosip_get_previous_local_sdp,
  eXosip_get_remote_sdp,
  eXosip_get_remote_sdp_from_tid,
  eXosip_get_sdp_info,
  eXosip_get_video_connection,
  eXosip_get_video_media,
  osip_message_init,
  osip_message_parse,
  osip_message_set_body,
  osip_message_set_content_type,
  sdp_message_a_att_field_get,
  sdp_message_a_att_value_get,
  sdp_message_attribute_get,
  sdp_message_b_bandwidth_get,
  sdp_message_c_addr_get,
  sdp_message_clone,
  sdp_message_connection_get,
  sdp_message_endof_media,
  sdp_message_free,
  sdp_message_i_info_get,
  sdp_message_init,
  sdp_message_k_keytype_get,
  sdp_message_m_media_get,
  sdp_message_m_payload_get,
  sdp_message_m_port_get,
  sdp_message_m_proto_get,
  sdp_message_o_addr_get,
  sdp_message_o_sess_version_get,
  sdp_message_o_username_get,
  sdp_message_parse,
  sdp_message_s_name_get,
  sdp_message_t,
  sdp_message_t_start_time_get,
  sdp_message_to_str,
  sdp_message_v_version_get,
  type eXosip_event_t,
  type eXosip_t,
} from '../../lib/compat';
import { codeOf, nextEvent, useCompatContexts } from '../helpers/compat';
import { LIB_COMPAT } from '../helpers/paths';
import { SLOW } from '../helpers/slow';

const OFFER = [
  'v=0',
  'o=jack 2890844526 2890844527 IN IP4 127.0.0.1',
  's=conversation',
  'i=a call',
  'c=IN IP4 127.0.0.1',
  'b=AS:64',
  't=0 0',
  'a=sendrecv',
  'm=audio 49170 RTP/AVP 0 8 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-11',
  'm=video 51372 RTP/AVP 31',
  'c=IN IP4 127.0.0.2',
  'b=AS:256',
  'k=clear:secret',
  'a=recvonly',
  '',
].join('\r\n');

function parsed(text: string = OFFER): sdp_message_t {
  const [code, sdp] = sdp_message_init();
  assert.equal(code, 0);
  assert.equal(sdp_message_parse(sdp, text), 0);
  return sdp;
}

describe('sdp_message_t', () => {
  test('parse → to_str gives the same text back; clone is a deep copy', () => {
    const sdp = parsed();
    assert.deepEqual(sdp_message_to_str(sdp), [0, OFFER]);
    const [c, copy] = sdp_message_clone(sdp);
    assert.equal(c, 0);
    sdp_message_free(sdp);
    assert.deepEqual(sdp_message_to_str(copy), [0, OFFER]);
    // An SDP libosip2 cannot serialize (never parsed) does not clone: its code, no copy (this crashed once).
    assert.deepEqual(sdp_message_clone(sdp_message_init()[1]), [OSIP_UNDEFINED_ERROR, null]);
    // A Buffer parses as its bytes up to the first NUL (C reads a C string).
    const [, fromBytes] = sdp_message_init();
    assert.equal(sdp_message_parse(fromBytes, Buffer.concat([Buffer.from(OFFER), Buffer.from([0]), Buffer.from('m=x 1 RTP/AVP 0\r\n')])), 0);
    assert.deepEqual(sdp_message_to_str(fromBytes), [0, OFFER]);
  });

  test("libosip2's accessors, session level (-1) and per media", () => {
    const sdp = parsed();
    assert.equal(sdp_message_v_version_get(sdp), '0');
    assert.equal(sdp_message_o_username_get(sdp), 'jack');
    assert.equal(sdp_message_o_sess_version_get(sdp), '2890844527');
    assert.equal(sdp_message_o_addr_get(sdp), '127.0.0.1');
    assert.equal(sdp_message_s_name_get(sdp), 'conversation');
    assert.equal(sdp_message_i_info_get(sdp, -1), 'a call');
    assert.equal(sdp_message_t_start_time_get(sdp, 0), '0');
    assert.equal(sdp_message_c_addr_get(sdp, -1, 0), '127.0.0.1');
    assert.equal(sdp_message_c_addr_get(sdp, 0, 0), null, 'the audio has no c= of its own');
    assert.equal(sdp_message_c_addr_get(sdp, 1, 0), '127.0.0.2');
    assert.equal(sdp_message_b_bandwidth_get(sdp, -1, 0), '64');
    assert.equal(sdp_message_b_bandwidth_get(sdp, 1, 0), '256');
    assert.equal(sdp_message_k_keytype_get(sdp, 1), 'clear');
    assert.deepEqual([sdp_message_a_att_field_get(sdp, -1, 0), sdp_message_a_att_value_get(sdp, -1, 0)], ['sendrecv', null]);
    assert.deepEqual([sdp_message_a_att_field_get(sdp, 0, 1), sdp_message_a_att_value_get(sdp, 0, 1)], ['rtpmap', '101 telephone-event/8000']);
    const media: string[] = [];
    for (let pos = 0; !sdp_message_endof_media(sdp, pos); pos++) {
      media.push(`${sdp_message_m_media_get(sdp, pos)} ${sdp_message_m_port_get(sdp, pos)} ${sdp_message_m_proto_get(sdp, pos)} ${sdp_message_m_payload_get(sdp, pos, 0)}`);
    }
    assert.deepEqual(media, ['audio 49170 RTP/AVP 0', 'video 51372 RTP/AVP 31']);
    // Nothing there: NULL, as C.
    assert.equal(sdp_message_m_media_get(sdp, 2), null);
    assert.equal(sdp_message_m_payload_get(sdp, 0, 3), null);
    assert.equal(sdp_message_m_payload_get(sdp, 0, -2), null);
    assert.equal(sdp_message_a_att_field_get(sdp, 7, 0), null);
    assert.equal(sdp_message_attribute_get(sdp, 0, 9), null);
    assert.equal(sdp_message_connection_get(sdp, 0, 0), null);
    assert.equal(sdp_message_connection_get(sdp, -1, 0)?.c_addrtype, 'IP4');
    assert.equal(sdp_message_attribute_get(sdp, 0, 2)?.a_att_value, '101 0-11');
    // Positions libosip2 does not check (it dereferenced NULL for these): NULL, no crash.
    assert.equal(sdp_message_k_keytype_get(sdp, -2), null);
    assert.equal(sdp_message_c_addr_get(sdp, -2, 0), null);
    assert.equal(sdp_message_c_addr_get(sdp, 1, -1), null);
    assert.equal(sdp_message_i_info_get(sdp, -5), null);
    assert.equal(sdp_message_m_port_get(sdp, -1), null);
    // A null SDP reads as NULL too.
    assert.equal(sdp_message_s_name_get(null), null);
    assert.equal(sdp_message_endof_media(null, 0), OSIP_BADPARAMETER);
  });

  test("eXosip's media and connection helpers point into the SDP", () => {
    const sdp = parsed();
    const audio = eXosip_get_audio_media(sdp)!;
    assert.deepEqual([audio.m_media, audio.m_port, audio.m_number_of_port, audio.m_proto], ['audio', '49170', null, 'RTP/AVP']);
    assert.deepEqual(audio.m_payloads, ['0', '8', '101']);
    assert.deepEqual(audio.a_attributes.map((a) => `${a.a_att_field}:${a.a_att_value}`), ['rtpmap:0 PCMU/8000', 'rtpmap:101 telephone-event/8000', 'fmtp:101 0-11']);
    assert.deepEqual([audio.c_connections, audio.k_key], [[], null]);
    const video = eXosip_get_video_media(sdp)!;
    assert.equal(eXosip_get_media(sdp, 'VIDEO')?.m_port, '51372', 'media types compare case-insensitively');
    assert.deepEqual(video.c_connections.map((c) => c.c_addr), ['127.0.0.2']);
    assert.deepEqual(video.b_bandwidths.map((b) => `${b.b_bwtype}:${b.b_bandwidth}`), ['AS:256']);
    assert.deepEqual(video.k_key, { k_keytype: 'clear', k_keydata: 'secret' });
    assert.equal(eXosip_get_media(sdp, 'application'), null);
    // The audio has no c=: the session's; the video its own.
    assert.equal(eXosip_get_audio_connection(sdp)?.c_addr, '127.0.0.1');
    assert.equal(eXosip_get_video_connection(sdp)?.c_addr, '127.0.0.2');
    assert.equal(eXosip_get_connection(sdp, 'video')?.c_nettype, 'IN');
    assert.equal(eXosip_get_connection(sdp, 'text'), null);
    assert.equal(eXosip_get_audio_media(null), null);
  });

  test('freed: the SDP and every struct read from it throw ERR_SDP_FREED; double free too; parse replaces', () => {
    const sdp = parsed();
    const audio = eXosip_get_audio_media(sdp)!;
    const conn = eXosip_get_video_connection(sdp)!;
    const attr = sdp_message_attribute_get(sdp, 0, 0)!;
    sdp_message_free(sdp);
    for (const read of [
      () => audio.m_port,
      () => audio.m_payloads,
      () => conn.c_addr,
      () => attr.a_att_field,
      () => sdp_message_to_str(sdp),
      () => sdp_message_m_port_get(sdp, 0),
      () => eXosip_get_audio_media(sdp),
      () => sdp_message_parse(sdp, OFFER),
      () => sdp_message_free(sdp),
    ]) {
      assert.equal(codeOf(read), 'ERR_SDP_FREED', String(read));
    }
    sdp_message_free(null);
    // Parsing again replaces the content: what was read before points into the old one.
    const again = parsed();
    const old = eXosip_get_audio_media(again)!;
    assert.equal(sdp_message_parse(again, OFFER.replace('49170', '40000')), 0);
    assert.equal(codeOf(() => old.m_port), 'ERR_SDP_FREED');
    assert.equal(eXosip_get_audio_media(again)?.m_port, '40000');
    assert.equal(codeOf(() => sdp_message_parse({} as sdp_message_t, OFFER)), 'ERR_INVALID_ARG_TYPE');
  });

  test('malformed SDP: the negative code libosip2 gives C, and the handle stays as it was', () => {
    for (const bad of ['', 'garbage', 'v=0\r\n', 'v=0\r\no=x\r\ns=x\r\nt=0 0\r\n', OFFER.replace('m=audio 49170 RTP/AVP 0 8 101', 'm=audio')]) {
      const [, sdp] = sdp_message_init();
      assert.equal(sdp_message_parse(sdp, bad), OSIP_UNDEFINED_ERROR, JSON.stringify(bad));
      // Still the empty SDP of sdp_message_init, which libosip2 will not serialize.
      assert.deepEqual(sdp_message_to_str(sdp), [OSIP_UNDEFINED_ERROR, null]);
      sdp_message_free(sdp);
    }
    const good = parsed();
    assert.equal(sdp_message_parse(good, 'garbage'), OSIP_UNDEFINED_ERROR);
    assert.equal(sdp_message_s_name_get(good), 'conversation');
    assert.equal(sdp_message_parse(null, OFFER), OSIP_BADPARAMETER);
    assert.equal(sdp_message_parse(good, null), OSIP_BADPARAMETER);
    assert.deepEqual(sdp_message_to_str(null), [OSIP_BADPARAMETER, null]);
  });

  test('eXosip_get_sdp_info: the application/sdp body of a message, also inside multipart; null otherwise', () => {
    const head = 'INVITE sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKsdp1\r\nFrom: <sip:alice@127.0.0.1>;tag=1\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: sdp1\r\nCSeq: 1 INVITE\r\n';
    const message = (type: string, body: string) => {
      const raw = `${head}Content-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
      const [, sip] = osip_message_init();
      assert.equal(osip_message_parse(sip, raw, Buffer.byteLength(raw)), 0);
      return sip;
    };
    const sdp = eXosip_get_sdp_info(message('application/sdp', OFFER));
    assert.equal(sdp_message_to_str(sdp)[1], OFFER);
    const multipart = `--b1\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b1\r\nContent-Type: application/sdp\r\n\r\n${OFFER}\r\n--b1--\r\n`;
    assert.equal(sdp_message_s_name_get(eXosip_get_sdp_info(message('multipart/mixed;boundary=b1', multipart))), 'conversation');
    assert.equal(eXosip_get_sdp_info(message('text/plain', OFFER)), null);
    assert.equal(eXosip_get_sdp_info(message('application/sdp', 'garbage')), null);
    assert.equal(eXosip_get_sdp_info(null), null);
  });

  test('an unfreed sdp_message_t is freed by the garbage collector (RSS stays flat)', () => {
    const script = `
      require('tsx/cjs');
      const c = require(${JSON.stringify(LIB_COMPAT)});
      const offer = ${JSON.stringify(OFFER)};
      const round = () => { for (let i = 0; i < 20000; i++) { const [, s] = c.sdp_message_init(); c.sdp_message_parse(s, offer); c.eXosip_get_audio_media(s).m_payloads; } };
      const settle = async () => { for (let i = 0; i < 3; i++) { global.gc(); await new Promise((r) => setImmediate(r)); } };
      (async () => {
        round();
        await settle();
        const base = process.memoryUsage().rss;
        for (let r = 0; r < 5; r++) { round(); await settle(); }
        process.stdout.write(String(process.memoryUsage().rss - base));
      })();
    `;
    const r = spawnSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8', timeout: 90_000 * SLOW });
    assert.equal(r.status, 0, r.stderr);
    // 100,000 more SDPs of ~1-2 KiB native each: without the finalizer RSS would grow by > 100 MB.
    assert.ok(Number(r.stdout) < 24 * 1024 * 1024, `RSS grew by ${r.stdout} bytes`);
  });
});

describe("a call's SDP (eXosip_get_remote_sdp / _local_sdp and the _from_tid forms)", () => {
  const { newContext } = useCompatContexts();
  const at = (ctx: eXosip_t, user: string): string => `sip:${user}@127.0.0.1:${ctx.address!.port}`;
  const is = (type: number) => (e: eXosip_event_t): boolean => e.typeId === type;
  const withSdp = (msg: ReturnType<typeof osip_message_init>[1] | null, body: string): void => {
    assert.equal(osip_message_set_body(msg, body, body.length), 0);
    assert.equal(osip_message_set_content_type(msg, 'application/sdp'), 0);
  };

  test('each side reads its own and the remote SDP; null for an unknown id', { timeout: 30_000 }, async () => {
    const alice = newContext();
    const bob = newContext();
    const answerSdp = OFFER.replace('jack', 'bob').replace('49170', '30000');
    const [i, invite] = eXosip_call_build_initial_invite(alice, `<${at(bob, 'bob')}>`, `<${at(alice, 'alice')}>`, null, null);
    assert.equal(i, 0);
    withSdp(invite, OFFER);
    const cid = eXosip_call_send_initial_invite(alice, invite);
    assert.ok(cid > 0);
    // Before any dialog: by tid, no did yet.
    const inv = await nextEvent(bob, is(EXOSIP_CALL_INVITE));
    assert.equal(sdp_message_m_port_get(eXosip_get_remote_sdp_from_tid(bob, inv.tid), 0), '49170');
    assert.equal(eXosip_get_local_sdp_from_tid(bob, inv.tid), null, 'bob has not answered yet');
    assert.equal(sdp_message_o_username_get(eXosip_get_remote_sdp(bob, inv.did)), 'jack');

    const [b, answer] = eXosip_call_build_answer(bob, inv.tid, 200);
    assert.equal(b, 0);
    withSdp(answer, answerSdp);
    assert.equal(eXosip_call_send_answer(bob, inv.tid, 200, answer), 0);
    const answered = await nextEvent(alice, is(EXOSIP_CALL_ANSWERED));
    assert.equal(eXosip_call_send_ack(alice, answered.tid, eXosip_call_build_ack(alice, answered.tid)[1]), 0);
    await nextEvent(bob, is(EXOSIP_CALL_ACK));

    const remote = eXosip_get_remote_sdp(alice, answered.did)!;
    assert.equal(eXosip_get_audio_media(remote)?.m_port, '30000');
    assert.equal(sdp_message_to_str(remote)[1], answerSdp);
    sdp_message_free(remote);
    assert.equal(sdp_message_to_str(eXosip_get_local_sdp(alice, answered.did))[1], OFFER);
    assert.equal(sdp_message_o_username_get(eXosip_get_local_sdp(bob, inv.did)), 'bob');
    assert.equal(sdp_message_o_username_get(eXosip_get_remote_sdp_from_tid(alice, answered.tid)), 'bob');
    assert.equal(sdp_message_o_username_get(eXosip_get_local_sdp_from_tid(alice, answered.tid)), 'jack');
    // One INVITE transaction only: no previous one.
    assert.equal(eXosip_get_previous_local_sdp(alice, answered.did), null);
    // Unknown ids: NULL, as C.
    for (const get of [eXosip_get_remote_sdp, eXosip_get_local_sdp, eXosip_get_remote_sdp_from_tid, eXosip_get_local_sdp_from_tid]) {
      assert.equal(get(alice, 999_999), null);
      assert.equal(get(alice, -1), null);
    }
    assert.equal(cid, answered.cid);
  });
});
