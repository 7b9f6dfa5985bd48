// The vigia configuration file (--config.file). Every key is documented in
// README.md; deploy/vigia.yml is a commented example.
#pragma once

#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/status.h"

namespace vigia {

struct HostConfig {
  std::vector<std::string> enabled_collectors;   // host.collectors.enable
  std::vector<std::string> disabled_collectors;  // host.collectors.disable
};

struct Config {
  std::string file;  // the file's name, for errors of sections read later
  HostConfig host;
  // Sections read by their exporter (exporters/postgres/target_config.h), which
  // reports errors with this file's line and column: null if absent.
  YAML::Node postgres;
  YAML::Node pgbouncer;
};

// Loads and validates a configuration file. Errors are one line naming
// file:line:column: "vigia.yml:3:5: unknown key 'colectors' in host".
Status load_config_file(const std::string& path, Config& out);
// The same from text; `name` is used as the file name in errors.
Status load_config_text(const std::string& text, const std::string& name, Config& out);

}  // namespace vigia
