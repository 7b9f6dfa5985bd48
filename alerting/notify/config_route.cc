// The route, inhibit rule, matcher and http_config parts of the notify
// config reader (config.h).
#include <set>

#include "alerting/notify/config_internal.h"
#include "core/tls_options.h"
#include "core/text.h"

namespace vigia::notify::detail {

void refuse_unsupported(const YamlReader& r, const YAML::Node& map, const std::string& what,
                        const std::vector<std::string_view>& unsupported) {
  if (!map.IsMap()) return;
  for (const auto& kv : map) {
    if (!kv.first.IsScalar()) continue;
    for (auto u : unsupported)
      if (kv.first.Scalar() == u)
        r.fail(kv.first, what + ": '" + std::string(u) + "' is not supported by vigia");
  }
}

void check_keys_am(const YamlReader& r, const YAML::Node& map, const std::string& what,
                   const std::vector<std::string_view>& known,
                   const std::vector<std::string_view>& unsupported) {
  std::vector<std::string_view> all = known;
  all.insert(all.end(), unsupported.begin(), unsupported.end());
  r.check_keys(map, what, all);
  refuse_unsupported(r, map, what, unsupported);
}

bool read_bool(const YamlReader& r, const YAML::Node& n, const std::string& what) {
  if (n.IsScalar() && n.Tag() == "!") r.fail(n, what + ": expected true or false, not a quoted string");
  return r.get_bool(n, what);
}

int64_t read_duration_ms(const YamlReader& r, const YAML::Node& n, const std::string& what) {
  int64_t ms = 0;
  if (!n.IsScalar() || parse_duration_ms(n.Scalar(), ms) != DurationParse::kOk)
    r.fail(n, what + ": not a valid duration string (e.g. 30s, 5m, 1h30m)");
  return ms;
}

void read_matchers(const YamlReader& r, const YAML::Node& n, const std::string& what, Matchers& out) {
  if (!n || n.IsNull()) return;
  if (!n.IsSequence()) r.fail(n, what + ": expected a list of matchers such as 'severity=\"page\"'");
  size_t i = 0;
  for (const auto& item : n) {
    std::string w = what + "[" + std::to_string(i++) + "]";
    std::string s = item.IsNull() ? "" : r.get_string(item, w);  // yaml.v2 reads null as ""
    std::string error;
    if (!parse_matchers(s, out, error)) r.fail(item, w + ": " + error);
  }
}

void read_match_map(const YamlReader& r, const YAML::Node& n, const std::string& what, bool regex,
                    Matchers& out) {
  if (!n || n.IsNull()) return;
  if (!n.IsMap()) r.fail(n, what + ": expected a mapping of label names to values");
  std::set<std::string> seen;
  for (const auto& kv : n) {
    std::string name = r.get_string(kv.first, what);
    if (!seen.insert(name).second) r.fail(kv.first, what + ": duplicate key '" + name + "'");
    if (!valid_label_name(name)) r.fail(kv.first, what + ": invalid label name " + go_quote(name));
    std::string value = kv.second.IsNull() ? "" : r.get_string(kv.second, what + "." + name);
    // Alertmanager keeps a match_re value as its compiled Regexp, whose String()
    // is the anchored source: the matcher's value (and the route key) is
    // "^(?:value)$".
    if (regex) value = "^(?:" + value + ")$";
    Matcher m;
    std::string error;
    if (!Matcher::make(regex ? MatchType::kRegexp : MatchType::kEqual, name, value, m, error))
      r.fail(kv.second, what + "." + name + ": " + error);
    out.push_back(std::move(m));
  }
}

RouteConfig read_route(const YamlReader& r, const YAML::Node& n, const std::string& what) {
  RouteConfig rc;
  rc.where = r.where(n);
  r.check_keys(
      n, what,
      {"receiver", "group_by", "match", "match_re", "matchers", "mute_time_intervals",
       "active_time_intervals", "continue", "routes", "group_wait", "group_interval", "repeat_interval"});
  if (!n.IsMap()) return rc;
  if (n["receiver"] && !n["receiver"].IsNull()) rc.receiver = r.get_string(n["receiver"], what + ".receiver");
  if (n["group_by"]) {
    std::set<std::string> seen;
    for (const auto& ln : r.get_string_list(n["group_by"], what + ".group_by")) {
      if (ln == "...") {
        rc.group_by_all = true;
        continue;
      }
      if (!valid_label_name(ln))
        r.fail(n["group_by"], what + ".group_by: invalid label name " + go_quote(ln));
      if (!seen.insert(ln).second)
        r.fail(n["group_by"], what + ".group_by: duplicated label " + go_quote(ln));
      rc.group_by.push_back(ln);
    }
    if (rc.group_by_all && !rc.group_by.empty())
      r.fail(n["group_by"],
             what + ".group_by: cannot have wildcard group_by (`...`) and other labels at the same time");
  }
  read_match_map(r, n["match"], what + ".match", false, rc.matchers);
  read_match_map(r, n["match_re"], what + ".match_re", true, rc.matchers);
  read_matchers(r, n["matchers"], what + ".matchers", rc.matchers);
  sort_matchers(rc.matchers);
  if (n["mute_time_intervals"])
    rc.mute_time_intervals = r.get_string_list(n["mute_time_intervals"], what + ".mute_time_intervals");
  if (n["active_time_intervals"])
    rc.active_time_intervals = r.get_string_list(n["active_time_intervals"], what + ".active_time_intervals");
  if (n["continue"] && !n["continue"].IsNull())
    rc.continue_matching = read_bool(r, n["continue"], what + ".continue");
  auto dur = [&](const char* key, int64_t& out, bool nonzero) {
    YAML::Node d = n[key];
    if (!d || d.IsNull()) return;
    out = read_duration_ms(r, d, what + "." + key);
    if (nonzero && out == 0) r.fail(d, what + "." + key + " cannot be zero");
  };
  dur("group_wait", rc.group_wait_ms, false);
  dur("group_interval", rc.group_interval_ms, true);
  dur("repeat_interval", rc.repeat_interval_ms, true);
  YAML::Node routes = n["routes"];
  if (routes && !routes.IsNull()) {
    if (!routes.IsSequence()) r.fail(routes, what + ".routes: expected a list of routes");
    size_t i = 0;
    for (const auto& child : routes) {
      std::string w = what + ".routes[" + std::to_string(i++) + "]";
      if (child.IsNull()) r.fail(child, w + ": expected a mapping");
      rc.routes.push_back(read_route(r, child, w));
    }
  }
  return rc;
}

InhibitRuleConfig read_inhibit_rule(const YamlReader& r, const YAML::Node& n, const std::string& what) {
  InhibitRuleConfig ir;
  r.check_keys(n, what,
               {"source_match", "source_match_re", "source_matchers", "target_match", "target_match_re",
                "target_matchers", "equal"});
  if (!n.IsMap()) return ir;
  read_match_map(r, n["source_match"], what + ".source_match", false, ir.source_matchers);
  read_match_map(r, n["source_match_re"], what + ".source_match_re", true, ir.source_matchers);
  read_matchers(r, n["source_matchers"], what + ".source_matchers", ir.source_matchers);
  read_match_map(r, n["target_match"], what + ".target_match", false, ir.target_matchers);
  read_match_map(r, n["target_match_re"], what + ".target_match_re", true, ir.target_matchers);
  read_matchers(r, n["target_matchers"], what + ".target_matchers", ir.target_matchers);
  if (n["equal"]) {
    for (const auto& ln : r.get_string_list(n["equal"], what + ".equal")) {
      if (!valid_label_name(ln))
        r.fail(n["equal"], what + ".equal: " + go_quote(ln) + " is not a valid label name");
      ir.equal.push_back(ln);
    }
  }
  return ir;
}

namespace {

bool appends(const std::string& key) {
  return key == "matchers" || key == "source_matchers" || key == "target_matchers";
}
bool unites(const std::string& key) {
  return key == "match" || key == "match_re" || key == "source_match" || key == "source_match_re" ||
         key == "target_match" || key == "target_match_re";
}

}  // namespace

namespace {

// Visits every node as a reader would (an alias as often as it is used);
// false past `budget` visits: yaml.v2 refuses such a document ("excessive
// aliasing"), and so does vigia rather than expand it.
bool within_budget(const YAML::Node& n, int64_t& budget, int depth) {
  if (--budget < 0 || depth > 200) return false;
  if (n.IsSequence()) {
    for (const auto& child : n)
      if (!within_budget(child, budget, depth + 1)) return false;
  } else if (n.IsMap()) {
    for (const auto& kv : n)
      if (!within_budget(kv.second, budget, depth + 1)) return false;
  }
  return true;
}

}  // namespace

void expand_merge_keys(const YamlReader& r, YAML::Node n, int depth) {
  if (depth == 0) {
    int64_t budget = 1'000'000;
    if (!within_budget(n, budget, 0)) r.fail(n, "document contains excessive aliasing");
  }
  if (depth > 100) return;
  if (n.IsSequence()) {
    for (auto child : n) expand_merge_keys(r, child, depth + 1);
    return;
  }
  if (!n.IsMap()) return;
  YAML::Node merge;
  bool has_merge = false;
  for (auto kv : n) {
    if (kv.first.IsScalar() && kv.first.Scalar() == "<<" && kv.first.Tag() != "!") {
      merge = kv.second;
      has_merge = true;
    } else {
      expand_merge_keys(r, kv.second, depth + 1);
    }
  }
  if (!has_merge) return;
  std::vector<YAML::Node> sources;  // the first one wins
  if (merge.IsMap()) sources.push_back(merge);
  if (merge.IsSequence())
    for (auto m : merge)
      if (m.IsMap()) sources.push_back(m);
  n.remove("<<");
  for (auto& src : sources) {
    expand_merge_keys(r, src, depth + 1);
    for (auto kv : src) {
      if (!kv.first.IsScalar()) continue;
      std::string key = kv.first.Scalar();
      if (key == "<<") continue;
      YAML::Node own;
      bool present = false;
      for (auto mine : n)
        if (mine.first.IsScalar() && mine.first.Scalar() == key) {
          own = mine.second;
          present = true;
        }
      if (!present) {
        n[key] = kv.second;
      } else if (appends(key) && own.IsSequence() && kv.second.IsSequence()) {
        YAML::Node both(YAML::NodeType::Sequence);
        for (auto item : kv.second) both.push_back(item);
        for (auto item : own) both.push_back(item);
        n[key] = both;
      } else if (unites(key) && own.IsMap() && kv.second.IsMap()) {
        for (auto entry : kv.second) {
          if (!entry.first.IsScalar()) continue;
          bool taken = false;
          for (auto o : own)
            taken = taken || (o.first.IsScalar() && o.first.Scalar() == entry.first.Scalar());
          if (taken) r.fail(entry.first, "key \"" + entry.first.Scalar() + "\" already set in map " + key);
          own[entry.first.Scalar()] = entry.second;
        }
      }
    }
  }
}

}  // namespace vigia::notify::detail

namespace vigia::notify {

std::string join_dir(const std::string& dir, const std::string& file) {
  if (file.empty() || file[0] == '/' || dir.empty()) return file;
  return dir.back() == '/' ? dir + file : dir + "/" + file;
}

TlsConfig read_tls_config(const YamlReader& r, const YAML::Node& tls, const std::string& w,
                          const std::string& dir) {
  TlsReadOptions o;
  o.dir = dir;
  o.unsupported = {"min_version", "max_version"};
  o.yaml_v2 = true;
  o.cert_and_key_together = false;
  return read_tls_client_options(r, tls, w, o);
}

using detail::check_keys_am;

Secret read_secret(const YamlReader& r, const YAML::Node& n, const std::string& what, const std::string& key,
                   const std::string& dir) {
  Secret s;
  if (!n.IsMap()) return s;
  YAML::Node v = n[key];
  YAML::Node f = n[key + "_file"];
  if (v && !v.IsNull()) s.value = r.get_string(v, what + "." + key);
  if (f && !f.IsNull()) s.file = join_dir(dir, r.get_string(f, what + "." + key + "_file"));
  if (!s.value.empty() && !s.file.empty())
    r.fail(f, what + ": at most one of " + key + " & " + key + "_file must be configured");
  return s;
}

HttpConfig read_http_config(const YamlReader& r, const YAML::Node& n, const std::string& what,
                            const std::string& dir) {
  HttpConfig hc;
  check_keys_am(r, n, what,
                {"basic_auth", "authorization", "bearer_token", "bearer_token_file", "tls_config",
                 "follow_redirects", "enable_http2"},
                {"oauth2", "proxy_url"});
  if (!n.IsMap()) return hc;
  YAML::Node ba = n["basic_auth"];
  bool has_basic = ba && !ba.IsNull();
  if (has_basic) {
    r.check_keys(ba, what + ".basic_auth", {"username", "password", "password_file"});
    if (ba.IsMap() && ba["username"] && !ba["username"].IsNull())
      hc.basic_auth_username = r.get_string(ba["username"], what + ".basic_auth.username");
    hc.basic_auth_password = read_secret(r, ba, what + ".basic_auth", "password", dir);
  }
  Secret bearer = read_secret(r, n, what, "bearer_token", dir);
  if (has_basic && !bearer.empty())
    r.fail(n,
           what + ": at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured");
  YAML::Node au = n["authorization"];
  if (au && !au.IsNull()) {
    std::string w = what + ".authorization";
    r.check_keys(au, w, {"type", "credentials", "credentials_file"});
    if (!bearer.empty())
      r.fail(au, w + ": authorization is not compatible with bearer_token & bearer_token_file");
    if (au.IsMap() && au["type"] && !au["type"].IsNull())
      hc.authorization_type = r.get_string(au["type"], w + ".type");
    hc.authorization_type = std::string(trim(hc.authorization_type));
    if (hc.authorization_type.empty()) hc.authorization_type = "Bearer";
    std::string lower = hc.authorization_type;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "basic")
      r.fail(au, w + ": authorization type cannot be set to \"basic\", use \"basic_auth\" instead");
    if (has_basic) r.fail(au, w + ": at most one of basic_auth, oauth2 & authorization must be configured");
    hc.authorization_credentials = read_secret(r, au, w, "credentials", dir);
  } else if (!bearer.empty()) {
    hc.authorization_type = "Bearer";
    hc.authorization_credentials = bearer;
  }
  YAML::Node tls = n["tls_config"];
  if (tls && !tls.IsNull()) hc.tls = read_tls_config(r, tls, what + ".tls_config", dir);
  if (n["follow_redirects"] && !n["follow_redirects"].IsNull())
    hc.follow_redirects = detail::read_bool(r, n["follow_redirects"], what + ".follow_redirects");
  if (n["enable_http2"] && !n["enable_http2"].IsNull())
    hc.enable_http2 = detail::read_bool(r, n["enable_http2"], what + ".enable_http2");
  return hc;
}

}  // namespace vigia::notify
