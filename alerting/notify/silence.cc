#include "alerting/notify/silence.h"

#include <algorithm>
#include <random>

#include <nlohmann/json.hpp>

#include "alerting/notify/matcher.h"
#include "alerting/promql/regex.h"
#include "core/log.h"
#include "core/strconv.h"
#include "core/text.h"

namespace vigia::notify {
namespace {

using json = nlohmann::json;

std::string time_json(int64_t ms) { return format_rfc3339_ms(ms, true); }

// The API's matchers array (also how the journal keeps them).
json matchers_json(const Silence& s) {
  json m = json::array();
  for (const auto& x : s.matchers)
    m.push_back({{"name", x.name}, {"value", x.value}, {"isRegex", x.is_regex}, {"isEqual", x.is_equal}});
  return m;
}

json silence_to_json(const Silence& s) {
  return {{"id", s.id},
          {"matchers", matchers_json(s)},
          {"startsAt", s.starts_at_ms},
          {"endsAt", s.ends_at_ms},
          {"updatedAt", s.updated_at_ms},
          {"createdBy", s.created_by},
          {"comment", s.comment}};
}

bool silence_from_json(const json& j, Silence& s) {
  if (!j.is_object()) return false;
  try {
    s.id = j.at("id").get<std::string>();
    for (const auto& m : j.at("matchers"))
      s.matchers.push_back({m.at("name").get<std::string>(), m.at("value").get<std::string>(),
                            m.at("isRegex").get<bool>(), m.at("isEqual").get<bool>()});
    s.starts_at_ms = j.at("startsAt").get<int64_t>();
    s.ends_at_ms = j.at("endsAt").get<int64_t>();
    s.updated_at_ms = j.at("updatedAt").get<int64_t>();
    s.created_by = j.at("createdBy").get<std::string>();
    s.comment = j.at("comment").get<std::string>();
  } catch (const json::exception&) {
    return false;
  }
  return true;
}

bool same_matchers(const Silence& a, const Silence& b) {
  if (a.matchers.size() != b.matchers.size()) return false;
  for (size_t i = 0; i < a.matchers.size(); ++i) {
    const auto &x = a.matchers[i], &y = b.matchers[i];
    if (x.name != y.name || x.value != y.value || x.is_regex != y.is_regex || x.is_equal != y.is_equal)
      return false;
  }
  return true;
}

// silence.go's getState (the end itself still active), used for updates.
SilenceState state_at(const Silence& s, int64_t now_ms) {
  if (now_ms < s.starts_at_ms) return SilenceState::kPending;
  if (now_ms > s.ends_at_ms) return SilenceState::kExpired;
  return SilenceState::kActive;
}

}  // namespace

struct Silences::Entry {
  Silence s;
  Matchers matchers;  // s.matchers compiled (matcher.h)

  explicit Entry(Silence sil) : s(std::move(sil)) {
    for (const auto& m : s.matchers) {
      MatchType t = match_type_of(m);
      Matcher compiled;
      std::string err;
      // A silence is validated before it is stored; one that does not compile
      // (a file edited by hand) matches nothing.
      if (!Matcher::make(t, m.name, m.value, compiled, err)) {
        broken = true;
        continue;
      }
      matchers.push_back(std::move(compiled));
    }
  }
  bool matches(const Labels& ls) const { return !broken && notify::matches(matchers, ls); }
  bool broken = false;
};

MatchType match_type_of(const SilenceMatcher& m) {
  return m.is_regex ? (m.is_equal ? MatchType::kRegexp : MatchType::kNotRegexp)
                    : (m.is_equal ? MatchType::kEqual : MatchType::kNotEqual);
}

std::string_view silence_state_name(SilenceState s) {
  switch (s) {
    case SilenceState::kActive: return "active";
    case SilenceState::kPending: return "pending";
    case SilenceState::kExpired: return "expired";
  }
  return "";
}

SilenceState silence_state(const Silence& s, int64_t now_ms) {
  if (now_ms < s.starts_at_ms) return SilenceState::kPending;
  if (now_ms < s.ends_at_ms) return SilenceState::kActive;
  return SilenceState::kExpired;
}

std::string validate_silence(const Silence& s) {
  if (s.id.empty()) return "ID missing";
  if (s.matchers.empty()) return "at least one matcher required";
  bool all_match_empty = true;
  for (size_t i = 0; i < s.matchers.size(); ++i) {
    const auto& m = s.matchers[i];
    std::string err;
    if (!promql::valid_label_name(m.name)) {
      err = "invalid label name " + go_quote(m.name);
    } else if (!m.is_regex) {
      if (!valid_utf8(m.value)) err = "invalid label value " + go_quote(m.value);
    }
    bool empty = m.is_equal && !m.is_regex && m.value.empty();
    if (err.empty() && m.is_regex) {
      promql::AnchoredRegex re(m.value);
      if (!re.ok()) {
        // Go's message names the pattern as given, not anchored.
        std::string e = re.error();
        if (size_t tick = e.find(": `"); tick != std::string::npos)
          e = e.substr(0, tick) + ": `" + m.value + "`";
        err = "invalid regular expression " + go_quote(m.value) + ": " + e;
      }
      empty = m.is_equal && re.matches("");
    }
    if (!err.empty()) return "invalid label matcher " + std::to_string(i) + ": " + err;
    all_match_empty = all_match_empty && empty;
  }
  if (all_match_empty) return "at least one matcher must not match the empty string";
  if (s.starts_at_ms == 0) return "invalid zero start timestamp";
  if (s.ends_at_ms == 0) return "invalid zero end timestamp";
  if (s.ends_at_ms < s.starts_at_ms) return "end time must not be before start time";
  if (s.updated_at_ms == 0) return "invalid zero update timestamp";
  return "";
}

Silences::Silences(int64_t retention_ms) : retention_ms_(retention_ms) {}

Silences::~Silences() = default;

Status Silences::open(const std::string& path) {
  std::lock_guard lk(mu_);
  size_t skipped = 0;
  Status st = journal_.open(path, &skipped);
  if (skipped)
    log::warn("Skipped unreadable silence records", {{"file", path}, {"count", std::to_string(skipped)}});
  by_id_.clear();
  for (const auto& [id, text] : journal_.entries()) {
    Silence s;
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !silence_from_json(j, s)) continue;
    std::string sid = s.id;
    by_id_[sid] = std::make_unique<Entry>(std::move(s));
  }
  return st;
}

Status Silences::store(const Entry& e) {
  Status st = journal_.put(e.s.id, silence_to_json(e.s).dump(-1, ' ', false, json::error_handler_t::replace));
  if (!st.is_ok()) log::error("Writing silences failed; kept in memory", {{"err", st.message()}});
  return st;
}

std::string Silences::new_id() const {
  // A version 4 UUID, as Alertmanager's.
  std::random_device rd;
  unsigned char b[16];
  for (int i = 0; i < 16; i += 4) {
    uint32_t r = rd();
    for (int k = 0; k < 4; ++k) b[i + k] = static_cast<unsigned char>(r >> (8 * k));
  }
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
    s += hex[b[i] >> 4];
    s += hex[b[i] & 15];
  }
  return s;
}

int Silences::set(Silence s, int64_t now_ms, std::string& id, std::string& err) {
  // api/v2 postSilencesHandler's checks, then silence.Silences.Set.
  if (s.starts_at_ms >= s.ends_at_ms) {
    err = "Failed to create silence: start time must be before end time";
    return 400;
  }
  if (s.ends_at_ms < now_ms) {
    err = "Failed to create silence: end time can't be in the past";
    return 400;
  }
  std::lock_guard lk(mu_);
  if (!s.id.empty()) {
    auto it = by_id_.find(s.id);
    if (it == by_id_.end()) {
      err = "not found";
      return 404;
    }
    Silence& prev = it->second->s;
    bool can_update = same_matchers(prev, s);
    if (can_update) {
      switch (state_at(prev, now_ms)) {
        case SilenceState::kActive:
          can_update = s.starts_at_ms / 1000 == prev.starts_at_ms / 1000 && s.ends_at_ms >= now_ms;
          break;
        case SilenceState::kPending: can_update = s.starts_at_ms >= now_ms; break;
        case SilenceState::kExpired: can_update = false; break;
      }
    }
    if (can_update) {
      s.updated_at_ms = now_ms;
      if (std::string v = validate_silence(s); !v.empty()) {
        err = "silence invalid: " + v;
        return 400;
      }
      it->second = std::make_unique<Entry>(s);
      store(*it->second);
      id = s.id;
      return 200;
    }
    // Validate the replacement before the old one is expired.
    Silence probe = s;
    probe.updated_at_ms = now_ms;
    if (std::string v = validate_silence(probe); !v.empty()) {
      err = "silence invalid: " + v;
      return 400;
    }
    if (state_at(prev, now_ms) != SilenceState::kExpired) {
      Silence old = prev;
      if (state_at(old, now_ms) == SilenceState::kPending) old.starts_at_ms = now_ms;
      old.ends_at_ms = now_ms;
      old.updated_at_ms = now_ms;
      it->second = std::make_unique<Entry>(old);
      store(*it->second);
    }
  }
  s.id = new_id();
  if (s.starts_at_ms < now_ms) s.starts_at_ms = now_ms;
  s.updated_at_ms = now_ms;
  if (std::string v = validate_silence(s); !v.empty()) {
    err = "silence invalid: " + v;
    return 400;
  }
  auto e = std::make_unique<Entry>(s);
  store(*e);
  by_id_[s.id] = std::move(e);
  id = s.id;
  return 200;
}

bool Silences::expire(const std::string& id, int64_t now_ms) {
  std::lock_guard lk(mu_);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return false;
  Silence s = it->second->s;
  switch (state_at(s, now_ms)) {
    case SilenceState::kExpired: return true;
    case SilenceState::kActive: s.ends_at_ms = now_ms; break;
    case SilenceState::kPending: s.starts_at_ms = s.ends_at_ms = now_ms; break;
  }
  s.updated_at_ms = now_ms;
  it->second = std::make_unique<Entry>(s);
  store(*it->second);
  return true;
}

std::optional<Silence> Silences::get(const std::string& id) const {
  std::lock_guard lk(mu_);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return std::nullopt;
  return it->second->s;
}

std::vector<Silence> Silences::list(int64_t now_ms) const {
  std::vector<Silence> out;
  {
    std::lock_guard lk(mu_);
    for (const auto& [id, e] : by_id_) out.push_back(e->s);
  }
  auto order = [](SilenceState s) {
    return s == SilenceState::kActive ? 1 : s == SilenceState::kPending ? 2 : 3;
  };
  std::stable_sort(out.begin(), out.end(), [&](const Silence& a, const Silence& b) {
    SilenceState sa = silence_state(a, now_ms), sb = silence_state(b, now_ms);
    if (sa != sb) return order(sa) < order(sb);
    switch (sa) {
      case SilenceState::kActive: return a.ends_at_ms < b.ends_at_ms;
      case SilenceState::kPending: return a.starts_at_ms < b.starts_at_ms;
      case SilenceState::kExpired: return a.ends_at_ms > b.ends_at_ms;
    }
    return false;
  });
  return out;
}

std::vector<std::string> Silences::muting(const Labels& labels, int64_t now_ms) const {
  std::vector<std::string> ids;
  std::lock_guard lk(mu_);
  for (const auto& [id, e] : by_id_)
    if (state_at(e->s, now_ms) == SilenceState::kActive && e->matches(labels)) ids.push_back(id);
  return ids;
}

void Silences::gc(int64_t now_ms) {
  std::lock_guard lk(mu_);
  for (auto it = by_id_.begin(); it != by_id_.end();) {
    if (it->second->s.ends_at_ms + retention_ms_ < now_ms) {
      (void)journal_.erase(it->first);
      it = by_id_.erase(it);
    } else {
      ++it;
    }
  }
}

size_t Silences::count(SilenceState st, int64_t now_ms) const {
  std::lock_guard lk(mu_);
  size_t n = 0;
  for (const auto& [id, e] : by_id_) n += silence_state(e->s, now_ms) == st;
  return n;
}

uint64_t Silences::write_errors() const {
  std::lock_guard lk(mu_);
  return journal_.write_errors();
}

Status Silences::flush() {
  std::lock_guard lk(mu_);
  return journal_.flush();
}

std::string gettable_silence_json(const Silence& s, int64_t now_ms) {
  json j = {{"id", s.id},
            {"status", {{"state", silence_state_name(silence_state(s, now_ms))}}},
            {"updatedAt", time_json(s.updated_at_ms)},
            {"comment", s.comment},
            {"createdBy", s.created_by},
            {"endsAt", time_json(s.ends_at_ms)},
            {"matchers", matchers_json(s)},
            {"startsAt", time_json(s.starts_at_ms)}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

bool parse_postable_silence(std::string_view body, Silence& out, std::string& err) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) {
    err = "parsing silence body failed: invalid JSON";
    return false;
  }
  if (!j.is_object()) {
    err = "parsing silence body failed: expected a JSON object";
    return false;
  }
  auto str = [&](const char* key, bool required, std::string& v) {
    if (!j.contains(key) || j[key].is_null()) {
      if (required) err = std::string(key) + " in body is required";
      return !required;
    }
    if (!j[key].is_string()) {
      err = std::string(key) + " in body must be of type string";
      return false;
    }
    v = j[key].get<std::string>();
    return true;
  };
  auto time = [&](const char* key, int64_t& ms) {
    std::string v;
    if (!str(key, true, v)) return false;
    if (!parse_rfc3339_ms(v, ms)) {
      err = std::string(key) + " in body must be of type date-time: " + go_quote(v);
      return false;
    }
    return true;
  };
  if (!str("id", false, out.id) || !str("createdBy", true, out.created_by) ||
      !str("comment", true, out.comment) || !time("startsAt", out.starts_at_ms) ||
      !time("endsAt", out.ends_at_ms))
    return false;
  if (!j.contains("matchers") || !j["matchers"].is_array()) {
    err = "matchers in body is required";
    return false;
  }
  if (j["matchers"].empty()) {
    err = "matchers in body should have at least 1 items";
    return false;
  }
  for (size_t i = 0; i < j["matchers"].size(); ++i) {
    const json& m = j["matchers"][i];
    std::string where = "matchers." + std::to_string(i) + ".";
    if (!m.is_object() || !m.contains("name") || !m["name"].is_string()) {
      err = where + "name in body is required";
      return false;
    }
    if (!m.contains("value") || !m["value"].is_string()) {
      err = where + "value in body is required";
      return false;
    }
    if (!m.contains("isRegex") || !m["isRegex"].is_boolean()) {
      err = where + "isRegex in body is required";
      return false;
    }
    SilenceMatcher sm{m["name"].get<std::string>(), m["value"].get<std::string>(), m["isRegex"].get<bool>(),
                      true};
    if (m.contains("isEqual") && !m["isEqual"].is_null()) {
      if (!m["isEqual"].is_boolean()) {
        err = where + "isEqual in body must be of type boolean";
        return false;
      }
      sm.is_equal = m["isEqual"].get<bool>();
    }
    out.matchers.push_back(std::move(sm));
  }
  return true;
}

}  // namespace vigia::notify
