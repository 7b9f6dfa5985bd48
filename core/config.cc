#include "core/config.h"

#include <cmath>
#include <fstream>
#include <sstream>

#include "core/fs.h"
#include "core/tls_options.h"
#include "core/yaml_reader.h"

namespace vigia {
namespace {

bool is_threshold_name(const std::string& s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  return true;
}

// alerting.thresholds: {name: number}. Whether a rule reads each name is
// checked once the rules are loaded (alerting::check_thresholds).
void read_thresholds(const YamlReader& r, const YAML::Node& n, std::vector<AlertThreshold>& out) {
  r.expect_map(n, "alerting.thresholds");
  for (const auto& kv : n) {
    std::string name = r.get_string(kv.first, "alerting.thresholds key");
    if (!is_threshold_name(name))
      r.fail(kv.first, "alerting.thresholds: '" + name + "' is not a threshold name (letters, digits, _)");
    for (const auto& t : out)
      if (t.name == name) r.fail(kv.first, "duplicate key '" + name + "' in alerting.thresholds");
    double v = r.get_double(kv.second, "alerting.thresholds." + name);
    if (!std::isfinite(v)) r.fail(kv.second, "alerting.thresholds." + name + ": expected a finite number");
    out.push_back({name, v, r.where(kv.first)});
  }
}

// alerting.alertmanagers: [{url, timeout, basic_auth, tls_config}], the
// Alertmanagers vigia forwards its alerts to (Prometheus's alertmanager_config,
// one URL per entry instead of static_configs, scheme and path_prefix).
void read_alertmanagers(const YamlReader& r, const YAML::Node& n, std::vector<AlertmanagerTarget>& out) {
  if (n.IsNull()) return;
  if (!n.IsSequence()) r.fail(n, "alerting.alertmanagers must be a list of {url: ...}");
  for (const auto& am : n) {
    const std::string what = "alerting.alertmanagers[" + std::to_string(out.size()) + "]";
    r.expect_map(am, what);
    r.check_keys(am, what, {"url", "timeout", "basic_auth", "tls_config"});
    AlertmanagerTarget t;
    if (!am["url"]) r.fail(am, what + ": missing key 'url'");
    t.url = r.get_http_url(am["url"], what + ".url", "expected an http:// or https:// URL");
    if (t.url.find_first_of("?#") != std::string::npos)
      r.fail(am["url"], what + ".url: expected no query or fragment (vigia POSTs to <url>/api/v2/alerts)");
    while (t.url.back() == '/') t.url.pop_back();
    for (const auto& o : out)
      if (o.url == t.url) r.fail(am["url"], what + ".url: duplicate Alertmanager " + t.url);
    if (am["timeout"]) {
      t.timeout_seconds = r.get_duration_seconds(am["timeout"], what + ".timeout");
      if (t.timeout_seconds <= 0) r.fail(am["timeout"], what + ".timeout must be positive");
    }
    if (YAML::Node ba = am["basic_auth"]) {
      const std::string w = what + ".basic_auth";
      r.expect_map(ba, w);
      r.check_keys(ba, w, {"username", "password", "password_file", "password_env"});
      if (ba["username"]) t.username = r.get_string(ba["username"], w + ".username");
      if (ba["password"]) t.password = r.get_string(ba["password"], w + ".password");
      t.password_ref = read_secret_ref(r, ba, w);
      if (ba["password"] && !t.password_ref.empty())
        r.fail(ba["password"], w + ": give one of password, password_file or password_env");
      if (t.username.empty()) r.fail(ba, w + ": missing key 'username'");
    }
    if (YAML::Node tls = am["tls_config"]) t.tls = read_tls_client_options(r, tls, what + ".tls_config");
    out.push_back(std::move(t));
  }
}

void read_alerting(const YamlReader& r, const YAML::Node& n, AlertingConfig& out) {
  r.expect_map(n, "alerting");
  r.check_keys(n, "alerting",
               {"rule_files", "evaluation_interval", "state_file", "query_url", "scrape", "external_labels",
                "thresholds", "resend_delay", "alertmanagers"});
  if (!n.IsMap()) return;
  if (n["rule_files"]) out.rule_files = r.get_string_list(n["rule_files"], "alerting.rule_files");
  if (n["evaluation_interval"]) {
    out.evaluation_interval_seconds =
        r.get_duration_seconds(n["evaluation_interval"], "alerting.evaluation_interval");
    if (out.evaluation_interval_seconds <= 0)
      r.fail(n["evaluation_interval"], "alerting.evaluation_interval must be positive");
  }
  if (n["resend_delay"]) {
    out.resend_delay_seconds = r.get_duration_seconds(n["resend_delay"], "alerting.resend_delay");
    if (out.resend_delay_seconds <= 0) r.fail(n["resend_delay"], "alerting.resend_delay must be positive");
  }
  if (YAML::Node am = n["alertmanagers"]) read_alertmanagers(r, am, out.alertmanagers);
  if (n["state_file"]) out.state_file = r.get_string(n["state_file"], "alerting.state_file");
  if (n["query_url"]) {
    out.query_url = r.get_string(n["query_url"], "alerting.query_url");
    if (out.query_url.rfind("http://", 0) != 0 && out.query_url.rfind("https://", 0) != 0)
      r.fail(n["query_url"], "alerting.query_url must be an http:// or https:// URL");
  }
  if (YAML::Node th = n["thresholds"]) read_thresholds(r, th, out.thresholds);
  if (YAML::Node el = n["external_labels"]) {
    r.expect_map(el, "alerting.external_labels");
    for (const auto& kv : el) {
      std::string name = r.get_string(kv.first, "alerting.external_labels key");
      out.external_labels.emplace_back(name, r.get_string(kv.second, "alerting.external_labels." + name));
    }
  }
  if (YAML::Node sc = n["scrape"]) {
    if (!sc.IsSequence()) r.fail(sc, "alerting.scrape must be a list of jobs");
    for (const auto& j : sc) {
      r.expect_map(j, "alerting.scrape[]");
      r.check_keys(j, "alerting.scrape[]", {"job", "urls", "interval", "timeout"});
      ScrapeJobConfig job;
      if (!j["job"]) r.fail(j, "alerting.scrape[]: missing key 'job'");
      job.job = r.get_string(j["job"], "alerting.scrape[].job");
      if (!j["urls"]) r.fail(j, "alerting.scrape[]: missing key 'urls'");
      job.urls = r.get_string_list(j["urls"], "alerting.scrape[].urls");
      for (size_t i = 0; i < job.urls.size(); ++i) {
        const std::string& u = job.urls[i];
        if (u.rfind("http://", 0) != 0 && u.rfind("https://", 0) != 0)
          r.fail(j["urls"][i], "alerting.scrape[].urls: '" + u + "' is not an http:// or https:// URL");
      }
      if (j["interval"])
        job.interval_seconds = r.get_duration_seconds(j["interval"], "alerting.scrape[].interval");
      if (j["timeout"])
        job.timeout_seconds = r.get_duration_seconds(j["timeout"], "alerting.scrape[].timeout");
      out.scrape.push_back(std::move(job));
    }
  }
}

}  // namespace

Status load_config_text(const std::string& text, const std::string& name,
                        const std::vector<std::string>& sections, Config& out) {
  YamlReader r(name);
  try {
    YAML::Node root = YAML::Load(text);
    Config cfg;
    cfg.file = name;
    if (root.IsNull()) {  // an empty file: every default
      out = std::move(cfg);
      return Status::ok();
    }
    if (!root.IsMap()) r.fail(root, "expected a mapping at the top level");
    std::vector<std::string_view> keys(sections.begin(), sections.end());
    keys.push_back("alerting");
    r.check_keys(root, "the top level", keys);
    for (const auto& kv : root)
      if (kv.first.Scalar() != "alerting") cfg.sections.emplace_back(kv.first.Scalar(), kv.second);
    if (root["alerting"]) read_alerting(r, root["alerting"], cfg.alerting);
    out = std::move(cfg);
    return Status::ok();
  } catch (const ConfigError& e) {
    return Status::error(e.what());
  } catch (const YAML::Exception& e) {
    return Status::error(yaml_error_message(name, e));
  }
}

Status load_config_file(const std::string& path, const std::vector<std::string>& sections, Config& out) {
  std::string text;
  Status st = read_file(path, text);
  if (!st.is_ok()) return st;
  return load_config_text(text, path, sections, out);
}

}  // namespace vigia
