#include "alerting/notify/notify_template.h"

#include <glob.h>

#include <cstdio>

#include "core/fs.h"
#include "core/text.h"

namespace vigia::notify {
namespace {

// vigia's default message templates, of its own writing, named as
// Alertmanager's defaults so that configs referring to them work. The email
// subject has Alertmanager's shape: "[FIRING:2] <group label values>
// (<other common label values>)" or "[RESOLVED] ...".
constexpr const char* kDefaults = R"TMPL(
{{ define "__vigia.state" }}{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}{{ end }}
{{ define "__vigia.summary" }}[{{ template "__vigia.state" . }}] {{ .GroupLabels.SortedPairs.Values | join " " }} {{ with .CommonLabels.Remove .GroupLabels.Names }}{{ if . }}({{ .Values | join " " }}){{ end }}{{ end }}{{ end }}
{{ define "__vigia.alert_text" }}  - {{ range .Labels.SortedPairs }}{{ .Name }}={{ .Value }} {{ end }}
{{ range .Annotations.SortedPairs }}    {{ .Name }}: {{ .Value }}
{{ end }}    since {{ .StartsAt.Format "2006-01-02 15:04:05 MST" }}{{ if .GeneratorURL }}, source {{ .GeneratorURL }}{{ end }}
{{ end }}
{{ define "__vigia.text_list" }}{{ if .Alerts.Firing }}Firing now ({{ .Alerts.Firing | len }}):
{{ range .Alerts.Firing }}{{ template "__vigia.alert_text" . }}{{ end }}{{ end }}{{ if .Alerts.Resolved }}Resolved ({{ .Alerts.Resolved | len }}):
{{ range .Alerts.Resolved }}{{ template "__vigia.alert_text" . }}{{ end }}{{ end }}{{ end }}

{{ define "email.default.subject" }}{{ template "__vigia.summary" . }}{{ end }}
{{ define "email.default.text" }}vigia notification for receiver {{ .Receiver }}: {{ template "__vigia.summary" . }}

{{ template "__vigia.text_list" . }}{{ if .ExternalURL }}
Open {{ .ExternalURL }} for the details.
{{ end }}{{ end }}
{{ define "__vigia.alert_html" }}<li><b>{{ range .Labels.SortedPairs }}{{ .Name }}={{ .Value }} {{ end }}</b><br>
{{ range .Annotations.SortedPairs }}{{ .Name }}: {{ .Value }}<br>
{{ end }}since {{ .StartsAt.Format "2006-01-02 15:04:05 MST" }}{{ if .GeneratorURL }} &middot; <a href="{{ .GeneratorURL }}">source</a>{{ end }}</li>
{{ end }}
{{ define "email.default.html" }}<!DOCTYPE html>
<html><head><meta charset="UTF-8"><title>{{ template "__vigia.summary" . }}</title></head>
<body style="font-family: sans-serif">
<h2 style="color: {{ if eq .Status "firing" }}#b3261e{{ else }}#1e7b34{{ end }}">{{ template "__vigia.summary" . }}</h2>
{{ if .Alerts.Firing }}<h3>Firing now ({{ .Alerts.Firing | len }})</h3><ul>
{{ range .Alerts.Firing }}{{ template "__vigia.alert_html" . }}{{ end }}</ul>{{ end }}
{{ if .Alerts.Resolved }}<h3>Resolved ({{ .Alerts.Resolved | len }})</h3><ul>
{{ range .Alerts.Resolved }}{{ template "__vigia.alert_html" . }}{{ end }}</ul>{{ end }}
{{ if .ExternalURL }}<p><a href="{{ .ExternalURL }}">Open vigia</a></p>{{ end }}
<p style="color: #666">Sent by vigia to the receiver {{ .Receiver }}.</p>
</body></html>
{{ end }}

{{ define "slack.default.title" }}{{ template "__vigia.summary" . }}{{ end }}
{{ define "slack.default.username" }}vigia{{ end }}
{{ define "slack.default.fallback" }}{{ template "__vigia.summary" . }}{{ if .ExternalURL }} | {{ .ExternalURL }}{{ end }}{{ end }}
{{ define "slack.default.callbackid" }}{{ end }}
{{ define "slack.default.pretext" }}{{ end }}
{{ define "slack.default.titlelink" }}{{ .ExternalURL }}{{ end }}
{{ define "slack.default.iconemoji" }}{{ end }}
{{ define "slack.default.iconurl" }}{{ end }}
{{ define "slack.default.footer" }}{{ end }}
{{ define "slack.default.text" }}{{ template "__vigia.text_list" . }}{{ end }}

{{ define "telegram.default.message" }}<b>{{ template "__vigia.summary" . }}</b>
{{ template "__vigia.text_list" . }}{{ end }}

{{ define "discord.default.title" }}{{ template "__vigia.summary" . }}{{ end }}
{{ define "discord.default.message" }}{{ template "__vigia.text_list" . }}{{ end }}
)TMPL";

// regexp.QuoteMeta.
std::string quote_meta(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\.+*?()|[]{}^$").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

promql::LabelSet common(const std::vector<const Alert*>& alerts, bool labels) {
  if (alerts.empty()) return {};
  promql::LabelSet out = labels ? alerts[0]->labels : alerts[0]->annotations;
  for (size_t i = 1; i < alerts.size(); ++i) {
    const LabelSet& other = labels ? alerts[i]->labels : alerts[i]->annotations;
    promql::LabelSet keep;
    for (const auto& p : out)
      for (const auto& q : other)
        if (q.first == p.first && q.second == p.second) keep.push_back(p);
    out.swap(keep);
  }
  return out;
}

}  // namespace

std::string go_time_json(int64_t ms) {
  // Go's zero time; otherwise RFC3339Nano (core/text.h).
  return ms == 0 ? "0001-01-01T00:00:00Z" : format_rfc3339_ms(ms);
}

alerting::MessageData message_data(const Notification& n) { return message_data(n, 0); }

alerting::MessageData message_data(const Notification& n, size_t max) {
  alerting::MessageData d;
  d.receiver = quote_meta(n.receiver);
  d.external_url = n.external_url;
  d.group_labels = n.group_labels;
  std::vector<const Alert*> alerts;
  for (const auto& a : n.alerts)
    if (max == 0 || alerts.size() < max) alerts.push_back(&a);
  bool firing = false;
  for (const Alert* a : alerts) {
    alerting::MessageAlert m;
    bool resolved = a->resolved_at(n.now_ms);
    firing |= !resolved;
    m.status = resolved ? "resolved" : "firing";
    m.labels = a->labels;
    m.annotations = a->annotations;
    m.starts_at_ns = a->starts_at_ms == 0 ? alerting::kGoZeroTimeNs : a->starts_at_ms * 1000000;
    m.ends_at_ns = (!resolved || a->ends_at_ms == 0) ? alerting::kGoZeroTimeNs : a->ends_at_ms * 1000000;
    m.generator_url = a->generator_url;
    m.fingerprint = fingerprint_string(fingerprint(a->labels));
    d.alerts.push_back(std::move(m));
  }
  d.status = firing ? "firing" : "resolved";
  d.common_labels = common(alerts, true);
  d.common_annotations = common(alerts, false);
  return d;
}

TemplateSet::TemplateSet() {
  files_.push_back({"vigia_default.tmpl", kDefaults});
  std::string err;
  defs_ = alerting::parse_message_definitions(files_, err);
}

Status TemplateSet::add_file(const std::string& name, const std::string& text) {
  std::string err;
  if (!alerting::check_message_template(name, text, err)) return Status::error(err);
  files_.push_back({name, text});
  defs_ = alerting::parse_message_definitions(files_, err);
  if (!defs_) return Status::error(err);
  return Status::ok();
}

Status TemplateSet::add_globs(const std::vector<std::string>& globs, const std::string& dir) {
  for (const auto& g : globs) {
    std::string pattern = (!g.empty() && g[0] == '/') || dir.empty() ? g : dir + "/" + g;
    glob_t gl{};
    int rc = ::glob(pattern.c_str(), 0, nullptr, &gl);
    std::vector<std::string> paths;
    if (rc == 0)
      for (size_t i = 0; i < gl.gl_pathc; ++i) paths.push_back(gl.gl_pathv[i]);
    globfree(&gl);
    for (const auto& p : paths) {
      std::string text;
      Status s = read_file(p, text);
      if (s.is_ok()) s = add_file(p, text);
      if (!s.is_ok()) return s;
    }
  }
  return Status::ok();
}

bool TemplateSet::expand(std::string_view text, const alerting::MessageData& data, std::string& out,
                         std::string& err, bool html) const {
  if (text.empty()) {
    out.clear();
    return true;
  }
  return alerting::expand_message_template(defs_.get(), text, data, html, out, err);
}

std::string TemplateSet::text(std::string_view text, const alerting::MessageData& data,
                              std::string& first_err, bool html) const {
  std::string out, err;
  if (!expand(text, data, out, err, html)) {
    if (first_err.empty()) first_err = err;
    return "";
  }
  return out;
}

}  // namespace vigia::notify
