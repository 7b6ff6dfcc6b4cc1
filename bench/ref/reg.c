/*
 * bench/ref/reg.c: the C reference for `npm run bench`.
 *
 * Drives the installed libeXosip2 directly, with the application loop a C
 * program would write (the one the binding's worker thread runs, see
 * docs/threads.md):
 *
 *   for (;;) { ev = eXosip_event_wait(ctx, 0, 50);
 *              eXosip_lock; eXosip_automatic_action; eXosip_unlock;
 *              handle(ev); eXosip_event_free(ev); }
 *
 * Built by bench/run.ts:  cc -O2 -o reg reg.c -leXosip2 -losip2 -losipparser2
 *
 * Modes (one JSON object per line on stdout):
 *
 *   reg --proxy URI --n N [--rounds R] [--warmup W] [--base B] [--expires E]
 *       N authenticated REGISTERs (users loadB..load(B+N-1)@example.com,
 *       password loadpw) from one context, all sent at once; time until all
 *       are registered, then until all are unregistered (expires 0, then
 *       eXosip_register_remove). One line per measured round:
 *       {"n":N,"regMs":..,"unregMs":..,"rssBeforeKb":..,"rssHeldKb":..}
 *
 *   pool --proxy URI --n N [--per P] [--base B] [--rounds R]
 *       The C counterpart of ContextPool: ceil(N/P) contexts (P = 90), each
 *       with its own application thread, all registering at once; time until
 *       all N are registered, then until all are unregistered, and RSS; R
 *       rounds on the same contexts (default 1 here), one line each.
 *       Registrations that fail for good are counted, not fatal.
 *
 *   serve --proxy URI
 *       Reads commands on stdin (see serve() below), for bench/run.ts.
 *
 *   latency --proxy URI --count M [--inflight K]
 *       Against bench/ref/fakereg (200 OK to every REGISTER, no auth, with an
 *       X-Sent-Ns header = CLOCK_MONOTONIC just before its sendto()): K
 *       registrations refresh back to back until M events were handled; for
 *       each, the time from that sendto() to eXosip_event_wait returning the
 *       event in this loop. Prints percentiles in microseconds.
 */
#define _GNU_SOURCE
#include <eXosip2/eXosip.h>
#include <osipparser2/osip_parser.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *proxy = NULL;
static int n = 100, rounds = 10, warmup = 2, base = 0, expires = 3600, count = 10000, inflight = 1;
static int raw = 0; /* latency: print every value, not percentiles (serve mode) */
static int per = 90; /* pool: registrations per context */
static int rounds_given = 0;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* CPU time of the whole process (all threads) and of the calling thread, in µs. */
static double process_cpu_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static double thread_cpu_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static long rss_kb(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long kb = -1;
  if (f == NULL) return -1;
  while (fgets(line, sizeof line, f))
    if (strncmp(line, "VmRSS:", 6) == 0) kb = strtol(line + 6, NULL, 10);
  fclose(f);
  return kb;
}

static void die(const char *what, int code) {
  fprintf(stderr, "reg: %s failed (%d)\n", what, code);
  exit(1);
}

/* libosip2 prints its traces to stderr by default; drop them (as the addon does). */
static void drop_trace(const char *fi, int li, osip_trace_level_t level, const char *chfr, va_list ap) {
  (void) fi, (void) li, (void) level, (void) chfr, (void) ap;
}

static void silence_osip(void) {
  osip_trace_initialize_func(TRACE_LEVEL0, &drop_trace);
  for (int level = 0; level < END_TRACE_LEVEL; level++) osip_trace_disable_level((osip_trace_level_t) level);
}

/* A free UDP port on 127.0.0.1, found by binding without SO_REUSEADDR (as the
   addon's listen() does): eXosip binds with SO_REUSEADDR, and Linux may hand
   two such sockets the same ephemeral port on port 0, so that one context
   receives the other's answers. */
static int free_udp_port(void) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd < 0 || bind(fd, (struct sockaddr *) &a, sizeof a) != 0 || getsockname(fd, (struct sockaddr *) &a, &len) != 0) die("probe bind", -1);
  close(fd);
  return ntohs(a.sin_port);
}

static struct eXosip_t *open_context(void) {
  struct eXosip_t *ctx = eXosip_malloc();
  if (ctx == NULL || eXosip_init(ctx) != 0) die("eXosip_init", -1);
  int i = eXosip_listen_addr(ctx, IPPROTO_UDP, "127.0.0.1", free_udp_port(), AF_INET, 0);
  if (i != 0) die("eXosip_listen_addr", i);
  eXosip_set_user_agent(ctx, "exosip2-bench-c/1.0");
  return ctx;
}

/* One pass of the application loop; returns the event (caller frees) or NULL. */
static eXosip_event_t *loop_once(struct eXosip_t *ctx) {
  eXosip_event_t *je = eXosip_event_wait(ctx, 0, 50);
  eXosip_lock(ctx);
  eXosip_automatic_action(ctx);
  eXosip_unlock(ctx);
  return je;
}

/* Waits until `want` REGISTRATION_SUCCESS events arrived; unregistering: remove each rid. */
/* Failures other than the 401/407 eXosip answers itself: fatal, unless counted
   here (pool mode, where a 10,000-REGISTER burst may lose a registration). */
static int *failures = NULL;

static void wait_success(struct eXosip_t *ctx, int want, int unregistering, double deadline_ms) {
  int ok = 0;
  /* 401/407 per rid: eXosip answers at most 3 (r_retry < 3), the next one is final. */
  int cap = 0;
  unsigned char *challenges = NULL;
  while (ok < want) {
    if (now_ms() > deadline_ms) {
      fprintf(stderr, "reg: timeout, %d of %d done\n", ok, want);
      if (failures == NULL) exit(2);
      __atomic_add_fetch(failures, want - ok, __ATOMIC_RELAXED);
      break;
    }
    eXosip_event_t *je = loop_once(ctx);
    if (je == NULL) continue;
    if (je->type == EXOSIP_REGISTRATION_SUCCESS) {
      ok++;
      if (unregistering) {
        eXosip_lock(ctx);
        eXosip_register_remove(ctx, je->rid);
        eXosip_unlock(ctx);
      }
    } else if (je->type == EXOSIP_REGISTRATION_FAILURE) {
      int status = je->response != NULL ? je->response->status_code : 0;
      int final = status != 401 && status != 407;
      if (!final && je->rid > 0) {
        if (je->rid >= cap) {
          int ncap = je->rid * 2 + 64;
          challenges = realloc(challenges, (size_t) ncap);
          memset(challenges + cap, 0, (size_t) (ncap - cap));
          cap = ncap;
        }
        final = ++challenges[je->rid] > 3;
      }
      if (final) {
        if (failures == NULL) {
          fprintf(stderr, "reg: rid %d failed with %d\n", je->rid, status);
          exit(2);
        }
        __atomic_add_fetch(failures, 1, __ATOMIC_RELAXED);
        want--; /* gave up on this one */
        if (unregistering) {
          eXosip_lock(ctx);
          eXosip_register_remove(ctx, je->rid);
          eXosip_unlock(ctx);
        }
      }
    }
    eXosip_event_free(je);
  }
  free(challenges);
}

static int run_reg(void) {
  int *rids = calloc((size_t) n, sizeof(int));
  char from[128], user[64];
  for (int r = 0; r < warmup + rounds; r++) {
    /* A fresh context per round, as the binding's side does: no round sees
       the transactions a previous one left (eXosip keeps them ~5 s). */
    struct eXosip_t *ctx = open_context();
    for (int i = 0; i < n; i++) {
      snprintf(user, sizeof user, "load%d", base + i);
      eXosip_add_authentication_info(ctx, user, user, "loadpw", NULL, "example.com");
    }
    long rss_before = rss_kb();
    double cpu0 = process_cpu_us(), main0 = thread_cpu_us();
    double t0 = now_ms();
    for (int i = 0; i < n; i++) {
      osip_message_t *msg = NULL;
      snprintf(from, sizeof from, "sip:load%d@example.com", base + i);
      eXosip_lock(ctx);
      rids[i] = eXosip_register_build_initial_register(ctx, from, proxy, NULL, expires, &msg);
      if (rids[i] < 1) die("eXosip_register_build_initial_register", rids[i]);
      int s = eXosip_register_send_register(ctx, rids[i], msg);
      eXosip_unlock(ctx);
      if (s != 0) die("eXosip_register_send_register", s);
    }
    wait_success(ctx, n, 0, t0 + 120000);
    double t1 = now_ms();
    long rss_held = rss_kb();
    for (int i = 0; i < n; i++) {
      osip_message_t *msg = NULL;
      eXosip_lock(ctx);
      int b = eXosip_register_build_register(ctx, rids[i], 0, &msg);
      if (b != 0) die("eXosip_register_build_register", b);
      int s = eXosip_register_send_register(ctx, rids[i], msg);
      eXosip_unlock(ctx);
      if (s != 0) die("eXosip_register_send_register", s);
    }
    wait_success(ctx, n, 1, t1 + 120000);
    double t2 = now_ms();
    double cpu = process_cpu_us() - cpu0, main_cpu = thread_cpu_us() - main0;
    if (r >= warmup)
      printf("{\"n\":%d,\"regMs\":%.3f,\"unregMs\":%.3f,\"cpuUs\":%.0f,\"mainCpuUs\":%.0f,\"rssBeforeKb\":%ld,\"rssHeldKb\":%ld}\n", n, t1 - t0, t2 - t1, cpu,
             main_cpu, rss_before, rss_held);
    fflush(stdout);
    eXosip_quit(ctx);
    osip_free(ctx);
  }
  free(rids);
  return 0;
}

/* pool: the C counterpart of ContextPool. ceil(n/per) contexts, each driven by
   its own application thread (the loop above), all registering at once. */
struct shard {
  struct eXosip_t *ctx;
  pthread_t thread;
  int first, count;
  int *rids;
};

static pthread_barrier_t barrier;

static void *shard_main(void *arg) {
  struct shard *sh = arg;
  char from[128];
  for (int round = 0; round < rounds; round++) {
  pthread_barrier_wait(&barrier); /* start: register */
  for (int i = 0; i < sh->count; i++) {
    osip_message_t *msg = NULL;
    snprintf(from, sizeof from, "sip:load%d@example.com", sh->first + i);
    eXosip_lock(sh->ctx);
    sh->rids[i] = eXosip_register_build_initial_register(sh->ctx, from, proxy, NULL, expires, &msg);
    if (sh->rids[i] < 1) die("eXosip_register_build_initial_register", sh->rids[i]);
    int s = eXosip_register_send_register(sh->ctx, sh->rids[i], msg);
    eXosip_unlock(sh->ctx);
    if (s != 0) die("eXosip_register_send_register", s);
  }
  wait_success(sh->ctx, sh->count, 0, now_ms() + 40000); /* eXosip gives up after 32 s */
  pthread_barrier_wait(&barrier); /* all registered */
  pthread_barrier_wait(&barrier); /* start: unregister */
  int sent = 0;
  for (int i = 0; i < sh->count; i++) {
    osip_message_t *msg = NULL;
    eXosip_lock(sh->ctx);
    int b = eXosip_register_build_register(sh->ctx, sh->rids[i], 0, &msg);
    if (b != 0) {
      /* Its REGISTER is still in flight: a registration that timed out
         above, already counted as failed there. Dropped (if it reaches the
         registrar after all, its binding stays: the table check shows it). */
      eXosip_register_remove(sh->ctx, sh->rids[i]);
      eXosip_unlock(sh->ctx);
      continue;
    }
    int s = eXosip_register_send_register(sh->ctx, sh->rids[i], msg);
    eXosip_unlock(sh->ctx);
    if (s != 0) die("eXosip_register_send_register", s);
    sent++;
  }
  wait_success(sh->ctx, sent, 1, now_ms() + 40000);
  pthread_barrier_wait(&barrier); /* all unregistered */
  }
  return NULL;
}

static int run_pool(void) {
  int k = (n + per - 1) / per;
  struct shard *shards = calloc((size_t) k, sizeof(struct shard));
  long rss0 = rss_kb();
  pthread_barrier_init(&barrier, NULL, (unsigned) k + 1);
  char user[64];
  for (int j = 0; j < k; j++) {
    struct shard *sh = &shards[j];
    sh->ctx = open_context();
    sh->first = base + j * per;
    sh->count = j == k - 1 ? n - j * per : per;
    sh->rids = calloc((size_t) sh->count, sizeof(int));
    for (int i = 0; i < sh->count; i++) {
      snprintf(user, sizeof user, "load%d", sh->first + i);
      eXosip_add_authentication_info(sh->ctx, user, user, "loadpw", NULL, "example.com");
    }
    pthread_create(&sh->thread, NULL, shard_main, sh);
  }
  long rss_ctx = rss_kb();
  static int failed = 0;
  failures = &failed;
  for (int round = 0; round < rounds; round++) {
    double cpu0 = process_cpu_us();
    double t0 = now_ms();
    pthread_barrier_wait(&barrier);
    pthread_barrier_wait(&barrier);
    double t1 = now_ms();
    double cpu_reg = process_cpu_us() - cpu0;
    long rss_held = rss_kb();
    int failed_reg = __atomic_load_n(&failed, __ATOMIC_RELAXED);
    pthread_barrier_wait(&barrier);
    pthread_barrier_wait(&barrier);
    double t2 = now_ms();
    printf("{\"n\":%d,\"round\":%d,\"contexts\":%d,\"regMs\":%.3f,\"unregMs\":%.3f,\"failedReg\":%d,\"failedUnreg\":%d,\"rssStartKb\":%ld,\"rssContextsKb\":%ld,"
           "\"rssHeldKb\":%ld,\"rssAfterKb\":%ld,\"cpuRegMs\":%.0f,\"cpuMs\":%.0f}\n",
           n, round, k, t1 - t0, t2 - t1, failed_reg, __atomic_load_n(&failed, __ATOMIC_RELAXED) - failed_reg, rss0, rss_ctx, rss_held, rss_kb(), cpu_reg / 1e3, (process_cpu_us() - cpu0) / 1e3);
    fflush(stdout);
    __atomic_store_n(&failed, 0, __ATOMIC_RELAXED);
  }
  for (int j = 0; j < k; j++) {
    pthread_join(shards[j].thread, NULL);
    eXosip_quit(shards[j].ctx);
    osip_free(shards[j].ctx);
    free(shards[j].rids);
  }
  free(shards);
  return 0;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static int run_latency(void) {
  struct eXosip_t *ctx = open_context();
  int *rids = calloc((size_t) inflight, sizeof(int));
  double *lat = calloc((size_t) count, sizeof(double));
  char from[128];
  int got = 0, sent = 0, warm = inflight * 20;
  /* first REGISTERs, then every SUCCESS sends the next refresh of that rid */
  for (int i = 0; i < inflight; i++) {
    osip_message_t *msg = NULL;
    snprintf(from, sizeof from, "sip:load%d@example.com", base + i);
    eXosip_lock(ctx);
    rids[i] = eXosip_register_build_initial_register(ctx, from, proxy, NULL, expires, &msg);
    if (rids[i] < 1) die("eXosip_register_build_initial_register", rids[i]);
    eXosip_register_send_register(ctx, rids[i], msg);
    eXosip_unlock(ctx);
    sent++;
  }
  double deadline = now_ms() + 120000;
  while (got < count) {
    if (now_ms() > deadline) die("latency: timeout", got);
    eXosip_event_t *je = eXosip_event_wait(ctx, 0, 50);
    int64_t at = now_ns();
    eXosip_lock(ctx);
    eXosip_automatic_action(ctx);
    eXosip_unlock(ctx);
    if (je == NULL) continue;
    if (je->type == EXOSIP_REGISTRATION_SUCCESS && je->response != NULL) {
      osip_header_t *h = NULL;
      osip_message_header_get_byname(je->response, "x-sent-ns", 0, &h);
      if (h != NULL && h->hvalue != NULL) {
        if (warm > 0) warm--;
        else lat[got++] = (double) (at - strtoll(h->hvalue, NULL, 10)) / 1e3;
      }
      if (sent < count + inflight * 21) {
        osip_message_t *msg = NULL;
        eXosip_lock(ctx);
        if (eXosip_register_build_register(ctx, je->rid, expires, &msg) == 0) eXosip_register_send_register(ctx, je->rid, msg);
        eXosip_unlock(ctx);
        sent++;
      }
    } else if (je->type == EXOSIP_REGISTRATION_FAILURE) {
      die("latency: registration failure", je->response != NULL ? je->response->status_code : 0);
    }
    eXosip_event_free(je);
  }
  if (raw) {
    printf("{\"count\":%d,\"inflight\":%d,\"wire\":[", count, inflight);
    for (int i = 0; i < count; i++) printf(i ? ",%.2f" : "%.2f", lat[i]);
    printf("]}\n");
    fflush(stdout);
    eXosip_quit(ctx);
    osip_free(ctx);
    free(lat);
    free(rids);
    return 0;
  }
  qsort(lat, (size_t) count, sizeof(double), cmp_double);
  double sum = 0;
  for (int i = 0; i < count; i++) sum += lat[i];
  printf("{\"count\":%d,\"inflight\":%d,\"p50Us\":%.2f,\"p90Us\":%.2f,\"p99Us\":%.2f,\"meanUs\":%.2f,\"minUs\":%.2f}\n", count, inflight, lat[count / 2],
         lat[(int) (count * 0.9)], lat[(int) (count * 0.99)], sum / count, lat[0]);
  eXosip_quit(ctx);
  osip_free(ctx);
  free(lat);
  free(rids);
  return 0;
}

/* serve: commands on stdin, one JSON line each on stdout, so that bench/run.ts
   can interleave this program and the binding round by round:
     reg N BASE        one round of run_reg (no warm-up)
     lat COUNT K BASE  one block of run_latency, raw values
     quit */
static int serve(void) {
  char line[256];
  while (fgets(line, sizeof line, stdin) != NULL) {
    char cmd[16] = "";
    int a = 0, b = 0, c = 0;
    int got = sscanf(line, "%15s %d %d %d", cmd, &a, &b, &c);
    if (got >= 1 && !strcmp(cmd, "quit")) break;
    if (got >= 3 && !strcmp(cmd, "reg")) {
      n = a, base = b, rounds = 1, warmup = 0;
      run_reg();
    } else if (got >= 4 && !strcmp(cmd, "lat")) {
      count = a, inflight = b, base = c, raw = 1;
      run_latency();
    } else {
      printf("{\"error\":\"bad command\"}\n");
      fflush(stdout);
    }
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: reg reg|latency --proxy URI [--n N --rounds R --warmup W --base B --expires E --count M --inflight K]\n");
    return 64;
  }
  for (int i = 2; i + 1 < argc; i += 2) {
    const char *k = argv[i], *v = argv[i + 1];
    if (!strcmp(k, "--proxy")) proxy = v;
    else if (!strcmp(k, "--n")) n = atoi(v);
    else if (!strcmp(k, "--rounds")) rounds = atoi(v), rounds_given = 1;
    else if (!strcmp(k, "--warmup")) warmup = atoi(v);
    else if (!strcmp(k, "--base")) base = atoi(v);
    else if (!strcmp(k, "--expires")) expires = atoi(v);
    else if (!strcmp(k, "--count")) count = atoi(v);
    else if (!strcmp(k, "--inflight")) inflight = atoi(v);
    else if (!strcmp(k, "--per")) per = atoi(v);
    else {
      fprintf(stderr, "reg: unknown option %s\n", k);
      return 64;
    }
  }
  silence_osip();
  if (proxy == NULL) {
    fprintf(stderr, "reg: --proxy is required\n");
    return 64;
  }
  if (!strcmp(argv[1], "serve")) return serve();
  if (!strcmp(argv[1], "reg")) return run_reg();
  if (!strcmp(argv[1], "pool")) {
    if (!rounds_given) rounds = 1;
    return run_pool();
  }
  if (!strcmp(argv[1], "latency")) return run_latency();
  fprintf(stderr, "reg: unknown mode %s\n", argv[1]);
  return 64;
}
