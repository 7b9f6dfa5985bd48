#include "alerting/notify/silence_command.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "alerting/notify/alert_json.h"
#include "alerting/notify/matcher.h"
#include "core/http_client.h"
#include "core/text.h"

namespace vigia::notify {
namespace {

using json = nlohmann::json;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

HttpClientResponse call(const std::string& method, const std::string& url, const std::string& body = "") {
  HttpClient client;
  HttpClientRequest req;
  req.method = method;
  req.url = url;
  req.body = body;
  if (!body.empty()) req.headers.emplace_back("Content-Type", "application/json");
  return client.fetch(req);
}

// The API's error: its JSON string payload, or the transport error.
std::string failure(const HttpClientResponse& r) {
  if (!r.ok()) return r.error;
  json j = json::parse(r.body, nullptr, false);
  std::string msg = j.is_string() ? j.get<std::string>() : r.body;
  return "[" + std::to_string(r.status) + "] " + msg;
}

int add(const SilenceCommand& c, const std::vector<std::string>& ops, std::string& out, std::string& err) {
  if (ops.empty()) {
    err = "vigia: error: no matchers specified\n";
    return 2;
  }
  json matchers = json::array();
  for (size_t i = 0; i < ops.size(); ++i) {
    Matcher m;
    std::string e;
    // amtool: a first operand without an operator is the alert name.
    std::string text = ops[i];
    if (i == 0 && text.find_first_of("=!~") == std::string::npos) text = "alertname=" + text;
    if (!parse_matcher(text, m, e)) {
      err = "vigia: error: " + e + "\n";
      return 2;
    }
    matchers.push_back({{"name", m.name()},
                        {"value", m.value()},
                        {"isRegex", m.type() == MatchType::kRegexp || m.type() == MatchType::kNotRegexp},
                        {"isEqual", m.type() == MatchType::kEqual || m.type() == MatchType::kRegexp}});
  }
  int64_t dur = 0;
  if (parse_duration_ms(c.duration, dur) != DurationParse::kOk || dur <= 0) {
    err = "vigia: error: --duration: invalid duration \"" + c.duration + "\"\n";
    return 2;
  }
  if (c.comment.empty()) {
    err = "vigia: error: comment required by config\n";
    return 2;
  }
  std::string author = c.author;
  if (author.empty() && std::getenv("USER")) author = std::getenv("USER");
  int64_t start = now_ms();
  json s = {{"matchers", matchers},
            {"startsAt", api_time(start)},
            {"endsAt", api_time(start + dur)},
            {"createdBy", author},
            {"comment", c.comment}};
  HttpClientResponse r = call("POST", c.url + "/api/v2/silences", s.dump());
  if (!r.ok() || r.status != 200) {
    err = "vigia: error: " + failure(r) + "\n";
    return 1;
  }
  json j = json::parse(r.body, nullptr, false);
  if (!j.is_object() || !j.contains("silenceID") || !j["silenceID"].is_string()) {
    err = "vigia: error: unexpected answer: " + r.body + "\n";
    return 1;
  }
  out = j["silenceID"].get<std::string>() + "\n";
  return 0;
}

int query(const SilenceCommand& c, const std::vector<std::string>& ops, std::string& out, std::string& err) {
  std::string url = c.url + "/api/v2/silences";
  for (size_t i = 0; i < ops.size(); ++i) {
    std::string text = ops[i];
    if (i == 0 && text.find_first_of("=!~") == std::string::npos) text = "alertname=" + text;
    url += (i == 0 ? "?" : "&") + std::string("filter=") + query_escape(text);
  }
  HttpClientResponse r = call("GET", url);
  if (!r.ok() || r.status != 200) {
    err = "vigia: error: " + failure(r) + "\n";
    return 1;
  }
  json list = json::parse(r.body, nullptr, false);
  if (!list.is_array()) {
    err = "vigia: error: unexpected answer\n";
    return 1;
  }
  std::vector<std::vector<std::string>> rows;
  if (!c.quiet) rows.push_back({"ID", "Matchers", "Ends At", "Created By", "Comment"});
  for (const auto& s : list) {
    // As amtool: only silences not yet expired.
    if (s.value("status", json::object()).value("state", "") == "expired") continue;
    if (c.quiet) {
      out += s.value("id", "") + "\n";
      continue;
    }
    std::string ms;
    for (const auto& m : s.value("matchers", json::array())) {
      bool re = m.value("isRegex", false), eq = m.value("isEqual", true);
      ms += (ms.empty() ? "" : " ") + m.value("name", "") + (re ? (eq ? "=~" : "!~") : (eq ? "=" : "!=")) +
            m.value("value", "");
    }
    rows.push_back(
        {s.value("id", ""), ms, s.value("endsAt", ""), s.value("createdBy", ""), s.value("comment", "")});
  }
  if (!c.quiet) {
    std::vector<size_t> width(5, 0);
    for (const auto& row : rows)
      for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
    for (const auto& row : rows) {
      std::string line;
      for (size_t i = 0; i < row.size(); ++i)
        line += row[i] + (i + 1 < row.size() ? std::string(width[i] - row[i].size() + 2, ' ') : "");
      out += line + "\n";
    }
  }
  return 0;
}

int expire(const SilenceCommand& c, const std::vector<std::string>& ops, std::string& err) {
  if (ops.empty()) {
    err = "vigia: error: no silence IDs specified\n";
    return 2;
  }
  for (const auto& id : ops) {
    HttpClientResponse r = call("DELETE", c.url + "/api/v2/silence/" + query_escape(id));
    if (!r.ok() || r.status != 200) {
      err = "vigia: error: " + failure(r) + "\n";
      return 1;
    }
  }
  return 0;
}

}  // namespace

int run_silence_command(const SilenceCommand& c, std::string& out, std::string& err) {
  if (c.args.empty()) {
    err = "vigia: error: usage: vigia silence add|query|expire ...\n";
    return 2;
  }
  std::vector<std::string> ops(c.args.begin() + 1, c.args.end());
  const std::string& sub = c.args[0];
  if (sub == "add") return add(c, ops, out, err);
  if (sub == "query") return query(c, ops, out, err);
  if (sub == "expire") return expire(c, ops, err);
  err = "vigia: error: unknown silence command \"" + sub + "\"\n";
  return 2;
}

}  // namespace vigia::notify
