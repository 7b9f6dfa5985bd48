#include "core/area.h"

#include <dlfcn.h>
#include <limits.h>
#include <unistd.h>

#include <map>
#include <mutex>

#include "core/area_module.h"
#include "core/config.h"
#include "core/service.h"
#include "core/yaml_reader.h"

namespace vigia {
namespace {

std::string exe_dir() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  std::string path(buf, static_cast<size_t>(n));
  return path.substr(0, path.rfind('/'));
}

// Opens a module by file name; the handle is kept for the process's life.
void* open_module(const std::string& file, std::string& tried) {
  std::string dir = exe_dir();
  for (const std::string& path : {dir + "/" + file, dir + "/../lib/vigia/" + file}) {
    if (void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) return h;
    const char* err = dlerror();
    if (!tried.empty()) tried += "; ";
    tried += err ? err : path;
  }
  return nullptr;
}

}  // namespace

std::vector<std::string> area_sections(const AreaList& areas) {
  std::vector<std::string> out;
  for (const auto& a : areas) {
    out.emplace_back(a->name());
    for (std::string_view k : a->extra_sections()) out.emplace_back(k);
  }
  return out;
}

Status read_area_configs(const AreaList& areas, const Config& cfg) {
  YamlReader r(cfg.file);
  for (const auto& a : areas) {
    try {
      for (std::string_view k : a->extra_sections()) a->read_extra_section(r, k, cfg.section(k));
      a->read_config(r, cfg.section(a->name()));
    } catch (const ConfigError& e) {
      return Status::error(e.what());
    } catch (const YAML::Exception& e) {
      return Status::error(yaml_error_message(cfg.file, e));
    }
  }
  return Status::ok();
}

Status add_area_collectors(const AreaList& areas, bool exporters, CollectorCatalog& catalog,
                           std::vector<std::shared_ptr<TargetCollector>>& probes,
                           std::vector<std::shared_ptr<ModuleProber>>* module_probers) {
  AreaSetup setup{catalog, probes, {}, module_probers};
  for (const auto& a : areas) {
    if (a->exporter() && !exporters) continue;
    if (Status st = a->add_collectors(setup); !st.is_ok()) return st;
  }
  // Names the catalogue does not know are ignored here (a disabled area's).
  for (const auto& [name, on] : setup.config_switches) catalog.set_enabled(name, on);
  return Status::ok();
}

void add_service_collector(AreaSetup& setup, std::shared_ptr<ServiceCollector> c) {
  setup.probes.push_back(c);
  std::string name(c->name());
  setup.catalog.add(std::move(name), true, [c] { return std::make_unique<SharedCollector>(c); });
}

Status load_area_module(std::string_view file, std::string_view area, const void* config, AreaSetup& setup) {
  static std::mutex mu;
  static std::map<std::string, void*, std::less<>> handles;
  std::lock_guard<std::mutex> lock(mu);
  auto it = handles.find(file);
  if (it == handles.end()) {
    std::string tried;
    void* h = open_module(std::string(file), tried);
    if (!h) return Status::error("cannot load the " + std::string(area) + " module: " + tried);
    it = handles.emplace(std::string(file), h).first;
  }
  std::string entry = "vigia_area_" + std::string(area);
  auto add = reinterpret_cast<AreaModuleEntry>(dlsym(it->second, entry.c_str()));
  if (!add) return Status::error("the module " + std::string(file) + " has no " + entry);
  Status st;
  add(config, setup, st);
  return st;
}

}  // namespace vigia
