// libFuzzer target for the probe area's reader of blackbox.yml modules
// (exporters/probe/config): any text is accepted or refused with a
// file:line:column message, never a crash or an uncaught exception; an
// accepted module's prober is one vigia implements.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "exporters/probe/config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  vigia::probe::ModuleMap modules;
  std::string error;
  if (!vigia::probe::parse_blackbox_yaml(text, "blackbox.yml", modules, error)) {
    if (error.rfind("blackbox.yml", 0) != 0) {
      std::fprintf(stderr, "error without the file name: %s\n", error.c_str());
      std::abort();
    }
    return 0;
  }
  for (const auto& [name, m] : modules)
    if (m.prober != "http" && m.prober != "tcp" && m.prober != "icmp" && m.prober != "dns") {
      std::fprintf(stderr, "module %s accepted with prober %s\n", name.c_str(), m.prober.c_str());
      std::abort();
    }
  return 0;
}
