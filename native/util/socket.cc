#include "socket.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace exosip {

int ProbePort(int transport, int family, const char* address, int port) {
  int type = transport == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM;
  int fd = socket(family, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  // eXosip sets SO_REUSEADDR on its TCP socket, so a port in TIME_WAIT is
  // usable to it: probe the same way. Never on UDP, where it allows sharing.
  if (type == SOCK_STREAM) {
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  }
  sockaddr_storage ss;
  std::memset(&ss, 0, sizeof(ss));
  socklen_t len;
  if (family == AF_INET6) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(static_cast<uint16_t>(port));
    sin6->sin6_addr = in6addr_any;
    if (address != nullptr && inet_pton(AF_INET6, address, &sin6->sin6_addr) != 1) {
      close(fd);
      return -EINVAL;
    }
    int on = 1;
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
    len = sizeof(sockaddr_in6);
  } else {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(static_cast<uint16_t>(port));
    sin->sin_addr.s_addr = htonl(INADDR_ANY);
    if (address != nullptr && inet_pton(AF_INET, address, &sin->sin_addr) != 1) {
      close(fd);
      return -EINVAL;
    }
    len = sizeof(sockaddr_in);
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    int err = errno;
    close(fd);
    return -err;
  }
  len = sizeof(ss);
  getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  int bound = family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port)
                                 : ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  close(fd);
  return bound;
}

}  // namespace exosip
