#include "alerting/notify/integrations.h"

#include "alerting/notify/http_config_reader.h"
#include "alerting/notify/integrations_internal.h"
#include "core/fs.h"
#include "core/text.h"

namespace vigia::notify {

void refuse_keys(const ItemContext& c, std::initializer_list<std::string_view> unsupported) {
  for (std::string_view k : unsupported)
    if (c.node[std::string(k)])
      c.r.fail(c.node[std::string(k)],
               "'" + std::string(k) + "' in " + c.what + " is not supported by vigia");
}

bool read_send_resolved(const ItemContext& c, bool def) {
  if (!c.node["send_resolved"]) return def;
  return c.r.get_bool(c.node["send_resolved"], c.what + ".send_resolved");
}

std::string read_string(const ItemContext& c, const char* key, const std::string& def) {
  if (!c.node[key]) return def;
  return c.r.get_string(c.node[key], c.what + "." + key);
}

std::string read_url(const ItemContext& c, const char* key) {
  std::string u = c.r.get_string(c.node[key], c.what + "." + key);
  if (u.rfind("http://", 0) != 0 && u.rfind("https://", 0) != 0)
    c.r.fail(c.node[key], c.what + "." + key + ": unsupported scheme (http or https expected)");
  if (u.find("://") + 3 >= u.size() || u[u.find("://") + 3] == '/')
    c.r.fail(c.node[key], c.what + "." + key + ": no host in the URL");
  return u;
}

bool read_url_file(const std::string& file, std::string& url, std::string& err) {
  std::string text;
  Status s = read_file(file, text);
  if (!s.is_ok()) {
    err = file + ": cannot read the URL file";
    return false;
  }
  url = std::string(trim(text));
  if (url.empty()) {
    err = file + ": the URL file is empty";
    return false;
  }
  return true;
}

std::string scrub(std::string s, const std::vector<std::string>& secrets) {
  for (const auto& sec : secrets) {
    if (sec.size() < 4) continue;  // too short to search for safely
    for (size_t p; (p = s.find(sec)) != std::string::npos;) s.replace(p, sec.size(), "<secret>");
  }
  return s;
}

DeliveryResult post_json(const std::string& url, const std::string& body, const HttpConfig& hc,
                         const DeliveryContext& ctx, std::vector<std::pair<std::string, std::string>> headers,
                         const std::vector<std::string>& secrets, std::initializer_list<long> retry_codes) {
  DeliveryResult res;
  HttpClientRequest req;
  req.method = "POST";
  req.url = url;
  req.body = body;
  req.timeout = ctx.timeout;
  req.accept_gzip = false;
  req.max_body_bytes = 1 << 20;
  req.headers = std::move(headers);
  req.headers.emplace_back("Content-Type", "application/json");
  std::string err;
  if (!apply_http_config(hc, req, err)) {
    res.error = err;
    return res;
  }
  std::vector<std::string> all = secrets;
  for (const auto& [k, v] : req.headers)
    if (k == "Authorization") all.push_back(v.substr(v.find(' ') + 1));
  // One client per delivery thread (each integration has its own), so that
  // its connections are kept alive from one notification to the next.
  thread_local HttpClient client;
  HttpClientResponse resp = client.fetch(req);
  if (!resp.ok()) {
    res.retryable = true;
    res.error = scrub(resp.error, all);
    return res;
  }
  res.detail = "HTTP " + std::to_string(resp.status);
  if (resp.status / 100 == 2) {
    res.ok = true;
    return res;
  }
  res.retryable = resp.status / 100 == 5;
  for (long code : retry_codes) res.retryable |= resp.status == code;
  std::string b = resp.body.substr(0, 512);
  res.error =
      scrub("unexpected status code " + std::to_string(resp.status) + (b.empty() ? "" : ": " + b), all);
  return res;
}

Status make_integrations(const YamlReader& r, const ReceiverConfig& rc, const GlobalConfig& g,
                         const std::string& config_dir, const TemplateSet& tmpl,
                         std::vector<std::unique_ptr<Integration>>& out) {
  for (const auto& item : rc.integrations) {
    std::string what = "receivers[" + rc.name + "]." + item.key + "[" + std::to_string(item.index) + "]";
    r.expect_map(item.node, what);
    ItemContext c{r, item.node, what, g, config_dir, tmpl};
    if (item.key == "webhook_configs")
      out.push_back(make_webhook(c));
    else if (item.key == "email_configs")
      out.push_back(make_email(c));
    else if (item.key == "slack_configs")
      out.push_back(make_slack(c));
    else if (item.key == "telegram_configs")
      out.push_back(make_telegram(c));
    else if (item.key == "discord_configs")
      out.push_back(make_discord(c));
    else if (item.key == "exec_configs")
      out.push_back(make_exec(c));
    else
      r.fail(item.node, "'" + item.key + "' is not supported by vigia");
  }
  return Status::ok();
}

}  // namespace vigia::notify
