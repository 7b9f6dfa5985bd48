#include "exporters/rabbitmq/config.h"

#include <re2/re2.h>

#include "core/target_list.h"

namespace vigia::rabbitmq {
namespace {

// Go's regexp syntax (RE2), as every other pattern of vigia and Prometheus.
std::shared_ptr<const re2::RE2> get_regex(const YamlReader& r, const YAML::Node& n, const std::string& what,
                                          std::string& text) {
  text = r.get_string(n, what);
  RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_shared<const re2::RE2>(text, opts);
  if (!re->ok()) r.fail(n, what + ": bad regular expression: " + re->error());
  return re;
}

}  // namespace

bool TargetConfig::wants(const std::string& queue) const {
  if (include_re && !RE2::FullMatch(queue, *include_re)) return false;
  if (exclude_re && RE2::FullMatch(queue, *exclude_re)) return false;
  return true;
}

std::vector<TargetConfig> read_targets(const YamlReader& r, const YAML::Node& n, std::string_view section) {
  std::vector<TargetConfig> out;
  static const std::vector<std::string_view> kKeys = {
      "name",          "url",           "username",   "password_file", "password_env", "per_object",
      "queue_include", "queue_exclude", "max_queues", "page_size",     "queue_stats"};
  r.read_named_list(
      n, section, "target", kKeys,
      [&](const YAML::Node& item, const std::string& what, const std::string& name) {
        TargetConfig t;
        t.name = name;
        if (!item["url"]) r.fail(item, what + ": missing key 'url'");
        t.url = r.get_http_url(item["url"], what + ".url",
                               "expected the http:// or https:// URL of the management API");
        if (t.url.find_first_of("?#") != std::string::npos)
          r.fail(item["url"], what + ".url: expected a base URL without ? or #");
        while (!t.url.empty() && t.url.back() == '/') t.url.pop_back();
        t.password = read_basic_auth(r, item, what, t.username);
        if (item["per_object"]) t.per_object = r.get_bool(item["per_object"], what + ".per_object");
        if (item["queue_include"])
          t.include_re = get_regex(r, item["queue_include"], what + ".queue_include", t.queue_include);
        if (item["queue_exclude"])
          t.exclude_re = get_regex(r, item["queue_exclude"], what + ".queue_exclude", t.queue_exclude);
        if (item["max_queues"])
          t.max_queues = r.get_int(item["max_queues"], what + ".max_queues", 1, 1000000);
        if (item["page_size"]) t.page_size = r.get_int(item["page_size"], what + ".page_size", 0, 500);
        if (item["queue_stats"]) t.queue_stats = r.get_bool(item["queue_stats"], what + ".queue_stats");
        out.push_back(std::move(t));
      });
  return out;
}

Status parse_targets(const std::string& file, const std::string& yaml, std::vector<TargetConfig>& out) {
  return parse_target_list<TargetConfig>(file, yaml, "rabbitmq", read_targets, out);
}

}  // namespace vigia::rabbitmq
