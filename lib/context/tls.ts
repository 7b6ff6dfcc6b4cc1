/**
 * TLS for a {@link Context}: the `tls` option (CA, client certificate, key,
 * verification) as eXosip's `eXosip_tls_ctx_t`, and the certificate failures
 * eXosip reports only in its log.
 * @module
 */
import * as fs from 'node:fs';
import { typeError } from '../errors';
import * as v from '../internal/validate';
import type { eXosip_tls_ctx_t } from '../options';
import { TLS_OPTIONS } from '../internal/option-keys';

/**
 * The `tls` option of {@link Context}: what eXosip's TLS client uses on every
 * connection it opens (`EXOSIP_OPT_SET_TLS_CERTIFICATES_INFO`,
 * `EXOSIP_OPT_SET_TLS_VERIFY_CERTIFICATE`). Paths are files eXosip opens
 * when it connects; each must exist when the context is made and be at most
 * 1023 bytes long. On Linux eXosip trusts no system CA: without `ca`, no
 * server certificate verifies.
 *
 * ```ts
 * const ctx = new Context({ tls: { ca: '/etc/sip/ca.pem', cert: 'me.pem', key: 'me.key', keyPassword: 'secret' } });
 * await ctx.listen({ transport: 'tls' });
 * await ctx.register({ from: 'sip:alice@example.com', proxy: 'sip:sip.example.com;transport=tls' });
 * ```
 */
export interface TlsOptions {
  /** The CAs to trust: a PEM file, or a directory of hashed certificates (`openssl rehash`). eXosip's `root_ca_cert`. */
  ca?: string;
  /** This client's certificate (PEM or DER), presented when the server asks. Needs `key`. eXosip's `client.cert`. */
  cert?: string;
  /** The private key of `cert` (PEM or DER). eXosip's `client.priv_key`. */
  key?: string;
  /** The password of an encrypted `key`. eXosip's `client.priv_key_pw`. */
  keyPassword?: string;
  /** A DER file with the server's expected public key: other keys are refused (pinning). eXosip's `client.public_key_pinned`. */
  pinnedPublicKey?: string;
  /**
   * Verify the server's certificate: its chain up to `ca`, its validity, and
   * that it names the host of the request's URI or route. Default **true**
   * (eXosip's own default is off). `false` is unsafe: anyone on the path can
   * then pose as the server and read the credentials and messages; keep it for
   * tests against a server whose certificate you cannot check.
   *
   * The host is matched as a DNS name only (eXosip 5.3 calls
   * `X509_VERIFY_PARAM_set1_host` with it, eXtl_tls.c:995): a proxy given as
   * an IP address (`sip:192.0.2.10;transport=tls`) verifies only against a
   * certificate whose subjectAltName lists that address as a DNS name
   * (`DNS:192.0.2.10`), not as `IP:192.0.2.10`; else `register()` rejects with
   * `ERR_TLS_CERT_NOT_VERIFIED` ("hostname mismatch"). Use the server's name.
   *
   * Timing: eXosip 5.3 starts the TLS handshake of a new connection at its
   * periodic connection check, so the first request over a new TLS
   * connection takes up to ~7.5 s (its REGISTER is retransmitted meanwhile).
   */
  verify?: boolean;
}

/** The eXosip settings of validated {@link TlsOptions}. */
export interface TlsSettings {
  /** For `EXOSIP_OPT_SET_TLS_CERTIFICATES_INFO`, or null when no file was given. */
  readonly certificates: eXosip_tls_ctx_t | null;
  /** For `EXOSIP_OPT_SET_TLS_VERIFY_CERTIFICATE`: 1 or 0. */
  readonly verify: 0 | 1;
}

function path(name: string, value: unknown, what: 'file' | 'file or directory'): string {
  if (typeof value !== 'string' || value === '') throw typeError('ERR_INVALID_ARG_TYPE', `${name} must be a non-empty string (a path)`);
  if (value.includes('\0') || Buffer.byteLength(value) > 1023) throw typeError('ERR_INVALID_ARG_VALUE', `${name} must be a path of at most 1023 bytes without NUL`);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(value);
  } catch {
    throw typeError('ERR_INVALID_ARG_VALUE', `${name}: no ${what} at ${value}`);
  }
  if (what === 'file' && !stat.isFile()) throw typeError('ERR_INVALID_ARG_VALUE', `${name}: ${value} is not a file`);
  return value;
}

/**
 * Validates the `tls` option (undefined: verification on, no files) →
 * what to give eXosip. TypeError `ERR_INVALID_ARG_TYPE` /
 * `ERR_INVALID_ARG_VALUE` for a wrong type, a missing file, `cert` without
 * `key` (or the reverse: eXosip 5.3 would silently ignore both).
 */
export function tlsSettings(name: string, value: unknown): TlsSettings {
  const o = v.options<TlsOptions>(name, value, TLS_OPTIONS);
  if (o.verify !== undefined && typeof o.verify !== 'boolean') throw typeError('ERR_INVALID_ARG_TYPE', `${name}.verify must be a boolean`);
  if ((o.cert === undefined) !== (o.key === undefined)) throw typeError('ERR_INVALID_ARG_VALUE', `${name}.cert and ${name}.key go together`);
  if (o.keyPassword !== undefined && o.key === undefined) throw typeError('ERR_INVALID_ARG_VALUE', `${name}.keyPassword needs ${name}.key`);
  if (o.keyPassword !== undefined && (typeof o.keyPassword !== 'string' || o.keyPassword.includes('\0') || Buffer.byteLength(o.keyPassword) > 1023)) {
    throw typeError('ERR_INVALID_ARG_TYPE', `${name}.keyPassword must be a string of at most 1023 bytes without NUL`);
  }
  const client = {
    ...(o.cert === undefined ? {} : { cert: path(`${name}.cert`, o.cert, 'file'), priv_key: path(`${name}.key`, o.key, 'file') }),
    ...(o.keyPassword === undefined ? {} : { priv_key_pw: o.keyPassword }),
    ...(o.pinnedPublicKey === undefined ? {} : { public_key_pinned: path(`${name}.pinnedPublicKey`, o.pinnedPublicKey, 'file') }),
  };
  const ca = o.ca === undefined ? undefined : path(`${name}.ca`, o.ca, 'file or directory');
  const any = ca !== undefined || Object.keys(client).length > 0;
  return Object.freeze({
    certificates: any ? { ...(ca === undefined ? {} : { root_ca_cert: ca }), client } : null,
    verify: o.verify === false ? 0 : 1,
  });
}

/** A TLS connection eXosip closed because the server's certificate did not pass. */
export interface TlsFailure {
  /** OpenSSL's reason, e.g. `'unable to get local issuer certificate'` or `'hostname mismatch'`. */
  readonly reason: string;
  /** OpenSSL's `X509_V_ERR_*` number (20, 62, ...), or 0 when eXosip gave none (pinning, no certificate). */
  readonly verifyError: number;
  /** Depth in the chain of the certificate refused (0: the server's own), or -1. */
  readonly depth: number;
  /** Subject of that certificate, OpenSSL's one-line form (`/CN=...`), or ''. */
  readonly subject: string;
}

const INVALID = /\[TLS\] invalid\s+depth\[(-?\d+)\] \[(.*)\] \[(\d+):(.*)\]\s*$/;

/**
 * The failure an eXtl_tls.c ERROR line reports, or null for a line about
 * something else. Lines of eXosip 5.3's `verify_cb` and
 * `_tls_tl_ssl_connect_socket`.
 */
export function parseTlsFailure(text: string): TlsFailure | null {
  const m = INVALID.exec(text);
  if (m !== null) return Object.freeze({ reason: m[4], verifyError: Number(m[3]), depth: Number(m[1]), subject: m[2] });
  if (text.includes('failed to verify public key for certificate')) {
    return Object.freeze({ reason: 'the server public key is not the pinned one', verifyError: 0, depth: 0, subject: '' });
  }
  if (text.includes('no certificate received')) return Object.freeze({ reason: 'the server sent no certificate', verifyError: 0, depth: -1, subject: '' });
  return null;
}

/** The failures of one context, numbered, so an operation reads those after it started. */
export class TlsFailureLog {
  #seq = 0;
  #recent: Array<{ seq: number; failure: TlsFailure }> = [];

  /** The number of the last failure (0: none yet). */
  get seq(): number {
    return this.#seq;
  }

  /** Records the failure an eXtl_tls.c line reports, if it reports one. */
  add(text: string): void {
    const failure = parseTlsFailure(text);
    if (failure === null) return;
    this.#recent.push({ seq: ++this.#seq, failure });
    if (this.#recent.length > 8) this.#recent.shift();
  }

  /** The first failure numbered after `seq`, or null. */
  after(seq: number): TlsFailure | null {
    return this.#recent.find((r) => r.seq > seq)?.failure ?? null;
  }
}
