// Loadable area modules: an area whose client library is heavy (libpq brings
// libssl, libcrypto, Kerberos and LDAP: about 6 MiB of resident memory) keeps
// its collectors in a shared object beside the binary, loaded with dlopen only
// when its section configures something to collect. The binary exports core's
// symbols (ENABLE_EXPORTS), which the module resolves from it.
#pragma once

#include <string_view>

#include "core/area.h"
#include "core/status.h"

namespace vigia {

// The entry point a module exports for each of its areas, named
// "vigia_area_<area>": adds the area's collectors to setup, given the
// configuration its descriptor read (the area's own type, passed opaquely),
// and sets st on failure.
using AreaModuleEntry = void (*)(const void* config, AreaSetup& setup, Status& st);

// Defines the entry point of `area` in a module: VIGIA_AREA_MODULE(<area>)
// { ... uses config, setup, st ... }.
#define VIGIA_AREA_MODULE(area)                                                                  \
  extern "C" __attribute__((visibility("default"))) void vigia_area_##area(                      \
      const void* config, ::vigia::AreaSetup& setup, ::vigia::Status& st);                       \
  static_assert(std::is_same_v<decltype(&vigia_area_##area), ::vigia::AreaModuleEntry>);         \
  extern "C" void vigia_area_##area(const void* config, ::vigia::AreaSetup& setup, ::vigia::Status& st)

// Loads `file` (beside the binary, or in ../lib/vigia/ of an installed one; a
// module stays loaded for the process's life) and calls its entry point for
// `area`. The error names the paths tried and the loader's reason.
Status load_area_module(std::string_view file, std::string_view area, const void* config,
                        AreaSetup& setup);

}  // namespace vigia
