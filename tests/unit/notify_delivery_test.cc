// The notifier's delivery side (alerting/notify/integrations.h,
// notify_template.h): Alertmanager 0.25's template data and functions, the
// integrations' config errors, the webhook payload's shape, exec's argv and
// environment (shell metacharacters stay data) and its rate limit. The
// payload is compared with Alertmanager's own in
// tests/integration/test_notify_delivery.py.
#include <catch.hpp>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "alerting/notify/integrations.h"

using namespace vigia;
using namespace vigia::notify;

namespace {

Alert alert(LabelSet labels, LabelSet annotations = {}, int64_t starts = 1700000000123, int64_t ends = 0) {
  Alert a;
  a.labels = std::move(labels);
  a.annotations = std::move(annotations);
  a.starts_at_ms = starts;
  a.ends_at_ms = ends;
  a.generator_url = "http://prom/graph?g0.expr=up";
  return a;
}

Notification sample() {
  Notification n;
  n.receiver = "ops.team";
  n.group_key = "{}:{alertname=\"HighLoad\"}";
  n.group_labels = {{"alertname", "HighLoad"}};
  n.now_ms = 1700000600000;
  n.external_url = "http://vigia:9093";
  n.alerts.push_back(alert({{"alertname", "HighLoad"}, {"instance", "a:9100"}, {"severity", "page"}},
                           {{"summary", "load high"}}));
  n.alerts.push_back(alert({{"alertname", "HighLoad"}, {"instance", "b:9100"}, {"severity", "page"}},
                           {{"summary", "load high"}, {"value", "3"}}, 1700000000000, 1700000500000));
  return n;
}

std::string expand(const std::string& text, const Notification& n = sample()) {
  TemplateSet t;
  std::string out, err;
  if (!t.expand(text, message_data(n), out, err)) return "ERROR: " + err;
  return out;
}

struct Built {
  std::string error;
  std::vector<std::unique_ptr<Integration>> integrations;
};

Built build(const std::string& yaml, const TemplateSet& tmpl, const std::string& file = "am.yml") {
  Built b;
  YamlReader r(file);
  GlobalConfig g;
  g.smtp_from = "vigia@example.org";
  g.smtp_smarthost = "127.0.0.1:2525";
  ReceiverConfig rc;
  rc.name = "ops";
  YAML::Node root = YAML::Load(yaml);
  for (const auto& kv : root)
    for (size_t i = 0; i < kv.second.size(); ++i)
      rc.integrations.push_back({kv.first.as<std::string>(), i, kv.second[i]});
  try {
    Status s = make_integrations(r, rc, g, "/tmp", tmpl, b.integrations);
    if (!s.is_ok()) b.error = s.message();
  } catch (const ConfigError& e) {
    b.error = e.what();
  }
  return b;
}

}  // namespace

TEST_CASE("template data: Alertmanager's fields and methods") {
  CHECK(expand("{{ .Receiver }}") == "ops\\.team");  // regexp.QuoteMeta, as Alertmanager's Data
  CHECK(expand("{{ .Status }}") == "firing");
  CHECK(expand("{{ len .Alerts }} {{ len .Alerts.Firing }} {{ len .Alerts.Resolved }}") == "2 1 1");
  CHECK(expand("{{ range .Alerts.Resolved }}{{ .Labels.instance }} {{ .Status }}{{ end }}") ==
        "b:9100 resolved");
  CHECK(
      expand("{{ .GroupLabels.alertname }}|{{ .CommonLabels.severity }}|{{ .CommonAnnotations.summary }}") ==
      "HighLoad|page|load high");
  CHECK(expand("{{ .CommonAnnotations.value }}") == "");  // not common
  CHECK(expand("{{ .ExternalURL }}") == "http://vigia:9093");
  // SortedPairs puts alertname first.
  Notification n = sample();
  n.alerts.resize(1);
  n.alerts[0].labels = {{"a", "1"}, {"alertname", "X"}, {"z", "2"}};
  CHECK(expand("{{ range (index .Alerts 0).Labels.SortedPairs }}{{ .Name }}={{ .Value }},{{ end }}", n) ==
        "alertname=X,a=1,z=2,");
  CHECK(expand("{{ (index .Alerts 0).Labels.Names | join \" \" }}", n) == "alertname a z");
  CHECK(expand("{{ (index .Alerts 0).Labels.Values | join \"+\" }}", n) == "X+1+2");
  CHECK(expand("{{ with (index .Alerts 0).Labels.Remove (stringSlice \"a\" \"z\") }}{{ .Names }}{{ end }}",
               n) == "[alertname]");
  CHECK(expand("{{ (index .Alerts 0).Fingerprint }}", n) ==
        fingerprint_string(fingerprint(n.alerts[0].labels)));
  CHECK(expand("{{ (index .Alerts 0).StartsAt.Format \"2006-01-02T15:04:05.000Z07:00 Mon Jan 2\" }}") ==
        "2023-11-14T22:13:20.123Z Tue Nov 14");
  CHECK(expand("{{ (index .Alerts 0).EndsAt.IsZero }} {{ (index .Alerts 1).EndsAt.Unix }}") ==
        "true 1700000500");
  CHECK(expand("{{ (index .Alerts 0).EndsAt }}") == "0001-01-01 00:00:00 +0000 UTC");
  // fmt's %v of the values: slices in brackets, structs in braces.
  CHECK(expand("{{ stringSlice \"a\" \"b c\" }}") == "[a b c]");
  CHECK(expand("{{ (index .Alerts 0).Labels.SortedPairs }}", n) == "[{alertname X} {a 1} {z 2}]");
  CHECK(expand("{{ index (index .Alerts 0).Labels.SortedPairs 2 }}", n) == "{z 2}");
  CHECK(expand("{{ index (index .Alerts 0).Labels.Names 1 }}", n) == "a");
}

TEST_CASE("template functions: Alertmanager's table") {
  CHECK(expand("{{ toUpper \"abc\" }} {{ toLower \"ÀB\" }} {{ title \"hello wORLD\" }}") ==
        "ABC àb Hello World");
  CHECK(expand("{{ stringSlice \"a\" \"b\" | join \", \" }}") == "a, b");
  CHECK(expand("{{ match \"^a.c$\" \"abc\" }} {{ reReplaceAll \"(a)b\" \"${1}x\" \"abab\" }}") ==
        "true axax");
  CHECK(expand("{{ safeHtml \"<b>\" }}") == "<b>");
  // Prometheus-only functions are not defined here.
  CHECK(expand("{{ humanize 1000 }}").rfind("ERROR: template: :1: function \"humanize\" not defined", 0) ==
        0);
  // HTML expansion escapes actions but not safeHtml.
  TemplateSet t;
  std::string out, err;
  Notification n = sample();
  n.alerts[0].annotations = {{"summary", "<script>x</script>"}};
  REQUIRE(t.expand("{{ (index .Alerts 0).Annotations.summary }}{{ safeHtml \"<br>\" }}", message_data(n), out,
                   err, true));
  CHECK(out == "&lt;script&gt;x&lt;/script&gt;<br>");
}

TEST_CASE("templates files: define blocks override the defaults") {
  TemplateSet t;
  REQUIRE(
      t.add_file("my.tmpl", "{{ define \"email.default.subject\" }}custom {{ .Status }}{{ end }}").is_ok());
  std::string out, err;
  REQUIRE(t.expand("{{ template \"email.default.subject\" . }}", message_data(sample()), out, err));
  CHECK(out == "custom firing");
  Status s = t.add_file("bad.tmpl", "{{ define \"x\" }}{{ .Foo ");
  CHECK(s.message().find("bad.tmpl:1") != std::string::npos);
}

TEST_CASE("the default subject has Alertmanager's shape") {
  std::string s = expand("{{ template \"email.default.subject\" . }}");
  CHECK(s == "[FIRING:1] HighLoad (page)");
  Notification n = sample();
  for (auto& a : n.alerts) a.ends_at_ms = 1700000500000;
  CHECK(expand("{{ template \"email.default.subject\" . }}", n) == "[RESOLVED] HighLoad (page)");
  n.alerts[1].labels = {{"alertname", "HighLoad"}};  // nothing common beyond the group's labels
  CHECK(expand("{{ template \"email.default.subject\" . }}", n) == "[RESOLVED] HighLoad ");
}

TEST_CASE("webhook payload: version 4 fields") {
  Notification n = sample();
  auto j = nlohmann::ordered_json::parse(webhook_payload(n, 0));
  CHECK(j["version"] == "4");
  CHECK(j["receiver"] == "ops\\.team");
  CHECK(j["status"] == "firing");
  CHECK(j["groupKey"] == n.group_key);
  CHECK(j["truncatedAlerts"] == 0);
  REQUIRE(j["alerts"].size() == 2);
  CHECK(j["alerts"][0]["endsAt"] == "0001-01-01T00:00:00Z");
  CHECK(j["alerts"][0]["startsAt"] == "2023-11-14T22:13:20.123Z");
  CHECK(j["alerts"][1]["status"] == "resolved");
  CHECK(j["alerts"][1]["endsAt"] == "2023-11-14T22:21:40Z");
  CHECK(j["alerts"][0]["fingerprint"] == fingerprint_string(fingerprint(n.alerts[0].labels)));
  CHECK(j["commonLabels"] == nlohmann::ordered_json({{"alertname", "HighLoad"}, {"severity", "page"}}));
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  CHECK(keys == std::vector<std::string>{"receiver", "status", "alerts", "groupLabels", "commonLabels",
                                         "commonAnnotations", "externalURL", "version", "groupKey",
                                         "truncatedAlerts"});
  auto t = nlohmann::json::parse(webhook_payload(n, 1));
  CHECK(t["alerts"].size() == 1);
  CHECK(t["truncatedAlerts"] == 1);
  CHECK(t["commonAnnotations"] == nlohmann::json({{"summary", "load high"}}));
}

TEST_CASE("integration config errors name file:line:column") {
  TemplateSet t;
  CHECK(build("webhook_configs:\n  - url: http://x/\n    pasword: 1\n", t).error ==
        "am.yml:3:5: unknown key 'pasword' in receivers[ops].webhook_configs[0]");
  CHECK(build("webhook_configs:\n  - {}\n", t).error.rfind("am.yml:2:5: one of url or url_file", 0) == 0);
  CHECK(build("slack_configs:\n  - api_url: http://x/\n    actions: []\n", t).error ==
        "am.yml:3:14: 'actions' in receivers[ops].slack_configs[0] is not supported by vigia");
  // auth_secret and auth_identity are read (CRAM-MD5, PLAIN's identity), not refused.
  CHECK(build("email_configs:\n  - to: a@b\n    auth_secret: x\n    auth_identity: i\n", t)
            .error.find("auth_") == std::string::npos);
  CHECK(build("exec_configs:\n  - command: \"rm -rf /\"\n", t).error.rfind("am.yml:2:14: ", 0) == 0);
  CHECK(build("telegram_configs:\n  - bot_token: x\n    chat_id: 1\n    parse_mode: Foo\n", t)
            .error.rfind("am.yml:4:17: unknown parse_mode", 0) == 0);
  CHECK(build("webhook_configs:\n  - url: ftp://x/\n", t).error.rfind("am.yml:2:10:", 0) == 0);
  Built ok = build("email_configs:\n  - to: a@b\nwebhook_configs:\n  - url: http://x/\n", t);
  REQUIRE(ok.error.empty());
  REQUIRE(ok.integrations.size() == 2);
  CHECK(ok.integrations[0]->kind() == "email");
  CHECK_FALSE(ok.integrations[0]->send_resolved());  // Alertmanager's default for email
  CHECK(ok.integrations[1]->send_resolved());
}

TEST_CASE("exec: argv as given, labels as plain environment data") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("vigia_exec_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string witness = (dir / "pwned").string();
  std::string evil = "$(touch " + witness + "); `touch " + witness + "` ; touch " + witness + " | & > <";
  TemplateSet t;
  Built b = build("exec_configs:\n  - command: [/usr/bin/env]\n    timeout: 10s\n", t);
  REQUIRE(b.error.empty());
  Notification n = sample();
  n.alerts.resize(1);
  n.alerts[0].labels = {{"alertname", "X"}, {"evil", evil}};
  DeliveryContext ctx;
  DeliveryResult r = b.integrations[0]->deliver(n, ctx);
  CHECK(r.ok);
  CHECK(r.detail.rfind("exit status 0", 0) == 0);
  // env's output lists the variables; the detail has its first lines, so
  // run printenv for the one we want.
  Built p = build("exec_configs:\n  - command: [/usr/bin/printenv, VIGIA_LABEL_EVIL]\n", t);
  r = p.integrations[0]->deliver(n, ctx);
  CHECK(r.ok);
  CHECK(r.detail == "exit status 0; output: " + evil);
  Built q = build("exec_configs:\n  - command: [/usr/bin/printf, \"%s|\", \"a;b\", \"$HOME\"]\n", t);
  r = q.integrations[0]->deliver(n, ctx);
  CHECK(r.detail == "exit status 0; output: a;b|$HOME|");
  CHECK_FALSE(fs::exists(witness));
  Built f = build("exec_configs:\n  - command: [/bin/false]\n", t);
  r = f.integrations[0]->deliver(n, ctx);
  CHECK_FALSE(r.ok);
  CHECK(r.error == "exec /bin/false: exit status 1");
  fs::remove_all(dir);
}

TEST_CASE("exec: timeout kills the process group") {
  TemplateSet t;
  Built b = build("exec_configs:\n  - command: [/bin/sh, -c, \"sleep 30 & sleep 30\"]\n    timeout: 1s\n", t);
  REQUIRE(b.error.empty());
  DeliveryContext ctx;
  auto start = std::chrono::steady_clock::now();
  DeliveryResult r = b.integrations[0]->deliver(sample(), ctx);
  CHECK_FALSE(r.ok);
  CHECK(r.error.find("timed out") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(25));  // not the 30 s sleep
}

TEST_CASE("exec: rate limit per group key") {
  TemplateSet t;
  Built b = build("exec_configs:\n  - command: [/bin/true]\n    max_runs: 2\n    per: 1h\n", t);
  REQUIRE(b.error.empty());
  DeliveryContext ctx;
  Notification n = sample();
  CHECK(b.integrations[0]->deliver(n, ctx).ok);
  CHECK(b.integrations[0]->deliver(n, ctx).ok);
  DeliveryResult third = b.integrations[0]->deliver(n, ctx);
  CHECK_FALSE(third.ok);
  CHECK_FALSE(third.retryable);
  CHECK(third.error.rfind("rate limited", 0) == 0);
  n.group_key = "{}:{alertname=\"Other\"}";
  CHECK(b.integrations[0]->deliver(n, ctx).ok);
}

TEST_CASE("webhook: an unreachable URL is retryable and its password is not in the error") {
  TemplateSet t;
  Built b = build("webhook_configs:\n  - url: http://user:s3cr3tpw@127.0.0.1:1/hook\n", t);
  REQUIRE(b.error.empty());
  DeliveryContext ctx;
  ctx.timeout = std::chrono::milliseconds(3000);
  DeliveryResult r = b.integrations[0]->deliver(sample(), ctx);
  CHECK_FALSE(r.ok);
  CHECK(r.retryable);
  CHECK(r.error.find("s3cr3tpw") == std::string::npos);
}
