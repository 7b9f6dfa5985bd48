#include "alerting/notify/outbox_text.h"

#include "core/strconv.h"

namespace vigia::notify::outbox_text {

using json = nlohmann::json;

LabelSet labels_from(const json& j) {
  LabelSet ls;
  for (const auto& p : j) ls.emplace_back(p.at(0).get<std::string>(), p.at(1).get<std::string>());
  return ls;
}

std::set<uint64_t> fps_from(const json& j) {
  std::set<uint64_t> s;
  for (const auto& x : j) s.insert(std::stoull(x.get<std::string>(), nullptr, 16));
  return s;
}

void append_labels(std::string& out, const Labels& ls) {
  out += '[';
  for (size_t i = 0; i < ls.size(); ++i) {
    if (i) out += ',';
    out += '[';
    append_json_string(out, ls.name(i));
    out += ',';
    append_json_string(out, ls.value(i));
    out += ']';
  }
  out += ']';
}

void append_key(std::string& out, const char* key) {
  out += '"';
  out += key;
  out += "\":";
}

void append_notification(std::string& out, const Notification& n) {
  out += '{';
  append_key(out, "receiver");
  append_json_string(out, n.receiver);
  out += ',';
  append_key(out, "groupKey");
  append_json_string(out, n.group_key);
  out += ',';
  append_key(out, "groupLabels");
  append_labels(out, Labels(n.group_labels));
  out += ',';
  append_key(out, "alerts");
  out += '[';
  for (size_t i = 0; i < n.alerts.size(); ++i) {
    const Alert& a = n.alerts[i];
    out += i ? ",{" : "{";
    append_key(out, "labels");
    append_labels(out, a.labels);
    out += ',';
    append_key(out, "annotations");
    append_labels(out, a.annotations);
    out += ",\"startsAt\":" + std::to_string(a.starts_at_ms) + ",\"endsAt\":" + std::to_string(a.ends_at_ms) +
           ",\"updatedAt\":" + std::to_string(a.updated_at_ms) + ",";
    append_key(out, "generatorURL");
    append_json_string(out, a.generator_url.view());
    out += a.timeout ? ",\"timeout\":true}" : ",\"timeout\":false}";
  }
  out += "],\"now\":" + std::to_string(n.now_ms) + ",";
  append_key(out, "externalURL");
  append_json_string(out, n.external_url);
  out += ",\"repeatInterval\":" + std::to_string(n.repeat_interval_ms) + "}";
}

void append_fps(std::string& out, const std::set<uint64_t>& s) {
  out += '[';
  bool first = true;
  for (uint64_t fp : s) {
    if (!first) out += ',';
    first = false;
    out += '"' + fingerprint_string(fp) + '"';
  }
  out += ']';
}

std::string nflog_json(const std::set<uint64_t>& firing, const std::set<uint64_t>& resolved, int64_t ts) {
  std::string out = "{\"firing\":";
  append_fps(out, firing);
  out += ",\"resolved\":";
  append_fps(out, resolved);
  out += ",\"ts\":" + std::to_string(ts) + "}";
  return out;
}

Notification notification_from(const json& j) {
  Notification n;
  n.receiver = j.at("receiver").get<std::string>();
  n.group_key = j.at("groupKey").get<std::string>();
  n.group_labels = labels_from(j.at("groupLabels"));
  for (const auto& a : j.at("alerts")) {
    Alert al;
    al.labels = labels_from(a.at("labels"));
    al.annotations = labels_from(a.at("annotations"));
    al.starts_at_ms = a.at("startsAt").get<int64_t>();
    al.ends_at_ms = a.at("endsAt").get<int64_t>();
    al.updated_at_ms = a.at("updatedAt").get<int64_t>();
    al.generator_url = a.at("generatorURL").get<std::string>();
    al.timeout = a.at("timeout").get<bool>();
    n.alerts.push_back(std::move(al));
  }
  n.now_ms = j.at("now").get<int64_t>();
  n.external_url = j.at("externalURL").get<std::string>();
  n.repeat_interval_ms = j.at("repeatInterval").get<int64_t>();
  return n;
}

}  // namespace vigia::notify::outbox_text
