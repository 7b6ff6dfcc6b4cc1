/*
 * SIP Registration Agent -- by ww@styx.org
 *
 * This program is Free Software, released under the GNU General
 * Public License v2.0 http://www.gnu.org/licenses/gpl
 *
 * This program will register to a SIP proxy using the contact
 * supplied on the command line. This is useful if, for some
 * reason your SIP client cannot register to the proxy itself.
 * For example, if your SIP client registers to Proxy A, but
 * you want to be able to recieve calls that arrive at Proxy B,
 * you can use this program to register the client's contact
 * information to Proxy B.
 *
 * exosip2: a line-for-line TypeScript port of libeXosip2 5.3.0's
 * tools/sip_reg.c on the compat API (`exosip2/compat`). Run it with
 *
 *   node --import tsx examples/sip_reg.ts -d -r sip:127.0.0.1:5060 \
 *        -u sip:alice@example.com -U alice -P secret -p 5070
 *
 * Every place where the port differs from the C program is marked
 * "exosip2:". In short:
 *  - no daemon(): Node cannot fork, so the program always stays in the
 *    foreground (as with -d); log lines go to stderr, not syslog;
 *  - --max-seconds N (added): stop after N seconds, as on SIGINT;
 *  - SIGTERM stops it too (added), like SIGINT;
 *  - on the way out, the registration is removed with a REGISTER with
 *    expires 0 (added; the how-to's "Closing the registration"), where the
 *    C program lets the binding expire;
 *  - the statistics line (EXOSIP_OPT_GET_STATISTICS fills a C struct) is
 *    left out;
 *  - `answer->reason_phrase = osip_strdup(...)` is
 *    osip_message_set_reason_phrase(answer, ...);
 *  - -t DTLS is kept as in C but fails ("eXosip_listen_addr failed"): the
 *    binding refuses DTLS, which libeXosip2 5.3.0 cannot run
 *    (docs/reliability.md, "The 'dtls' transport could freeze the process").
 */

import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { format } from 'node:util';

// exosip2: in your own code, import from 'exosip2/compat'.
import {
  AF_INET,
  EXOSIP_CALL_CLOSED,
  EXOSIP_CALL_INVITE,
  EXOSIP_CALL_RELEASED,
  EXOSIP_IN_SUBSCRIPTION_NEW,
  EXOSIP_MESSAGE_NEW,
  EXOSIP_OPT_AUTO_MASQUERADE_CONTACT,
  EXOSIP_REGISTRATION_FAILURE,
  EXOSIP_REGISTRATION_SUCCESS,
  IPPROTO_TCP,
  IPPROTO_UDP,
  OSIP_WRONG_STATE,
  eXosip_add_authentication_info,
  eXosip_automatic_action,
  eXosip_call_build_answer,
  eXosip_call_send_answer,
  eXosip_event_free,
  eXosip_event_wait,
  eXosip_get_version,
  eXosip_init,
  eXosip_insubscription_build_answer,
  eXosip_insubscription_send_answer,
  eXosip_listen_addr,
  eXosip_lock,
  eXosip_malloc,
  eXosip_masquerade_contact,
  eXosip_message_build_answer,
  eXosip_message_send_answer,
  eXosip_quit,
  eXosip_register_build_initial_register,
  eXosip_register_build_register,
  eXosip_register_send_register,
  eXosip_set_option,
  eXosip_set_user_agent,
  eXosip_unlock,
  osip_message_get_expires,
  osip_message_get_method,
  osip_message_set_reason_phrase,
  type eXosip_event_t,
  type eXosip_t,
  type osip_message_t,
} from '../lib/compat';

const PROG_NAME = 'sip_reg';

/* <syslog.h> levels */
const LOG_ERR = 3;
const LOG_INFO = 6;
const LOG_DEBUG = 7;

let keepRunning = 1;

function intHandler(dummy: NodeJS.Signals): void {
  void dummy;
  keepRunning = 0;
}

/* exosip2: no syslog in Node: every line goes to stderr, as with LOG_PERROR. */
let log_debug = 0;
function syslog_wrapper(level: number, fmt: string, ...args: unknown[]): void {
  if (level === LOG_DEBUG && !log_debug) return;
  process.stderr.write(`${PROG_NAME}[${process.pid}]: ${format(fmt, ...args)}\n`);
}

function usage(): void {
  process.stdout.write(
    format(
      PROG_NAME +
        ' v%s\n' +
        '\nUsage: ' +
        PROG_NAME +
        ' [required_options] [optional_options]\n' +
        '\n[required_options]\n' +
        '  -r --proxy      sip:proxyhost[:port]\n' +
        '  -u --from       sip:user@host[:port]\n' +
        '\n[optional_options]\n' +
        '  -d --debug                                  (log to stderr and do not fork)\n' +
        '\n[optional_sip_options]\n' +
        '  -U --username   xxxx                        (authentication username)\n' +
        '  -P --password   yyyy                        (authentication password)\n' +
        '  -t --transport  UDP|TCP|TLS|DTLS            (default UDP; exosip2: DTLS fails)\n' +
        '  -e --expiry     number                      (default 3600)\n' +
        '\n[very_optional_sip_options]\n' +
        '  -p --port       number                      (default 5060)\n' +
        '  -c --contact    sip:user@host[:port]        (default automatic)\n' +
        '  -f --firewallip N.N.N.N\n' +
        '  -m --automasquerade                         (auto discover contact IP:PORT)\n' +
        '     --max-seconds number                     (exosip2: stop after that many seconds)\n' +
        '\n' +
        '  -h --help\n',
      eXosip_get_version(),
    ),
  );
}

interface regparam_t {
  regid: number;
  expiry: number;
  auth: number;
}

let context_eXosip: eXosip_t;

async function main(argc: number, argv: string[]): Promise<number> {
  let c: string | -1;
  let port = 5060;
  let contact: string | null = null;
  let fromuser: string | null = null;
  let automasquerade = 0;
  let firewallip: string | null = null;
  let proxy: string | null = null;
  let transport: string;

  let service: servent | null;
  let username: string | null = null;
  let password: string | null = null;
  const regparam: regparam_t = { regid: 0, expiry: 3600, auth: 0 };
  let debug = 0;
  let nofork = 0;
  let err: number;
  let max_seconds = 0; /* exosip2: added */

  let prog_name: string;
  let optval: number;

  prog_name = format('%s (%s)', PROG_NAME, eXosip_get_version());

  /* signal(SIGPIPE, SIG_IGN): Node ignores SIGPIPE already. */
  process.on('SIGINT', intHandler);
  process.on('SIGTERM', intHandler); /* exosip2: added */

  transport = 'UDP';

  for (;;) {
    const short_options = 'du:r:U:P:t:p:c:e:mf:h';
    const long_options: option[] = [
      { name: 'debug', has_arg: no_argument, val: 'd' },
      { name: 'from', has_arg: required_argument, val: 'u' },
      { name: 'proxy', has_arg: required_argument, val: 'r' },
      { name: 'username', has_arg: required_argument, val: 'U' },
      { name: 'password', has_arg: required_argument, val: 'P' },

      { name: 'transport', has_arg: required_argument, val: 't' },
      { name: 'port', has_arg: required_argument, val: 'p' },
      { name: 'contact', has_arg: required_argument, val: 'c' },
      { name: 'expiry', has_arg: required_argument, val: 'e' },
      { name: 'automasquerade', has_arg: no_argument, val: 'm' },
      { name: 'firewallip', has_arg: required_argument, val: 'f' },
      { name: 'max-seconds', has_arg: required_argument, val: 'M' } /* exosip2: added */,

      { name: 'help', has_arg: no_argument, val: 'h' },
    ];

    c = getopt_long(argc, argv, short_options, long_options);

    if (c === -1) break;

    switch (c) {
      case 'c':
        contact = optarg;
        break;

      case 'd':
        nofork = 1;
        debug = 1; /* LOG_PERROR */
        break;

      case 'e':
        regparam.expiry = atoi(optarg);
        break;

      case 'm':
        automasquerade = 1;
        break;

      case 'f':
        firewallip = optarg;
        break;

      case 'h':
        usage();
        process.exit(0);

      case 'p':
        service = getservbyname(optarg!, 'udp');

        if (service) port = service.s_port;
        else port = atoi(optarg);

        break;

      case 't':
        transport = optarg!.slice(0, 4); /* snprintf(transport, sizeof(transport), ...) */
        break;

      case 'r':
        proxy = optarg;
        break;

      case 'u':
        fromuser = optarg;
        break;

      case 'U':
        username = optarg;
        break;

      case 'P':
        password = optarg;
        break;

      case 'M': /* exosip2: added */
        max_seconds = atoi(optarg);
        break;

      default:
        break;
    }
  }

  if (!proxy || !fromuser) {
    usage();
    process.exit(1);
  }

  if (!nofork) {
    /* exosip2: daemon(1, 0) has no Node equivalent: stay in the foreground. */
  }

  log_debug = debug; /* openlog(PROG_NAME, LOG_PID | debug, SYSLOG_FACILITY) */

  syslog_wrapper(
    LOG_INFO,
    '%s up and running [testing on [%s] REGISTER [%s] Expires [%d] From: [%s]%s%s%s]',
    prog_name,
    transport,
    proxy,
    regparam.expiry,
    fromuser,
    username && password ? ' Username: [' : '',
    username && password ? username : '',
    username && password ? ':*****]' : '',
  );

  if (contact != null) syslog_wrapper(LOG_INFO, 'contact: %s', contact);

  syslog_wrapper(LOG_INFO, 'local port: %d', port);

  if (osip_strcasecmp(transport, 'UDP') !== 0 && osip_strcasecmp(transport, 'TCP') !== 0 && osip_strcasecmp(transport, 'TLS') !== 0 && osip_strcasecmp(transport, 'DTLS') !== 0) {
    syslog_wrapper(LOG_ERR, 'wrong transport parameter');
    usage();
    process.exit(1);
  }

  /* if (debug > 0) TRACE_INITIALIZE(6, NULL): osip traces are not wrapped. */

  context_eXosip = eXosip_malloc();

  if (eXosip_init(context_eXosip)) {
    syslog_wrapper(LOG_ERR, 'eXosip_init failed');
    process.exit(1);
  }

  err = -1;

  if (osip_strcasecmp(transport, 'UDP') === 0) {
    err = eXosip_listen_addr(context_eXosip, IPPROTO_UDP, null, port, AF_INET, 0);
  } else if (osip_strcasecmp(transport, 'TCP') === 0) {
    err = eXosip_listen_addr(context_eXosip, IPPROTO_TCP, null, port, AF_INET, 0);
  } else if (osip_strcasecmp(transport, 'TLS') === 0) {
    err = eXosip_listen_addr(context_eXosip, IPPROTO_TCP, null, port, AF_INET, 1);
  } else if (osip_strcasecmp(transport, 'DTLS') === 0) {
    err = eXosip_listen_addr(context_eXosip, IPPROTO_UDP, null, port, AF_INET, 1);
  }

  if (err) {
    syslog_wrapper(LOG_ERR, 'eXosip_listen_addr failed');
    await eXosip_quit(context_eXosip); /* osip_free(context_eXosip): the GC's job */
    process.exit(1);
  }

  if (firewallip) {
    syslog_wrapper(LOG_INFO, 'firewall address: %s:%i', firewallip, port);
    eXosip_masquerade_contact(context_eXosip, firewallip, port);
  }

  optval = automasquerade;
  eXosip_set_option(context_eXosip, EXOSIP_OPT_AUTO_MASQUERADE_CONTACT, optval);

  if (automasquerade) {
    syslog_wrapper(LOG_INFO, 'automasquerade enabled');
  }

  eXosip_set_user_agent(context_eXosip, prog_name);

  if (username && password) {
    if (eXosip_add_authentication_info(context_eXosip, username, username, password, null, null)) {
      syslog_wrapper(LOG_ERR, 'eXosip_add_authentication_info failed');
      await eXosip_quit(context_eXosip);
      process.exit(1);
    }
  }

  {
    let reg: osip_message_t | null = null;
    let i: number;

    eXosip_lock(context_eXosip);
    [regparam.regid, reg] = eXosip_register_build_initial_register(context_eXosip, fromuser, proxy, contact, regparam.expiry * 2);

    if (regparam.regid < 1) {
      eXosip_unlock(context_eXosip);
      syslog_wrapper(LOG_ERR, 'eXosip_register_build_initial_register failed');
      await eXosip_quit(context_eXosip);
      process.exit(1);
    }

    i = eXosip_register_send_register(context_eXosip, regparam.regid, reg);
    eXosip_unlock(context_eXosip);

    if (i !== 0) {
      syslog_wrapper(LOG_ERR, 'eXosip_register_send_register failed');
      await eXosip_quit(context_eXosip);
      process.exit(1);
    }
  }

  /* exosip2: added, for tests and timed runs. */
  if (max_seconds > 0) setTimeout(() => (keepRunning = 0), max_seconds * 1000).unref();

  let counter = 0; /* static int counter */

  for (; keepRunning; ) {
    let event: eXosip_event_t | null;

    counter++;

    if (counter % 60000 === 0) {
      /* exosip2: EXOSIP_OPT_GET_STATISTICS fills a struct eXosip_stats, which
         this binding does not pass: the "eXosip stats" line is left out. */
    }

    if (!(event = await eXosip_event_wait(context_eXosip, 0, 1))) {
      eXosip_lock(context_eXosip);
      eXosip_automatic_action(context_eXosip);
      eXosip_unlock(context_eXosip);
      await osip_usleep(10000);
      continue;
    }

    eXosip_lock(context_eXosip);
    eXosip_automatic_action(context_eXosip);

    switch (event.typeId) {
      case EXOSIP_REGISTRATION_SUCCESS:
        syslog_wrapper(LOG_INFO, 'registrered successfully');
        break;

      case EXOSIP_REGISTRATION_FAILURE:
        break;

      case EXOSIP_CALL_INVITE: {
        let answer: osip_message_t | null;
        let i: number;

        [i, answer] = eXosip_call_build_answer(context_eXosip, event.tid, 405);

        if (i != 0) {
          syslog_wrapper(LOG_ERR, 'failed to reject INVITE');
          break;
        }

        osip_message_set_reason_phrase(answer, 'No Support for Incoming Calls');
        i = eXosip_call_send_answer(context_eXosip, event.tid, 405, answer);

        if (i != 0) {
          syslog_wrapper(LOG_ERR, 'failed to reject INVITE');
          break;
        }

        syslog_wrapper(LOG_INFO, 'INVITE rejected with 405');
        break;
      }

      case EXOSIP_MESSAGE_NEW: {
        let answer: osip_message_t | null;
        let i: number;

        [i, answer] = eXosip_message_build_answer(context_eXosip, event.tid, 405);

        if (i != 0) {
          syslog_wrapper(LOG_ERR, 'failed to reject %s', osip_message_get_method(event.request));
          break;
        }

        i = eXosip_message_send_answer(context_eXosip, event.tid, 405, answer);

        if (i != 0) {
          syslog_wrapper(LOG_ERR, 'failed to reject %s', osip_message_get_method(event.request));
          break;
        }

        syslog_wrapper(LOG_INFO, '%s rejected with 405', osip_message_get_method(event.request));
        break;
      }

      case EXOSIP_IN_SUBSCRIPTION_NEW: {
        let answer: osip_message_t | null;
        let i: number;

        [i, answer] = eXosip_insubscription_build_answer(context_eXosip, event.tid, 405);

        if (i != 0) {
          syslog_wrapper(LOG_ERR, 'failed to reject %s', osip_message_get_method(event.request));
          break;
        }

        i = eXosip_insubscription_send_answer(context_eXosip, event.tid, 405, answer);

        if (i != 0) {
          syslog_wrapper(LOG_ERR, 'failed to reject %s', osip_message_get_method(event.request));
          break;
        }

        syslog_wrapper(LOG_INFO, '%s rejected with 405', osip_message_get_method(event.request));
        break;
      }

      case EXOSIP_CALL_CLOSED:
      case EXOSIP_CALL_RELEASED:
        break;

      default:
        syslog_wrapper(LOG_DEBUG, 'received unknown eXosip event (type, did, cid) = (%d, %d, %d)', event.typeId, event.did, event.cid);
    }

    eXosip_unlock(context_eXosip);
    eXosip_event_free(event);
  }

  /* exosip2: added. Remove the binding before quitting (a REGISTER with
     expires 0, as in the how-to's "Closing the registration"); the C program
     lets it expire at the registrar. Bounded to 5 seconds. */
  {
    let reg: osip_message_t | null = null;
    let i = OSIP_WRONG_STATE;
    let sent = 0;
    const deadline = Date.now() + 5000;

    while (Date.now() < deadline) {
      if (!sent) {
        eXosip_lock(context_eXosip);
        [i, reg] = eXosip_register_build_register(context_eXosip, regparam.regid, 0);
        if (i === 0) i = eXosip_register_send_register(context_eXosip, regparam.regid, reg);
        eXosip_unlock(context_eXosip);
        if (i === 0) sent = 1;
        else if (i !== OSIP_WRONG_STATE) break; /* OSIP_WRONG_STATE: a REGISTER is in flight, try again */
      }

      const event = await eXosip_event_wait(context_eXosip, 0, 100);
      if (!sent || !event || event.rid !== regparam.regid) continue;

      const [pos, expires] = osip_message_get_expires(event.request, 0);
      if (pos < 0 || expires?.hvalue !== '0') continue; /* an answer to an earlier REGISTER */

      if (event.typeId === EXOSIP_REGISTRATION_SUCCESS) {
        syslog_wrapper(LOG_INFO, 'unregistered');
        break;
      }
      const status = event.response ? event.response.statusCode : 0;
      if (status !== 401 && status !== 407) {
        syslog_wrapper(LOG_ERR, 'unregistration failed (%d)', status);
        break;
      }
      /* 401/407: eXosip answers the challenge by itself */
    }
  }

  await eXosip_quit(context_eXosip);
  return 0;
}

/* ---- libc helpers the C program takes for granted ---- */

function atoi(s: string | null): number {
  const n = parseInt(s ?? '', 10);
  return Number.isNaN(n) ? 0 : n;
}

function osip_strcasecmp(a: string, b: string): number {
  return a.toLowerCase() === b.toLowerCase() ? 0 : a.toLowerCase() < b.toLowerCase() ? -1 : 1;
}

function osip_usleep(us: number): Promise<void> {
  return sleep(us / 1000);
}

interface servent {
  s_port: number;
}

/** getservbyname(3) over /etc/services. */
function getservbyname(name: string, proto: string): servent | null {
  let text: string;
  try {
    text = readFileSync('/etc/services', 'utf8');
  } catch {
    return null;
  }
  for (const line of text.split('\n')) {
    const fields = line.split('#')[0].trim().split(/\s+/);
    if (fields.length < 2) continue;
    const [number, protocol] = fields[1].split('/');
    if (protocol === proto && (fields[0] === name || fields.slice(2).includes(name))) return { s_port: Number(number) };
  }
  return null;
}

/* getopt_long(3), enough for this program: -x, -xVALUE, -x VALUE, grouped
   flags, --name, --name=VALUE, --name VALUE; stops at "--" or the first
   non-option. */
const no_argument = 0;
const required_argument = 1;

interface option {
  name: string;
  has_arg: number;
  val: string;
}

let optarg: string | null = null;
let optind = 1;
let nextchar = 0;

function getopt_long(argc: number, argv: string[], optstring: string, longopts: option[]): string | -1 {
  optarg = null;
  if (nextchar === 0) {
    if (optind >= argc) return -1;
    const arg = argv[optind];
    if (arg === '--') {
      optind++;
      return -1;
    }
    if (!arg.startsWith('-') || arg === '-') return -1;
    if (arg.startsWith('--')) {
      optind++;
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      const opt = longopts.find((o) => o.name === name);
      if (opt === undefined) {
        process.stderr.write(`${argv[0]}: unrecognized option '${arg}'\n`);
        return '?';
      }
      if (opt.has_arg === required_argument) {
        if (eq >= 0) optarg = arg.slice(eq + 1);
        else if (optind < argc) optarg = argv[optind++];
        else {
          process.stderr.write(`${argv[0]}: option '--${name}' requires an argument\n`);
          return '?';
        }
      }
      return opt.val;
    }
    nextchar = 1;
  }
  const arg = argv[optind];
  const ch = arg[nextchar++];
  const at = optstring.indexOf(ch);
  const takes = at >= 0 && optstring[at + 1] === ':';
  if (nextchar >= arg.length) {
    nextchar = 0;
    optind++;
  }
  if (at < 0 || ch === ':') {
    process.stderr.write(`${argv[0]}: invalid option -- '${ch}'\n`);
    return '?';
  }
  if (takes) {
    if (nextchar > 0) {
      optarg = arg.slice(nextchar);
      nextchar = 0;
      optind++;
    } else if (optind < argc) {
      optarg = argv[optind++];
    } else {
      process.stderr.write(`${argv[0]}: option requires an argument -- '${ch}'\n`);
      return '?';
    }
  }
  return ch;
}

main(process.argv.length - 1, process.argv.slice(1)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    syslog_wrapper(LOG_ERR, '%s', error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
