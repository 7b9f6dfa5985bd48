#include "core/config.h"

#include <fstream>
#include <sstream>

#include "core/fs.h"
#include "core/yaml_reader.h"

namespace vigia {
namespace {

void read_host(const YamlReader& r, const YAML::Node& n, HostConfig& out) {
  r.check_keys(n, "host", {"collectors"});
  if (!n.IsMap()) return;
  if (YAML::Node c = n["collectors"]) {
    r.check_keys(c, "host.collectors", {"enable", "disable"});
    if (c.IsMap()) {
      if (c["enable"]) out.enabled_collectors = r.get_string_list(c["enable"], "host.collectors.enable");
      if (c["disable"]) out.disabled_collectors = r.get_string_list(c["disable"], "host.collectors.disable");
    }
  }
}

}  // namespace

Status load_config_text(const std::string& text, const std::string& name, Config& out) {
  YamlReader r(name);
  try {
    YAML::Node root = YAML::Load(text);
    if (root.IsNull()) {  // an empty file: every default
      out = Config();
      return Status::ok();
    }
    if (!root.IsMap()) r.fail(root, "expected a mapping at the top level");
    r.check_keys(root, "the top level", {"host", "postgres", "pgbouncer"});
    Config cfg;
    cfg.file = name;
    if (root["postgres"]) cfg.postgres = root["postgres"];
    if (root["pgbouncer"]) cfg.pgbouncer = root["pgbouncer"];
    if (root["host"]) read_host(r, root["host"], cfg.host);
    out = std::move(cfg);
    return Status::ok();
  } catch (const ConfigError& e) {
    return Status::error(e.what());
  } catch (const YAML::Exception& e) {
    // yaml-cpp's own message starts with "yaml-cpp: error at line L, column C: ".
    std::string msg = e.msg;
    if (e.mark.line >= 0)
      return Status::error(name + ":" + std::to_string(e.mark.line + 1) + ":" +
                           std::to_string(e.mark.column + 1) + ": " + msg);
    return Status::error(name + ": " + msg);
  }
}

Status load_config_file(const std::string& path, Config& out) {
  std::string text;
  Status st = read_file(path, text);
  if (!st.is_ok()) return st;
  return load_config_text(text, path, out);
}

}  // namespace vigia
