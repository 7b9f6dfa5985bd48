// The resident-memory floor of a Redis exporter built from vigia's own parts,
// run beside vigia and redis_exporter by compare_redis_exporter.py.
//
// A C++ program that links only what such an exporter cannot do without on
// Debian 12: libstdc++, the HTTP server vigia serves with (libmicrohttpd in its
// epoll mode, which links GnuTLS) and the Redis client of the design
// (hiredis). Built a second time with FLOOR_CIVETWEB (redis_floor_civetweb) it
// serves through civetweb instead, the server vigia used before libmicrohttpd
// (docs/architecture.md says why it was replaced), to show what GnuTLS costs. Each GET sends INFO ALL over
// one kept-open connection and answers its numeric fields as `redis_<field> <value>` lines: no registry, no
// config, no gzip, no other area. Its VmRSS is what any exporter made of these libraries pays; compared with
// redis_exporter's / 3 it says whether the RSS goal can be met with them.
//
//   redis_floor PORT REDIS_HOST REDIS_PORT
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#ifdef FLOOR_CIVETWEB
#include <civetweb.h>
#else
#include <microhttpd.h>
#endif

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <unistd.h>

namespace {

std::mutex g_mu;
redisContext* g_redis = nullptr;

bool numeric(const std::string& v) {
  if (v.empty()) return false;
  char* end = nullptr;
  std::strtod(v.c_str(), &end);
  return end == v.c_str() + v.size();
}

std::string scrape() {
  std::lock_guard<std::mutex> lock(g_mu);
  auto* reply = static_cast<redisReply*>(redisCommand(g_redis, "INFO ALL"));
  if (reply == nullptr || reply->type != REDIS_REPLY_STRING) {
    if (reply != nullptr) freeReplyObject(reply);
    return "redis_up 0\n";
  }
  std::string out = "redis_up 1\n";
  std::string info(reply->str, reply->len);
  freeReplyObject(reply);
  size_t pos = 0;
  while (pos < info.size()) {
    size_t eol = info.find('\n', pos);
    if (eol == std::string::npos) eol = info.size();
    std::string line = info.substr(pos, eol - pos);
    pos = eol + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t colon = line.find(':');
    if (line.empty() || line[0] == '#' || colon == std::string::npos) continue;
    std::string key = line.substr(0, colon), value = line.substr(colon + 1);
    if (!numeric(value)) continue;
    for (char& c : key)
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) c = '_';
    out += "redis_" + key + " " + value + "\n";
  }
  return out;
}

#ifdef FLOOR_CIVETWEB
int on_request(mg_connection* conn, void*) {
  std::string body = scrape();
  mg_printf(conn,
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
            "Content-Length: %zu\r\n\r\n",
            body.size());
  mg_write(conn, body.data(), body.size());
  return 200;
}
#else
MHD_Result on_request(void*, MHD_Connection* conn, const char*, const char*, const char*, const char*,
                      size_t*, void** state) {
  if (*state == nullptr) {  // headers only: wait for the (empty) body
    *state = conn;
    return MHD_YES;
  }
  std::string body = scrape();
  MHD_Response* resp = MHD_create_response_from_buffer(body.size(), body.data(), MHD_RESPMEM_MUST_COPY);
  MHD_add_response_header(resp, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  MHD_Result r = MHD_queue_response(conn, MHD_HTTP_OK, resp);
  MHD_destroy_response(resp);
  return r;
}
#endif

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s PORT REDIS_HOST REDIS_PORT\n", argv[0]);
    return 2;
  }
  g_redis = redisConnect(argv[2], std::atoi(argv[3]));
  if (g_redis == nullptr || g_redis->err) {
    std::fprintf(stderr, "redis: %s\n", g_redis ? g_redis->errstr : "out of memory");
    return 1;
  }
#ifdef FLOOR_CIVETWEB
  std::string ports = std::string("127.0.0.1:") + argv[1];
  const char* options[] = {"listening_ports", ports.c_str(), "num_threads", "2", nullptr};
  mg_init_library(0);
  mg_context* d = mg_start(nullptr, nullptr, options);
  if (d != nullptr) mg_set_request_handler(d, "/metrics", &on_request, nullptr);
#else
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(std::atoi(argv[1])));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  MHD_Daemon* d = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD, 0, nullptr, nullptr, &on_request, nullptr,
                                   MHD_OPTION_SOCK_ADDR, &addr, MHD_OPTION_END);
#endif
  if (d == nullptr) {
    std::fprintf(stderr, "cannot listen on port %s\n", argv[1]);
    return 1;
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  int sig = 0;
  sigwait(&set, &sig);
#ifdef FLOOR_CIVETWEB
  mg_stop(d);
#else
  MHD_stop_daemon(d);
#endif
  redisFree(g_redis);
  return 0;
}
