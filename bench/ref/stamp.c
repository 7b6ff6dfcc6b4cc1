/*
 * bench/ref/stamp.c: an LD_PRELOAD shim for the event-delivery benchmark.
 *
 * Wraps eXosip_event_wait (the real one is found with dlsym(RTLD_NEXT)):
 * when it returns an event, appends " @<CLOCK_MONOTONIC ns>" to the event's
 * textinfo. The addon's worker thread copies textinfo into the JS event, so a
 * JS listener can tell how long the event took from the worker thread getting
 * it from eXosip to the listener running: exactly the binding's own cost
 * (copy, thread-safe function queue, wake-up of the JS thread, conversion).
 *
 * Only the bench loads it:  LD_PRELOAD=.../stamp.so node ...
 *   cc -O2 -shared -fPIC -o stamp.so stamp.c -Wl,--no-as-needed -leXosip2 -ldl
 * (linked with libeXosip2 so that the real eXosip_event_wait is in the global
 * scope behind this one: the addon itself loads libeXosip2 RTLD_LOCAL)
 *
 * What the addon would need to make this unnecessary: see bench/RESULTS.md
 * ("native change recommended"): a timestamp taken in Context::Run right after
 * eXosip_event_wait, carried by EventData and exposed on the JS event.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <eXosip2/eXosip.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

typedef eXosip_event_t *(*event_wait_fn)(struct eXosip_t *, int, int);

eXosip_event_t *eXosip_event_wait(struct eXosip_t *excontext, int tv_s, int tv_ms) {
  static event_wait_fn real = NULL;
  if (real == NULL) real = (event_wait_fn) dlsym(RTLD_NEXT, "eXosip_event_wait");
  eXosip_event_t *je = real(excontext, tv_s, tv_ms);
  if (je != NULL) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    size_t used = strnlen(je->textinfo, sizeof je->textinfo);
    snprintf(je->textinfo + used, sizeof je->textinfo - used, " @%lld", (long long) ts.tv_sec * 1000000000LL + ts.tv_nsec);
  }
  return je;
}
