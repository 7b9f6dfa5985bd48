// One line per host collector: name, enabled by default, factory.
#include <memory>

#include "exporters/host/host.h"
#include "exporters/host/loadavg_collector.h"

namespace vigia::host {

void register_collectors(CollectorCatalog& c, const HostOptions& o) {
  c.add("loadavg", true, [o] { return std::make_unique<LoadavgCollector>(o.paths); });
}

}  // namespace vigia::host
