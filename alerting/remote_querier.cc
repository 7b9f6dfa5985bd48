#include "alerting/remote_querier.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

// nlohmann's parser rather than one of our own: the API's answers carry any
// label value, with every JSON escape and \u surrogate pair, and a full
// parser is tested already (Debian's nlohmann-json3-dev, header-only).
#include <nlohmann/json.hpp>

#include "alerting/promql/printer.h"
#include "core/http_client.h"
#include "core/text.h"

namespace vigia::alerting {

using nlohmann::json;

std::string format_float_f(double v) { return promql::format_number(v); }

namespace {

struct BadAnswer {
  std::string what;
};

double value_of(const json& pair) {
  // [<unix seconds>, "<value>"]
  if (!pair.is_array() || pair.size() != 2 || !pair[1].is_string())
    throw BadAnswer{"malformed sample " + pair.dump()};
  const std::string& s = pair[1].get_ref<const std::string&>();
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);  // also "NaN", "+Inf", "-Inf"
  if (s.empty() || end != s.c_str() + s.size()) throw BadAnswer{"malformed sample value \"" + s + "\""};
  return v;
}

int64_t time_of(const json& pair) {
  if (!pair[0].is_number()) throw BadAnswer{"malformed sample time " + pair.dump()};
  return int64_t(std::llround(pair[0].get<double>() * 1000));
}

promql::LabelSet labels_of(const json& metric) {
  if (!metric.is_object()) throw BadAnswer{"malformed metric " + metric.dump()};
  promql::LabelSet ls;
  for (const auto& [k, v] : metric.items()) {
    if (!v.is_string()) throw BadAnswer{"malformed label " + k};
    ls.emplace_back(k, v.get<std::string>());
  }
  std::sort(ls.begin(), ls.end());  // already sorted by std::map; made sure
  return ls;
}

}  // namespace

promql::QueryResult parse_query_response(std::string_view body, long status, int64_t t_ms,
                                         std::string_view where) {
  promql::QueryResult r;
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    std::string snippet(body.substr(0, 200));
    r.error = std::string(where) + ": server returned HTTP status " + std::to_string(status) +
              (snippet.empty() ? "" : ": " + snippet);
    return r;
  }
  try {
    std::string st = j.value("status", "");
    if (st == "error") {
      std::string type = j.value("errorType", "");
      std::string msg = j.value("error", "unknown error");
      r.error = type.empty() ? msg : type + ": " + msg;
      return r;
    }
    if (st != "success") throw BadAnswer{"status \"" + st + "\""};
    const json& data = j.at("data");
    std::string type = data.at("resultType").get<std::string>();
    const json& res = data.at("result");
    if (type == "vector") {
      r.type = promql::ValueType::kVector;
      for (const auto& s : res) {
        r.vector.push_back(promql::Sample{labels_of(s.at("metric")), value_of(s.at("value")), t_ms});
      }
    } else if (type == "scalar") {
      r.type = promql::ValueType::kScalar;
      r.scalar = value_of(res);
    } else if (type == "string") {
      r.type = promql::ValueType::kString;
      if (!res.is_array() || res.size() != 2 || !res[1].is_string())
        throw BadAnswer{"malformed string result"};
      r.str = res[1].get<std::string>();
    } else if (type == "matrix") {
      r.type = promql::ValueType::kMatrix;
      for (const auto& s : res) {
        promql::Series series{labels_of(s.at("metric")), {}};
        for (const auto& p : s.at("values")) series.points.push_back({time_of(p), value_of(p)});
        r.matrix.push_back(std::move(series));
      }
    } else {
      throw BadAnswer{"unknown resultType \"" + type + "\""};
    }
  } catch (const BadAnswer& e) {
    r = {};
    r.error = std::string(where) + ": unexpected answer: " + e.what;
  } catch (const json::exception& e) {
    r = {};
    r.error = std::string(where) + ": unexpected answer: " + e.what();
  }
  return r;
}

RemoteQuerier::RemoteQuerier(RemoteQuerierOptions opts) : opts_(std::move(opts)) {
  endpoint_ = opts_.url;
  while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
  endpoint_ += "/api/v1/query";
}

RemoteQuerier::~RemoteQuerier() = default;

std::unique_ptr<HttpClient> RemoteQuerier::take_client() {
  std::lock_guard lock(mu_);
  std::unique_ptr<HttpClient> c;
  if (idle_.empty()) {
    c = std::make_unique<HttpClient>();
  } else {
    c = std::move(idle_.back());
    idle_.pop_back();
  }
  if (interrupted_) c->interrupt();
  busy_.push_back(c.get());
  return c;
}

void RemoteQuerier::give_back(std::unique_ptr<HttpClient> c) {
  std::lock_guard lock(mu_);
  busy_.erase(std::find(busy_.begin(), busy_.end(), c.get()));
  idle_.push_back(std::move(c));
}

void RemoteQuerier::interrupt() {
  std::lock_guard lock(mu_);
  interrupted_ = true;
  for (HttpClient* c : busy_) c->interrupt();
  for (auto& c : idle_) c->interrupt();
}

promql::QueryResult RemoteQuerier::query(const promql::Expr&, std::string_view text, int64_t t_ms) {
  promql::QueryResult r = query_text(text, t_ms);
  // A rule's runtime error reads as the same rule's error in Prometheus
  // (its engine's message); other kinds (bad_data, timeout) keep their type.
  constexpr std::string_view kExecution = "execution: ";
  if (r.error.compare(0, kExecution.size(), kExecution) == 0) r.error.erase(0, kExecution.size());
  return r;
}

promql::QueryResult RemoteQuerier::query_text(std::string_view text, int64_t t_ms) {
  HttpClientRequest req;
  req.method = "POST";
  req.url = endpoint_;
  req.timeout = opts_.timeout;
  req.headers = opts_.headers;
  req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  req.headers.emplace_back("Accept", "application/json");
  std::string time = format_float_f(double(t_ms) / 1000);
  // Seconds as a float: the API also takes "10s", but not "0.5s".
  std::string timeout = format_float_f(double(opts_.timeout.count()) / 1000);
  req.body = "query=" + query_escape(text) + "&time=" + time + "&timeout=" + query_escape(timeout);
  auto client = take_client();
  HttpClientResponse resp = client->fetch(req);
  give_back(std::move(client));
  if (!resp.ok()) {
    promql::QueryResult r;
    r.error = resp.error;  // names the redacted URL
    return r;
  }
  return parse_query_response(resp.body, resp.status, t_ms, redact_url(endpoint_));
}

}  // namespace vigia::alerting
