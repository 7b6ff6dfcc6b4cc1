/**
 * The NOTIFYs of one incoming subscription, one at a time: eXosip refuses a
 * NOTIFY while the one before is in flight (`eXosip_insubscription_build_request`:
 * OSIP_WRONG_STATE), and RFC 6665 §4.2.2 wants them in order. Each notify()
 * call is a job whose wait (timeoutMs, signal) counts from the call, also
 * while it is queued; the transaction is followed to its end whatever its
 * caller does.
 * @internal
 * @module
 */
import { osipCodeName, osipError, requestError } from '../errors';
import type { AnyExosipEvent } from '../events';
import type { Outcome } from '../internal/wait';
import type { Message } from '../message';
import type { NotifyOptions, SubscriptionTerminationReason } from './notifier-types';

/** 401/407 to a NOTIFY that eXosip answers itself with credentials (`jd->d_retry < 3`, eXosip.c:975). */
const MAX_RETRIES = 3;

/**
 * How long a NOTIFY in flight is followed without any answer event: past
 * eXosip's own Timer F (64 x T1 = 32 s), after which it reports the failure.
 */
export const NOTIFY_GIVE_UP_MS = 40_000;

/**
 * After a 401/407, how long eXosip gets to send the NOTIFY again with
 * credentials (its automatic action, at most a second away) before the
 * challenge counts as the answer: without credentials for it eXosip sends
 * nothing and reports nothing more.
 */
const RETRY_WAIT_MS = 3_000;

/** One notify() call. */
export interface NotifyJob {
  readonly state: 'pending' | 'active' | 'terminated';
  readonly reason: SubscriptionTerminationReason;
  readonly options: Pick<NotifyOptions, 'body' | 'contentType' | 'headers'>;
  /** Its caller's wait; a final (terminated) job is sent even when its caller stopped waiting. */
  readonly outcome: Outcome<Message>;
}

/** What the queue asks of its subscription. */
export interface NotifyQueueHost {
  /** Builds and sends the NOTIFY of `job` → eXosip's code, the function that gave it, the NOTIFY's CSeq; throws for bad options. */
  send(job: NotifyJob): { code: number; fn: string; cseq: string | null };
  /** The error a job gets once the subscription ended, or null while it lasts. */
  ended(): Error | null;
  /** The NOTIFY of `job` left. */
  sent(job: NotifyJob): void;
  /** The NOTIFY of `job` did not leave (bad options, eXosip refused it). */
  unsent(job: NotifyJob): void;
  /** eXosip holds the subscription no more (it dropped it: OSIP_NOTFOUND), or a NOTIFY failed (`status`, 0 for none): eXosip drops it. */
  lost(status: number, reason: string): void;
}

interface InFlight {
  readonly job: NotifyJob;
  /** Its CSeq: an answer eXosip reports as `EXOSIP_MESSAGE_*` (it freed the subscription meanwhile) is matched by it. */
  readonly cseq: string | null;
  retries: number;
  timer: NodeJS.Timeout;
  /** The last 401/407, while eXosip may still send the NOTIFY again with credentials. */
  challenge: { response: Message; timer: NodeJS.Timeout } | null;
}

/** The NOTIFYs of one incoming subscription. */
export class NotifyQueue {
  #host: NotifyQueueHost;
  #jobs: NotifyJob[] = [];
  #inflight: InFlight | null = null;

  constructor(host: NotifyQueueHost) {
    this.#host = host;
  }

  /** Whether a NOTIFY waits for its answer. */
  get busy(): boolean {
    return this.#inflight !== null;
  }

  /** Queues `job`; sent once the NOTIFYs before it had their answers. */
  push(job: NotifyJob): void {
    this.#jobs.push(job);
    this.#pump();
  }

  /**
   * An `EXOSIP_NOTIFICATION_*` event of the subscription, or an
   * `EXOSIP_MESSAGE_*` one for a NOTIFY of its dialog (`byCSeq`: eXosip had
   * freed the subscription, so the answer is matched by CSeq).
   */
  answered(event: AnyExosipEvent, byCSeq: boolean): void {
    const f = this.#inflight;
    if (f === null || event.type.endsWith('_PROCEEDING')) return;
    if (byCSeq && (f.cseq === null || event.request?.getHeader('cseq') !== f.cseq)) return;
    const response = event.response;
    const status = response?.statusCode ?? 0;
    if (f.challenge !== null) clearTimeout(f.challenge.timer);
    f.challenge = null;
    if (event.type.endsWith('_ANSWERED') && response !== null) {
      this.#finish(f);
      f.job.outcome.resolve(response);
      return;
    }
    if ((status === 401 || status === 407) && f.retries < MAX_RETRIES && response !== null) {
      f.retries++;
      f.challenge = { response, timer: setTimeout(() => this.#challengeStands(f), RETRY_WAIT_MS) };
      f.challenge.timer.unref();
      return;
    }
    this.#finish(f);
    const reason = response?.reasonPhrase ?? (event.textinfo || 'no answer');
    f.job.outcome.reject(
      status === 0
        ? requestError('ERR_REQUEST_NO_RESPONSE', `The NOTIFY got no final answer (${reason})`, { reason })
        : requestError('ERR_REQUEST_REJECTED', `The NOTIFY was rejected with ${status} ${reason}`, { statusCode: status, reason, response }),
    );
    // eXosip drops the subscription on a failed NOTIFY (jcallback.c:290-310), but not on 401/407.
    if (status !== 401 && status !== 407) this.#host.lost(status, reason);
    else this.#pump();
  }

  /** Every job, in flight or queued, rejects with `error`; nothing more is sent. */
  rejectAll(error: Error): void {
    const f = this.#inflight;
    const jobs = this.#jobs;
    this.#jobs = [];
    if (f !== null) {
      this.#finish(f, false);
      f.job.outcome.reject(error);
    }
    for (const job of jobs) job.outcome.reject(error);
  }

  /** The answer to `f` came, or never will: the next job goes. */
  #finish(f: InFlight, next = true): void {
    if (this.#inflight !== f) return;
    clearTimeout(f.timer);
    if (f.challenge !== null) clearTimeout(f.challenge.timer);
    this.#inflight = null;
    if (next) queueMicrotask(() => this.#pump());
  }

  /** No NOTIFY with credentials followed a 401/407: the challenge is the answer. */
  #challengeStands(f: InFlight): void {
    if (this.#inflight !== f || f.challenge === null) return;
    const response = f.challenge.response;
    this.#finish(f);
    const reason = response.reasonPhrase ?? '';
    f.job.outcome.reject(requestError('ERR_REQUEST_REJECTED', `The NOTIFY was rejected with ${response.statusCode} ${reason} (no credentials for it: addAuthenticationInfo)`, { statusCode: response.statusCode, reason, response }));
  }

  #pump(): void {
    while (this.#inflight === null && this.#jobs.length > 0) {
      const job = this.#jobs.shift()!;
      // Given up while queued: not sent, unless it ends the subscription.
      if (job.outcome.settled && job.state !== 'terminated') continue;
      const ended = this.#host.ended();
      if (ended !== null) {
        job.outcome.reject(ended);
        continue;
      }
      let sent: { code: number; fn: string; cseq: string | null };
      try {
        sent = this.#host.send(job);
      } catch (error) {
        job.outcome.reject(error as Error);
        this.#host.unsent(job);
        continue;
      }
      if (sent.code < 0) {
        const cause = osipError(sent.code, sent.fn);
        job.outcome.reject(requestError('ERR_REQUEST_NOT_SENT', cause.message, { reason: osipCodeName(sent.code), cause }));
        // OSIP_NOTFOUND: eXosip freed the subscription (a failed NOTIFY, or the 2xx of one after an unsubscribe, jcallback.c:312).
        if (sent.code === OSIP_NOTFOUND) this.#host.lost(0, 'gone');
        else this.#host.unsent(job);
        continue;
      }
      const f: InFlight = { job, cseq: sent.cseq, retries: 0, challenge: null, timer: setTimeout(() => this.#noAnswer(f), NOTIFY_GIVE_UP_MS) };
      f.timer.unref();
      this.#inflight = f;
      this.#host.sent(job);
    }
  }

  /** Nothing at all came for a NOTIFY within NOTIFY_GIVE_UP_MS. */
  #noAnswer(f: InFlight): void {
    if (this.#inflight !== f) return;
    this.#finish(f, false);
    f.job.outcome.reject(requestError('ERR_REQUEST_NO_RESPONSE', `The NOTIFY got no final answer within ${NOTIFY_GIVE_UP_MS / 1000} s`, { reason: 'no answer' }));
    this.#host.lost(0, 'no answer');
  }
}

/** eXosip's OSIP_NOTFOUND. */
const OSIP_NOTFOUND = -6;
