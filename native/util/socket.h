// Port helpers for eXosip_listen_addr, which has no public way to report the
// port it bound when asked for port 0.
#pragma once

namespace exosip {

/// Binds a probe socket of the given transport (IPPROTO_UDP/TCP) and family
/// (AF_INET/AF_INET6) on `address` (nullptr: any) and `port` (0: the kernel
/// picks). Returns the bound port, or -errno when the bind fails.
int ProbePort(int transport, int family, const char* address, int port);

}  // namespace exosip
