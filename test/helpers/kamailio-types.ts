/**
 * Test harness types: a running Kamailio ({@link Kamailio}), the options of
 * startKamailio() and the test users (test/helpers/kamailio.ts).
 */
import type { Binding } from './kamailio-rpc';

/** A running Kamailio registrar instance. */
export interface Kamailio {
  /** Always '127.0.0.1'. */
  readonly host: string;
  /** SIP port, the same for UDP and TCP, on 127.0.0.1 and [::1]. */
  readonly port: number;
  /** `sip:127.0.0.1:${port}` */
  readonly proxy: string;
  /** `sip:[::1]:${port}` */
  readonly proxyV6: string;
  /** TLS port on 127.0.0.1 when started with the `tls` option, else 0. */
  readonly tlsPort: number;
  /** Temp dir of this instance (runtime dir, pid file, ctl socket); removed by stop(). */
  readonly dir: string;
  /** All current (non-expired) bindings, from `kamcmd ul.dump`. */
  ulDump(): Promise<Binding[]>;
  /**
   * Current (non-expired) bindings of one AoR, from `kamcmd ul.lookup location AOR`.
   * @param aor `user@domain` (a leading `sip:` is stripped), e.g. 'alice@example.com'.
   * @returns [] if the AoR has no bindings.
   */
  lookup(aor: string): Promise<Binding[]>;
  /**
   * Number of REGISTER requests Kamailio has received so far (core statistic
   * `rcv_requests_register`).  Every request counts, i.e. a registration that
   * is challenged first counts 2 (unauthenticated + authenticated REGISTER),
   * and UDP retransmissions count too.
   */
  registerCount(): Promise<number>;
  /**
   * A JSON-RPC call through the jsonrpcs FIFO (start with `{ jsonrpc: true }`):
   * resolves with the `result`, rejects with the `error`. No reply size limit.
   */
  jsonrpc(method: string, ...params: Array<string | number>): Promise<unknown>;
  /** Run any kamcmd RPC command (e.g. `rpc('ul.rm', 'location', 'alice@example.com')`); returns its stdout. Throws on `error:` output. */
  rpc(command: string, ...args: string[]): Promise<string>;
  /** SIGTERM, wait for exit (bounded, then SIGKILL of the whole process group), remove the temp dir. Idempotent. */
  stop(): Promise<void>;
  /**
   * Crash the registrar: SIGKILL to Kamailio's whole process group, then wait
   * until it is gone. The temp dir and the port number are kept for
   * {@link restart}. Does nothing when it is not running.
   */
  kill(): Promise<void>;
  /**
   * Start Kamailio again on the same port, same config (the location table,
   * memory-only, starts empty), and wait until it is ready. Kills the running
   * instance first (SIGKILL), if any. Rejects after the startup deadline.
   */
  restart(): Promise<void>;
  /** True while the Kamailio process runs. */
  readonly running: boolean;
  /** Everything Kamailio logged so far (stderr and stdout). */
  readonly log: () => string;
}

/** Options for {@link startKamailio}. */
export interface StartKamailioOptions {
  /** Relay a MESSAGE or OPTIONS to a registered AoR (lookup("location") + t_relay(); 404 when none). */
  relay?: boolean;
  /**
   * Proxy calls between registered users: an INVITE to a registered AoR is
   * record-routed and relayed (404 when none), CANCEL follows its INVITE,
   * requests inside the dialog follow the recorded route (loose_route).
   */
  calls?: boolean;
  /** Send every registered contact an OPTIONS "qualify" ping every this many seconds (nathelper). */
  qualifyS?: number;
  /** Answer a wrong password with a fresh 401 challenge instead of 403 Forbidden. Default false. */
  rechallengeOnBadPassword?: boolean;
  /** Lowest expires accepted without a 423 (default 60). */
  minExpires?: number;
  /** Highest expires granted; larger ones are lowered in the 200 OK (default 3600). */
  maxExpires?: number;
  /** Digest algorithm of the challenges and checks (default MD5). */
  authAlgorithm?: 'MD5' | 'SHA-256';
  /** Kamailio debug log level 3 instead of 2 (also enabled by env KAMAILIO_VERBOSE=1). */
  verbose?: boolean;
  /** Startup deadline in ms (default 10000). */
  timeoutMs?: number;
  /**
   * How much of Kamailio's log to keep in memory for `log()` (default 8 MiB).
   * Long runs (bench/soak.ts) keep less, so that the harness's own memory
   * does not show in their measurements.
   */
  maxLogChars?: number;
  /** UDP (and TCP) worker processes, `children=` (default 2). Load benchmarks raise it. */
  udpChildren?: number;
  /** Shared memory in MB, `kamailio -m` (default 64). ~2 KB per binding. */
  shmMb?: number;
  /** Private memory per process in MB, `kamailio -M` (default 8); a JSON-RPC ul.dump of N bindings needs ~1 KB each. */
  pkgMb?: number;
  /**
   * Load the jsonrpcs module with a FIFO in the temp dir (default false):
   * enables {@link Kamailio.jsonrpc}, and makes {@link Kamailio.ulDump} read
   * the table as JSON, which has no size limit (kamcmd fails on replies over
   * ~200 KB, i.e. ~400 bindings).
   */
  jsonrpc?: boolean;
  /**
   * Also listen for TLS on 127.0.0.1 (its own free port, {@link Kamailio.tlsPort})
   * with Kamailio's tls module (Debian `kamailio-tls-modules`). Paths are
   * PEM files the test made; the helper writes the module's config file.
   */
  tls?: KamailioTlsOptions;
}

/** The server side of Kamailio's tls module (its `[server:default]` profile). */
export interface KamailioTlsOptions {
  /** The server's certificate (PEM). */
  certificate: string;
  /** The server's private key (PEM, unencrypted). */
  privateKey: string;
  /** CAs the server trusts for client certificates (PEM); needed unless `clientCertificate` is `'none'`. */
  caList?: string;
  /**
   * `'none'` (default): ask for no client certificate. `'optional'`: ask for
   * one and verify it if sent. `'required'`: refuse the connection without a valid one.
   */
  clientCertificate?: 'none' | 'optional' | 'required';
}


/** One test user from test/kamailio/users.txt. */
export interface TestUser {
  /** `user@domain` */
  aor: string;
  user: string;
  /** Also the digest realm. */
  domain: string;
  password: string;
}
