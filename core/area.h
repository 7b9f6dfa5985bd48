// An area: one folder of exporters/ (host, a database, a cache, a broker…) or
// of alerting/ (the notifier) that describes itself to core. Its descriptor says
// which section of the configuration file it reads and how, which command-line
// flags it adds, which collectors it contributes (and so whether /probe can
// serve its targets), and whether those collectors live in a loadable module.
// cmd/vigia/areas.cc lists the descriptors, one line each; core/ and cmd/ loop
// over that list and name no area.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/collector.h"
#include "core/registry.h"
#include "core/status.h"

namespace vigia {

class FlagSet;
class YamlReader;

// Where an area puts its collectors.
struct AreaSetup {
  CollectorCatalog& catalog;
  // Collectors whose targets /probe?target=NAME serves.
  std::vector<std::shared_ptr<TargetCollector>>& probes;
  // Switches taken from the configuration file (host.collectors.enable…),
  // applied once every area has added its collectors, before the flags'.
  std::vector<std::pair<std::string, bool>> config_switches;
  // Probers of /probe?target=X&module=M (core/collector.h); null where no
  // endpoint serves them (vigia query).
  std::vector<std::shared_ptr<ModuleProber>>* module_probers = nullptr;
};

class Area {
 public:
  virtual ~Area() = default;
  // The area's name, which is also its configuration section's key.
  virtual std::string_view name() const = 0;
  // Further top-level keys the area reads besides name() (e.g. a section of
  // shared settings beside its list of targets). Each is passed, present or
  // not (a null node), to read_extra_section before read_config is called.
  virtual std::vector<std::string_view> extra_sections() const { return {}; }
  virtual void read_extra_section(const YamlReader& r, std::string_view key, const YAML::Node& section) {
    (void)r, (void)key, (void)section;
  }
  // Adds its command-line flags; their values land in the area's options.
  virtual void add_flags(FlagSet& flags) { (void)flags; }
  // Reads its configuration section: `section` is the node (null when the
  // file has none, or there is no file). Throws ConfigError naming
  // file:line:column (YamlReader's helpers do). Called once, before
  // add_collectors; `vigia check config` calls only this.
  virtual void read_config(const YamlReader& r, const YAML::Node& section) = 0;
  // True when the area is a service-target exporter: only the exporter roles
  // (`vigia run`, `vigia exporter`, `vigia query`) add its collectors, never
  // `vigia alerts`.
  virtual bool exporter() const { return true; }
  // The file name of the loadable module its collectors live in
  // ("vigia-<area>.so"), or "" when they are linked into the binary. A module
  // is loaded only when the configuration gives the area something to collect.
  virtual std::string_view module() const { return {}; }
  // Adds the area's collectors. A module area forwards to its module's entry
  // point through load_area_module (core/area_module.h).
  virtual Status add_collectors(AreaSetup& setup) = 0;
};

using AreaList = std::vector<std::unique_ptr<Area>>;

class ServiceCollector;
// Adds a service-target collector (core/service.h) as its area's collector,
// on by default, whose targets /probe serves too.
void add_service_collector(AreaSetup& setup, std::shared_ptr<ServiceCollector> c);

// The configuration section keys of the areas (their names and extra
// sections), for the loader's unknown-key check.
std::vector<std::string> area_sections(const AreaList& areas);

// Reads every area's section of cfg (core/config.h keeps them as nodes).
// The first error, as "file:line:column: message".
struct Config;
Status read_area_configs(const AreaList& areas, const Config& cfg);

// Adds the collectors of every area (only those with exporter() false when
// exporters is false) to catalog and probes, then applies the configuration
// file's switches.
Status add_area_collectors(const AreaList& areas, bool exporters, CollectorCatalog& catalog,
                           std::vector<std::shared_ptr<TargetCollector>>& probes,
                           std::vector<std::shared_ptr<ModuleProber>>* module_probers = nullptr);

}  // namespace vigia
