// The listening socket of HttpServer (http_server.cc only).
#pragma once

#include <string>

#include "core/status.h"

namespace vigia {

// Binds host:port ourselves so that a failure names its cause and port 0
// reports the port chosen. An empty host listens on IPv6 and IPv4 where the
// host has IPv6, as Go's ":port". `shown` is the address as given, for errors.
Status open_listener(const std::string& host, int port, const std::string& shown, int& fd_out);

// The port a listening socket is bound to (0 on error).
int bound_port(int fd);

// The soft descriptor limit after raising it to the hard one.
long raise_nofile_limit();

}  // namespace vigia
