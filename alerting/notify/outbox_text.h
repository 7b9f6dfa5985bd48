// The text of the outbox's files (outbox.jsonl, nflog.jsonl): notifications,
// label sets and fingerprint sets, written without a JSON DOM (the hot part
// of every flush) and read back with nlohmann::json when the files are
// replayed. Only outbox.cc uses it.
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "alerting/notify/model.h"

namespace vigia::notify::outbox_text {

// `"key":`
void append_key(std::string& out, const char* key);
// [["name","value"],...]
void append_labels(std::string& out, const Labels& ls);
// ["0123456789abcdef",...]
void append_fps(std::string& out, const std::set<uint64_t>& s);
void append_notification(std::string& out, const Notification& n);
// A notification log entry: {"firing":[...],"resolved":[...],"ts":N}.
std::string nflog_json(const std::set<uint64_t>& firing, const std::set<uint64_t>& resolved, int64_t ts);

// The reverse; they throw nlohmann's exceptions on a malformed value.
LabelSet labels_from(const nlohmann::json& j);
std::set<uint64_t> fps_from(const nlohmann::json& j);
Notification notification_from(const nlohmann::json& j);

}  // namespace vigia::notify::outbox_text
