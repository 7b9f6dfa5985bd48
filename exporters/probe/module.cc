// The probe module's entry point (vigia-probe.so): the probers, with libcurl
// and OpenSSL, loaded only when probe_modules or probes are configured.
#include "core/area_module.h"
#include "exporters/probe/probes.h"

VIGIA_AREA_MODULE(probe) {
  (void)st;
  const auto& cfg = *static_cast<const vigia::probe::AreaConfig*>(config);
  if (setup.module_probers && !cfg.modules.empty())
    setup.module_probers->push_back(vigia::probe::make_module_prober(cfg.modules));
  if (!cfg.probes.empty()) {
    auto scheduled = vigia::probe::make_scheduled_probes(cfg.modules, cfg.probes);
    setup.probes.push_back(scheduled);
    setup.catalog.add("probe", true,
                      [scheduled] { return std::make_unique<vigia::SharedCollector>(scheduled); });
  }
}
