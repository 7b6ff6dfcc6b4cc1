/*
 * bench/ref/fakereg.c: a fake registrar for the event-delivery benchmark.
 *
 * Answers every REGISTER received on UDP 127.0.0.1:PORT with a 200 OK at
 * once, no authentication, no state. The 200 copies Via/From/To/Call-ID/CSeq
 * and the Contact (with ;expires=E from the request's Expires) and carries
 *
 *   X-Sent-Ns: <CLOCK_MONOTONIC in ns, read just before sendto()>
 *
 * so a client on the same machine can tell how long the answer took from
 * this sendto() to its own code (Node's process.hrtime.bigint() reads the
 * same clock). Prints its port on stdout ("port N"), then runs until killed.
 *
 *   cc -O2 -o fakereg fakereg.c          ./fakereg [port]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Case-insensitive "Name:" (or compact form) at the start of a line. */
static int is_header(const char *line, size_t len, const char *name, const char *compact) {
  size_t n = strlen(name);
  if (len > n && strncasecmp(line, name, n) == 0 && (line[n] == ':' || line[n] == ' ')) return 1;
  if (compact != NULL && len > 1 && tolower((unsigned char) line[0]) == compact[0] && (line[1] == ':' || line[1] == ' ')) return 1;
  return 0;
}

static const char *value_of(const char *line, size_t len, size_t *vlen) {
  const char *colon = memchr(line, ':', len);
  if (colon == NULL) return NULL;
  const char *v = colon + 1;
  while (v < line + len && (*v == ' ' || *v == '\t')) v++;
  *vlen = (size_t) (line + len - v);
  return v;
}

int main(int argc, char **argv) {
  int port = argc > 1 ? atoi(argv[1]) : 0;
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  int big = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t) port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *) &addr, sizeof addr) != 0) {
    perror("fakereg: bind");
    return 1;
  }
  socklen_t alen = sizeof addr;
  getsockname(fd, (struct sockaddr *) &addr, &alen);
  printf("port %d\n", ntohs(addr.sin_port));
  fflush(stdout);

  static char in[65536], out[65536];
  for (;;) {
    struct sockaddr_in peer;
    socklen_t plen = sizeof peer;
    ssize_t got = recvfrom(fd, in, sizeof in - 1, 0, (struct sockaddr *) &peer, &plen);
    if (got <= 0) continue;
    in[got] = 0;
    if (strncmp(in, "REGISTER ", 9) != 0) continue;
    size_t o = (size_t) snprintf(out, sizeof out, "SIP/2.0 200 OK\r\n");
    const char *contact = NULL;
    size_t contact_len = 0;
    long expires = 3600;
    int has_tag = 0;
    const char *p = strstr(in, "\r\n");
    while (p != NULL) {
      p += 2;
      const char *eol = strstr(p, "\r\n");
      if (eol == NULL || eol == p) break; /* end of headers */
      size_t len = (size_t) (eol - p);
      size_t vlen = 0;
      const char *v = value_of(p, len, &vlen);
      if (is_header(p, len, "Via", "v") || is_header(p, len, "From", "f") || is_header(p, len, "Call-ID", "i") || is_header(p, len, "CSeq", NULL)) {
        o += (size_t) snprintf(out + o, sizeof out - o, "%.*s\r\n", (int) len, p);
      } else if (is_header(p, len, "To", "t")) {
        has_tag = memmem(p, len, ";tag=", 5) != NULL;
        o += (size_t) snprintf(out + o, sizeof out - o, "%.*s%s\r\n", (int) len, p, has_tag ? "" : ";tag=fakereg");
      } else if (is_header(p, len, "Contact", "m") && v != NULL) {
        contact = v;
        contact_len = vlen;
      } else if (is_header(p, len, "Expires", NULL) && v != NULL) {
        expires = strtol(v, NULL, 10);
      }
      p = eol;
    }
    if (contact != NULL && !(contact_len == 1 && contact[0] == '*'))
      o += (size_t) snprintf(out + o, sizeof out - o, "Contact: %.*s;expires=%ld\r\n", (int) contact_len, contact, expires);
    o += (size_t) snprintf(out + o, sizeof out - o, "Expires: %ld\r\nServer: exosip2-bench-fakereg\r\nContent-Length: 0\r\n", expires);
    o += (size_t) snprintf(out + o, sizeof out - o, "X-Sent-Ns: %lld\r\n\r\n", (long long) now_ns());
    sendto(fd, out, o, 0, (struct sockaddr *) &peer, plen);
  }
}
