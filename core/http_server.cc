#include "core/http_server.h"

#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <climits>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>

#include "core/fs.h"
#include "core/http_listen.h"
#include "core/http_tls.h"
#include "core/metric.h"

namespace vigia {

namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

constexpr int64_t kNoDeadline = INT64_MAX;

// libmicrohttpd's socket context: one per connection.
struct Conn {
  int fd = -1;
  // A complete request must have arrived by then; kNoDeadline while one is
  // handled or answered (a stalled reader is libmicrohttpd's own timeout).
  std::atomic<int64_t> deadline_ms{kNoDeadline};
  std::string uri;         // the current request's target as sent (the query is kept raw)
  bool requested = false;  // a request started (over TLS: the handshake completed)
};

// A registered handler and the body it reads (0: none; the body is counted
// against Options::max_body_bytes and dropped).
struct Route {
  HttpHandler handler;
  size_t max_body_bytes = 0;
};

// libmicrohttpd's per-request context, from the complete headers until the
// request-completed notification.
struct Request {
  HttpRequest req;
  std::string handler;                  // the metrics label: a registered path or "other"
  const struct Route* route = nullptr;  // null: 404
  size_t body_bytes = 0;
  size_t max_body = 0;
  bool dispatched = false;           // answered, or handed to a handler thread
  bool suspended = false;            // handed to a handler thread
  MHD_Response* response = nullptr;  // set by the handler thread, queued on resume
  unsigned status = 0;
};

// Returned by the URI callback as the request context: marks the first call
// of the access handler, so that a request never presented to it (headers too
// large, connection dropped) allocates nothing.
char first_call_marker;

Conn* conn_of(MHD_Connection* c) {
  const MHD_ConnectionInfo* ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  return ci ? static_cast<Conn*>(ci->socket_context) : nullptr;
}

MHD_Response* text_response(std::string body) {
  auto* keep = new std::string(std::move(body));
  MHD_Response* r = MHD_create_response_from_buffer_with_free_callback_cls(
      keep->size(), keep->data(), [](void* p) { delete static_cast<std::string*>(p); }, keep);
  if (!r) {
    delete keep;
    return nullptr;
  }
  MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
  return r;
}

}  // namespace

struct HttpServer::Impl {
  Options opts;
  int max_connections = 0;  // opts.max_connections within the descriptor limit
  MHD_Daemon* daemon = nullptr;
  std::map<std::string, Route, std::less<>> handlers;   // exact paths
  std::vector<std::pair<std::string, Route>> prefixes;  // longest first

  // The handler of a path: an exact one, else the longest prefix; null: none.
  const Route* find_route(std::string_view path, std::string* label) const {
    if (auto it = handlers.find(path); it != handlers.end()) {
      *label = it->first;
      return &it->second;
    }
    for (const auto& [prefix, route] : prefixes)
      if (path.substr(0, prefix.size()) == prefix) {
        *label = prefix + "*";
        return &route;
      }
    *label = "other";
    return nullptr;
  }

  // Handler threads and their queue of suspended connections. A request goes
  // to the thread that went idle last: one-at-a-time scrapes then keep using
  // one thread's stack and gzip compressor (hundreds of KiB each) instead of
  // touching all of them in turn.
  using Job = std::pair<MHD_Connection*, Request*>;
  struct Worker {
    std::condition_variable cv;
    std::optional<Job> job;
    std::thread thread;
  };
  std::mutex mu;
  std::deque<Job> queue;      // when no thread is idle
  std::vector<Worker*> idle;  // most recently idle last
  bool stopping = false;
  std::vector<std::unique_ptr<Worker>> workers;

  // Open connections, for the read deadline sweep.
  std::mutex conns_mu;
  std::unordered_set<Conn*> conns;
  std::condition_variable sweep_cv;
  bool sweep_stop = false;
  std::thread sweeper;

  std::atomic<uint64_t> accepted{0}, rejected{0}, open{0}, timeouts{0}, in_flight{0}, limited{0};
  std::atomic<uint64_t> tls_failures{0};
  std::atomic<int> answering{0};  // handed to a handler thread, not yet completed
  mutable std::mutex counts_mu;
  std::map<std::pair<std::string, int>, uint64_t> counts;

  // --- libmicrohttpd callbacks (on its event thread) ---

  static MHD_Result on_accept(void* cls, const sockaddr*, socklen_t) {
    auto* self = static_cast<Impl*>(cls);
    if (self->open.load() >= static_cast<uint64_t>(self->max_connections)) {
      self->rejected++;
      return MHD_NO;
    }
    return MHD_YES;
  }

  static void on_connection(void* cls, MHD_Connection* c, void** socket_context,
                            MHD_ConnectionNotificationCode code) {
    auto* self = static_cast<Impl*>(cls);
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
      auto* conn = new Conn;
      const MHD_ConnectionInfo* ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
      conn->fd = ci ? ci->connect_fd : -1;
      conn->deadline_ms = now_ms() + self->opts.read_timeout.count();
      {
        std::lock_guard lk(self->conns_mu);
        self->conns.insert(conn);
      }
      *socket_context = conn;
      if (self->opts.tls.enabled()) tls_connection_started(c, self->opts.tls.client_auth);
      self->accepted++;
      self->open++;
    } else if (auto* conn = static_cast<Conn*>(*socket_context)) {
      if (self->opts.tls.enabled() && !conn->requested && !tls_handshake_completed(c)) self->tls_failures++;
      // Called before libmicrohttpd closes the descriptor: once erased here,
      // the sweep cannot shut down a descriptor number reused by another.
      {
        std::lock_guard lk(self->conns_mu);
        self->conns.erase(conn);
      }
      delete conn;
      *socket_context = nullptr;
      self->open--;
    }
  }

  static void* on_uri(void*, const char* uri, MHD_Connection* c) {
    if (Conn* conn = conn_of(c)) {
      conn->uri = uri;
      conn->requested = true;
    }
    return &first_call_marker;
  }

  static void on_completed(void* cls, MHD_Connection* c, void** con_cls, MHD_RequestTerminationCode toe) {
    auto* self = static_cast<Impl*>(cls);
    if (*con_cls && *con_cls != &first_call_marker) {
      auto* r = static_cast<Request*>(*con_cls);
      if (r->suspended) self->answering--;
      if (r->response) MHD_destroy_response(r->response);
      delete r;
    }
    *con_cls = nullptr;
    if (toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED) self->timeouts++;
    // The next request on a kept-alive connection has read_timeout from now.
    if (Conn* conn = conn_of(c)) conn->deadline_ms = now_ms() + self->opts.read_timeout.count();
  }

  void count(const std::string& handler, unsigned status) {
    std::lock_guard lk(counts_mu);
    ++counts[{handler, static_cast<int>(status)}];
  }

  MHD_Result answer(MHD_Connection* c, Request* r, unsigned status, MHD_Response* resp) {
    count(r->handler, status);
    if (!resp) return MHD_NO;
    for (const auto& [k, v] : opts.headers) MHD_add_response_header(resp, k.c_str(), v.c_str());
    MHD_Result ok = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);  // libmicrohttpd keeps its own reference
    return ok;
  }

  static MHD_Result on_request(void* cls, MHD_Connection* c, const char* url, const char* method, const char*,
                               const char* upload_data, size_t* upload_size, void** con_cls) {
    auto* self = static_cast<Impl*>(cls);
    if (*con_cls == nullptr || *con_cls == &first_call_marker) {
      auto* r = new Request;
      *con_cls = r;
      r->req.method = method ? method : "";
      r->req.path = url ? url : "";
      if (Conn* conn = conn_of(c)) {
        size_t q = conn->uri.find('?');
        if (q != std::string::npos) r->req.query = conn->uri.substr(q + 1);
      }
      MHD_get_connection_values(
          c, MHD_HEADER_KIND,
          [](void* p, MHD_ValueKind, const char* k, const char* v) {
            static_cast<HttpRequest*>(p)->headers.emplace_back(k ? k : "", v ? v : "");
            return MHD_YES;
          },
          &r->req);
      r->route = self->find_route(r->req.path, &r->handler);
      r->max_body =
          r->route && r->route->max_body_bytes ? r->route->max_body_bytes : self->opts.max_body_bytes;
      // Answered before the body is read, libmicrohttpd then closes the connection.
      double length = 0;
      if (parse_double(r->req.header("Content-Length"), length) &&
          length > static_cast<double>(r->max_body)) {
        r->dispatched = true;
        return self->answer(c, r, 413, text_response("request body too large\n"));
      }
      return MHD_YES;
    }
    auto* r = static_cast<Request*>(*con_cls);
    if (*upload_size != 0) {  // a body chunk: kept for a handler that reads bodies, else dropped
      r->body_bytes += *upload_size;
      if (r->body_bytes <= r->max_body && r->route && r->route->max_body_bytes)
        r->req.body.append(upload_data, *upload_size);
      *upload_size = 0;
      if (r->body_bytes > r->max_body) {  // chunked: no length to check first
        self->count(r->handler, 413);
        return MHD_NO;  // closes the connection
      }
      return MHD_YES;
    }
    if (r->response) {  // resumed: the handler thread's answer
      MHD_Response* resp = r->response;
      r->response = nullptr;
      return self->answer(c, r, r->status, resp);
    }
    if (r->dispatched) return MHD_YES;
    r->dispatched = true;
    if (Conn* conn = conn_of(c)) conn->deadline_ms = kNoDeadline;
    uint64_t max = static_cast<uint64_t>(self->opts.max_requests);
    if (max > 0 && self->in_flight.load() >= max) {
      self->limited++;
      return self->answer(c, r, 503, text_response("too many requests in flight; try again later\n"));
    }
    {
      std::lock_guard lk(self->mu);
      if (!self->stopping) {
        self->in_flight++;
        self->answering++;
        r->suspended = true;
        MHD_suspend_connection(c);
        if (self->idle.empty()) {
          self->queue.emplace_back(c, r);
        } else {
          Worker* w = self->idle.back();
          self->idle.pop_back();
          w->job = Job{c, r};
          w->cv.notify_one();
        }
        return MHD_YES;
      }
    }
    return self->answer(c, r, 503, text_response("shutting down\n"));
  }

  // --- handler threads ---

  void run_handler(MHD_Connection* c, Request* r) {
    HttpResponse resp;
    if (opts.guard && !opts.guard->allow(r->req, resp)) {
      // resp is the guard's answer (401)
    } else if (!r->route) {
      resp.status = 404;
      resp.body = "404 page not found\n";
    } else {
      try {
        r->route->handler(r->req, resp);
      } catch (const std::exception& e) {
        resp = HttpResponse();
        resp.status = 500;
        resp.body = std::string("internal error: ") + e.what() + "\n";
      }
    }
    MHD_Response* mr = nullptr;
    if (resp.shared_body) {
      auto* keep = new std::shared_ptr<const std::string>(std::move(resp.shared_body));
      mr = MHD_create_response_from_buffer_with_free_callback_cls(
          (*keep)->size(), const_cast<char*>((*keep)->data()),
          [](void* p) { delete static_cast<std::shared_ptr<const std::string>*>(p); }, keep);
      if (!mr) delete keep;
    } else {
      auto* keep = new std::string(std::move(resp.body));
      mr = MHD_create_response_from_buffer_with_free_callback_cls(
          keep->size(), keep->data(), [](void* p) { delete static_cast<std::string*>(p); }, keep);
      if (!mr) delete keep;
    }
    if (mr) {
      MHD_add_response_header(mr, "Content-Type", resp.content_type.c_str());
      for (const auto& [k, v] : resp.headers) MHD_add_response_header(mr, k.c_str(), v.c_str());
    } else {
      resp.status = 500;
      mr = text_response("internal error: out of memory\n");
    }
    finish(c, r, static_cast<unsigned>(resp.status), mr);
  }

  // Hands the answer back to the event thread; r is not touched after.
  void finish(MHD_Connection* c, Request* r, unsigned status, MHD_Response* mr) {
    r->status = status;
    r->response = mr;
    in_flight--;
    MHD_resume_connection(c);
  }

  void worker_loop(Worker* self) {
    pthread_setname_np(pthread_self(), "vigia-http");
    std::unique_lock lk(mu);
    while (!stopping) {  // stop() answers what is still queued
      Job job;
      if (!queue.empty()) {
        job = queue.front();
        queue.pop_front();
      } else {
        idle.push_back(self);
        self->cv.wait(lk, [&] { return stopping || self->job.has_value(); });
        if (!self->job) break;  // stopping; stop() clears `idle`
        job = *self->job;
        self->job.reset();
      }
      lk.unlock();
      run_handler(job.first, job.second);
      lk.lock();
    }
  }

  // Shuts down connections that have not delivered a request in time; the
  // event thread then sees the end of the stream and closes them.
  void sweep_loop() {
    pthread_setname_np(pthread_self(), "vigia-http-to");
    auto every =
        std::clamp(opts.read_timeout / 8, std::chrono::milliseconds(10), std::chrono::milliseconds(250));
    std::unique_lock lk(conns_mu);
    while (!sweep_stop) {
      sweep_cv.wait_for(lk, every);
      int64_t now = now_ms();
      for (Conn* conn : conns) {
        int64_t d = conn->deadline_ms.load();
        if (d <= now && conn->deadline_ms.compare_exchange_strong(d, kNoDeadline)) {
          shutdown(conn->fd, SHUT_RDWR);
          timeouts++;
        }
      }
    }
  }
};

HttpServer::HttpServer(Options opts) : opts_(std::move(opts)), impl_(std::make_unique<Impl>()) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::handle(std::string path, HttpHandler handler, size_t max_body_bytes) {
  impl_->handlers[std::move(path)] = Route{std::move(handler), max_body_bytes};
}

void HttpServer::handle_prefix(std::string prefix, HttpHandler handler, size_t max_body_bytes) {
  auto& v = impl_->prefixes;
  v.emplace_back(std::move(prefix), Route{std::move(handler), max_body_bytes});
  std::stable_sort(v.begin(), v.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
}

Status HttpServer::start() {
  std::string host;
  int port = 0;
  if (!split_listen_address(opts_.listen_address, host, port))
    return Status::error("invalid listen address \"" + opts_.listen_address + "\": want host:port or :port");
  int fd = -1;
  if (Status b = open_listener(host, port, opts_.listen_address, fd); !b.is_ok()) {
    std::string m = b.message();
    for (char& ch : m) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return Status::error(m);
  }
  Impl& im = *impl_;
  im.opts = opts_;
  im.opts.threads = std::max(1, opts_.threads);
  // Leave descriptors for the listener, collectors and clients of the process.
  long nofile = raise_nofile_limit();
  im.max_connections =
      static_cast<int>(std::clamp<long>(std::min<long>(opts_.max_connections, nofile - 128), 1, INT_MAX));
  // libmicrohttpd's inactivity timeout, in whole seconds, catches readers that
  // stop reading a response; a second later than the sweep, which catches slow
  // requests first (and counts them).
  auto timeout_s = static_cast<unsigned>((opts_.read_timeout.count() + 999) / 1000 + 1);
  size_t pool = opts_.max_header_bytes + 16384;
  unsigned limit = static_cast<unsigned>(im.max_connections) + 16;  // on_accept decides first
  unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME;
  std::vector<MHD_OptionItem> tls{{MHD_OPTION_END, 0, nullptr}};
  if (opts_.tls.enabled()) {
    if (Status ts = check_tls_options(opts_.tls); !ts.is_ok()) {
      close(fd);
      return ts;
    }
    flags |= MHD_USE_TLS;
    const HttpTlsOptions& t = im.opts.tls;
    auto str = [](const std::string& v) { return const_cast<char*>(v.c_str()); };
    tls = {{MHD_OPTION_HTTPS_MEM_KEY, 0, str(t.key_pem)}, {MHD_OPTION_HTTPS_MEM_CERT, 0, str(t.cert_pem)}};
    if (!t.priorities.empty()) tls.push_back({MHD_OPTION_HTTPS_PRIORITIES, 0, str(t.priorities)});
    if (!t.client_ca_pem.empty()) tls.push_back({MHD_OPTION_HTTPS_MEM_TRUST, 0, str(t.client_ca_pem)});
    tls.push_back({MHD_OPTION_END, 0, nullptr});
  }
  im.daemon = MHD_start_daemon(
      flags, 0, &Impl::on_accept, &im, &Impl::on_request, &im, MHD_OPTION_LISTEN_SOCKET, fd,
      MHD_OPTION_CONNECTION_LIMIT, limit, MHD_OPTION_CONNECTION_TIMEOUT, timeout_s,
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, pool, MHD_OPTION_NOTIFY_CONNECTION, &Impl::on_connection, &im,
      MHD_OPTION_NOTIFY_COMPLETED, &Impl::on_completed, &im, MHD_OPTION_URI_LOG_CALLBACK, &Impl::on_uri, &im,
      MHD_OPTION_ARRAY, tls.data(), MHD_OPTION_END);
  if (!im.daemon) {
    close(fd);
    return Status::error("listen tcp " + opts_.listen_address + ": cannot start the HTTP server");
  }
  port_ = bound_port(fd);
  im.stopping = false;
  im.sweep_stop = false;
  for (int i = 0; i < im.opts.threads; ++i) {
    auto w = std::make_unique<Impl::Worker>();
    Impl::Worker* wp = w.get();
    im.workers.push_back(std::move(w));
    wp->thread = std::thread([&im, wp] { im.worker_loop(wp); });
  }
  im.sweeper = std::thread([&im] { im.sweep_loop(); });
  return Status::ok();
}

void HttpServer::stop() {
  Impl& im = *impl_;
  if (!im.daemon) return;
  {
    std::lock_guard lk(im.mu);
    im.stopping = true;
  }
  for (auto& w : im.workers) w->cv.notify_all();
  for (auto& w : im.workers) w->thread.join();
  im.workers.clear();
  im.idle.clear();
  // libmicrohttpd must not be stopped with suspended connections.
  std::deque<std::pair<MHD_Connection*, Request*>> left;
  {
    std::lock_guard lk(im.mu);
    left.swap(im.queue);
  }
  for (auto [c, r] : left) im.finish(c, r, 503, text_response("shutting down\n"));
  // Let the event thread send what the handlers answered (it closes every
  // connection when stopped), a bounded time for readers that do not read.
  MHD_socket listener = MHD_quiesce_daemon(im.daemon);
  for (int i = 0; i < 400 && im.answering.load() > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  {
    std::lock_guard lk(im.conns_mu);
    im.sweep_stop = true;
  }
  im.sweep_cv.notify_all();
  im.sweeper.join();
  MHD_stop_daemon(im.daemon);  // closes every connection
  if (listener != MHD_INVALID_SOCKET) close(listener);
  im.daemon = nullptr;
}

HttpServer::Stats HttpServer::stats() const {
  const Impl& im = *impl_;
  Stats s;
  s.connections_accepted = im.accepted.load();
  s.connections_rejected = im.rejected.load();
  s.connections_open = im.open.load();
  s.read_timeouts = im.timeouts.load();
  s.requests_in_flight = im.in_flight.load();
  s.requests_limited = im.limited.load();
  s.tls_handshake_failures = im.tls_failures.load();
  std::lock_guard lk(im.counts_mu);
  for (const auto& [key, n] : im.counts) s.requests.push_back({key.first, key.second, n});
  return s;
}

void HttpServer::write_metrics(MetricSink& sink) const {
  Stats s = stats();
  sink.counter("vigia_http_connections_accepted_total", "HTTP connections accepted.",
               static_cast<double>(s.connections_accepted));
  sink.counter("vigia_http_connections_rejected_total",
               "HTTP connections closed at once because --web.max-connections were open.",
               static_cast<double>(s.connections_rejected));
  sink.gauge("vigia_http_connections_open", "HTTP connections open.",
             static_cast<double>(s.connections_open));
  sink.counter("vigia_http_read_timeouts_total",
               "HTTP connections closed because a request or the reading of a response took longer "
               "than --web.read-timeout.",
               static_cast<double>(s.read_timeouts));
  sink.gauge("vigia_http_requests_in_flight", "HTTP requests handled or waiting for a handler thread.",
             static_cast<double>(s.requests_in_flight));
  sink.counter("vigia_http_requests_limited_total",
               "HTTP requests answered 503 because --web.max-requests were in flight.",
               static_cast<double>(s.requests_limited));
  if (opts_.tls.enabled())
    sink.counter("vigia_http_tls_handshake_failures_total",
                 "TLS connections closed before their handshake completed (no or a rejected client "
                 "certificate, no common protocol version or cipher, not TLS, or closed early).",
                 static_cast<double>(s.tls_handshake_failures));
  if (opts_.guard) opts_.guard->write_metrics(sink);
  sink.family("vigia_http_requests_total", "HTTP requests answered, by handler and status code.",
              MetricType::kCounter);
  for (const auto& c : s.requests) {
    std::string code = std::to_string(c.code);
    sink.sample("vigia_http_requests_total", {{"code", code}, {"handler", c.handler}},
                static_cast<double>(c.value));
  }
}

}  // namespace vigia
