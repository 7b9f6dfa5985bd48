// webhook_configs: Alertmanager 0.25's notify/webhook. The payload is its
// Message (template.Data plus version "4", groupKey, truncatedAlerts), times
// as Go's time.Time JSON; an Idempotency-Key header carries the
// notification's key.
#include "alerting/notify/http_config_reader.h"
#include "alerting/notify/integrations.h"
#include "alerting/notify/integrations_internal.h"
#include "alerting/notify/alert_json.h"
#include "core/strconv.h"

namespace vigia::notify {
namespace {

void append_field(std::string& out, const char* key, std::string_view value, bool first = false) {
  if (!first) out += ',';
  out += '"';
  out += key;
  out += "\":";
  append_json_string(out, value);
}

void append_kv_field(std::string& out, const char* key, const promql::LabelSet& ls) {
  out += ",\"";
  out += key;
  out += "\":";
  append_label_object(out, ls);
}

class Webhook : public Integration {
 public:
  std::string_view kind() const override { return "webhook"; }
  bool send_resolved() const override { return send_resolved_; }
  DeliveryResult deliver(const Notification& n, const DeliveryContext& ctx) override {
    std::string url = url_;
    if (url.empty()) {
      DeliveryResult res;
      if (!read_url_file(url_file_, url, res.error)) return res;
    }
    return post_json(url, webhook_payload(n, max_alerts_), http_, ctx,
                     {{"Idempotency-Key", ctx.idempotency_key}}, {url_password(url)});
  }

  bool send_resolved_ = true;
  std::string url_, url_file_;
  uint64_t max_alerts_ = 0;
  HttpConfig http_;

 private:
  static std::string url_password(const std::string& url) {
    size_t s = url.find("://"), at = url.find('@'), slash = url.find('/', s + 3);
    if (s == std::string::npos || at == std::string::npos || (slash != std::string::npos && at > slash))
      return "";
    size_t colon = url.find(':', s + 3);
    if (colon == std::string::npos || colon > at) return "";
    return url.substr(colon + 1, at - colon - 1);
  }
};

}  // namespace

std::string webhook_payload(const Notification& n, uint64_t max_alerts) {
  // Written without a DOM (one per delivery): the fields in Alertmanager's order.
  alerting::MessageData d = message_data(n, max_alerts);
  uint64_t truncated = max_alerts && n.alerts.size() > max_alerts ? n.alerts.size() - max_alerts : 0;
  std::string out;
  out.reserve(768 * (d.alerts.size() + 1));
  out += '{';
  append_field(out, "receiver", d.receiver, true);
  append_field(out, "status", d.status);
  out += ",\"alerts\":[";
  for (size_t i = 0; i < d.alerts.size(); ++i) {
    const auto& a = d.alerts[i];
    const Alert& src = n.alerts[i];
    out += i ? ",{" : "{";
    append_field(out, "status", a.status, true);
    append_kv_field(out, "labels", a.labels);
    append_kv_field(out, "annotations", a.annotations);
    append_field(out, "startsAt", go_time_json(src.starts_at_ms));
    append_field(out, "endsAt", go_time_json(a.status == "firing" ? 0 : src.ends_at_ms));
    append_field(out, "generatorURL", a.generator_url);
    append_field(out, "fingerprint", a.fingerprint);
    out += '}';
  }
  out += ']';
  append_kv_field(out, "groupLabels", d.group_labels);
  append_kv_field(out, "commonLabels", d.common_labels);
  append_kv_field(out, "commonAnnotations", d.common_annotations);
  append_field(out, "externalURL", d.external_url);
  append_field(out, "version", "4");
  append_field(out, "groupKey", n.group_key);
  out += ",\"truncatedAlerts\":" + std::to_string(truncated) + "}\n";
  return out;
}

std::unique_ptr<Integration> make_webhook(const ItemContext& c) {
  c.r.check_keys(c.node, c.what, {"send_resolved", "http_config", "url", "url_file", "max_alerts"});
  auto w = std::make_unique<Webhook>();
  w->send_resolved_ = read_send_resolved(c, true);
  if (c.node["url"] && c.node["url_file"])
    c.r.fail(c.node["url_file"], "one of url or url_file must be configured");
  if (c.node["url"])
    w->url_ = read_url(c, "url");
  else if (c.node["url_file"])
    w->url_file_ = join_dir(c.dir, c.r.get_string(c.node["url_file"], c.what + ".url_file"));
  else
    c.r.fail(c.node, "one of url or url_file must be configured");
  if (c.node["max_alerts"])
    w->max_alerts_ =
        static_cast<uint64_t>(c.r.get_int(c.node["max_alerts"], c.what + ".max_alerts", 0, 1 << 30));
  w->http_ = c.node["http_config"]
                 ? read_http_config(c.r, c.node["http_config"], c.what + ".http_config", c.dir)
                 : c.g.http_config;
  return w;
}

}  // namespace vigia::notify
