// What the service areas' target lists share beyond YamlReader::read_named_list
// (the list of named mappings itself): reading a list from YAML text as a
// Status, the descriptor of an area whose collectors are linked into the
// binary (TargetListArea in core/area_module.h is the one of module areas),
// and the basic-auth keys of HTTP targets.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/area.h"
#include "core/secret.h"
#include "core/status.h"
#include "core/yaml_reader.h"

namespace vigia {

// An area's reader of its section's list (a null node: no targets); throws
// ConfigError (file:line:column).
template <typename Target>
using TargetListReader = std::vector<Target> (*)(const YamlReader& r, const YAML::Node& n,
                                                 std::string_view section);

// Runs read on the YAML document `yaml` read from `file` (its name in
// errors): a ConfigError, or yaml-cpp's own error as file:line:column, is the
// Status returned.
Status read_yaml_text(const std::string& file, const std::string& yaml,
                      const std::function<void(const YamlReader& r, YAML::Node root)>& read);

// Section `section` of the document read by `read` into out (for unit tests:
// an area's list without the whole configuration).
template <typename Target>
Status parse_target_list(const std::string& file, const std::string& yaml, std::string_view section,
                         TargetListReader<Target> read, std::vector<Target>& out) {
  return read_yaml_text(file, yaml, [&](const YamlReader& r, YAML::Node root) {
    out = read(r, root[std::string(section)], section);
  });
}

// The descriptor of an area whose section is a list of targets collected by a
// service collector linked into the binary: `read` reads the list, `make`
// builds the collector when it is not empty.
template <typename Target>
class LinkedTargetListArea final : public Area {
 public:
  using Maker = std::shared_ptr<ServiceCollector> (*)(const std::vector<Target>& targets);
  LinkedTargetListArea(std::string name, TargetListReader<Target> read, Maker make)
      : name_(std::move(name)), read_(read), make_(make) {}
  std::string_view name() const override { return name_; }
  void read_config(const YamlReader& r, const YAML::Node& n) override { targets_ = read_(r, n, name_); }
  Status add_collectors(AreaSetup& setup) override {
    if (!targets_.empty()) add_service_collector(setup, make_(targets_));
    return Status::ok();
  }

 private:
  std::string name_;
  TargetListReader<Target> read_;
  Maker make_;
  std::vector<Target> targets_;
};

// The basic-auth keys of an HTTP target, `username` and password_file /
// password_env (core/secret.h), of map node `item`: the password into the
// result, the username into `username`. A password needs a username
// ("<what>: a password needs a username").
SecretRef read_basic_auth(const YamlReader& r, const YAML::Node& item, const std::string& what,
                          std::string& username);

}  // namespace vigia
