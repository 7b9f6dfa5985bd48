// Instant queries over a Prometheus-compatible HTTP API (Prometheus, Thanos,
// Mimir, VictoriaMetrics): what rules evaluate against when vigia runs beside
// a Prometheus rather than on its embedded store.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "alerting/querier.h"

namespace vigia {
class HttpClient;
}

namespace vigia::alerting {

struct RemoteQuerierOptions {
  // The API's base URL, e.g. http://prometheus:9090 or
  // https://user:pass@mimir.example.org/prometheus (basic auth in the URL is
  // used and never shown: errors print user:xxxxx@).
  std::string url;
  std::chrono::milliseconds timeout{10000};
  // Extra request headers (X-Scope-OrgID for Mimir...).
  std::vector<std::pair<std::string, std::string>> headers;
};

// Sends each query as POST <url>/api/v1/query with `query` and `time`, and a
// `timeout` for the server. Results keep the API's order, with each label set
// sorted by name; vector samples carry the evaluation time. Errors:
// "bad_data: 1:5: parse error: ..." (the API's errorType and error),
// transport failures and unexpected answers, each naming the redacted URL.
//
// Thread-safe: concurrent queries use separate connections.
class RemoteQuerier final : public Querier {
 public:
  explicit RemoteQuerier(RemoteQuerierOptions opts);
  ~RemoteQuerier() override;
  RemoteQuerier(const RemoteQuerier&) = delete;
  RemoteQuerier& operator=(const RemoteQuerier&) = delete;

  // Sends `text`; `expr` is not used (the server parses the text). A
  // runtime error of the server's engine comes without its "execution: "
  // type, so a rule's error reads as it does in Prometheus.
  promql::QueryResult query(const promql::Expr& expr, std::string_view text, int64_t t_ms) override;
  promql::QueryResult query_text(std::string_view text, int64_t t_ms);
  // For shutdown, from any thread: queries in flight return now with an
  // error ("... interrupted"), later ones fail at once. Irreversible.
  void interrupt();

 private:
  std::unique_ptr<HttpClient> take_client();
  void give_back(std::unique_ptr<HttpClient> c);

  RemoteQuerierOptions opts_;
  std::string endpoint_;  // <url>/api/v1/query
  std::mutex mu_;
  std::vector<std::unique_ptr<HttpClient>> idle_;
  std::vector<HttpClient*> busy_;  // clients taken, under mu_
  bool interrupted_ = false;       // under mu_
};

// Parses an /api/v1/query answer (a pure function, for tests). `status` is
// the HTTP status; `t_ms` the evaluation time given to vector samples.
// `where` names the server in errors.
promql::QueryResult parse_query_response(std::string_view body, long status, int64_t t_ms,
                                         std::string_view where);

// Go's strconv.FormatFloat(v, 'f', -1, 64): shortest round-trip decimal
// without exponent; "NaN", "+Inf", "-Inf". (promql::format_number.)
std::string format_float_f(double v);

}  // namespace vigia::alerting
