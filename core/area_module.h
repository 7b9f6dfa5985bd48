// Loadable area modules: an area whose client library is heavy (libpq brings
// libssl, libcrypto, Kerberos and LDAP: about 6 MiB of resident memory) keeps
// its collectors in a shared object beside the binary, loaded with dlopen only
// when its section configures something to collect. The binary exports core's
// symbols (ENABLE_EXPORTS), which the module resolves from it.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/area.h"
#include "core/status.h"
#include "core/yaml_reader.h"

namespace vigia {

// The entry point a module exports for each of its areas, named
// "vigia_area_<area>": adds the area's collectors to setup, given the
// configuration its descriptor read (the area's own type, passed opaquely),
// and sets st on failure.
using AreaModuleEntry = void (*)(const void* config, AreaSetup& setup, Status& st);

// Defines the entry point of `area` in a module: VIGIA_AREA_MODULE(<area>)
// { ... uses config, setup, st ... }.
#define VIGIA_AREA_MODULE(area)                                                          \
  extern "C" __attribute__((visibility("default"))) void vigia_area_##area(              \
      const void* config, ::vigia::AreaSetup& setup, ::vigia::Status& st);               \
  static_assert(std::is_same_v<decltype(&vigia_area_##area), ::vigia::AreaModuleEntry>); \
  extern "C" void vigia_area_##area(const void* config, ::vigia::AreaSetup& setup, ::vigia::Status& st)

// Loads `file` (beside the binary, or in ../lib/vigia/ of an installed one; a
// module stays loaded for the process's life) and calls its entry point for
// `area`. The error names the paths tried and the loader's reason.
Status load_area_module(std::string_view file, std::string_view area, const void* config, AreaSetup& setup);

// The descriptor of a module area whose section is a list of targets: `read`
// reads the list (throwing ConfigError), and the module's entry point gets a
// `const std::vector<Target>*` when the list is not empty.
template <typename Target>
class TargetListArea final : public Area {
 public:
  using Reader = std::vector<Target> (*)(const YamlReader& r, const YAML::Node& n, std::string_view section);
  TargetListArea(std::string name, std::string module, Reader read)
      : name_(std::move(name)), module_(std::move(module)), read_(read) {}
  std::string_view name() const override { return name_; }
  void read_config(const YamlReader& r, const YAML::Node& n) override { targets_ = read_(r, n, name_); }
  std::string_view module() const override { return module_; }
  Status add_collectors(AreaSetup& setup) override {
    if (targets_.empty()) return Status::ok();
    return load_area_module(module_, name_, &targets_, setup);
  }

 private:
  std::string name_, module_;
  Reader read_;
  std::vector<Target> targets_;
};

}  // namespace vigia
