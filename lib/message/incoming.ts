/**
 * A request received outside of a dialog, as `ctx.on('request')` gives it,
 * and the one answer it gets.
 * @module
 */
import { stateError } from '../errors';
import type { Message } from '../message';
import type { IncomingKind, RespondOptions } from './types';

/** @internal What an IncomingRequest asks its context's desk to do. */
export interface AnswerSender {
  /** Checks and sends one final answer; throws for bad options or what eXosip refuses. */
  send(request: IncomingRequest, status: number, options: RespondOptions | undefined): void;
}

/**
 * A request received outside of a dialog (`ctx.on('request')`): MESSAGE,
 * OPTIONS, NOTIFY, INFO's siblings, PUBLISH (`EXOSIP_MESSAGE_NEW`), INVITE
 * (`EXOSIP_CALL_INVITE`), SUBSCRIBE and REFER (`EXOSIP_IN_SUBSCRIPTION_NEW`);
 * or inside a call (`call.on('request')`, {@link kind}
 * `EXOSIP_CALL_MESSAGE_NEW` or `EXOSIP_CALL_REINVITE`: see `Call`).
 * Answer it once with {@link respond}; one left unanswered gets the
 * context's default answer after `defaultAnswerMs` (see
 * `ContextOptions.defaultAnswerMs`).
 *
 * eXosip answers some requests itself and they never come here: INFO, BYE
 * and CANCEL outside of a dialog (481), and INVITE or SUBSCRIBE with a To tag
 * that matches no dialog (481, or dropped for INVITE: docs/reliability.md).
 * Nor does any other request with a To tag that matches no call of the
 * context (RFC 3261 §12.2.2): it gets 481 as its default answer.
 *
 * ```ts
 * ctx.on('request', async (req) => {
 *   if (req.method === 'MESSAGE') await req.respond(200);
 * });
 * ```
 */
export class IncomingRequest {
  /** The method, e.g. `'MESSAGE'`. */
  readonly method: string;
  /** The From header value. */
  readonly from: string;
  /** The To header value. */
  readonly to: string;
  /** The Request-URI. */
  readonly requestUri: string;
  /** The body (exact bytes), or null. */
  readonly body: Buffer | null;
  /** The Content-Type header, or null. */
  readonly contentType: string | null;
  /** The whole request (the event's copy). */
  readonly request: Message;
  /** eXosip's transaction id (`event->tid`), the key of every answer call. */
  readonly tid: number;
  /** The eXosip event this request came with; it selects the answer call (eX_message.h, eX_call.h, eX_subscribe.h). */
  readonly kind: IncomingKind;
  #answered: 'no' | 'user' | 'default' = 'no';
  #sender: AnswerSender;

  /** @internal Made by the context when the request arrives. */
  constructor(kind: IncomingKind, tid: number, request: Message, sender: AnswerSender) {
    this.kind = kind;
    this.tid = tid;
    this.request = request;
    this.method = request.method ?? '';
    this.from = request.getHeader('from') ?? '';
    this.to = request.getHeader('to') ?? '';
    this.requestUri = request.requestUri ?? '';
    this.body = request.body;
    this.contentType = request.contentType;
    this.#sender = sender;
  }

  /** True once answered, by {@link respond} or by the default answer. */
  get answered(): boolean {
    return this.#answered !== 'no';
  }

  /**
   * Sends the final answer (`eXosip_message_send_answer`,
   * `eXosip_call_send_answer` or `eXosip_insubscription_send_answer` as
   * {@link kind} says), once. `status`: 200..699; outside of a dialog an
   * INVITE or SUBSCRIBE can only be refused (300..699) here (to accept
   * calls, listen for `ctx.on('call')`, subscriptions `ctx.on('subscription')`:
   * they then come there). Inside a
   * call any 200..699 goes (a re-INVITE's 200 carries the SDP answer:
   * `{ body: sdp, contentType: 'application/sdp' }`). Rejects with `ERR_REQUEST_ANSWERED` when already answered (also
   * by the default answer, or by eXosip itself), TypeError `ERR_INVALID_ARG_TYPE` for a status
   * that is not a number, RangeError `ERR_OUT_OF_RANGE` for one out of
   * range, other TypeError/RangeError for bad options, RangeError
   * `ERR_MESSAGE_TOO_LARGE` over UDP for an answer larger than one datagram
   * (nothing sent: the request can still be answered), SipError when
   * eXosip refuses (e.g. `OSIP_NOTFOUND`: the transaction is gone).
   */
  async respond(status: number, options?: RespondOptions): Promise<void> {
    if (this.#answered !== 'no') {
      const by = this.#answered === 'user' ? 'by an earlier respond()' : 'by the default answer (no respond() within defaultAnswerMs)';
      throw stateError('ERR_REQUEST_ANSWERED', `This ${this.method} (tid ${this.tid}) was already answered ${by}`);
    }
    try {
      this.#sender.send(this, status, options);
    } catch (error) {
      // eXosip's own answer went first (e.g. its 481 to an in-dialog request of a call it is ending).
      if ((error as { code?: unknown }).code !== 'OSIP_WRONG_STATE') throw error;
      this.#answered = 'default';
      throw stateError('ERR_REQUEST_ANSWERED', `This ${this.method} (tid ${this.tid}) was already answered by eXosip itself (OSIP_WRONG_STATE)`);
    }
    this.#answered = 'user';
  }

  /** @internal The desk answered it by default. */
  markDefault(): void {
    this.#answered = 'default';
  }
}
