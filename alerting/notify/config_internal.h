// Readers shared by config.cc and config_route.cc (not part of the API).
#pragma once

#include <string>
#include <vector>

#include "alerting/notify/config.h"
#include "core/yaml_reader.h"

namespace vigia::notify::detail {

// A key Alertmanager 0.25 accepts that vigia does not implement: an error
// naming it ("... 'pagerduty_url' is not supported by vigia").
void refuse_unsupported(const YamlReader& r, const YAML::Node& map, const std::string& what,
                        const std::vector<std::string_view>& unsupported);
// check_keys over `known` + `unsupported`, then refuse_unsupported.
void check_keys_am(const YamlReader& r, const YAML::Node& map, const std::string& what,
                   const std::vector<std::string_view>& known,
                   const std::vector<std::string_view>& unsupported);
// A YAML bool as yaml.v2 reads one: a plain true/false/yes/no/on/off (a
// quoted "true" is a string, refused).
bool read_bool(const YamlReader& r, const YAML::Node& n, const std::string& what);
// A model.Duration in milliseconds.
int64_t read_duration_ms(const YamlReader& r, const YAML::Node& n, const std::string& what);
// A list of matcher strings (config.Matchers), appended to `out`.
void read_matchers(const YamlReader& r, const YAML::Node& n, const std::string& what, Matchers& out);
// match: {name: value} as = matchers; match_re: {name: re} as =~ matchers.
void read_match_map(const YamlReader& r, const YAML::Node& n, const std::string& what, bool regex,
                    Matchers& out);
RouteConfig read_route(const YamlReader& r, const YAML::Node& n, const std::string& what);
InhibitRuleConfig read_inhibit_rule(const YamlReader& r, const YAML::Node& n, const std::string& what);
// YAML merge keys (`<<: *anchor`), which yaml.v2 honours and yaml-cpp does not:
// expanded in place, the map's own keys winning, except that matcher lists
// (`matchers`, `source_matchers`, `target_matchers`) are the merged ones
// followed by the map's own, and `match`-style maps are united, as
// Alertmanager's unmarshalling into the same struct gives (a label in both
// is an error, as yaml.v2's strict mode says).
void expand_merge_keys(const YamlReader& r, YAML::Node n, int depth = 0);

}  // namespace vigia::notify::detail
